"""Explanations shown as self-contained HTML pages and matplotlib figures.

An :class:`Explanation` holds the prediction for one document and the
attention weight of its paragraphs, sentences and words, as
:func:`~sklearn_mgm.explain.explain` finds them (``sklearn_mgm.explain`` says
what a weight means). Its pages shade the document as written, or its tokens,
by weight; they hold inline CSS and nothing external, and every piece of the
document is HTML-escaped.
"""

import html
from dataclasses import dataclass

import numpy as np

from .cjk import needs_no_space
from .source_text import TextLayout, text_html


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
