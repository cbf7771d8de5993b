"""Compare the MGM pipeline with linear baselines on the same cross-validation folds."""

import csv
import importlib.util
import io
import json
import os
import re
import tempfile
import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .pipeline import make_mgm_pipeline
from .tokenize import validate_raw_documents

COLUMNS = (
    "model",
    "accuracy_mean",
    "accuracy_std",
    "macro_f1_mean",
    "macro_f1_std",
    "fit_seconds_per_fold",
    "predict_docs_per_second",
)


class FastTextClassifier(ClassifierMixin, BaseEstimator):
    """scikit-learn wrapper of a supervised fastText model (needs the ``fasttext`` package).

    Parameters
    ----------
    epoch : int, default=25
        Training epochs.
    lr : float, default=0.5
        Learning rate.
    word_ngrams : int, default=2
        Longest word n-gram.
    dim : int, default=100
        Size of the word vectors.
    random_state : int, default=0
        fastText's seed; training uses one thread so that it is reproducible.

    Examples
    --------
    >>> clf = FastTextClassifier(epoch=5)
    >>> clf.fit(["good fun", "bad day"] * 5, [1, 0] * 5).predict(["good fun"])  # doctest: +SKIP
    array([1])
    """

    def __init__(self, epoch=25, lr=0.5, word_ngrams=2, dim=100, random_state=0):
        self.epoch = epoch
        self.lr = lr
        self.word_ngrams = word_ngrams
        self.dim = dim
        self.random_state = random_state

    def fit(self, X, y):
        import fasttext

        texts = validate_raw_documents(X)
        check_classification_targets(y)
        self.label_encoder_ = LabelEncoder().fit(y)
        codes = self.label_encoder_.transform(y)
        # fastText's SGD reads the file in order: data sorted by class (as
        # cross-validation folds of a sorted corpus are) would teach it the last class
        order = np.random.RandomState(self.random_state).permutation(len(texts))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "train.txt")
            with open(path, "w", encoding="utf-8") as handle:
                for index in order:
                    handle.write(f"__label__{codes[index]} {_one_line(texts[index])}\n")
            self.model_ = fasttext.train_supervised(
                input=path,
                epoch=self.epoch,
                lr=self.lr,
                wordNgrams=self.word_ngrams,
                dim=self.dim,
                seed=self.random_state,
                thread=1,
                verbose=0,
            )
        return self

    @property
    def classes_(self):
        return self.label_encoder_.classes_

    def predict_proba(self, X):
        check_is_fitted(self, "model_")
        texts = [_one_line(text) for text in validate_raw_documents(X)]
        labels, scores = self.model_.predict(texts, k=-1)
        proba = np.zeros((len(texts), len(self.classes_)))
        for row, (names, values) in enumerate(zip(labels, scores, strict=True)):
            proba[row, [int(name.removeprefix("__label__")) for name in names]] = values
        return proba

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _one_line(text):
    return re.sub(r"\s+", " ", text).strip().lower()


def default_models(*, random_state=0, max_epochs=None):
    """The models compared by default: the MGM pipeline, the linear baselines, fastText.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the MGM pipeline and of fastText.
    max_epochs : int or None, default=None
        Training epochs of the MGM pipeline; ``None`` keeps its default.

    Returns
    -------
    dict of str to estimator
        fastText is included only when the ``fasttext`` package is installed.

    Examples
    --------
    >>> sorted(default_models())[:3]
    ['MGM (sklearn-mgm)', 'TF-IDF + LinearSVC', 'TF-IDF + LogisticRegression']
    """
    mgm_params = {"random_state": random_state}
    if max_epochs is not None:
        mgm_params["max_epochs"] = max_epochs
    models = {
        "MGM (sklearn-mgm)": make_mgm_pipeline(**mgm_params),
        "TF-IDF + LogisticRegression": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            LogisticRegression(C=10.0, max_iter=1000),
        ),
        "TF-IDF + LinearSVC": make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LinearSVC()
        ),
    }
    if importlib.util.find_spec("fasttext") is not None:
        models["fastText"] = FastTextClassifier(random_state=random_state)
    return models


class ComparisonTable:
    """Results of :func:`compare_with_baselines`: one row per model.

    Attributes
    ----------
    rows : list of dict
        One dict per model with the keys of ``COLUMNS``.
    fold_scores : dict of str to dict
        Per model, the per-fold ``accuracy``, ``macro_f1``, ``fit_seconds`` and
        ``predict_seconds``.
    """

    def __init__(self, rows, fold_scores):
        self.rows = rows
        self.fold_scores = fold_scores

    def best(self, metric="accuracy_mean"):
        """Name of the model with the highest value of ``metric``."""
        return max(self.rows, key=lambda row: row[metric])["model"]

    def to_markdown(self):
        """The table in Markdown, with accuracy and macro-F1 as percentages."""
        lines = [
            "| model | accuracy (%) | macro-F1 (%) | fit s / fold | predict docs / s |",
            "|---|---|---|---|---|",
        ]
        for row in self.rows:
            lines.append(
                f"| {row['model']} | {100 * row['accuracy_mean']:.2f} ± "
                f"{100 * row['accuracy_std']:.2f} | {100 * row['macro_f1_mean']:.2f} ± "
                f"{100 * row['macro_f1_std']:.2f} | {row['fit_seconds_per_fold']:.2f} | "
                f"{row['predict_docs_per_second']:,.0f} |"
            )
        return "\n".join(lines) + "\n"

    def to_csv(self):
        """The table as CSV text."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()

    def to_json(self):
        """The rows and the per-fold scores as JSON text."""
        return json.dumps({"rows": self.rows, "folds": self.fold_scores}, indent=2)

    def plot(self):
        """Bar chart: accuracy and macro-F1 with error bars, beside fit time per fold.

        The figure is made without pyplot, so the matplotlib backend in use
        and pyplot's open figures are left as they are.

        Returns
        -------
        matplotlib.figure.Figure
            Shown as the result of a notebook cell; ``figure.savefig(path)``
            writes it.
        """
        from matplotlib.figure import Figure
        from matplotlib.ticker import NullFormatter

        names = [row["model"] for row in self.rows]
        positions = np.arange(len(names))
        figure = Figure(figsize=(11, 0.8 * len(names) + 2.2))
        scores, times = figure.subplots(1, 2)
        for offset, metric, label in (
            (-0.2, "accuracy", "accuracy"),
            (0.2, "macro_f1", "macro-F1"),
        ):
            scores.barh(
                positions + offset,
                [100 * row[f"{metric}_mean"] for row in self.rows],
                height=0.4,
                xerr=[100 * row[f"{metric}_std"] for row in self.rows],
                label=label,
                capsize=3,
            )
        low = min(100 * (row["macro_f1_mean"] - 2 * row["macro_f1_std"]) for row in self.rows)
        scores.set_xlim(max(0, low - 2), 100)
        scores.set_yticks(positions, names)
        scores.invert_yaxis()
        scores.set_xlabel("% (mean ± std over folds)")
        scores.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        times.barh(positions, [row["fit_seconds_per_fold"] for row in self.rows], color="gray")
        times.set_yticks(positions, [])
        times.invert_yaxis()
        times.set_xscale("log")
        times.xaxis.set_minor_formatter(NullFormatter())
        times.set_xlabel("fit seconds per fold (log scale)")
        figure.tight_layout()
        return figure

    def save(self, folder):
        """Write results.md, results.csv, results.json and (with matplotlib) results.png.

        Parameters
        ----------
        folder : str or path-like
            Created if missing.

        Returns
        -------
        list of str
            The paths written.
        """
        os.makedirs(folder, exist_ok=True)
        written = []
        for name, text in (
            ("results.md", self.to_markdown()),
            ("results.csv", self.to_csv()),
            ("results.json", self.to_json()),
        ):
            path = os.path.join(folder, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            written.append(path)
        if importlib.util.find_spec("matplotlib") is not None:
            path = os.path.join(folder, "results.png")
            self.plot().savefig(path, dpi=120)
            written.append(path)
        return written

    def __repr__(self):
        return self.to_markdown()


def _score_finished_fit(estimator, texts, labels):
    """Accuracy and macro-F1 of a fitted model; KeyboardInterrupt if its training was cut short.

    skorch returns from ``fit`` after Ctrl-C as if training had finished; a
    fold scored on such a model would count a half-trained network.
    """
    final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    if getattr(final, "interrupted_", False):
        finished = sum("train_loss" in row for row in final.history_)
        raise KeyboardInterrupt(
            f"training was interrupted after {finished} of {final.max_epochs} epochs; the "
            "comparison stops rather than score a partly trained model"
        )
    predictions = estimator.predict(texts)
    return {
        "accuracy": accuracy_score(labels, predictions),
        "macro_f1": f1_score(labels, predictions, average="macro"),
    }


def check_comparison_data(texts, labels, cv):
    """Validate texts and labels for a stratified ``cv``-fold comparison.

    Parameters
    ----------
    texts : sequence of str
    labels : array-like
    cv : int

    Returns
    -------
    (list of str, ndarray)

    Raises
    ------
    ValueError
        On no documents, mismatched lengths, a single class, or a class with
        fewer documents than folds.
    """
    texts = validate_raw_documents(texts)
    labels = np.asarray(labels)
    if len(texts) == 0:
        raise ValueError("No documents to compare on: the data is empty.")
    if labels.ndim != 1 or len(labels) != len(texts):
        raise ValueError(f"Got {len(texts)} texts but {len(labels)} labels; they must pair up.")
    check_classification_targets(labels)
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"Only one class ({classes[0]!r}) in the labels; at least two needed.")
    if counts.min() < cv:
        rare = classes[counts.argmin()]
        raise ValueError(
            f"Class {rare!r} has only {counts.min()} documents, fewer than the {cv} folds; "
            "lower --cv or add documents."
        )
    return texts, labels


def compare_with_baselines(
    texts,
    labels,
    *,
    cv=5,
    models=None,
    extra_models=None,
    random_state=0,
    max_epochs=None,
    verbose=0,
):
    """Cross-validate the MGM pipeline and linear baselines on the same folds.

    Every model sees the same stratified, shuffled folds (seeded by
    ``random_state``). For each model the table reports mean and standard
    deviation over folds of accuracy and macro-F1, the mean fit time per fold
    and the prediction throughput (test documents per second of scoring).
    Ctrl-C stops the comparison, also while the MGM pipeline trains (where
    skorch would otherwise end the fit early and let its fold be scored).

    Parameters
    ----------
    texts : list, tuple, ndarray or pandas Series of str
        The documents.
    labels : array-like of shape (n_documents,)
        Their classes.
    cv : int, default=5
        Number of folds.
    models : dict of str to estimator or None, default=None
        The models to compare; ``None`` means :func:`default_models`: the MGM
        pipeline, TF-IDF (uni+bigrams) + LogisticRegression, TF-IDF +
        LinearSVC, and fastText when the ``fasttext`` package is installed.
    extra_models : dict of str to estimator or None, default=None
        More scikit-learn estimators or pipelines taking raw texts, added as rows.
    random_state : int, default=0
        Seed of the folds and of the default models.
    max_epochs : int or None, default=None
        Epochs of the default MGM pipeline.
    verbose : int, default=0
        ``1`` prints each model and fold as it finishes; ``2`` also prints
        the MGM pipeline's epochs.

    Returns
    -------
    ComparisonTable

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C, also when it lands in a skorch fit, which returns early:
        the fold of the partly trained model is not scored.

    Examples
    --------
    >>> from sklearn_mgm import compare_with_baselines
    >>> from sklearn_mgm.datasets import make_hierarchical_documents
    >>> texts, y = make_hierarchical_documents(60, random_state=0)
    >>> table = compare_with_baselines(texts, y, cv=3, max_epochs=1)  # doctest: +SKIP
    >>> table.rows[0]["model"]  # doctest: +SKIP
    'MGM (sklearn-mgm)'
    """
    texts, labels = check_comparison_data(texts, labels, cv)
    if models is None:
        models = default_models(random_state=random_state, max_epochs=max_epochs)
    models = {**models, **(extra_models or {})}
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    rows, fold_scores = [], {}
    for number, (name, model) in enumerate(models.items(), start=1):
        if verbose:
            print(f"[{number}/{len(models)}] {name}: {cv}-fold cross-validation", flush=True)
        model = clone(model)
        if verbose > 1 and "classifier__verbose" in model.get_params():
            model.set_params(classifier__verbose=1)
        started = time.perf_counter()
        results = cross_validate(
            model,
            texts,
            labels,
            cv=folds,
            scoring=_score_finished_fit,
            verbose=3 if verbose else 0,
            error_score="raise",
        )
        test_sizes = np.array([len(test) for _, test in folds.split(texts, labels)])
        fold_scores[name] = {
            "accuracy": results["test_accuracy"].tolist(),
            "macro_f1": results["test_macro_f1"].tolist(),
            "fit_seconds": results["fit_time"].tolist(),
            "predict_seconds": results["score_time"].tolist(),
        }
        rows.append(
            {
                "model": name,
                "accuracy_mean": float(results["test_accuracy"].mean()),
                "accuracy_std": float(results["test_accuracy"].std()),
                "macro_f1_mean": float(results["test_macro_f1"].mean()),
                "macro_f1_std": float(results["test_macro_f1"].std()),
                "fit_seconds_per_fold": float(results["fit_time"].mean()),
                "predict_docs_per_second": float(np.mean(test_sizes / results["score_time"])),
            }
        )
        if verbose:
            print(
                f"    {name}: accuracy {100 * rows[-1]['accuracy_mean']:.2f} % "
                f"in {time.perf_counter() - started:.0f} s",
                flush=True,
            )
    return ComparisonTable(rows, fold_scores)
