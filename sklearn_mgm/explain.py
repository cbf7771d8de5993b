"""Attention-based explanations of a fitted classifier and their rendering.

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
"""

import html
import itertools
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .cjk import needs_no_space
from .labels import decide_labels
from .source_text import TextLayout, locate_words, text_html
from .tokenize import validate_raw_documents
from .vote import mgm_member


@dataclass
class Explanation:
    """The prediction for one document and the attention weight of its parts.

    Attributes
    ----------
    label : object
        Predicted class label; for a multi-label classifier, the tuple of the
        predicted labels' names. Such a network has one attention for all its
        labels, so the weights explain the document as a whole.
    probabilities : dict
        Class label to probability.
    words : list of list of list of str
        The document's tokens: paragraphs of sentences of words, as
        :meth:`HierarchicalTokenizer.inverse_transform` gives them.
    word_weights : list of list of list of float
        Weight of each word, nested like ``words``.
    sentence_weights : list of list of float
        Weight of each sentence, nested by paragraph.
    paragraph_weights : list of float
        Weight of each paragraph.
    text : str or None, default=None
        The document as written, when the explanation was made from it.
    layout : TextLayout or None, default=None
        Where the words lie in ``text``
        (:func:`~sklearn_mgm.source_text.locate_words`).

    Examples
    --------
    >>> explanation = Explanation(
    ...     label="sport",
    ...     probabilities={"business": 0.1, "sport": 0.9},
    ...     words=[[["fans", "cheer"], ["goal"]]],
    ...     word_weights=[[[0.1, 0.3], [0.6]]],
    ...     sentence_weights=[[0.4, 0.6]],
    ...     paragraph_weights=[1.0],
    ... )
    >>> page = explanation.to_html()
    >>> page.startswith("<!DOCTYPE html>"), 'title="0.6000">goal</span>' in page
    (True, True)
    """

    label: object
    probabilities: dict
    words: list
    word_weights: list
    sentence_weights: list
    paragraph_weights: list
    text: str | None = None
    layout: TextLayout | None = None

    def to_html(self, view="text"):
        """A self-contained HTML page that shades words and sentences by weight.

        Words are shaded red, sentences blue and paragraphs marked by a bar on
        their left, each relative to the largest weight of its level; hovering
        shows the exact weight.

        Parameters
        ----------
        view : {"text", "tokens"}, default="text"
            ``"text"``: the document as written (case, punctuation, spacing),
            words the model did not know marked as unknown and text it never
            read (stop words, what lies past the tokenizer's caps) marked as
            not read; ``"tokens"``: the words as the tokenizer left them.
            Without ``text`` (an explanation made from tokens), ``"tokens"``.

        Returns
        -------
        str
        """
        return explanation_page([self], view=view)

    def section_html(self, view="text"):
        """The HTML of this explanation in a page: prediction, probabilities and the document.

        Parameters
        ----------
        view : {"text", "tokens"}, default="text"
            As in :meth:`to_html`.

        Returns
        -------
        str
        """
        if view not in ("text", "tokens"):
            raise ValueError(f"view must be 'text' or 'tokens'; got {view!r}.")
        if view == "text" and self.text is not None and self.layout is not None:
            body = text_html(
                self.text,
                self.layout,
                self.words,
                self.word_weights,
                self.sentence_weights,
                self.paragraph_weights,
            )
        else:
            body = self._tokens_html()
        rows = "".join(
            f"<tr><td>{html.escape(str(label))}</td>"
            f'<td class="bar"><div style="width: {100 * p:.1f}%"></div></td>'
            f"<td>{p:.3f}</td></tr>"
            for label, p in sorted(self.probabilities.items(), key=lambda item: -item[1])
        )
        if isinstance(self.label, tuple):  # several labels, one attention for all
            label = ", ".join(map(str, self.label)) or "no label"
            note = "one attention for every label"
        else:
            label, note = str(self.label), f"probability {self.probabilities[self.label]:.3f}"
        return _SECTION.format(label=html.escape(label), note=note, rows=rows, body=body)

    def _tokens_html(self):
        word_max = _max_weight(self.word_weights)
        sentence_max = _max_weight(self.sentence_weights)
        paragraph_max = max(self.paragraph_weights, default=0.0)
        paragraphs = []
        for number, (sentences, sentence_weights, word_weights, weight) in enumerate(
            zip(self.words, self.sentence_weights, self.word_weights, self.paragraph_weights),
            start=1,
        ):
            rendered = _joined(
                [
                    _html_sentence(words, weights, sentence_weight, word_max, sentence_max)
                    for words, weights, sentence_weight in zip(
                        sentences, word_weights, sentence_weights
                    )
                ],
                ["".join(words) for words in sentences],
            )
            alpha = _share(weight, paragraph_max)
            paragraphs.append(
                f'<div class="paragraph" style="border-left-color: rgba(33, 102, 172, {alpha:.3f})"'
                f' title="paragraph weight {weight:.4f}"><div class="paragraph-weight">'
                f"paragraph {number} · {weight:.1%}</div>{rendered}</div>"
            )
        return "\n".join(paragraphs) or "<p><em>The document has no words.</em></p>"

    def plot(self, words_per_row=20):
        """A matplotlib figure of the sentence and word weights.

        Left: the weight of each sentence, labelled with its paragraph and the
        paragraph's weight. Right: the words of each sentence, shaded by
        weight; sentences longer than ``words_per_row`` wrap onto more rows.

        Parameters
        ----------
        words_per_row : int, default=20
            Words per row of the word panel.

        Returns
        -------
        matplotlib.figure.Figure
        """
        if not isinstance(words_per_row, int) or words_per_row < 1:
            raise ValueError(f"words_per_row must be a positive int; got {words_per_row!r}.")
        try:
            import matplotlib.pyplot as plt
        except ImportError as error:
            raise ImportError(
                "Explanation.plot needs matplotlib: pip install matplotlib "
                "(or pip install 'sklearn-mgm[plot]')."
            ) from error
        rows, spans, ticks = [], [], []
        for p, (sentences, weights) in enumerate(zip(self.words, self.word_weights)):
            for s, (words, word_weights) in enumerate(zip(sentences, weights)):
                first = len(rows)
                for start in range(0, max(len(words), 1), words_per_row):
                    rows.append(
                        (
                            words[start : start + words_per_row],
                            word_weights[start : start + words_per_row],
                        )
                    )
                spans.append((first, len(rows), self.sentence_weights[p][s]))
                paragraph = f"¶{p + 1} {self.paragraph_weights[p]:.0%} · " if s == 0 else ""
                ticks.append((first, f"{paragraph}s{s + 1}"))
        columns = min(words_per_row, max((len(words) for words, _ in rows), default=1))
        shading = np.full((max(len(rows), 1), max(columns, 1)), np.nan)
        for r, (_, weights) in enumerate(rows):
            shading[r, : len(weights)] = weights
        figure, (bars, grid) = plt.subplots(
            1,
            2,
            sharey=True,
            figsize=(2.5 + 0.75 * columns, 1.4 + 0.3 * len(rows)),
            gridspec_kw={"width_ratios": [1, max(columns, 2) / 3]},
            layout="constrained",
        )
        for first, stop, weight in spans:
            bars.barh((first + stop - 1) / 2, weight, height=0.8 * (stop - first), color="#2166ac")
        bars.set_xlim(0, max(1e-9, max((w for _, _, w in spans), default=0)) * 1.05)
        bars.set_xlabel("sentence weight")
        bars.set_yticks([row for row, _ in ticks], [text for _, text in ticks], fontsize=8)
        word_max = max(np.nanmax(shading, initial=0.0), 1e-9)
        grid.imshow(shading, cmap="Reds", vmin=0, vmax=word_max, aspect="auto")
        for r, (words, weights) in enumerate(rows):
            for c, (word, weight) in enumerate(zip(words, weights)):
                color = "white" if weight > 0.6 * word_max else "black"
                grid.text(c, r, _truncate(word), ha="center", va="center", fontsize=7, color=color)
        for first, text in ticks:
            if first and text.startswith("¶"):  # a paragraph begins
                for axes in (bars, grid):
                    axes.axhline(first - 0.5, color="0.3", linewidth=1.5)
        grid.set_xticks([])
        grid.set_xlabel("words shaded by weight")
        grid.set_ylim(max(len(rows), 1) - 0.5, -0.5)
        listed = ", ".join(f"{label} {p:.2f}" for label, p in self.probabilities.items())
        figure.suptitle(f"Predicted {self.label}  (probabilities: {listed})", fontsize=10)
        return figure


def explanation_page(explanations, view="text"):
    """One self-contained HTML page with a section per explanation.

    Parameters
    ----------
    explanations : list of Explanation
    view : {"text", "tokens"}, default="text"
        As in :meth:`Explanation.to_html`.

    Returns
    -------
    str

    Examples
    --------
    >>> explanation = Explanation("sport", {"sport": 0.9, "business": 0.1}, [[["goal"]]],
    ...                           [[[1.0]]], [[1.0]], [1.0], "Goal!", None)
    >>> page = explanation_page([explanation, explanation])
    >>> page.count('<section class="explanation">')
    2
    """
    sections = "\n".join(explanation.section_html(view) for explanation in explanations)
    if len(explanations) == 1:
        title = f"Explanation: {html.escape(str(explanations[0].label))}"
    else:
        title = f"Explanations of {len(explanations)} documents"
    return _PAGE.format(title=title, sections=sections)


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


def _joined(rendered, words):
    """The rendered words, with a space between two only where their script has spaces."""
    pieces = rendered[:1]
    for before, after, piece in zip(words, words[1:], rendered[1:]):
        pieces += [piece] if needs_no_space(before, after) else [" ", piece]
    return "".join(pieces)


def _max_weight(nested):
    if isinstance(nested, list):
        return max((_max_weight(item) for item in nested), default=0.0)
    return nested


def _share(weight, largest):
    return weight / largest if largest > 0 else 0.0


def _truncate(word, limit=10):
    return word if len(word) <= limit else word[: limit - 1] + "…"


def _html_sentence(words, weights, sentence_weight, word_max, sentence_max):
    spans = [
        f'<span class="word" style="background: rgba(215, 48, 39, '
        f'{0.85 * _share(w, word_max):.3f})" title="{w:.4f}">{html.escape(word)}</span>'
        for word, w in zip(words, weights)
    ]
    rendered = _joined(spans, words)
    alpha = 0.35 * _share(sentence_weight, sentence_max)
    return (
        f'<span class="sentence" style="background: rgba(33, 102, 172, {alpha:.3f})"'
        f' title="sentence weight {sentence_weight:.4f}">{rendered}</span>'
    )


_SECTION = """<section class="explanation">
<h1>Predicted: {label} <small>({note})</small></h1>
<table>{rows}</table>
{body}
</section>"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; color: #222; }}
h1 {{ font-size: 1.3em; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
td {{ padding: 0.15em 0.6em; }}
td.bar {{ width: 12em; }}
td.bar div {{ background: #888; height: 0.8em; }}
.paragraph {{ border-left: 6px solid; padding: 0.2em 0 0.2em 0.8em; margin: 0 0 1em 0;
  line-height: 1.9; }}
.paragraph-weight {{ font-size: 0.75em; color: #666; line-height: 1.2; }}
.sentence {{ padding: 0.25em 0; border-radius: 3px; }}
.word {{ padding: 0.05em 0.15em; border-radius: 2px; }}
.legend {{ font-size: 0.85em; color: #555; }}
.document {{ white-space: pre-wrap; }}
.document .word {{ padding: 0; }}
.document .gap {{ display: none; }}
.unread {{ color: #888; text-decoration: line-through dotted #aaa; }}
.unknown {{ outline: 1px dashed #b2182b; }}
section.explanation {{ border-top: 1px solid #ccc; padding-top: 0.5em; margin-bottom: 2em; }}
</style>
</head>
<body>
<p class="legend">Words are shaded red and sentences blue by attention weight, relative to the
largest of their level; the bar left of a paragraph shows its weight. Hover for exact weights.
In the text as written, words outlined were unknown to the model and text struck through was
not read (stop words, text past the tokenizer's caps).</p>
{sections}
</body>
</html>
"""
