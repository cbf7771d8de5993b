"""What averaging MGM networks of different seeds scores, against each network alone.

    python benchmarks/seed_ensembles.py bbc --seeds 0 1 2 3 4 5 6 7 8 --cache mgm-probabilities
    python benchmarks/seed_ensembles.py trec-fine --seeds 0 1 2 3 4 5 --members 2

The comparison's 5 stratified folds (seed 0). The seeds are cut into
consecutive groups of ``--members`` (0 1 2, 3 4 5, … for 3): each group is
one ``make_mgm_ensemble(n_members, random_state=first seed)``, whose
probabilities are the mean of its members'. Every network's test
probabilities come from ``soft_vote.py``'s cache (``--cache DIR``, the same
files) or are fitted here, so a single network and an ensemble are scored
on the same fits. ``other_corpora.py CORPUS --ensemble 3 --seeds 0`` fits
the estimator itself, for a check: it gives the first group's figures.
"""

import argparse
from pathlib import Path

import numpy as np
from corpora import CORPORA
from settings import add_settings_argument, parse_settings
from sklearn.metrics import f1_score
from soft_vote import load_with_folds, mgm_probabilities


def scores(labels, folds, probabilities, classes):
    """Mean accuracy and macro-F1 (%) over the folds of probabilities summed per fold.

    ``classes`` holds each fold's classes, the columns of its probabilities.
    """
    accuracy, macro_f1 = [], []
    for (_, test), fold_probabilities, fold_classes in zip(
        folds, probabilities, classes, strict=True
    ):
        predicted = fold_classes[fold_probabilities.argmax(1)]
        accuracy.append(np.mean(predicted == labels[test]))
        macro_f1.append(f1_score(labels[test], predicted, average="macro"))
    return 100 * np.mean(accuracy), 100 * np.mean(macro_f1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=["bbc", *sorted(CORPORA)])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR")
    add_settings_argument(parser)
    args = parser.parse_args()
    settings = parse_settings(args.set)
    texts, labels, folds = load_with_folds(args.corpus)
    probabilities = {seed: [] for seed in args.seeds}
    classes = []  # per fold: a rare class may be missing from a training fold
    for fold, (train, test) in enumerate(folds):
        for seed in args.seeds:
            name = f"{args.corpus}_s{seed}_f{fold}.npz"
            cached = None if args.cache is None else args.cache / name
            fold_classes, proba = mgm_probabilities(
                list(texts[train]), labels[train], list(texts[test]), seed, settings, cached
            )
            probabilities[seed].append(proba)
        classes.append(fold_classes)
    print(f"{args.corpus}: accuracy / macro-F1 (%), mean over the 5 folds")
    single = np.array([scores(labels, folds, probabilities[seed], classes) for seed in args.seeds])
    for seed, (accuracy, macro_f1) in zip(args.seeds, single, strict=True):
        print(f"  network, seed {seed}: {accuracy:.2f} / {macro_f1:.2f}")
    groups = [
        args.seeds[start : start + args.members]
        for start in range(0, len(args.seeds) - args.members + 1, args.members)
    ]
    ensembles = []
    for group in groups:
        summed = [sum(parts) for parts in zip(*(probabilities[seed] for seed in group))]
        ensembles.append(scores(labels, folds, summed, classes))
        print(f"  ensemble of seeds {group}: {ensembles[-1][0]:.2f} / {ensembles[-1][1]:.2f}")
    for name, rows in [("networks", single), (f"ensembles of {args.members}", np.array(ensembles))]:
        accuracy, macro_f1 = rows.T
        print(
            f"  {name}, mean over {len(rows)}: {accuracy.mean():.2f} (std {accuracy.std():.2f}) / "
            f"{macro_f1.mean():.2f} (std {macro_f1.std():.2f})"
        )


if __name__ == "__main__":
    main()
