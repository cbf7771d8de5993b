"""TF-IDF + LinearSVC by n-gram range, and the character n-gram baseline, on one corpus.

    python benchmarks/linear_ngrams.py trec-fine

The same 5 stratified folds (seed 0) as ``other_corpora.py``; mean accuracy
and macro-F1 over the folds in %. Corpora: see ``benchmarks/corpora.py``.
"""

import argparse
import warnings

from corpora import CORPORA
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sklearn_mgm.baselines import make_models


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=sorted(CORPORA))
    args = parser.parse_args()
    texts, labels = CORPORA[args.corpus]()
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, labels))
    models = {
        f"TF-IDF {ngrams} + LinearSVC": make_pipeline(
            TfidfVectorizer(ngram_range=ngrams, sublinear_tf=True), LinearSVC()
        )
        for ngrams in [(1, 1), (1, 2), (1, 3)]
    }
    models.update(make_models(["char-svc"]))
    for name, model in models.items():
        with warnings.catch_warnings():
            # the rarest TREC classes have fewer members than folds
            warnings.filterwarnings("ignore", message="The least populated class")
            result = cross_validate(
                model, texts, labels, cv=folds, scoring=("accuracy", "f1_macro")
            )
        accuracy, f1 = 100 * result["test_accuracy"].mean(), 100 * result["test_f1_macro"].mean()
        print(f"{name}: accuracy {accuracy:.2f}, macro-F1 {f1:.2f}", flush=True)


if __name__ == "__main__":
    main()
