"""Attention-based explanations of a fitted classifier.

What a weight means
-------------------
Each granularity the network fuses pools the document through attention, and
so spreads one unit of attention over the document's words:

* ``"word"``: the document-level attention over all of the document's words;
* ``"sentence"``: the document-level attention over its sentences, each
  shared among the sentence's words by the within-sentence word attention;
* ``"paragraph"``: the attention over paragraphs, shared among each
  paragraph's sentences by the within-paragraph sentence attention, and on
  among the words by the within-sentence word attention;
* ``"bag"``: no attention, but the TF-IDF weights the bag view sums the
  word embeddings by, each word's weight split among its occurrences (the
  same for every class; unknown words get none).

A word's weight is the average of these shares over the fused granularities
(and of each attention over its heads); a sentence's weight is the sum of its
words' weights, a paragraph's the sum of its sentences'. So at every level the
weights of a document's (non-empty) items sum to 1. With ``granularities=
("sentence",)`` a sentence's weight is exactly its document-level attention.

Attention shows where the network looked, not how much each item changed the
prediction: the recurrent encoders mix information across items before any
attention is applied.

The explanations are shown, as HTML pages and matplotlib figures, by
``sklearn_mgm.explanation_html``.
"""

import itertools

import numpy as np
from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .explanation_html import Explanation, explanation_page
from .labels import decide_labels
from .source_text import locate_words
from .tokenize import validate_raw_documents
from .vote import mgm_member

__all__ = ["Explanation", "attention_weights", "explain", "explanation_page"]


def explain(pipeline, texts):
    """Explain the predictions of a fitted pipeline by its attention weights.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline or sklearn.ensemble.VotingClassifier
        A fitted pipeline whose last step is a
        :class:`~sklearn_mgm.MultiGranularityClassifier` and whose other steps
        turn texts into :class:`~sklearn_mgm.TokenizedDocuments` and back
        (``inverse_transform``), as :func:`~sklearn_mgm.make_mgm_pipeline` makes;
        or a fitted :func:`~sklearn_mgm.make_mgm_vote`, whose MGM member is
        explained (its own prediction and probabilities, in the vote's labels);
        or a fitted :func:`~sklearn_mgm.make_mgm_ensemble`, whose members'
        weights and probabilities are averaged (with the vote's weights), so
        that the label and probabilities are the ensemble's.
    texts : list of str
        The documents to explain.

    Returns
    -------
    list of Explanation
        One per text: predicted label, class probabilities and the weight of
        every paragraph, sentence and word (see the module docstring for what
        the weights mean; at each level they sum to 1 over the document).

    Examples
    --------
    >>> from sklearn_mgm import explain, make_mgm_pipeline
    >>> texts = ["Goal scored. Fans cheer.", "Stocks fall. Markets worry."] * 10
    >>> labels = ["sport", "business"] * 10
    >>> pipe = make_mgm_pipeline(
    ...     sentence_model="untrained", embedding_dim=8, hidden_size=8, max_epochs=2, random_state=0
    ... )
    >>> explanation = explain(pipe.fit(texts, labels), ["Fans cheer. Stocks fall."])[0]
    >>> explanation.words
    [[['fans', 'cheer'], ['stocks', 'fall']]]
    >>> round(sum(explanation.sentence_weights[0]), 6)
    1.0
    >>> page = explanation.to_html()
    """
    classes = None
    if isinstance(pipeline, VotingClassifier):
        pipeline, classes = mgm_member(pipeline)
    classifiers, member_weights = _networks(pipeline)
    if classifiers is None:
        raise TypeError(
            "explain expects a fitted Pipeline of HierarchicalTokenizer and "
            "MultiGranularityClassifier, e.g. make_mgm_pipeline().fit(texts, y), or a fitted "
            f"make_mgm_ensemble(); got {type(pipeline).__name__}."
        )
    if len(classifiers) > 1:  # an ensemble: its members learn the labels encoded as 0, 1, …
        classes = pipeline[-1].le_.classes_[classifiers[0].classes_].tolist()
    preprocessing, classifier = pipeline[:-1], classifiers[0]
    texts = validate_raw_documents(texts)
    X = preprocessing.transform(texts)
    # offsets are found again from the texts, when the tokenizer can walk them
    if len(preprocessing) == 1 and hasattr(pipeline[0], "splitter"):
        splitter = pipeline[0].splitter()
        layouts = [locate_words(splitter, text) for text in texts]
    else:
        layouts = [None] * len(X)
    weights, probabilities = attention_weights(classifier, X)
    if len(classifiers) > 1:
        each = [(weights, probabilities)] + [attention_weights(c, X) for c in classifiers[1:]]
        weights = [_averaged(list(parts), member_weights) for parts in zip(*(w for w, _ in each))]
        probabilities = np.average([proba for _, proba in each], axis=0, weights=member_weights)
    classes = classes or classifier.classes_.tolist()
    if getattr(classifier, "multilabel_", False):
        # one attention for every label: the network has one, its outputs one sigmoid each
        names = classifier.label_names_ if classifier.label_names_ is not None else classes
        decided = decide_labels(probabilities, None, classifier.threshold, classifier.allow_empty)
        labels = [tuple(np.asarray(names)[row.astype(bool)].tolist()) for row in decided]
        classes = list(names)
    else:
        labels = [classes[int(np.argmax(proba))] for proba in probabilities]
    return [
        Explanation(
            label=label,
            probabilities=dict(zip(classes, proba.tolist())),
            words=words,
            word_weights=document["word"],
            sentence_weights=document["sentence"],
            paragraph_weights=document["paragraph"],
            text=text if layout is not None else None,
            layout=layout,
        )
        for words, document, proba, text, layout, label in zip(
            preprocessing.inverse_transform(X), weights, probabilities, texts, layouts, labels
        )
    ]


def _networks(pipeline):
    """The fitted networks a pipeline ends in, and their weights in its vote.

    ``([classifier], None)`` for a pipeline that ends in one network, the
    members and the vote's weights for one that ends in a soft vote of
    networks (:func:`~sklearn_mgm.make_mgm_ensemble`), ``(None, None)``
    otherwise.
    """
    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) < 2:
        return None, None
    final = pipeline[-1]
    if hasattr(final, "forward_batches"):
        return [final], None
    if not isinstance(final, VotingClassifier):
        return None, None
    check_is_fitted(final)
    members = final.estimators_
    if not all(hasattr(member, "forward_batches") for member in members):
        return None, None
    if final.voting != "soft":
        raise TypeError(
            "explain averages the probabilities of an ensemble's networks, so it needs "
            f'voting="soft"; this ensemble votes {final.voting!r}.'
        )
    if final.weights is None:
        return members, None
    kept = [member for _, member in final.estimators]
    weights = [w for member, w in zip(kept, final.weights, strict=True) if not _dropped(member)]
    return members, weights


def _dropped(member):
    return isinstance(member, str) and member == "drop"


def _averaged(values, weights):
    """The weighted mean of equally nested lists (or dicts) of numbers, item by item."""
    first = values[0]
    if isinstance(first, dict):
        return {key: _averaged([value[key] for value in values], weights) for key in first}
    if isinstance(first, list):
        return [_averaged(list(parts), weights) for parts in zip(*values, strict=True)]
    return float(np.average(values, weights=weights))


def attention_weights(classifier, X):
    """Weight of every paragraph, sentence and word of each document, and its probabilities.

    One pass of the network in evaluation mode, batched as ``predict_proba``
    batches (``batch_size``, ``max_batch_words``, the device's sentence
    grouping, ``torch_threads``): the probabilities are those
    ``predict_proba`` returns.

    Parameters
    ----------
    classifier : MultiGranularityClassifier
        A fitted classifier.
    X : TokenizedDocuments
        Documents tokenized with the vocabulary seen in fit.

    Returns
    -------
    weights : list of dict
        One per document, with ``"paragraph"`` (list of float), ``"sentence"``
        (a list of float per paragraph) and ``"word"`` (nested like ``X[i]``).
    probabilities : ndarray of shape (n_documents, n_classes)
        The class probabilities, columns following ``classifier.classes_``.

    Examples
    --------
    >>> from sklearn_mgm import MultiGranularityClassifier, TokenizedDocuments
    >>> vocabulary = {"goal": 2, "fans": 3, "stocks": 4, "fall": 5}
    >>> X = TokenizedDocuments.from_nested([[[[2, 3]], [[3]]], [[[4, 5]]]] * 5, vocabulary)
    >>> clf = MultiGranularityClassifier(embedding_dim=4, hidden_size=4, max_epochs=1)
    >>> weights, proba = attention_weights(clf.fit(X, [0, 1] * 5), X[:1])
    >>> [[len(words) for words in paragraph] for paragraph in weights[0]["word"]]
    [[2], [1]]
    >>> round(sum(weights[0]["paragraph"]), 6), proba.shape
    (1.0, (1, 2))
    """
    if not hasattr(classifier, "forward_batches"):
        raise TypeError(
            "attention_weights expects a MultiGranularityClassifier; got "
            f"{type(classifier).__name__}."
        )
    weights = [None] * len(X)
    probabilities = []
    batches = classifier.forward_batches(X, return_attention=True)
    for positions, batch, proba, (attention,) in batches:
        documents = X.take(positions)
        word = _word_weights(documents, batch, attention, classifier.module_.granularities)
        for position, document in zip(positions, _nest(documents, word)):
            weights[position] = document
        probabilities.append((positions, proba))
    order = np.concatenate([positions for positions, _ in probabilities])
    return weights, np.concatenate([proba for _, proba in probabilities])[np.argsort(order)]


def _word_weights(documents, batch, attention, granularities):
    """Each word's share of the document's attention, averaged over granularities."""
    masks = batch.attention_masks()
    # the real items of each level, in document order (collate drops empty sentences
    # and paragraphs, so these are the non-empty ones)
    flat = {
        level: weights.float().mean(dim=-1)[masks[level]].cpu().numpy()
        for level, weights in attention.items()
    }
    sentence_lengths = np.diff(documents.sentence_offsets)
    sentence_of_word = np.repeat(np.arange(len(sentence_lengths)), sentence_lengths)
    kept_sentences = sentence_lengths > 0
    paragraph_sizes = np.diff(documents.paragraph_offsets)
    paragraph_of_sentence = np.repeat(np.arange(len(paragraph_sizes)), paragraph_sizes)
    kept_paragraphs = np.bincount(
        paragraph_of_sentence[kept_sentences], minlength=len(paragraph_sizes)
    ).astype(bool)
    views = []
    if "bag" in granularities:
        views.append(flat["bag"])
    if "word" in granularities:
        views.append(flat["document_word"])
    if "sentence" in granularities:
        sentence = np.zeros(len(sentence_lengths))
        sentence[kept_sentences] = flat["document_sentence"]
        views.append(sentence[sentence_of_word] * flat["word"])
    if "paragraph" in granularities:
        paragraph = np.zeros(len(paragraph_sizes))
        paragraph[kept_paragraphs] = flat["paragraph"]
        sentence = np.zeros(len(sentence_lengths))
        sentence[kept_sentences] = (
            flat["sentence"] * paragraph[paragraph_of_sentence[kept_sentences]]
        )
        views.append(sentence[sentence_of_word] * flat["word"])
    # average over the views that read some word of the document (the bag reads no
    # unknown word; the other views read every word)
    document_of_word = np.repeat(
        np.repeat(np.arange(len(documents)), documents.n_paragraphs)[paragraph_of_sentence],
        sentence_lengths,
    )
    reading = np.stack(
        [np.bincount(document_of_word, view, minlength=len(documents)) > 0 for view in views]
    )[:, document_of_word]  # (views, words)
    return np.sum(views, axis=0) / np.maximum(reading.sum(axis=0), 1)


def _nest(documents, word_weights):
    """Lay word weights out like ``documents[i]``, with sentence and paragraph sums."""
    sentence_offsets, paragraph_offsets = documents.sentence_offsets, documents.paragraph_offsets
    sentence_lengths = np.diff(sentence_offsets)
    sentence_of_word = np.repeat(np.arange(len(sentence_lengths)), sentence_lengths)
    sentence_weights = np.bincount(sentence_of_word, word_weights, minlength=len(sentence_lengths))
    words = [word_weights[a:b].tolist() for a, b in itertools.pairwise(sentence_offsets)]
    sentences = sentence_weights.tolist()
    for first, stop in zip(documents.document_offsets[:-1], documents.document_offsets[1:]):
        paragraphs = range(first, stop)
        sentence_ranges = [
            range(paragraph_offsets[j], paragraph_offsets[j + 1]) for j in paragraphs
        ]
        yield {
            "word": [[words[k] for k in r] for r in sentence_ranges],
            "sentence": [[sentences[k] for k in r] for r in sentence_ranges],
            "paragraph": [float(sum(sentences[k] for k in r)) for r in sentence_ranges],
        }
