"""Speed and memory of sklearn-mgm against CountVectorizer and a straightforward HAN.

    python benchmarks/throughput.py                 # everything (about 25 minutes on 2 cores)
    python benchmarks/throughput.py --only speed    # tokenizer + training/prediction ratios
    python benchmarks/throughput.py --only scaling  # time and peak memory curves
    python benchmarks/throughput.py --only groups   # length groups of the word encoder
    python benchmarks/throughput.py --only budget   # fit memory with max_batch_words

Every figure is measured in this run, side by side with its baseline:
- tokenizer: documents/s of HierarchicalTokenizer().fit_transform against
  CountVectorizer().fit_transform on BBC News (best of 3);
- training and prediction: documents/s of MultiGranularityClassifier against
  benchmarks/reference_han.py (same sizes: embedding 100, bi-GRU 50 per
  direction, word and sentence attention), same data, same epochs, after a
  warm-up fit of each;
- length groups: MGM's documents/s for several sentence-grouping ratios;
- memory and scaling: time and peak RSS (sampled every 5 ms) of transform and of
  fit (one epoch) for 1k-64k synthetic BBC-like documents and for longer
  documents, each configuration in a fresh process. Plots go to
  benchmarks/results/throughput/.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from timing import best_of

HERE = Path(__file__).parent
OUTPUT = HERE / "results" / "throughput"
DOCUMENT_COUNTS = (1_000, 4_000, 16_000, 64_000)
PARAGRAPHS_PER_DOCUMENT = (4, 8, 16, 32)


def rss_bytes():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Sample this process's RSS in a thread; ``peak - start`` is the step's growth."""

    def __enter__(self):
        self.start = self.peak = rss_bytes()
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def growth_mib(self):
        return (self.peak - self.start) / 2**20


def bbc():
    from sklearn_mgm.datasets import load_bbc_news

    return load_bbc_news(return_X_y=True)


def synthetic_corpus(n_documents, paragraphs_per_document, seed=0):
    """BBC-like documents: random BBC paragraphs, random topic labels."""
    texts, _ = bbc()
    paragraphs = [p for text in texts for p in text.split("\n\n") if p.strip()]
    rng = np.random.default_rng(seed)
    picks = rng.integers(len(paragraphs), size=(n_documents, paragraphs_per_document))
    documents = ["\n\n".join(paragraphs[i] for i in row) for row in picks]
    return documents, rng.integers(5, size=n_documents)


def tokenizer_speed():
    from sklearn.feature_extraction.text import CountVectorizer

    from sklearn_mgm import HierarchicalTokenizer

    texts, _ = bbc()
    count, _ = best_of(3, lambda: CountVectorizer().fit_transform(texts))
    ours, _ = best_of(3, lambda: HierarchicalTokenizer().fit_transform(texts))
    return {
        "countvectorizer_docs_per_s": len(texts) / count,
        "tokenizer_docs_per_s": len(texts) / ours,
        "ratio": count / ours,
    }


def model_speed(epochs, n_documents):
    """Training and prediction documents/s of MGM and the reference HAN on BBC News.

    A stratified sample of ``n_documents`` keeps the reference HAN's epoch short.
    Every model is first fitted once on a few documents, so that one-time costs
    of the process (torch's lazy imports on the first optimizer, kernel set-up)
    fall on no timed model. The reference HAN runs with one and with two torch
    threads; MGM runs with its default, one.
    """
    import torch
    from reference_han import reference_han_classifier
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier

    texts, y = bbc()
    if n_documents < len(texts):
        texts, _, y, _ = train_test_split(
            texts, y, train_size=n_documents, stratify=y, random_state=0
        )
    X = HierarchicalTokenizer().fit_transform(texts)
    common = {"max_epochs": epochs, "lr": 0.002, "batch_size": 32}
    sizes = {"embedding_dim": 100, "hidden_size": 50}
    reference = reference_han_classifier(X.vocabulary_size, 5, **common)
    models = {
        "reference HAN, 2 threads": (reference, 2),
        "reference HAN, 1 thread": (reference, 1),
        "MGM, granularities=('sentence',)": (
            MultiGranularityClassifier(granularities=("sentence",), dropout=0.0, **sizes, **common),
            1,
        ),
        "MGM, granularities=all three": (MultiGranularityClassifier(**sizes, **common), 1),
        "MGM, library defaults (64/32)": (MultiGranularityClassifier(**common), 1),
    }
    for model, _ in models.values():
        clone(model).set_params(max_epochs=1).fit(X[:64], y[:64])
    results = {}
    default_threads = torch.get_num_threads()
    for name, (model, threads) in models.items():
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model = clone(model)
        started = time.perf_counter()
        model.fit(X, y)
        fit_seconds = time.perf_counter() - started
        predict_seconds, _ = best_of(2, lambda model=model: model.predict_proba(X))
        results[name] = {
            "train_docs_per_s": epochs * len(X) / fit_seconds,
            "predict_docs_per_s": len(X) / predict_seconds,
        }
        print(f"  {name}: {results[name]}", flush=True)
    torch.set_num_threads(default_threads)
    # each ratio is against the faster of the reference's two thread settings
    references = [row for name, row in results.items() if name.startswith("reference")]
    for step in ("train", "predict"):
        baseline = max(row[f"{step}_docs_per_s"] for row in references)
        for row in results.values():
            row[f"{step}_ratio"] = row[f"{step}_docs_per_s"] / baseline
    return results


def group_ratios(n_documents, ratios=(None, 1.25, 1.5, 2.0)):
    """Training and prediction documents/s of MGM for each sentence-grouping ratio.

    Sentence-only MGM at the reference's sizes (100/50) on the same BBC sample;
    training figures come from the second of two epochs, prediction is the
    best of 3. ``None`` encodes each batch's sentences as one padded matrix.
    """
    from sklearn.model_selection import train_test_split

    import sklearn_mgm.classifier
    from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier

    texts, y = bbc()
    texts, _, y, _ = train_test_split(texts, y, train_size=n_documents, stratify=y, random_state=0)
    X = HierarchicalTokenizer().fit_transform(texts)
    MultiGranularityClassifier(max_epochs=1).fit(X[:64], y[:64])
    results = {}
    for ratio in ratios:
        sklearn_mgm.classifier.WORD_GROUP_RATIO = ratio
        model = MultiGranularityClassifier(
            granularities=("sentence",),
            embedding_dim=100,
            hidden_size=50,
            dropout=0.0,
            max_epochs=2,
            lr=0.002,
            random_state=0,
        ).fit(X, y)
        predict_seconds, _ = best_of(3, lambda model=model: model.predict_proba(X))
        results[str(ratio)] = {
            "train_docs_per_s": len(X) / model.history[-1, "dur"],
            "predict_docs_per_s": len(X) / predict_seconds,
        }
        print(f"  ratio {ratio}: {results[str(ratio)]}", flush=True)
    return results


def scaling_child(config):
    """One configuration, run in a fresh process: time and peak memory of each step."""
    from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier

    texts, y = synthetic_corpus(config["n_documents"], config["paragraphs"])
    tokenizer = HierarchicalTokenizer().fit(texts[:1000])
    # one small fit first, so that one-time costs (kernels, thread pools) are not
    # counted; on short texts, so that its batches are smaller than any measured
    warm_up = [text[:2000] for text in texts[:64]] if config.get("short_warm_up") else texts[:64]
    MultiGranularityClassifier(max_epochs=1).fit(tokenizer.transform(warm_up), y[:64])
    with PeakMemory() as memory:
        started = time.perf_counter()
        X = tokenizer.transform(texts)
        transform_seconds = time.perf_counter() - started
    result = {
        **config,
        "words_per_document": float(X.n_words.mean()),
        "transform_seconds": transform_seconds,
        "transform_peak_growth_mib": memory.growth_mib,
        "container_mib": X.nbytes / 2**20,
    }
    if config["fit"]:
        classifier = MultiGranularityClassifier(
            max_epochs=1, random_state=0, max_batch_words=config.get("max_batch_words")
        )
        with PeakMemory() as memory:
            started = time.perf_counter()
            classifier.fit(X, y)
            result["fit_epoch_seconds"] = time.perf_counter() - started
        result["fit_peak_growth_mib"] = memory.growth_mib
    return result


def run_child(config):
    completed = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(config)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def scaling(max_documents):
    by_count = []
    for n in (n for n in DOCUMENT_COUNTS if n <= max_documents):
        by_count.append(run_child({"n_documents": n, "paragraphs": 8, "fit": True}))
        print(f"  {by_count[-1]}", flush=True)
    by_length = []
    for paragraphs in PARAGRAPHS_PER_DOCUMENT:
        by_length.append(run_child({"n_documents": 500, "paragraphs": paragraphs, "fit": True}))
        print(f"  {by_length[-1]}", flush=True)
    return {"by_document_count": by_count, "by_document_length": by_length}


def word_budget(max_batch_words=16_000):
    """Fit time and peak memory by document length, with and without a word budget."""
    rows = []
    for paragraphs in PARAGRAPHS_PER_DOCUMENT:
        for budget in (None, max_batch_words):
            config = {"n_documents": 500, "paragraphs": paragraphs, "fit": True}
            config["short_warm_up"] = True
            rows.append(run_child({**config, "max_batch_words": budget}))
            print(f"  {rows[-1]}", flush=True)
    return rows


def plot_scaling(results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    for column, (key, x_key, label) in enumerate(
        (
            ("by_document_count", "n_documents", "documents (8 BBC paragraphs each)"),
            ("by_document_length", "words_per_document", "words per document (500 documents)"),
        )
    ):
        rows = results[key]
        x = [row[x_key] for row in rows]
        time_axis, memory_axis = axes[0, column], axes[1, column]
        time_axis.plot(x, [r["transform_seconds"] for r in rows], "o-", label="transform")
        time_axis.plot(x, [r["fit_epoch_seconds"] for r in rows], "s-", label="fit, one epoch")
        memory_axis.plot(x, [r["transform_peak_growth_mib"] for r in rows], "o-", label="transform")
        memory_axis.plot(x, [r["fit_peak_growth_mib"] for r in rows], "s-", label="fit, one epoch")
        memory_axis.plot(x, [r["container_mib"] for r in rows], "^--", label="TokenizedDocuments")
        for axis, unit in ((time_axis, "seconds"), (memory_axis, "peak RSS growth, MiB")):
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_xlabel(label)
            axis.set_ylabel(unit)
            axis.grid(True, which="both", alpha=0.3)
            axis.legend()
    figure.tight_layout()
    figure.savefig(OUTPUT / "scaling.png", dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("speed", "scaling", "groups", "budget"))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument(
        "--model-documents", type=int, default=320, help="BBC sample for the model speed"
    )
    parser.add_argument("--max-documents", type=int, default=max(DOCUMENT_COUNTS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(scaling_child(json.loads(args.child))))
        return
    OUTPUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    if args.only in (None, "speed"):
        print("tokenizer on BBC News", flush=True)
        speed = {"tokenizer": tokenizer_speed()}
        print(f"  {speed['tokenizer']}", flush=True)
        print(
            f"training and prediction on {args.model_documents} BBC News documents, "
            f"{args.epochs} epoch(s)",
            flush=True,
        )
        speed["models"] = model_speed(args.epochs, args.model_documents)
        (OUTPUT / "speed.json").write_text(json.dumps(speed, indent=2))
    if args.only in (None, "groups"):
        print(f"sentence-grouping ratios on {args.model_documents} BBC News documents", flush=True)
        groups = group_ratios(args.model_documents)
        (OUTPUT / "groups.json").write_text(json.dumps(groups, indent=2))
    if args.only in (None, "budget"):
        print("fit memory by document length with max_batch_words", flush=True)
        budget = word_budget()
        (OUTPUT / "budget.json").write_text(json.dumps(budget, indent=2))
    if args.only in (None, "scaling"):
        print("scaling (a fresh process per configuration)", flush=True)
        results = scaling(args.max_documents)
        (OUTPUT / "scaling.json").write_text(json.dumps(results, indent=2))
        plot_scaling(results)
    print(f"results in {OUTPUT}")


if __name__ == "__main__":
    main()
