"""Several labels per document from real texts: BBC News articles joined in pairs.

    python benchmarks/multilabel.py --seeds 0 1 2

Each article becomes one paragraph (its own blank lines removed). Half of the
documents join two articles of different topics as two paragraphs, labelled
with both topics; the other half are single articles. The articles are
shuffled once (seed 0) and each is used once. The documents are split 80/20
(seed 0, unstratified: stratification is not defined for label sets); on that
split, TF-IDF (words and bigrams, sublinear) + one-vs-rest LinearSVC and
LogisticRegression, and the default MGM pipeline with each model seed.
Prints f1_samples, micro- and macro-F1 and the Hamming loss on the test part.
"""

import argparse
import re
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, hamming_loss
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from sklearn_mgm import make_mgm_pipeline
from sklearn_mgm.datasets import load_bbc_news


def paired_corpus(seed=0):
    """Documents of one or two BBC News articles and their topic sets."""
    bunch = load_bbc_news()
    topics = np.asarray(bunch.target_names)[bunch.target]
    articles = [re.sub(r"\s*\n\s*", " ", text).strip() for text in bunch.data]
    order = list(np.random.default_rng(seed).permutation(len(articles)))
    texts, labels = [], []
    while order:
        first = order.pop()
        other = next((i for i in reversed(order) if topics[i] != topics[first]), None)
        if len(texts) % 2 or other is None:  # every other document is a single article
            texts.append(articles[first])
            labels.append([topics[first]])
            continue
        order.remove(other)
        texts.append(f"{articles[first]}\n\n{articles[other]}")
        labels.append([topics[first], topics[other]])
    return texts, labels


def scores(Y_true, Y_pred):
    return {
        "f1_samples": 100 * f1_score(Y_true, Y_pred, average="samples"),
        "micro-F1": 100 * f1_score(Y_true, Y_pred, average="micro"),
        "macro-F1": 100 * f1_score(Y_true, Y_pred, average="macro"),
        "Hamming loss": 100 * hamming_loss(Y_true, Y_pred),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    texts, labels = paired_corpus()
    binarizer = MultiLabelBinarizer()
    Y = binarizer.fit_transform(labels)
    train_texts, test_texts, Y_train, Y_test = train_test_split(
        texts, Y, test_size=0.2, random_state=0
    )
    pairs = int((Y.sum(axis=1) == 2).sum())
    print(f"{len(texts)} documents ({pairs} pairs), {Y.shape[1]} labels; test {len(Y_test)}")
    words = dict(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    models = {
        "TF-IDF + one-vs-rest LinearSVC": make_pipeline(
            TfidfVectorizer(**words), OneVsRestClassifier(LinearSVC(random_state=0))
        ),
        "TF-IDF + one-vs-rest LogisticRegression": make_pipeline(
            TfidfVectorizer(**words), OneVsRestClassifier(LogisticRegression(C=10, max_iter=1000))
        ),
    }
    models.update(
        {
            f"MGM seed {seed}": make_mgm_pipeline(label_names=binarizer.classes_, random_state=seed)
            for seed in args.seeds
        }
    )
    mgm = []
    for name, model in models.items():
        started = time.perf_counter()
        model.fit(train_texts, Y_train)
        seconds = time.perf_counter() - started
        result = scores(Y_test, model.predict(test_texts))
        if name.startswith("MGM"):
            mgm.append(result)
        shown = ", ".join(f"{key} {value:.2f}" for key, value in result.items())
        print(f"{name}: {shown}; fit {seconds:.0f} s", flush=True)
    for key in mgm[0]:
        values = np.array([result[key] for result in mgm])
        spread = f"{values.mean():.2f} (seed std {values.std():.2f})"
        print(f"MGM over seeds {args.seeds}: {key} {spread}")


if __name__ == "__main__":
    main()
