import io
import sys

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from sklearn_mgm import (
    MultiGranularityClassifier,
    TokenizedDocuments,
    explain,
    make_mgm_pipeline,
)
from sklearn_mgm.batching import collate_documents
from sklearn_mgm.datasets import make_hierarchical_documents
from sklearn_mgm.explain import attention_weights

SMALL = dict(
    sentence_model="untrained",
    embedding_dim=8,
    hidden_size=8,
    max_epochs=1,
    batch_size=4,
    attention_heads=2,
    dropout=0.5,
    random_state=0,
)
GRANULARITIES = [
    ("word",),
    ("sentence",),
    ("paragraph",),
    ("bag",),
    ("bag", "word"),  # what "auto" chooses for one-sentence documents
    ("bag", "word", "sentence", "paragraph"),
]


@pytest.fixture(scope="module", autouse=True)
def single_threaded():
    # several threads per process crawl when other processes keep the cores busy
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def corpus():
    return make_hierarchical_documents(24, random_state=0)


@pytest.fixture(scope="module", params=GRANULARITIES, ids="+".join)
def fitted(request, corpus):
    texts, y = corpus
    return make_mgm_pipeline(granularities=request.param, **SMALL).fit(texts, y)


def flat(nested):
    if isinstance(nested, list):
        return [x for item in nested for x in flat(item)]
    return [nested]


def structure(nested):
    return [structure(item) for item in nested] if isinstance(nested, list) else None


def test_weights_sum_to_one_at_every_level(fitted, corpus):
    texts = [*corpus[0][:6], "", "One sentence only."]
    explanations = explain(fitted, texts)
    assert len(explanations) == len(texts)
    vocabulary = fitted[0].vocabulary_
    for explanation in explanations:
        words = explanation.words
        if fitted[-1].granularities == ("bag",) and not set(flat(words)) & set(vocabulary):
            # the bag reads known words only: none read, no weight anywhere
            assert set(flat(explanation.word_weights)) <= {0.0}
            continue
        assert structure(explanation.word_weights) == structure(words)
        assert [len(p) for p in explanation.sentence_weights] == [len(p) for p in words]
        assert len(explanation.paragraph_weights) == len(words)
        if not words:
            assert explanation.sentence_weights == explanation.paragraph_weights == []
            continue
        for level in (
            explanation.word_weights,
            explanation.sentence_weights,
            explanation.paragraph_weights,
        ):
            assert min(flat(level)) >= 0
            assert sum(flat(level)) == pytest.approx(1, abs=1e-5)
        for paragraph, sentences, weight in zip(
            explanation.word_weights, explanation.sentence_weights, explanation.paragraph_weights
        ):
            assert sum(sentences) == pytest.approx(weight, abs=1e-6)
            assert [sum(s) for s in paragraph] == pytest.approx(sentences, abs=1e-6)


@pytest.mark.parametrize(
    "granularity, level, attention",
    [
        ("word", "word_weights", "document_word"),
        ("sentence", "sentence_weights", "document_sentence"),
        ("paragraph", "paragraph_weights", "paragraph"),
    ],
)
def test_a_single_granularity_gives_its_own_attention(corpus, granularity, level, attention):
    texts, y = corpus
    pipe = make_mgm_pipeline(granularities=(granularity,), **SMALL).fit(texts, y)
    module = pipe[-1].module_.eval()
    for text, explanation in zip(texts[:4], explain(pipe, texts[:4])):
        with torch.no_grad():
            batch = collate_documents(pipe[0].transform([text]))
            _, weights = module(batch, return_attention=True)
        expected = weights[attention][0].mean(dim=-1)  # (items,) averaged over the two heads
        np.testing.assert_allclose(flat(getattr(explanation, level)), expected, rtol=1e-5)


def test_the_bag_view_weighs_words_by_their_tfidf_share(corpus):
    texts, y = corpus
    pipe = make_mgm_pipeline(granularities=("bag",), **SMALL).fit(texts, y)
    bag = pipe[-1].module_.bag
    for text, explanation in zip(texts[:4], explain(pipe, texts[:4])):
        batch = collate_documents(pipe[0].transform([text]))
        _, features, weights = bag.tfidf(batch)
        share = dict(zip(features.tolist(), (weights / weights.sum()).tolist()))
        ids = [w for p in pipe[0].transform([text])[0] for s in p for w in s]
        expected = np.array([share.get(w, 0.0) / ids.count(w) for w in ids])
        np.testing.assert_allclose(flat(explanation.word_weights), expected, rtol=1e-5)


def test_batching_order_and_mode_do_not_change_weights(fitted, corpus):
    classifier = fitted[-1]
    X = fitted[0].transform(corpus[0])
    classifier.module_.train()
    expected = attention_weights(classifier, X)[0]
    classifier.module_.train()
    assert attention_weights(classifier, X)[0] == expected  # dropout is off while explaining
    reverse = np.arange(len(X))[::-1]
    classifier.set_params(batch_size=1)
    try:
        shuffled = attention_weights(classifier, X[reverse])[0]
    finally:
        classifier.set_params(batch_size=SMALL["batch_size"])
    for got, want in zip(shuffled, [expected[i] for i in reverse]):
        for key in ("word", "sentence", "paragraph"):
            np.testing.assert_allclose(flat(got[key]), flat(want[key]), rtol=1e-5, atol=1e-7)


def test_empty_sentences_and_paragraphs_weigh_nothing():
    vocabulary = {word: i for i, word in enumerate("abcde", start=2)}
    train = TokenizedDocuments.from_nested(
        [[[[2, 3], [4]], [[5, 6]]], [[[6, 2, 3]]], [[[4]], [[3, 3], [5]]]] * 4, vocabulary
    )
    classifier = MultiGranularityClassifier(embedding_dim=4, hidden_size=4, max_epochs=1)
    classifier.fit(train, [0, 1, 1] * 4)
    X = TokenizedDocuments.from_nested([[[[2, 3], [], [4]], [], [[5]]], []], vocabulary)
    document, empty = attention_weights(classifier, X)[0]
    assert structure(document["word"]) == structure(X[0])
    assert document["word"][0][1] == [] and document["sentence"][0][1] == 0.0
    assert document["sentence"][1] == [] and document["paragraph"][1] == 0.0
    assert sum(document["paragraph"]) == pytest.approx(1, abs=1e-6)
    assert sum(flat(document["word"])) == pytest.approx(1, abs=1e-6)
    assert empty == {"word": [], "sentence": [], "paragraph": []}


def test_prediction_matches_predict(fitted, corpus):
    texts = corpus[0][:8]
    explanations = explain(fitted, texts)
    assert [e.label for e in explanations] == fitted.predict(texts).tolist()
    proba = fitted.predict_proba(texts)
    for explanation, row in zip(explanations, proba):
        assert list(explanation.probabilities) == fitted.classes_.tolist()
        np.testing.assert_array_equal(list(explanation.probabilities.values()), row)


def test_html_is_self_contained_and_escapes_the_text():
    texts = ['Read <script>alert("x")</script> now. Fine & dandy.', "Plain words here."] * 4
    labels = ["<i>odd</i>", "even & more"] * 4
    pipe = make_mgm_pipeline(word_tokenizer=str.split, **SMALL).fit(texts, labels)
    explanation = explain(pipe, texts[:1])[0]
    page = explanation.to_html()
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;i&gt;odd&lt;/i&gt;" in page and "even &amp; more" in page
    for external in ("http", "src=", "<link", "@import", "url("):
        assert external not in page
    # the heaviest word gets the darkest shade
    assert page.count("rgba(215, 48, 39, 0.850)") >= 1


def test_plot_draws_sentence_and_word_weights(fitted, corpus):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    explanation = explain(fitted, corpus[0][:1])[0]
    figure = explanation.plot(words_per_row=5)
    try:
        bars, grid = figure.axes[:2]
        widths = [patch.get_width() for patch in bars.patches]
        np.testing.assert_allclose(widths, flat(explanation.sentence_weights), rtol=1e-6)
        shown = [text.get_text() for text in grid.texts]
        assert shown == [w[:9] + "…" if len(w) > 10 else w for w in flat(explanation.words)]
        assert str(explanation.label) in figure.get_suptitle()
        png = io.BytesIO()
        figure.savefig(png, format="png")
        assert png.getvalue().startswith(b"\x89PNG")
    finally:
        plt.close(figure)
    empty = explain(fitted, [""])[0].plot()
    assert len(empty.axes[0].patches) == len(empty.axes[1].texts) == 0
    plt.close(empty)
    with pytest.raises(ValueError, match="words_per_row must be a positive int"):
        explanation.plot(words_per_row=0)


def test_plot_without_matplotlib_says_how_to_install(fitted, corpus, monkeypatch):
    explanation = explain(fitted, corpus[0][:1])[0]
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install matplotlib"):
        explanation.plot()


def test_bad_input(corpus):
    texts, y = corpus
    with pytest.raises(TypeError, match="explain expects a fitted Pipeline"):
        explain(MultiGranularityClassifier(), texts)
    with pytest.raises(NotFittedError):
        explain(make_mgm_pipeline(), texts)
    pipe = make_mgm_pipeline(**SMALL).fit(texts, y)
    with pytest.raises(ValueError, match="string object received"):
        explain(pipe, "a single text")
    with pytest.raises(TypeError, match="expects TokenizedDocuments"):
        attention_weights(pipe[-1], texts)
    with pytest.raises(TypeError, match="expects a MultiGranularityClassifier"):
        attention_weights(pipe, texts)


def test_one_pass_batched_as_predict_gives_the_probabilities(corpus):
    texts, y = corpus
    pipe = make_mgm_pipeline(max_batch_words=60, **SMALL).fit(texts, y)
    classifier, X = pipe[-1], pipe[0].transform(texts)
    expected = classifier.predict_proba(X)
    batches = []
    hook = classifier.module_.register_forward_hook(lambda module, args, out: batches.append(1))
    try:
        explanations = explain(pipe, texts)
    finally:
        hook.remove()
    order = np.argsort(X.n_words, kind="stable")
    loader = classifier.get_iterator(classifier.get_dataset(X.take(order)))
    assert len(batches) == len(loader) > -(-len(X) // SMALL["batch_size"])  # words bound them
    got = np.array([list(explanation.probabilities.values()) for explanation in explanations])
    np.testing.assert_array_equal(got, expected)


def test_the_heaviest_sentence_is_the_one_the_network_attends_to(corpus):
    # Set the document-level sentence attention by hand to prefer the sentence
    # with the word "zephyr", wherever it stands; the explanation must follow.
    texts, y = corpus
    pipe = make_mgm_pipeline(granularities=("sentence",), **SMALL).fit(texts, y)
    module = pipe[-1].module_
    pool = module.document_sentence_attention
    # one sentence a paragraph: a sentence's state does not depend on its neighbours
    documents = ["Zephyr came.\n\nThen rain fell.", "Then rain fell.\n\nZephyr came."]
    states = []
    hook = pool.register_forward_hook(lambda m, args, out: states.append(args[0]))
    try:
        explain(pipe, documents[:1])
    finally:
        hook.remove()
    cue, other = torch.tanh(states[0][0, :2])  # what the pool scores, with W = I and b = 0
    difference = cue - other
    with torch.no_grad():
        pool.projection.weight.copy_(torch.eye(pool.projection.in_features))
        pool.projection.bias.zero_()
        # the cue sentence scores 20 more than the other under every head
        pool.context.copy_((20 * difference / difference.dot(difference)).expand_as(pool.context))
    for text, position in zip(documents, [0, 1]):
        weights = flat(explain(pipe, [text])[0].sentence_weights)
        assert int(np.argmax(weights)) == position and max(weights) > 0.99
