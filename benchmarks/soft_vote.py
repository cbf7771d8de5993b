"""A soft vote of the MGM pipeline and a linear model on TF-IDF, fold by fold.

    python benchmarks/soft_vote.py bbc --seeds 0
    python benchmarks/soft_vote.py movie-snippets --seeds 0 1 2
    python benchmarks/soft_vote.py chinese-reviews --seeds 2 --linear characters
    python benchmarks/soft_vote.py trec-fine --seeds 0 1 2 --member logreg
    python benchmarks/soft_vote.py drugs --seeds 0 1 2 --cache mgm-probabilities

Every model is fitted once per fold (the comparison's 5 stratified folds,
seed 0), and MGM's predicted probabilities are averaged with the linear
member's, MGM weighted ``w`` for each ``--weights``: what
``make_mgm_vote(mgm_weight=w)`` predicts, without refitting per weight. The
member (``--member``) is ``make_mgm_vote``'s calibrated LinearSVC
(``calibrated-svc``, the default) or the comparison's LogisticRegression
(``logreg``, C=10), on words and bigrams or, with ``--linear characters``,
on the character n-grams of the comparison's ``char-svc``. LogisticRegression,
LinearSVC and the calibrated LinearSVC alone on the same features are
printed beside them. ``--cache DIR`` keeps MGM's test probabilities per
corpus, seed and fold (``DIR/CORPUS_sSEED_fFOLD.npz``) and reads them back
instead of refitting, so that other members and weights are scored in
seconds; the settings (``--set``) are not part of the key, so use one
directory per setting. Corpora: ``bbc`` and those of ``benchmarks/corpora.py``.
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from corpora import CORPORA
from settings import add_settings_argument, parse_settings
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sklearn_mgm import make_mgm_pipeline
from sklearn_mgm.datasets import load_bbc_news
from sklearn_mgm.lexical import character_tfidf, word_tfidf
from sklearn_mgm.vote import CalibratedLinearSVC

MEMBERS = {"calibrated-svc": "calibrated LinearSVC", "logreg": "LogisticRegression"}


def load(corpus):
    if corpus == "bbc":
        return load_bbc_news(return_X_y=True)
    return CORPORA[corpus]()


def load_with_folds(corpus):
    """The corpus as arrays, and the comparison's 5 stratified folds (seed 0) of it."""
    texts, labels = load(corpus)
    texts, labels = np.asarray(texts, dtype=object), np.asarray(labels)
    with warnings.catch_warnings():
        # the rarest TREC classes have fewer members than folds
        warnings.filterwarnings("ignore", message="The least populated class")
        folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, labels))
    return texts, labels, folds


def linear_models(features):
    """The linear models on the comparison's word or character features, by name."""
    tfidf = word_tfidf if features == "words" else character_tfidf
    return {
        "LogisticRegression": make_pipeline(tfidf(), LogisticRegression(C=10.0, max_iter=1000)),
        "LinearSVC": make_pipeline(tfidf(), LinearSVC(random_state=0)),
        "calibrated LinearSVC": make_pipeline(tfidf(), CalibratedLinearSVC()),
    }


def mgm_probabilities(X_train, y_train, X_test, seed, settings, cached):
    """MGM's classes and test probabilities, from ``cached`` (a path or None) when there."""
    if cached is not None and cached.exists():
        saved = np.load(cached, allow_pickle=True)
        return saved["classes"], saved["proba"]
    mgm = make_mgm_pipeline(random_state=seed, **settings).fit(X_train, y_train)
    proba = mgm.predict_proba(X_test)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cached, proba=proba, classes=mgm.classes_)
    return mgm.classes_, proba


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=["bbc", *sorted(CORPORA)])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.3, 0.5])
    parser.add_argument("--linear", choices=["words", "characters"], default="words")
    parser.add_argument("--member", choices=sorted(MEMBERS), default="calibrated-svc")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR")
    add_settings_argument(parser)
    args = parser.parse_args()
    settings = parse_settings(args.set)
    texts, labels, folds = load_with_folds(args.corpus)
    scores, fit_seconds = {}, {}
    for fold, (train, test) in enumerate(folds):
        X_train, X_test = list(texts[train]), list(texts[test])
        row, fitted = {}, {}
        for name, model in linear_models(args.linear).items():
            started = time.perf_counter()
            with warnings.catch_warnings():
                # the rarest TREC classes have fewer members than folds
                warnings.filterwarnings("ignore", message="The least populated class")
                fitted[name] = clone(model).fit(X_train, labels[train])
            fit_seconds.setdefault(name, []).append(time.perf_counter() - started)
            row[name] = fitted[name].score(X_test, labels[test])
        member = fitted[MEMBERS[args.member]]
        member_proba = member.predict_proba(X_test)
        for seed in args.seeds:
            cached = (
                None if args.cache is None else args.cache / f"{args.corpus}_s{seed}_f{fold}.npz"
            )
            classes, mgm_proba = mgm_probabilities(
                X_train, labels[train], X_test, seed, settings, cached
            )
            assert list(classes) == list(member.classes_)
            row[f"MGM seed {seed}"] = np.mean(classes[mgm_proba.argmax(1)] == labels[test])
            for weight in args.weights:
                vote = weight * mgm_proba + (1 - weight) * member_proba
                accuracy = np.mean(classes[vote.argmax(1)] == labels[test])
                row[f"vote w={weight} seed {seed}"] = accuracy
        for name, value in row.items():
            scores.setdefault(name, []).append(100 * value)
        line = ", ".join(f"{name} {100 * value:.2f}" for name, value in row.items())
        print(f"fold {fold}: {line}", flush=True)
    print(f"{args.corpus}, mean accuracy (%) over the folds; votes with {MEMBERS[args.member]}:")
    for name, values in scores.items():
        fit = f", fit {np.mean(fit_seconds[name]):.2f} s/fold" if name in fit_seconds else ""
        print(f"  {name}: {np.mean(values):.2f} ± {np.std(values):.2f}{fit}")
    for prefix in ["MGM", *(f"vote w={weight}" for weight in args.weights)]:
        means = [np.mean(scores[f"{prefix} seed {seed}"]) for seed in args.seeds]
        spread = f"{np.mean(means):.2f} (std {np.std(means):.2f})"
        print(f"  {prefix}, mean over seeds {args.seeds}: {spread}")


if __name__ == "__main__":
    main()
