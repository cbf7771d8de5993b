"""Speed and memory of sklearn-mgm against CountVectorizer and a straightforward HAN.

    python benchmarks/throughput.py                 # everything (about 25 minutes on 2 cores)
    python benchmarks/throughput.py --only speed    # tokenizer + training/prediction ratios
    python benchmarks/throughput.py --only capped   # the same against a HAN capped at 30 x 40
    python benchmarks/throughput.py --only load     # capped fits and predictions, idle and loaded
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
- capped: the same models on 1,000 BBC News documents tokenized with
  ``min_df=2`` and capped at 30 sentences x 40 words for both sides (the caps
  of published HAN code), batch 64, at one and at two torch threads each,
  MGM with its recurrent encoders and with a self-attention word encoder;
- load: documents/s of the capped fits and predictions on an idle machine and while another
  process keeps one core busy, at one and two torch threads;
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
# a self-attention word encoder under the recurrent sentence and paragraph encoders
WORD_SELF_ATTENTION = ("self-attention", "recurrent", "recurrent")


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


def capped_setup(epochs, n_documents):
    """The capped comparison's data and models, each fitted once on a few documents first.

    ``n_documents`` of BBC News (stratified), tokenized with ``min_df=2`` and
    capped at 30 sentences of at most 40 words, so that the reference's padded
    grid is as small as in published HAN code; batch 64. MGM runs at the
    reference's sizes (100/50) with its other defaults.
    """
    from reference_han import reference_han_classifier
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier

    texts, y = bbc()
    texts, _, y, _ = train_test_split(texts, y, train_size=n_documents, stratify=y, random_state=0)
    X = HierarchicalTokenizer(min_df=2, max_sentences=30, max_words=40).fit_transform(texts)
    common = {"max_epochs": epochs, "batch_size": 64}
    sizes = {"embedding_dim": 100, "hidden_size": 50}
    models = {
        "reference HAN": reference_han_classifier(X.vocabulary_size, 5, **common),
        "MGM, granularities=('sentence',)": MultiGranularityClassifier(
            granularities=("sentence",), **sizes, **common
        ),
        "MGM, defaults at 100/50": MultiGranularityClassifier(**sizes, **common),
        "MGM, granularities=('sentence',), self-attention words": MultiGranularityClassifier(
            granularities=("sentence",), module__encoder=WORD_SELF_ATTENTION, **sizes, **common
        ),
        "MGM, defaults at 100/50, self-attention words": MultiGranularityClassifier(
            module__encoder=WORD_SELF_ATTENTION, **sizes, **common
        ),
    }
    for model in models.values():
        clone(model).set_params(max_epochs=1).fit(X[:64], y[:64])
    return X, y, models


def with_threads(name, model, threads):
    """``model`` set to train with ``threads`` torch threads (MGM sets them itself)."""
    import torch

    torch.set_num_threads(threads)
    return model.set_params(torch_threads=threads) if name.startswith("MGM") else model


def capped_speed(epochs, n_documents, thread_counts=(1, 2)):
    """Training and prediction documents/s against the reference HAN, both capped.

    The data and models of :func:`capped_setup`, each at every one of
    ``thread_counts``; each ratio is against the reference at the same count.
    """
    import torch
    from sklearn.base import clone

    X, y, models = capped_setup(epochs, n_documents)
    default_threads = torch.get_num_threads()
    results = {}
    for threads in thread_counts:
        for name, model in models.items():
            model = clone(with_threads(name, model, threads))
            torch.manual_seed(0)
            started = time.perf_counter()
            model.fit(X, y)
            fit_seconds = time.perf_counter() - started
            predict_seconds, _ = best_of(2, lambda model=model: model.predict_proba(X))
            row = {
                "threads": threads,
                "train_docs_per_s": epochs * len(X) / fit_seconds,
                "predict_docs_per_s": len(X) / predict_seconds,
            }
            results[f"{name}, {threads} thread(s)"] = row
            print(f"  {name}, {threads} thread(s): {row}", flush=True)
    torch.set_num_threads(default_threads)
    for row in results.values():
        reference = results[f"reference HAN, {row['threads']} thread(s)"]
        for step in ("train", "predict"):
            row[f"{step}_ratio"] = row[f"{step}_docs_per_s"] / reference[f"{step}_docs_per_s"]
    return {"words_per_document": float(X.n_words.mean()), "models": results}


def busy_core():
    """Start a process that keeps one core busy until it is killed."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def under_load(epochs, n_documents, thread_counts=(1, 2)):
    """Training and prediction documents/s of the capped models, idle and beside one busy core.

    The data and models of :func:`capped_setup`; each fit, and the best of two
    predictions after it, is timed idle, then while :func:`busy_core` runs;
    ``slowdown`` and ``predict_slowdown`` are idle / loaded speed.
    """
    import torch
    from sklearn.base import clone

    X, y, models = capped_setup(epochs, n_documents)
    default_threads = torch.get_num_threads()
    results = {}
    for threads in thread_counts:
        for name, model in models.items():
            model = with_threads(name, model, threads)
            row = {"threads": threads}
            for state in ("idle", "loaded"):
                busy = busy_core() if state == "loaded" else None
                try:
                    torch.manual_seed(0)
                    started = time.perf_counter()
                    fitted = clone(model).fit(X, y)
                    seconds = time.perf_counter() - started
                    predict_seconds, _ = best_of(2, lambda m=fitted: m.predict_proba(X))
                finally:
                    if busy is not None:
                        busy.kill()
                        busy.wait()
                row[f"{state}_train_docs_per_s"] = epochs * len(X) / seconds
                row[f"{state}_predict_docs_per_s"] = len(X) / predict_seconds
            row["slowdown"] = row["idle_train_docs_per_s"] / row["loaded_train_docs_per_s"]
            row["predict_slowdown"] = (
                row["idle_predict_docs_per_s"] / row["loaded_predict_docs_per_s"]
            )
            results[f"{name}, {threads} thread(s)"] = row
            print(f"  {name}, {threads} thread(s): {row}", flush=True)
    torch.set_num_threads(default_threads)
    return results


def group_ratios(n_documents, ratios=(None, 1.25, 1.5, 2.0)):
    """Training and prediction documents/s of MGM for each sentence-grouping ratio.

    Sentence-only MGM at the reference's sizes (100/50) on the same BBC sample;
    training figures come from the second of two epochs, prediction is the
    best of 3. ``None`` encodes each batch's sentences as one padded matrix.
    """
    from sklearn.model_selection import train_test_split

    import sklearn_mgm.document_net
    from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier

    texts, y = bbc()
    texts, _, y, _ = train_test_split(texts, y, train_size=n_documents, stratify=y, random_state=0)
    X = HierarchicalTokenizer().fit_transform(texts)
    MultiGranularityClassifier(max_epochs=1).fit(X[:64], y[:64])
    results = {}
    for ratio in ratios:
        sklearn_mgm.document_net.WORD_GROUP_RATIO = ratio
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
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("speed", "capped", "load", "scaling", "groups", "budget"),
        help="one or more parts; all by default",
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument(
        "--model-documents", type=int, default=320, help="BBC sample for the model speed"
    )
    parser.add_argument(
        "--capped-documents", type=int, default=1000, help="BBC sample for the capped comparison"
    )
    parser.add_argument("--max-documents", type=int, default=max(DOCUMENT_COUNTS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(scaling_child(json.loads(args.child))))
        return
    OUTPUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    if args.only is None or "speed" in args.only:
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
    if args.only is None or "capped" in args.only:
        print(
            f"capped at 30 x 40: training and prediction on {args.capped_documents} "
            f"BBC News documents, {args.epochs} epoch(s)",
            flush=True,
        )
        capped = capped_speed(args.epochs, args.capped_documents)
        (OUTPUT / "capped.json").write_text(json.dumps(capped, indent=2))
    if args.only is None or "load" in args.only:
        print(f"capped fits idle and beside a busy core, {args.capped_documents} documents")
        load = under_load(args.epochs, args.capped_documents)
        (OUTPUT / "load.json").write_text(json.dumps(load, indent=2))
    if args.only is None or "groups" in args.only:
        print(f"sentence-grouping ratios on {args.model_documents} BBC News documents", flush=True)
        groups = group_ratios(args.model_documents)
        (OUTPUT / "groups.json").write_text(json.dumps(groups, indent=2))
    if args.only is None or "budget" in args.only:
        print("fit memory by document length with max_batch_words", flush=True)
        budget = word_budget()
        (OUTPUT / "budget.json").write_text(json.dumps(budget, indent=2))
    if args.only is None or "scaling" in args.only:
        print("scaling (a fresh process per configuration)", flush=True)
        results = scaling(args.max_documents)
        (OUTPUT / "scaling.json").write_text(json.dumps(results, indent=2))
        plot_scaling(results)
    print(f"results in {OUTPUT}")


if __name__ == "__main__":
    main()
