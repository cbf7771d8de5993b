"""Does the default pipeline learn sentence- and paragraph-level structure, robustly?

    python benchmarks/structure.py [--seeds 0 1 2] [--levels sentence paragraph] [--set NAME=VALUE]
    python benchmarks/structure.py --levels paragraph --variants "frozen random vectors" --seeds 2 3

For each level of ``make_hierarchical_documents`` (label: do two cue words
share a sentence, or a paragraph?), trains on 400 documents and scores 200
held-out ones: TF-IDF (uni+bigrams) + LogisticRegression, the default MGM
pipeline with ``max_epochs=15`` and nothing else set, and the pipeline with
one setting changed at a time (LSTM cells, 4 attention heads, frozen
pretrained vectors -- random ones, the words being pseudo-words -- and early
stopping on 10 % of the training data). Each seed draws a new corpus and
seeds the model. ``--set`` changes a parameter of every MGM row (see
``settings.py``).
"""

import argparse
import time

import numpy as np
from settings import add_settings_argument, parse_settings
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_mgm import make_mgm_pipeline
from sklearn_mgm.datasets import make_hierarchical_documents

VARIANTS = {
    "defaults": {},
    "LSTM cells": {"rnn": "lstm"},
    "4 attention heads": {"attention_heads": 4},
    "frozen random vectors": {"freeze_embeddings": True},
    "early stopping": {"validation_fraction": 0.1},
}


def random_vectors(texts, seed, dim=64):
    words = {word.strip(".").lower() for text in texts for word in text.split()}
    rng = np.random.default_rng(seed)
    return {word: rng.normal(size=dim).astype(np.float32) for word in sorted(words)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--levels", nargs="+", default=["sentence", "paragraph"])
    parser.add_argument(
        "--variants", nargs="+", choices=sorted(VARIANTS), default=None, help="MGM rows to run"
    )
    add_settings_argument(parser)
    args = parser.parse_args()
    settings = parse_settings(args.set)
    print("| level | model | " + " | ".join(f"seed {s}" for s in args.seeds) + " | fit s |")
    print("|---|---|" + "---|" * (len(args.seeds) + 1))
    for level in args.levels:
        corpora = {
            seed: make_hierarchical_documents(600, level=level, random_state=seed)
            for seed in args.seeds
        }
        rows = {"TF-IDF + LogisticRegression": None, **VARIANTS}
        if args.variants is not None:
            rows = {name: rows[name] for name in args.variants}
        for name, params in rows.items():
            scores, seconds = [], []
            for seed, (texts, y) in corpora.items():
                if params is None:
                    model = make_pipeline(
                        TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=1000)
                    )
                else:
                    if params.get("freeze_embeddings"):
                        params = {**params, "pretrained_embeddings": random_vectors(texts, seed)}
                    model = make_mgm_pipeline(
                        max_epochs=15, random_state=seed, **{**settings, **params}
                    )
                started = time.perf_counter()
                model.fit(texts[:400], y[:400])
                seconds.append(time.perf_counter() - started)
                scores.append(model.score(texts[400:], y[400:]))
            cells = " | ".join(f"{score:.3f}" for score in scores)
            print(f"| {level} | {name} | {cells} | {np.mean(seconds):.1f} |", flush=True)


if __name__ == "__main__":
    main()
