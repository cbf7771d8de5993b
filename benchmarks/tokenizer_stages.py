"""Seconds of the tokenizer's two splitting stages on BBC News, against NLTK's own.

Run with ``python benchmarks/tokenizer_stages.py``. Over all paragraphs of BBC
News (best of 3 each):

- sentence boundaries: NLTK's ``PunktSentenceTokenizer.span_tokenize``
  against the tokenizer's ``RememberingPunkt``, for untrained Punkt and Punkt
  trained on the first 300,000 characters, and whether every boundary is equal;
- words of those sentences: the ``regex`` pattern on every paragraph against
  ``re`` on the ASCII ones (as the tokenizer does), and whether every word is equal.

To time another version of the library, put it first on the path (see
``accuracy_seeds.py``); cases it lacks are skipped.
"""

import re

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
from timing import best_of

import sklearn_mgm.splitting as splitting
from sklearn_mgm import HierarchicalTokenizer
from sklearn_mgm.datasets import load_bbc_news

REPEATS = 3


def sentence_boundaries(paragraphs, name, params):
    nltk_seconds, expected = best_of(
        REPEATS, lambda: [list(PunktSentenceTokenizer(params).span_tokenize(p)) for p in paragraphs]
    )

    def ours():
        punkt = splitting.RememberingPunkt(params)  # decisions remembered within one pass
        return [list(punkt.span_tokenize(p)) for p in paragraphs]

    our_seconds, spans = best_of(REPEATS, ours)
    n_sentences = sum(map(len, spans))
    print(
        f"| boundaries, {name} Punkt ({n_sentences:,} sentences) | {nltk_seconds:.3f} "
        f"| {our_seconds:.3f} | {spans == expected} |"
    )
    return spans


def words(paragraphs, spans):
    lowered = [paragraph.lower() for paragraph in paragraphs]

    def matched(choose):
        return [
            [choose(paragraph).findall(low, start, end) for start, end in sentences]
            for paragraph, low, sentences in zip(paragraphs, lowered, spans, strict=True)
        ]

    regex_seconds, expected = best_of(REPEATS, lambda: matched(lambda _: splitting.WORD_REGEX))
    ascii_re = getattr(splitting, "_ASCII_WORD_RE", None)
    if ascii_re is None:
        print(f"| words | {regex_seconds:.3f} | (no ASCII path) | |")
        return

    def choose(paragraph):
        return ascii_re if paragraph.isascii() else splitting.WORD_REGEX

    re_seconds, found = best_of(REPEATS, lambda: matched(choose))
    print(f"| words | {regex_seconds:.3f} | {re_seconds:.3f} | {found == expected} |")


def main():
    texts = load_bbc_news().data
    paragraphs = [p for text in texts for p in re.split(r"\n\s*\n", text) if p.strip()]
    ascii_share = sum(p.isascii() for p in paragraphs) / len(paragraphs)
    trained = HierarchicalTokenizer(sentence_model="trained").fit(texts)
    print(
        f"BBC News: {len(paragraphs):,} paragraphs ({ascii_share:.0%} ASCII); "
        f"sklearn_mgm from {splitting.__file__}; best of {REPEATS}.\n"
    )
    print("| stage | NLTK / regex s | sklearn-mgm s | equal |")
    print("|---|---:|---:|---|")
    spans = sentence_boundaries(paragraphs, "untrained", PunktParameters())
    sentence_boundaries(paragraphs, "trained", trained.sentence_tokenizer_._params)
    words(paragraphs, spans)


if __name__ == "__main__":
    main()
