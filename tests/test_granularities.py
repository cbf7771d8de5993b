"""granularities="auto": the views chosen from the shape of the training documents."""

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_mgm import (
    HierarchicalTokenizer,
    MultiGranularityClassifier,
    TokenizedDocuments,
    load,
    make_mgm_pipeline,
    save,
)
from sklearn_mgm.granularities import VIEWS, fitted_granularities

SMALL = dict(embedding_dim=8, hidden_size=8, max_epochs=2, random_state=0, batch_size=8)
QUESTIONS = [
    ("Who scored the winning goal", "sport"),
    ("Which team won the cup", "sport"),
    ("How far did the shares fall", "money"),
    ("Why did investors sell their stock", "money"),
] * 4
STORIES = [
    ("The striker scored. The fans cheered.", "sport"),
    ("The team won the cup. The coach smiled.", "sport"),
    ("Shares fell sharply. Investors worried.", "money"),
    ("Investors sold stock. The market slid.", "money"),
] * 4


def documents_of(sentence_counts, paragraphs=1):
    """One document per count, its one-word sentences spread over ``paragraphs``."""
    nested = [
        [[[2]] * (count // paragraphs + (p < count % paragraphs)) for p in range(paragraphs)]
        for count in sentence_counts
    ]
    return TokenizedDocuments.from_nested(nested, vocabulary={"a": 2})


@pytest.mark.parametrize(
    ("sentence_counts", "expected"),
    [
        ([1, 1, 1], ("bag", "word")),
        ([1, 1, 3], ("bag", "word")),  # a third of the documents hold several
        ([0, 0, 5], ("bag", "word")),  # empty documents hold no sentence
        ([1, 2], VIEWS),  # half of them
        ([0, 2], VIEWS),  # half of them, beside an empty document
        ([4, 6, 1], VIEWS),
    ],
)
def test_auto_keeps_every_view_where_half_the_documents_hold_several_sentences(
    sentence_counts, expected
):
    assert fitted_granularities("auto", documents_of(sentence_counts)) == expected


def test_sentences_in_separate_paragraphs_count_as_several():
    documents = documents_of([2, 2, 1], paragraphs=2)
    assert documents.n_paragraphs.tolist() == [2, 2, 2]
    assert fitted_granularities("auto", documents) == VIEWS


@pytest.mark.parametrize("given", ["word", ["sentence", "bag"], ("paragraph",)])
def test_views_that_are_named_are_kept_whatever_the_documents(given):
    expected = (given,) if isinstance(given, str) else tuple(given)
    assert fitted_granularities(given, documents_of([1, 1])) == expected
    assert fitted_granularities(given, documents_of([5, 5])) == expected


@pytest.mark.parametrize("bad", ["Auto", "all", (), ("word", "word"), 3])
def test_anything_else_is_refused_with_a_pointer_to_auto(bad):
    with pytest.raises(ValueError, match=r"granularities .*Or 'auto'"):
        fitted_granularities(bad, documents_of([1]))


def test_the_default_classifier_reads_one_sentence_texts_through_two_views():
    texts, labels = zip(*QUESTIONS)
    pipe = make_mgm_pipeline(**SMALL).fit(texts, labels)
    classifier = pipe[-1]
    assert classifier.granularities == "auto"
    assert classifier.granularities_ == classifier.module_.granularities == ("bag", "word")
    assert not hasattr(classifier.module_, "sentence_encoder")
    assert not hasattr(classifier.module_, "paragraph_encoder")
    assert pipe.predict(texts).shape == (len(texts),)


def test_the_default_classifier_keeps_every_view_for_texts_of_several_sentences():
    texts, labels = zip(*STORIES)
    classifier = make_mgm_pipeline(**SMALL).fit(texts, labels)[-1]
    assert classifier.granularities_ == classifier.module_.granularities == VIEWS


def test_auto_is_chosen_again_at_each_fit_and_kept_by_later_training():
    questions, question_labels = zip(*QUESTIONS)
    stories, story_labels = zip(*STORIES)
    tokenizer = HierarchicalTokenizer(sentence_model="untrained").fit(questions + stories)
    X_questions, X_stories = tokenizer.transform(questions), tokenizer.transform(stories)
    classifier = MultiGranularityClassifier(**SMALL).fit(X_stories, story_labels)
    assert classifier.granularities_ == VIEWS
    classifier.partial_fit(X_questions, question_labels)  # continues the same network
    assert classifier.granularities_ == classifier.module_.granularities == VIEWS
    classifier.fit(X_questions, question_labels)  # a new fit chooses anew
    assert classifier.granularities_ == classifier.module_.granularities == ("bag", "word")
    fresh = clone(classifier)
    assert fresh.granularities == "auto"
    assert not hasattr(fresh, "granularities_")
    classifier.set_params(warm_start=True).fit(X_stories, story_labels)
    assert classifier.granularities_ == classifier.module_.granularities == ("bag", "word")


def test_the_chosen_views_are_saved_with_the_model(tmp_path):
    texts, labels = zip(*QUESTIONS)
    pipe = make_mgm_pipeline(**SMALL).fit(texts, labels)
    save(pipe, tmp_path / "model")
    restored = load(tmp_path / "model")
    assert restored[-1].granularities == "auto"
    assert restored[-1].granularities_ == restored[-1].module_.granularities == ("bag", "word")
    np.testing.assert_array_equal(restored.predict_proba(texts), pipe.predict_proba(texts))


def test_named_views_apply_when_skorch_rebuilds_a_fitted_network():
    texts, labels = zip(*QUESTIONS)
    X = HierarchicalTokenizer(sentence_model="untrained").fit_transform(texts)
    classifier = MultiGranularityClassifier(**SMALL).fit(X, labels)
    assert classifier.granularities_ == ("bag", "word")
    classifier.set_params(granularities=("word", "sentence"))
    classifier.set_params(module__view_loss=0.2)  # rebuilds the network
    assert classifier.granularities_ == classifier.module_.granularities == ("word", "sentence")
    classifier.set_params(granularities="auto", module__view_loss=0.0)
    assert classifier.granularities_ == classifier.module_.granularities == ("word", "sentence")


def test_the_fitted_views_are_those_of_the_network():
    texts, labels = zip(*QUESTIONS)
    pipe = make_mgm_pipeline(module__granularities=("sentence",), **SMALL).fit(texts, labels)
    assert pipe[-1].granularities_ == pipe[-1].module_.granularities == ("sentence",)


def test_bad_views_leave_a_fitted_classifier_as_it_was():
    texts, labels = zip(*QUESTIONS)
    X = HierarchicalTokenizer(sentence_model="untrained").fit_transform(texts)
    classifier = MultiGranularityClassifier(**SMALL).fit(X, labels)
    expected = classifier.predict_proba(X)
    classifier.set_params(granularities=("word", "letter"))
    with pytest.raises(ValueError, match="Or 'auto'"):
        classifier.fit(X, ["x"] * len(labels))
    assert classifier.classes_.tolist() == ["money", "sport"]
    np.testing.assert_array_equal(classifier.predict_proba(X), expected)


def test_a_model_pickled_before_auto_can_be_saved(tmp_path):
    texts, labels = zip(*QUESTIONS)
    pipe = make_mgm_pipeline(granularities=("word", "sentence"), **SMALL).fit(texts, labels)
    del pipe[-1].granularities_  # as a classifier unpickled from an older version
    save(pipe, tmp_path / "model")
    restored = load(tmp_path / "model")
    assert restored[-1].granularities_ == ("word", "sentence")
    np.testing.assert_array_equal(restored.predict_proba(texts), pipe.predict_proba(texts))
