"""Fit the MGM pipeline on one BBC News fold and print its fit seconds and accuracy.

    python benchmarks/fold_fit.py                          # the defaults, fold 0
    python benchmarks/fold_fit.py --set module__pooling="'attention'" \
        --set module__residual=False                       # the network before max pooling
    python benchmarks/fold_fit.py --ensemble 3             # make_mgm_ensemble(n_members=3)

Meant to be timed as a whole process beside another setting, e.g. with
``hyperfine`` or any A/B timer that alternates the two commands: the folds
are those of ``compare_baselines.py`` (5 stratified folds, seed 0).
"""

import argparse
import time

from settings import add_settings_argument, parse_settings
from sklearn.model_selection import StratifiedKFold

from sklearn_mgm import make_mgm_ensemble, make_mgm_pipeline
from sklearn_mgm.datasets import load_bbc_news


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ensemble", type=int, default=None, metavar="N")
    add_settings_argument(parser)
    args = parser.parse_args()
    params = parse_settings(args.set)
    texts, y = load_bbc_news(return_X_y=True)
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, y))
    train, test = folds[args.fold]
    if args.ensemble is None:
        pipe = make_mgm_pipeline(random_state=args.seed, **params)
    else:
        pipe = make_mgm_ensemble(n_members=args.ensemble, random_state=args.seed, **params)
    started = time.perf_counter()
    pipe.fit([texts[i] for i in train], y[train])
    seconds = time.perf_counter() - started
    accuracy = pipe.score([texts[i] for i in test], y[test])
    print(f"fold {args.fold} {params}: fit {seconds:.1f} s, accuracy {100 * accuracy:.2f} %")


if __name__ == "__main__":
    main()
