"""The comparison for several labels per document: one-vs-rest baselines, multi-label scores.

:func:`~sklearn_mgm.compare.compare_with_baselines` hands an indicator matrix
of labels here. The folds are plain shuffled k-fold (stratification is not
defined for label sets); each linear baseline becomes one-vs-rest; the scores
are ``f1_samples``, micro- and macro-F1, Hamming loss and subset accuracy,
and every model is tested against the best on ``f1_samples`` with the
corrected resampled t-test of the single-label comparison.
"""

import json
import os
import time
import warnings
from dataclasses import dataclass, field

import joblib
import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score, hamming_loss
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from .baselines import check_model_names, make_models
from .labels import indicator_array
from .significance import compare_with_best
from .tokenize import validate_raw_documents

MULTILABEL_MODELS = ("mgm", "logreg", "svc", "char-svc")
METRICS = ("f1_samples", "f1_micro", "f1_macro", "hamming_loss", "subset_accuracy")


def multilabel_models(names=None, *, label_names=None, random_state=0, max_epochs=None):
    """The models of a multi-label comparison: MGM and one-vs-rest linear baselines.

    Parameters
    ----------
    names : sequence of str, str or None, default=None
        Short names among ``"mgm"``, ``"logreg"``, ``"svc"`` and
        ``"char-svc"``; ``None``: ``"mgm"``, ``"logreg"`` and ``"svc"``.
        fastText has no multi-label mode here.
    label_names : sequence of str or None, default=None
        Names of the labels, given to the MGM pipeline.
    random_state : int, default=0
    max_epochs : int or None, default=None
        Epochs of the MGM pipeline.

    Returns
    -------
    dict of str to estimator

    Examples
    --------
    >>> list(multilabel_models(["svc"]))
    ['TF-IDF + one-vs-rest LinearSVC']
    """
    names = check_model_names(names if names is not None else ["mgm", "logreg", "svc"])
    unsupported = [name for name in names if name not in MULTILABEL_MODELS]
    if unsupported:
        raise ValueError(
            f"{unsupported} cannot be compared on several labels per document; choose from "
            f"{list(MULTILABEL_MODELS)}."
        )
    models = {}
    for (name, model), short in zip(
        make_models(names, random_state=random_state, max_epochs=max_epochs).items(), names
    ):
        if short == "mgm":
            model.set_params(classifier__label_names=label_names)
            models[name] = model
        else:  # the linear classifier, one per label
            steps = [*model.steps[:-1], ("onevsrest", OneVsRestClassifier(model.steps[-1][1]))]
            models[name.replace(" + ", " + one-vs-rest ", 1)] = Pipeline(steps)
    return models


@dataclass
class MultiLabelComparison:
    """Per model, the mean and spread over folds of every multi-label score.

    Attributes
    ----------
    rows : list of dict
        One per model: ``model``, ``<metric>_mean`` and ``<metric>_std`` for
        each of ``METRICS``, ``f1_samples_diff_vs_best``,
        ``p_value_vs_best``, ``indistinguishable_from_best`` and
        ``fit_seconds_per_fold``.
    fold_scores : dict
        Model to metric to the list of per-fold scores.
    settings : dict
        The folds, seeds and test.

    Examples
    --------
    >>> table = MultiLabelComparison([{"model": "m", "f1_samples_mean": 0.9}], {}, {})
    >>> table.best()
    'm'
    """

    rows: list
    fold_scores: dict
    settings: dict = field(default_factory=dict)

    def best(self):
        """The name of the model with the highest mean ``f1_samples``."""
        return max(self.rows, key=lambda row: row["f1_samples_mean"])["model"]

    def to_markdown(self):
        """The table, scores in %, in Markdown."""
        header = "| model | f1_samples | micro-F1 | macro-F1 | Hamming loss | subset accuracy |"
        lines = [header + " f1_samples vs best | fit s / fold |", "|---" * 8 + "|"]
        for row in self.rows:
            scores = " | ".join(
                f"{100 * row[f'{m}_mean']:.2f} ± {100 * row[f'{m}_std']:.2f}" for m in METRICS
            )
            if row["p_value_vs_best"] is None:
                versus = "best"
            else:
                same = " ≈" if row["indistinguishable_from_best"] else ""
                versus = (
                    f"{100 * row['f1_samples_diff_vs_best']:+.2f} points, "
                    f"p = {row['p_value_vs_best']:.3f}{same}"
                )
            lines.append(
                f"| {row['model']} | {scores} | {versus} | {row['fit_seconds_per_fold']:.2f} |"
            )
        return "\n".join(lines)

    def save(self, folder):
        """Write ``results.md`` and ``results.json`` into ``folder``; return their paths."""
        os.makedirs(folder, exist_ok=True)
        paths = [os.path.join(folder, "results.md"), os.path.join(folder, "results.json")]
        with open(paths[0], "w", encoding="utf-8") as handle:
            handle.write(self.to_markdown() + "\n")
        with open(paths[1], "w", encoding="utf-8") as handle:
            state = {"rows": self.rows, "fold_scores": self.fold_scores, "settings": self.settings}
            json.dump(state, handle, indent=2)
        return paths


def compare_multilabel(
    texts, Y, models, *, cv=5, repeats=1, random_state=0, n_jobs=None, alpha=0.05, verbose=0
):
    """Cross-validate models on several labels per document, on the same folds.

    Parameters
    ----------
    texts : list of str
    Y : ndarray of shape (n_documents, n_labels)
        The binary indicator matrix.
    models : dict of str to estimator
        E.g. :func:`multilabel_models`.
    cv, repeats, random_state, n_jobs, alpha, verbose
        As in :func:`~sklearn_mgm.compare.compare_with_baselines`.

    Returns
    -------
    MultiLabelComparison

    Warns
    -----
    UserWarning
        That the folds are not stratified.

    Examples
    --------
    >>> import warnings
    >>> texts, Y = ["goal", "vote", "goal vote"] * 4, np.array([[1, 0], [0, 1], [1, 1]] * 4)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     table = compare_multilabel(texts, Y, multilabel_models(["svc"]), cv=2)
    >>> round(table.rows[0]["f1_samples_mean"], 3)
    1.0
    """
    warnings.warn(
        "Stratification is not defined for several labels per document: the folds are plain "
        "shuffled k-fold.",
        UserWarning,
        stacklevel=2,
    )
    folds = []
    for repeat in range(repeats):
        splitter = KFold(n_splits=cv, shuffle=True, random_state=random_state + repeat)
        folds += list(splitter.split(np.zeros((len(texts), 1))))
    names = list(models)
    jobs = (
        delayed(_fit_and_score)((model, fold), clone(models[name]), texts, Y, train, test)
        for model, name in enumerate(names)
        for fold, (train, test) in enumerate(folds)
    )
    results = {}
    for key, scores in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs):
        results[key] = scores
        if verbose:
            print(
                f"{names[key[0]]}, fold {key[1] + 1}/{len(folds)}: f1_samples "
                f"{100 * scores['f1_samples']:.2f} %, fit {scores['fit_seconds']:.1f} s",
                flush=True,
            )
    fold_scores = {
        name: {
            metric: [results[(model, fold)][metric] for fold in range(len(folds))]
            for metric in (*METRICS, "fit_seconds")
        }
        for model, name in enumerate(names)
    }
    n_train = float(np.mean([len(train) for train, _ in folds]))
    n_test = float(np.mean([len(test) for _, test in folds]))
    tests = compare_with_best(
        {name: scores["f1_samples"] for name, scores in fold_scores.items()},
        n_train=n_train,
        n_test=n_test,
        alpha=alpha,
    )
    rows = [_row(name, fold_scores[name], tests[name]) for name in names]
    settings = {
        "cv": cv,
        "repeats": repeats,
        "stratified": False,
        "random_state": random_state,
        "n_labels": int(Y.shape[1]),
        "n_train": n_train,
        "n_test": n_test,
        "alpha": alpha,
        "test": "corrected resampled t-test (Nadeau & Bengio 2003) on f1_samples",
        "concurrent_fits": min(joblib.effective_n_jobs(n_jobs), len(names) * len(folds)),
    }
    return MultiLabelComparison(rows, fold_scores, settings)


def compare_label_sets(
    texts,
    Y,
    *,
    cv=5,
    models=None,
    extra_models=None,
    random_state=0,
    max_epochs=None,
    n_jobs=None,
    repeats=1,
    learning_curve=False,
    alpha=0.05,
    verbose=0,
):
    """:func:`~sklearn_mgm.compare.compare_with_baselines` for an indicator matrix of labels.

    Parameters
    ----------
    texts : list of str
    Y : array-like or sparse matrix of shape (n_documents, n_labels)
        The binary indicator matrix.
    cv, models, extra_models, random_state, max_epochs, n_jobs, repeats, alpha, verbose
        As in ``compare_with_baselines``; short model names come from
        :func:`multilabel_models`.
    learning_curve : False
        No learning curve for several labels per document.

    Returns
    -------
    MultiLabelComparison

    Examples
    --------
    >>> import warnings
    >>> texts = ["goal", "vote", "goal vote", "shares", "goal shares", "vote shares"] * 4
    >>> Y = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 1]] * 4)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     table = compare_label_sets(texts, Y, cv=2, models=["logreg", "svc"])
    >>> [row["model"] for row in table.rows]
    ['TF-IDF + one-vs-rest LogisticRegression', 'TF-IDF + one-vs-rest LinearSVC']
    """
    texts, Y = validate_raw_documents(texts), indicator_array(Y)
    if len(texts) != len(Y) or len(texts) < cv:
        raise ValueError(
            f"Got {len(texts)} texts and {len(Y)} label rows for {cv} folds; they must pair "
            "up, with at least one document per fold."
        )
    if learning_curve is not False:
        raise ValueError("learning_curve is not available for several labels per document.")
    if not isinstance(models, dict):
        models = multilabel_models(models, random_state=random_state, max_epochs=max_epochs)
    models = {**models, **(extra_models or {})}
    return compare_multilabel(
        texts,
        Y,
        models,
        cv=cv,
        repeats=repeats,
        random_state=random_state,
        n_jobs=n_jobs,
        alpha=alpha,
        verbose=verbose,
    )


def _fit_and_score(key, estimator, texts, Y, train, test):
    with threadpool_limits(limits=1):
        started = time.perf_counter()
        estimator.fit([texts[i] for i in train], Y[train])
        fit_seconds = time.perf_counter() - started
        predicted = np.asarray(estimator.predict([texts[i] for i in test]))
    truth = Y[test]
    return key, {
        "f1_samples": float(f1_score(truth, predicted, average="samples", zero_division=0)),
        "f1_micro": float(f1_score(truth, predicted, average="micro", zero_division=0)),
        "f1_macro": float(f1_score(truth, predicted, average="macro", zero_division=0)),
        "hamming_loss": float(hamming_loss(truth, predicted)),
        "subset_accuracy": float(accuracy_score(truth, predicted)),
        "fit_seconds": fit_seconds,
    }


def _row(name, scores, test):
    row = {"model": name}
    for metric in METRICS:
        values = np.array(scores[metric])
        row[f"{metric}_mean"], row[f"{metric}_std"] = float(values.mean()), float(values.std())
    row.update(
        f1_samples_diff_vs_best=test["difference"],
        p_value_vs_best=test["p_value"],
        indistinguishable_from_best=test["indistinguishable"],
        fit_seconds_per_fold=float(np.mean(scores["fit_seconds"])),
    )
    return row
