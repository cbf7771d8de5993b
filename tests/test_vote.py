import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import check_estimator

from sklearn_mgm import explain, make_mgm_vote
from sklearn_mgm.lexical import LexicalFeatures
from sklearn_mgm.vote import CalibratedLinearSVC, linear_member

SMALL = dict(
    sentence_model="untrained", embedding_dim=8, hidden_size=8, max_epochs=2, random_state=0
)
CHINESE = ["今天的比赛很精彩。球迷很高兴。", "股市今天下跌了。投资者很担心。"] * 4


@pytest.fixture(scope="module")
def vote(topics_corpus):
    return make_mgm_vote(**SMALL).fit(*topics_corpus)


def test_the_vote_averages_its_members_probabilities_with_the_weights(topics_corpus, topics, vote):
    texts, y = topics_corpus
    members = vote.named_estimators_
    expected = 0.3 * members["mgm"].predict_proba(texts) + 0.7 * members["linear"].predict_proba(
        texts
    )
    np.testing.assert_allclose(vote.predict_proba(texts), expected, rtol=1e-6)
    assert list(vote.classes_) == sorted(topics)
    assert vote.score(texts, y) == 1.0  # the topics differ in every word
    assert members["linear"][0].features_ == "words"


def test_explain_takes_the_vote_and_explains_its_mgm_member_in_its_labels(
    topics_corpus, topics, vote
):
    texts, _ = topics_corpus
    (explanation,) = explain(vote, texts[:1])
    assert explanation.label == vote.predict(texts[:1])[0]
    assert round(sum(explanation.sentence_weights[0]), 6) == 1.0
    assert set(explanation.probabilities) == set(topics)
    (member,) = explain(vote.named_estimators_["mgm"], texts[:1])
    assert member.label in range(3)  # a member of a vote learns encoded labels


def test_the_fitted_vote_pickles(topics_corpus, vote):
    texts, _ = topics_corpus
    copy = pickle.loads(pickle.dumps(vote))
    np.testing.assert_allclose(copy.predict_proba(texts), vote.predict_proba(texts), rtol=1e-6)


def test_the_vote_is_a_scikit_learn_estimator(topics_corpus):
    texts, y = topics_corpus
    vote = make_mgm_vote(mgm_weight=0.5, **{**SMALL, "max_epochs": 1})
    assert clone(vote).get_params()["weights"] == [0.5, 0.5]
    scores = cross_val_score(vote, texts, y, cv=2)
    assert scores.shape == (2,)


@pytest.mark.parametrize("weight", [0, 1, 1.5, -0.2, True, "0.3", None])
def test_a_weight_outside_zero_and_one_is_refused(weight):
    with pytest.raises(ValueError, match="mgm_weight must be a number strictly between 0 and 1"):
        make_mgm_vote(mgm_weight=weight)


def test_unknown_features_or_parameters_are_refused():
    with pytest.raises(ValueError, match="features must be one of 'auto', 'words'"):
        make_mgm_vote(features="bigrams")
    with pytest.raises(TypeError, match="unknown parameter"):
        make_mgm_vote(hiden_size=8)


def test_lexical_features_read_characters_where_words_have_no_spaces():
    english = ["A good day at the market.", "A bad day for the team."] * 2
    assert LexicalFeatures().fit(CHINESE).features_ == "characters"
    assert LexicalFeatures().fit(english).features_ == "words"
    assert LexicalFeatures("words").fit(CHINESE).features_ == "words"
    characters = LexicalFeatures("characters").fit(CHINESE)
    assert "比赛" in characters.get_feature_names_out()
    expected = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2
    ).fit_transform(CHINESE)
    np.testing.assert_allclose(characters.transform(CHINESE).toarray(), expected.toarray())
    fit_transformed = LexicalFeatures().fit_transform(CHINESE)
    np.testing.assert_allclose(fit_transformed.toarray(), expected.toarray())


def test_lexical_features_check_their_input():
    with pytest.raises(InvalidParameterError, match="features"):
        LexicalFeatures("bytes").fit(CHINESE)
    with pytest.raises(ValueError, match="at least one training text"):
        LexicalFeatures().fit([])
    with pytest.raises(ValueError, match="string object received"):
        LexicalFeatures().fit("one text")
    with pytest.raises(TypeError, match="position 1"):
        LexicalFeatures().fit(["a text", 3])
    with pytest.raises(NotFittedError):
        LexicalFeatures().transform(["a text"])


def test_explain_refuses_a_vote_without_an_mgm_member(topics_corpus):
    texts, y = topics_corpus
    linear = make_pipeline(TfidfVectorizer(), LogisticRegression())
    vote = VotingClassifier([("a", linear), ("b", clone(linear))], voting="soft").fit(texts, y)
    with pytest.raises(TypeError, match="no member that is an MGM pipeline"):
        explain(vote, texts[:1])


def test_the_calibrated_linear_svc_passes_scikit_learns_estimator_checks():
    failed = [
        result["check_name"]
        for result in check_estimator(CalibratedLinearSVC(), on_fail=None)
        if result["status"] == "failed"
    ]
    assert not failed


def test_a_class_rarer_than_the_folds_still_gets_probabilities(topics):
    texts = [f"{topics[topic]} Story {i}." for i in range(8) for topic in ("sport", "money")]
    labels = ["sport", "money"] * 8
    member = linear_member("words").fit([*texts, "Rain and storms."], [*labels, "weather"])
    proba = member.predict_proba(["Rain and storms.", topics["sport"]])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert member.classes_.tolist() == ["money", "sport", "weather"]
    # one document calibrates nothing well, but its class keeps a share where it belongs
    assert proba[0, 2] > proba[1, 2] > 0


def test_the_calibrated_linear_svc_checks_its_parameters():
    with pytest.raises(InvalidParameterError, match="C"):
        CalibratedLinearSVC(C=0).fit([[0.0], [1.0]] * 3, [0, 1] * 3)
    with pytest.raises(InvalidParameterError, match="n_folds"):
        CalibratedLinearSVC(n_folds=1).fit([[0.0], [1.0]] * 3, [0, 1] * 3)
