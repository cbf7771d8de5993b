"""How much the default MGM pipeline's BBC News accuracy moves with its seed.

    python benchmarks/accuracy_seeds.py 0 1 2          # model seeds, folds fixed
    python benchmarks/accuracy_seeds.py 0 --max-epochs 6
    python benchmarks/accuracy_seeds.py 0 --set "granularities=('bag',)" --set lr=0.01

The same 5 stratified folds as `compare_baselines.py` (seed 0) for every model
seed, so differences come from the network's initialisation, batch order and
dropout alone. To measure another version of the library on the same folds,
put it first on the path, e.g. for a commit:

    git archive COMMIT sklearn_mgm | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old python benchmarks/accuracy_seeds.py 1 2
"""

import argparse

import numpy as np
from settings import add_settings_argument, parse_settings
from sklearn.model_selection import StratifiedKFold, cross_val_score

import sklearn_mgm
from sklearn_mgm import make_mgm_pipeline
from sklearn_mgm.datasets import load_bbc_news


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", type=int, nargs="+", help="model seeds (random_state)")
    parser.add_argument("--max-epochs", type=int, default=None)
    add_settings_argument(parser)
    args = parser.parse_args()
    texts, y = load_bbc_news(return_X_y=True)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    epochs = {} if args.max_epochs is None else {"max_epochs": args.max_epochs}
    epochs.update(parse_settings(args.set))
    if args.set:
        print(f"settings {epochs}", flush=True)
    print(f"sklearn_mgm from {sklearn_mgm.__file__}", flush=True)
    for seed in args.seeds:
        scores = 100 * cross_val_score(
            make_mgm_pipeline(random_state=seed, **epochs), texts, y, cv=folds
        )
        print(
            f"model seed {seed}: accuracy {scores.mean():.2f} ± {scores.std():.2f} % "
            f"(folds {np.round(scores, 1).tolist()})",
            flush=True,
        )


if __name__ == "__main__":
    main()
