"""A soft vote of the MGM pipeline and TF-IDF + LogisticRegression, fold by fold.

    python benchmarks/soft_vote.py bbc --seeds 0
    python benchmarks/soft_vote.py movie-snippets --seeds 0 1 2
    python benchmarks/soft_vote.py chinese-reviews --seeds 2 --linear characters

Both models are fitted once per fold (the comparison's 5 stratified folds,
seed 0) and their predicted probabilities averaged with the MGM weight
``w`` for each ``--weights``; the same as scikit-learn's
``VotingClassifier(voting="soft", weights=[w, 1 - w])``, without refitting
per weight. TF-IDF + LinearSVC on the same folds is printed beside them.
``--linear characters`` votes with (and prints) character n-grams instead,
the features of the comparison's ``char-svc``, for text without spaces.
Corpora: ``bbc`` and those of ``benchmarks/corpora.py``.
"""

import argparse
import warnings

import numpy as np
from corpora import CORPORA
from settings import add_settings_argument, parse_settings
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from sklearn_mgm import make_mgm_pipeline
from sklearn_mgm.baselines import make_models
from sklearn_mgm.datasets import load_bbc_news


def load(corpus):
    if corpus == "bbc":
        return load_bbc_news(return_X_y=True)
    return CORPORA[corpus]()


def linear_models(features):
    """LogisticRegression and LinearSVC on the comparison's word or character features."""
    models = make_models(["logreg", "svc", "char-svc"])
    logreg = models["TF-IDF + LogisticRegression"]
    if features == "words":
        return logreg, models["TF-IDF + LinearSVC"]
    char_svc = models["char n-gram TF-IDF + LinearSVC"]
    # the comparison's LogisticRegression on char-svc's character n-grams
    return make_pipeline(clone(char_svc[0]), clone(logreg[-1])), char_svc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=["bbc", *sorted(CORPORA)])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.3, 0.5])
    parser.add_argument("--linear", choices=["words", "characters"], default="words")
    add_settings_argument(parser)
    args = parser.parse_args()
    settings = parse_settings(args.set)
    texts, labels = load(args.corpus)
    texts, labels = np.asarray(texts, dtype=object), np.asarray(labels)
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, labels))
    logreg_model, svc_model = linear_models(args.linear)
    scores = {}
    for fold, (train, test) in enumerate(folds):
        X_train, X_test = list(texts[train]), list(texts[test])
        with warnings.catch_warnings():
            # the rarest TREC classes have fewer members than folds
            warnings.filterwarnings("ignore", message="The least populated class")
            logreg = clone(logreg_model).fit(X_train, labels[train])
            svc = clone(svc_model).fit(X_train, labels[train])
        row = {
            "LogisticRegression": logreg.score(X_test, labels[test]),
            "LinearSVC": svc.score(X_test, labels[test]),
        }
        logreg_proba = logreg.predict_proba(X_test)
        for seed in args.seeds:
            mgm = make_mgm_pipeline(random_state=seed, **settings)
            mgm.fit(X_train, labels[train])
            mgm_proba = mgm.predict_proba(X_test)
            assert list(mgm.classes_) == list(logreg.classes_)
            row[f"MGM seed {seed}"] = np.mean(mgm.classes_[mgm_proba.argmax(1)] == labels[test])
            for weight in args.weights:
                vote = weight * mgm_proba + (1 - weight) * logreg_proba
                accuracy = np.mean(mgm.classes_[vote.argmax(1)] == labels[test])
                row[f"vote w={weight} seed {seed}"] = accuracy
        for name, value in row.items():
            scores.setdefault(name, []).append(100 * value)
        line = ", ".join(f"{name} {100 * value:.2f}" for name, value in row.items())
        print(f"fold {fold}: {line}", flush=True)
    print(f"{args.corpus}, mean accuracy (%) over the folds:")
    for name, values in scores.items():
        print(f"  {name}: {np.mean(values):.2f} ± {np.std(values):.2f}")


if __name__ == "__main__":
    main()
