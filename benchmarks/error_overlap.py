"""Which documents MGM and TF-IDF + LinearSVC get wrong, and how many they share.

    python benchmarks/error_overlap.py bbc --seeds 0 1 2 --cache mgm-probabilities
    python benchmarks/error_overlap.py trec-fine --seeds 0 --show 10

The comparison's 5 stratified folds (seed 0): every document is predicted
once, by a model that did not see it. MGM's test probabilities come from
``soft_vote.py``'s cache when ``--cache DIR`` holds them (the same files, so
a ``soft_vote.py`` run with the same directory and seeds is reused), else
the default pipeline is fitted per fold and seed. The report counts each
model's errors, the errors every MGM seed makes, those LinearSVC shares
with them, and the accuracy an oracle that picks whichever is right would
reach, and what averaging the seeds' probabilities (an ensemble, at the
fits' summed cost) scores: if most errors are shared, no mix of the two can gain much, and the
shared documents (``--show``) say whether their labels can be learned at all.
"""

import argparse
from pathlib import Path

import numpy as np
from corpora import CORPORA
from settings import add_settings_argument, parse_settings
from sklearn.base import clone
from soft_vote import linear_models, load_with_folds, mgm_probabilities


def out_of_fold_predictions(corpus, seeds, settings, cache):
    """LinearSVC's, each MGM seed's and the seeds' averaged prediction of every document."""
    texts, labels, folds = load_with_folds(corpus)
    svc = np.empty(len(labels), dtype=labels.dtype)
    mgm = {seed: np.empty(len(labels), dtype=labels.dtype) for seed in seeds}
    averaged = np.empty(len(labels), dtype=labels.dtype)
    for fold, (train, test) in enumerate(folds):
        X_train, X_test = list(texts[train]), list(texts[test])
        model = clone(linear_models("words")["LinearSVC"]).fit(X_train, labels[train])
        svc[test] = model.predict(X_test)
        total = 0
        for seed in seeds:
            cached = None if cache is None else cache / f"{corpus}_s{seed}_f{fold}.npz"
            classes, proba = mgm_probabilities(
                X_train, labels[train], X_test, seed, settings, cached
            )
            mgm[seed][test] = classes[proba.argmax(1)]
            total = total + proba
        averaged[test] = classes[total.argmax(1)]
    return texts, labels, svc, mgm, averaged


def percent(count, total):
    return f"{count} ({100 * count / total:.2f} %)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=["bbc", *sorted(CORPORA)])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR")
    parser.add_argument("--show", type=int, default=0, help="print this many shared errors")
    add_settings_argument(parser)
    args = parser.parse_args()
    texts, labels, svc, mgm, averaged = out_of_fold_predictions(
        args.corpus, args.seeds, parse_settings(args.set), args.cache
    )
    n = len(labels)
    svc_wrong = svc != labels
    print(f"{args.corpus}: {n} documents, each predicted once from the 5 folds")
    print(f"  LinearSVC wrong: {percent(svc_wrong.sum(), n)}")
    wrong = {seed: predictions != labels for seed, predictions in mgm.items()}
    for seed, mgm_wrong in wrong.items():
        shared = (mgm_wrong & svc_wrong).sum()
        print(
            f"  MGM seed {seed} wrong: {percent(mgm_wrong.sum(), n)}; shared with LinearSVC "
            f"{shared}, MGM only {(mgm_wrong & ~svc_wrong).sum()}, LinearSVC only "
            f"{(svc_wrong & ~mgm_wrong).sum()}; oracle of the two "
            f"{100 * (1 - (mgm_wrong & svc_wrong).mean()):.2f} %"
        )
    every_seed = np.logical_and.reduce(list(wrong.values()))
    any_seed = np.logical_or.reduce(list(wrong.values()))
    everyone = every_seed & svc_wrong
    print(f"  wrong for every MGM seed: {every_seed.sum()}, for some seed: {any_seed.sum()}")
    print(f"  wrong for every MGM seed and LinearSVC: {everyone.sum()}")
    print(f"  right for some MGM seed or LinearSVC: {100 * (1 - everyone.mean()):.2f} %")
    print(
        f"  the seeds' probabilities averaged (an ensemble of {len(wrong)} fits): accuracy "
        f"{100 * (averaged == labels).mean():.2f} %, LinearSVC {100 * (~svc_wrong).mean():.2f} %"
    )
    for index in np.flatnonzero(everyone)[: args.show]:
        first_line = " ".join(str(texts[index]).split())[:100]
        predicted = ", ".join(str(mgm[seed][index]) for seed in args.seeds)
        print(
            f"  [{index}] label {labels[index]}, LinearSVC {svc[index]}, MGM {predicted}: "
            f"{first_line}"
        )


if __name__ == "__main__":
    main()
