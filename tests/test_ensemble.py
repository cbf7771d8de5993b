import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from sklearn_mgm import (
    compare_with_baselines,
    explain,
    make_mgm_ensemble,
    make_mgm_pipeline,
    save,
)
from sklearn_mgm.baselines import MODEL_NAMES
from sklearn_mgm.ensemble import member_seeds
from sklearn_mgm.explain import attention_weights

SMALL = dict(
    sentence_model="untrained", embedding_dim=8, hidden_size=8, max_epochs=2, random_state=0
)


@pytest.fixture(scope="module")
def ensemble(topics_corpus):
    return make_mgm_ensemble(n_members=2, **SMALL).fit(*topics_corpus)


def test_the_ensemble_averages_its_members_probabilities(topics_corpus, topics, ensemble):
    texts, y = topics_corpus
    documents = ensemble.named_steps["tokenizer"].transform(texts)
    members = ensemble.named_steps["ensemble"].estimators_
    probabilities = [member.predict_proba(documents) for member in members]
    np.testing.assert_allclose(
        ensemble.predict_proba(texts), np.mean(probabilities, axis=0), rtol=1e-6
    )
    assert not np.allclose(*probabilities)  # two seeds, two networks
    assert list(ensemble.classes_) == sorted(topics)
    assert ensemble.score(texts, y) == 1.0  # the topics differ in every word


def test_member_0_is_the_pipeline_of_the_same_seed(topics_corpus, ensemble):
    texts, y = topics_corpus
    alone = make_mgm_pipeline(**SMALL).fit(texts, y)
    member = ensemble.named_steps["ensemble"].estimators_[0]
    documents = ensemble.named_steps["tokenizer"].transform(texts)
    np.testing.assert_allclose(member.predict_proba(documents), alone.predict_proba(texts))


def test_member_seeds_follow_random_state():
    assert member_seeds(5, 3) == [5, 6, 7]
    assert member_seeds(None, 2) == [None, None]
    assert member_seeds(2**32 - 1, 2) == [2**32 - 1, 0]  # the classifiers' range
    drawn = member_seeds(np.random.RandomState(0), 3)
    assert drawn == member_seeds(np.random.RandomState(0), 3) and len(set(drawn)) == 3
    ensemble = make_mgm_ensemble(n_members=3, random_state=np.random.RandomState(0))
    assert [m.random_state for _, m in ensemble[-1].estimators] == drawn


@pytest.mark.parametrize("n_members", [1, 0, 2.5, True, "3"])
def test_bad_member_counts_are_clear_errors(n_members):
    with pytest.raises(ValueError, match="n_members must be an integer of 2 or more"):
        make_mgm_ensemble(n_members=n_members)


def test_unknown_parameters_are_refused_as_by_the_pipeline():
    with pytest.raises(TypeError, match="unknown parameter"):
        make_mgm_ensemble(hiden_size=8)


def test_several_labels_per_document_are_refused(topics_corpus):
    texts, _ = topics_corpus
    y = np.tile([[1, 0], [0, 1], [1, 1]], (10, 1))
    with pytest.raises(NotImplementedError, match="Multilabel"):
        make_mgm_ensemble(n_members=2, **SMALL).fit(texts, y)


def test_the_fitted_ensemble_pickles_and_clones(topics_corpus, ensemble):
    texts, _ = topics_corpus
    copy = pickle.loads(pickle.dumps(ensemble))
    np.testing.assert_allclose(copy.predict_proba(texts), ensemble.predict_proba(texts))
    fresh = clone(ensemble)
    assert fresh.get_params()["ensemble__member_1__random_state"] == 1


def test_grid_search_reaches_every_member(topics_corpus):
    texts, y = topics_corpus
    search = GridSearchCV(
        make_mgm_ensemble(n_members=2, **{**SMALL, "max_epochs": 1}),
        {"ensemble__member_1__lr": [0.01, 0.02]},
        cv=2,
    ).fit(texts, y)
    assert search.best_params_["ensemble__member_1__lr"] in (0.01, 0.02)


def test_explain_averages_the_members_weights_and_gives_the_ensembles_prediction(
    topics_corpus, topics, ensemble
):
    texts, _ = topics_corpus
    explanations = explain(ensemble, texts[:3])
    assert [e.label for e in explanations] == ensemble.predict(texts[:3]).tolist()
    expected = ensemble.predict_proba(texts[:3])
    for explanation, row in zip(explanations, expected, strict=True):
        assert list(explanation.probabilities) == sorted(topics)
        np.testing.assert_allclose(list(explanation.probabilities.values()), row, rtol=1e-5)
        assert round(sum(explanation.sentence_weights[0]), 6) == 1.0
    documents = ensemble.named_steps["tokenizer"].transform(texts[:1])
    members = ensemble.named_steps["ensemble"].estimators_
    each = [attention_weights(member, documents)[0][0]["sentence"] for member in members]
    np.testing.assert_allclose(explanations[0].sentence_weights, np.mean(each, axis=0), rtol=1e-5)
    assert not np.allclose(*each)  # the members looked at different places


@pytest.mark.parametrize("weights", [np.array([1.0, 3.0]), [3.0, 1.0]])
def test_explain_follows_the_votes_weights(topics_corpus, ensemble, weights):
    texts, _ = topics_corpus
    weighted = clone(ensemble).set_params(ensemble__weights=weights).fit(*topics_corpus)
    (explanation,) = explain(weighted, texts[:1])
    np.testing.assert_allclose(
        list(explanation.probabilities.values()), weighted.predict_proba(texts[:1])[0], rtol=1e-5
    )


def test_explain_skips_a_dropped_member(topics_corpus):
    texts, _ = topics_corpus
    ensemble = make_mgm_ensemble(n_members=3, **SMALL)
    ensemble.set_params(ensemble__member_1="drop", ensemble__weights=[1.0, 5.0, 3.0])
    ensemble.fit(*topics_corpus)
    (explanation,) = explain(ensemble, texts[:1])
    np.testing.assert_allclose(
        list(explanation.probabilities.values()), ensemble.predict_proba(texts[:1])[0], rtol=1e-5
    )


def test_explain_of_an_unfitted_ensemble_says_it_is_not_fitted(topics_corpus):
    with pytest.raises(NotFittedError):
        explain(make_mgm_ensemble(n_members=2, **SMALL), topics_corpus[0][:1])


def test_explain_refuses_a_hard_vote_of_networks(topics_corpus, ensemble):
    texts, _ = topics_corpus
    hard = clone(ensemble).set_params(ensemble__voting="hard").fit(*topics_corpus)
    with pytest.raises(TypeError, match='needs voting="soft"'):
        explain(hard, texts[:1])


def test_the_comparison_runs_the_ensemble_by_short_name(topics_corpus):
    table = compare_with_baselines(
        *topics_corpus, cv=2, models="mgm-ensemble, logreg", max_epochs=1, random_state=0
    )
    rows = {row["model"]: row for row in table.rows}
    assert list(rows) == [MODEL_NAMES["mgm-ensemble"], MODEL_NAMES["logreg"]]
    assert 0 <= rows[MODEL_NAMES["mgm-ensemble"]]["accuracy_mean"] <= 1


def test_save_names_the_way_to_store_an_ensemble(tmp_path, ensemble):
    with pytest.raises(TypeError, match=r"joblib\.dump"):
        save(ensemble, tmp_path / "model")
