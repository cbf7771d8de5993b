"""Reproduce the published comparison table on BBC News (5-fold CV).

    python benchmarks/compare_baselines.py [--cv 5] [--seed 0] [--max-epochs N]

Runs `sklearn_mgm.compare_with_baselines` with its default models on the BBC
News corpus and writes results.md/.csv/.json/.png into benchmarks/results/compare/.
The same table comes from the command line: `sklearn-mgm compare`.
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
        verbose=1,
    )
    print(table.to_markdown())
    print(f"total wall time: {time.perf_counter() - started:.0f} s")
    for path in table.save(OUTPUT):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
