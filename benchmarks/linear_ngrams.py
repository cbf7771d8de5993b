"""TF-IDF + LinearSVC by n-gram range, and the character n-gram baseline, on one corpus.

    python benchmarks/linear_ngrams.py trec-fine
    python benchmarks/linear_ngrams.py chinese-reviews --characters

``--characters`` adds the linear analogues of the bag view on characters with
hashed character n-grams (``module__bag_ngrams=4``): character 1-4-grams with
every n-gram kept (``min_df=1``, as the bag keeps them), and the same hashed
into 262,144 buckets. ``--without-punctuation`` first removes every
character that is neither a letter, a digit, an underscore nor white space
(the tokenizer drops punctuation, so the bag never reads it).

The same 5 stratified folds (seed 0) as ``other_corpora.py``; mean accuracy
and macro-F1 over the folds in %. Corpora: see ``benchmarks/corpora.py``.
"""

import argparse
import warnings

import regex
from corpora import CORPORA
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sklearn_mgm.baselines import make_models


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=sorted(CORPORA))
    parser.add_argument("--characters", action="store_true", help="add the bag's analogues")
    parser.add_argument(
        "--without-punctuation", action="store_true", help="remove punctuation from the texts"
    )
    args = parser.parse_args()
    texts, labels = CORPORA[args.corpus]()
    if args.without_punctuation:
        texts = [regex.sub(r"[^\w\s]", "", text) for text in texts]
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, labels))
    models = {
        f"TF-IDF {ngrams} + LinearSVC": make_pipeline(
            TfidfVectorizer(ngram_range=ngrams, sublinear_tf=True), LinearSVC()
        )
        for ngrams in [(1, 1), (1, 2), (1, 3)]
    }
    models.update(make_models(["char-svc"]))
    if args.characters:
        characters = dict(analyzer="char_wb", ngram_range=(1, 4))
        models["char (1,4) TF-IDF, min_df=1 + LinearSVC"] = make_pipeline(
            TfidfVectorizer(sublinear_tf=True, **characters), LinearSVC()
        )
        models["char (1,4) hashed into 262,144 buckets, TF-IDF + LinearSVC"] = make_pipeline(
            HashingVectorizer(n_features=262_144, alternate_sign=False, norm=None, **characters),
            TfidfTransformer(sublinear_tf=True),
            LinearSVC(),
        )
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
