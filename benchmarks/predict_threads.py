"""Prediction time and memory of MGM on all of BBC News with one and with two torch threads.

    python benchmarks/predict_threads.py 1
    python benchmarks/predict_threads.py 2

One setting per process, so that each starts from the same memory: the
default pipeline's tokenizer on all 2,225 articles (uncapped), a classifier
fitted for one epoch on every seventh article, then ``predict_proba`` of all
of them with ``torch_threads`` set as given (with two, two batches run side
by side, each on one thread). Prints the seconds and how far the process's
resident memory rose above where it stood before ``predict_proba``.
"""

import argparse
import time

from throughput import PeakMemory

from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier
from sklearn_mgm.datasets import load_bbc_news


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("threads", type=int, help="torch_threads for predict_proba")
    args = parser.parse_args()
    texts, y = load_bbc_news(return_X_y=True)
    X = HierarchicalTokenizer().fit_transform(texts)
    model = MultiGranularityClassifier(max_epochs=1, random_state=0).fit(X[::7], y[::7])
    model.set_params(torch_threads=args.threads)
    model.predict_proba(X[:100])  # warm-up
    with PeakMemory() as peak:
        started = time.perf_counter()
        model.predict_proba(X)
        seconds = time.perf_counter() - started
    print(
        f"torch_threads={args.threads}: predict_proba of {len(X)} documents in {seconds:.2f} s; "
        f"resident memory rose {peak.growth_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
