"""Reproduce the published comparison table on BBC News (5-fold CV).

    python benchmarks/compare_baselines.py [--cv 5] [--seed 0] [--max-epochs N] \
        [--n-jobs -1] [--learning-curve]

Runs `sklearn_mgm.compare_with_baselines` with its default models on the BBC
News corpus and writes its files (results.md/.csv/.json/.png, per_class.csv,
the confusion matrices and, with --learning-curve, the learning curve) into
benchmarks/results/compare/. The same comes from the command line:
`sklearn-mgm compare --learning-curve --output benchmarks/results/compare`.
"""

import argparse
import os
import platform
import time
from pathlib import Path

import torch

from sklearn_mgm import MultiGranularityClassifier, compare_with_baselines
from sklearn_mgm.datasets import load_bbc_news

OUTPUT = Path(__file__).parent / "results" / "compare"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--learning-curve", action="store_true")
    args = parser.parse_args()

    bunch = load_bbc_news()
    labels = [bunch.target_names[i] for i in bunch.target]
    print(
        f"BBC News: {len(bunch.data)} documents; {args.cv}-fold CV, seed {args.seed}; "
        f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__} "
        f"(the classifier trains with torch_threads={MultiGranularityClassifier().torch_threads})",
        flush=True,
    )
    started = time.perf_counter()
    table = compare_with_baselines(
        bunch.data,
        labels,
        cv=args.cv,
        random_state=args.seed,
        max_epochs=args.max_epochs,
        n_jobs=args.n_jobs,
        learning_curve=args.learning_curve,
        verbose=1,
    )
    print(table.to_markdown())
    print(f"total wall time: {time.perf_counter() - started:.0f} s")
    for path in table.save(OUTPUT):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
