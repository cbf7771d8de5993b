"""Seconds to transform a 3 MB single-paragraph text against its capped prefix.

Run with ``python benchmarks/tokenizer_caps.py``. The text is BBC News's
articles, their whitespace collapsed to single spaces, one after the other up
to 3,000,000 characters: one paragraph of some 24,000 sentences. Its capped
prefix is the text up to the end of its ``max_sentences``-th (128th) sentence.
With the default caps both give the same document, and the caps stop the
splitting, so the two times should be about equal; the time without caps
(``max_paragraphs``, ``max_sentences`` and ``max_words`` all ``None``) shows
what the whole text costs. Best of 5 each, the cases alternating.
"""

import itertools
import time

from sklearn_mgm import HierarchicalTokenizer
from sklearn_mgm.datasets import load_bbc_news
from sklearn_mgm.splitting import RememberingPunkt

REPEATS = 5
CHARACTERS = 3_000_000


def main():
    text = " ".join(" ".join(article.split()) for article in load_bbc_news().data)[:CHARACTERS]
    capped = HierarchicalTokenizer().fit([text])
    punkt = RememberingPunkt(capped.sentence_tokenizer_._params)
    *_, (_, prefix_end) = itertools.islice(punkt.span_tokenize(text), capped.max_sentences)
    prefix = text[:prefix_end]
    uncapped = HierarchicalTokenizer(max_paragraphs=None, max_sentences=None, max_words=None)
    uncapped.fit([prefix])
    cases = {
        "text": lambda: capped.transform([text]),
        "prefix": lambda: capped.transform([prefix]),
        "text, no caps": lambda: uncapped.transform([text]),
    }
    best = dict.fromkeys(cases, float("inf"))
    results = {}
    for _ in range(REPEATS):
        for name, run in cases.items():
            started = time.perf_counter()
            results[name] = run()
            best[name] = min(best[name], time.perf_counter() - started)
    if results["text"] != results["prefix"]:
        raise AssertionError("the capped text and its prefix give different documents")

    n_sentences = int(results["text, no caps"].n_sentences[0])
    print(
        f"One paragraph of {len(text):,} characters ({n_sentences:,} sentences); its prefix "
        f"up to sentence {capped.max_sentences}: {len(prefix):,} characters. "
        f"sentence_model_={capped.sentence_model_!r}; best of {REPEATS}.\n"
    )
    print("| transform | seconds |")
    print("|---|---:|")
    print(f"| 3 MB text, default caps | {best['text']:.4f} |")
    print(f"| its prefix, default caps | {best['prefix']:.4f} |")
    print(f"| 3 MB text, no caps | {best['text, no caps']:.4f} |")
    print(f"\nratio text / prefix: {best['text'] / best['prefix']:.2f}")


if __name__ == "__main__":
    main()
