"""Compare the MGM pipeline with baselines on the same cross-validation folds, fits in parallel.

Every (model, fold) fit is one joblib task, so the comparison runs on local
processes (``n_jobs``) or, inside ``joblib.parallel_config(backend="dask")``,
on a Dask cluster. The rendering of the results lives in
``sklearn_mgm.report``, the paired test in ``sklearn_mgm.significance``.
"""

import numbers
import sys
import time
import warnings

import joblib
import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import KFold, RepeatedKFold, RepeatedStratifiedKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.multiclass import check_classification_targets
from skorch import NeuralNet
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from .baselines import FastTextClassifier, default_models, final_steps, make_models
from .classifier import MultiGranularityClassifier
from .labels import is_indicator_matrix
from .multilabel_compare import compare_label_sets
from .report import COLUMNS, ComparisonTable
from .significance import compare_with_best
from .tokenize import validate_raw_documents

__all__ = [
    "COLUMNS",
    "DEFAULT_TRAIN_SIZES",
    "ComparisonTable",
    "FastTextClassifier",
    "check_comparison_data",
    "compare_with_baselines",
    "comparison_folds",
    "default_models",
]

# fractions of each training fold that ``learning_curve=True`` trains on
DEFAULT_TRAIN_SIZES = (0.1, 0.25, 0.5, 1.0)


def check_comparison_data(texts, labels, cv):
    """Validate texts and labels for a ``cv``-fold comparison.

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
        On no documents, mismatched lengths, a single class, or fewer
        documents than folds.

    Examples
    --------
    >>> check_comparison_data(["a", "b", "c"], ["x", "y", "x"], cv=3)
    (['a', 'b', 'c'], array(['x', 'y', 'x'], dtype='<U1'))
    """
    texts = validate_raw_documents(texts)
    if is_indicator_matrix(labels):
        raise ValueError(
            "These checks are for one label per document; compare_with_baselines compares "
            "several labels per document (an indicator matrix) on its own folds."
        )
    labels = np.asarray(labels)
    if len(texts) == 0:
        raise ValueError("No documents to compare on: the data is empty.")
    if labels.ndim != 1 or len(labels) != len(texts):
        raise ValueError(f"Got {len(texts)} texts but {len(labels)} labels; they must pair up.")
    check_classification_targets(labels)
    classes = np.unique(labels)
    if len(classes) < 2:
        raise ValueError(
            f"Only one class ({classes.tolist()[0]!r}) in the labels; at least two needed."
        )
    if len(texts) < cv:
        raise ValueError(f"Only {len(texts)} documents for {cv} folds; lower cv or add documents.")
    return texts, labels


def comparison_folds(labels, *, cv=5, repeats=1, random_state=0):
    """The shuffled train/test splits every model of a comparison is scored on.

    Stratified k-fold (repeated ``repeats`` times with reshuffling), or plain
    k-fold where stratification is impossible: when every class has fewer
    documents than folds.

    Parameters
    ----------
    labels : ndarray of shape (n_documents,)
        The classes.
    cv : int, default=5
        Folds per repeat.
    repeats : int, default=1
        Repeats of the k-fold split; ``repeats * cv`` folds in all.
    random_state : int, default=0
        Seed of the shuffling.

    Returns
    -------
    list of (ndarray, ndarray)
        Training and test indices of each fold, repeat after repeat.

    Raises
    ------
    ValueError
        When a training part would hold a single class.

    Warns
    -----
    UserWarning
        When a class has fewer documents than folds, so that some test parts
        lack it.

    Examples
    --------
    >>> folds = comparison_folds(np.array([0, 1] * 6), cv=3, repeats=2)
    >>> len(folds), [len(test) for _, test in folds]
    (6, [4, 4, 4, 4, 4, 4])
    """
    classes, counts = np.unique(labels, return_counts=True)
    stratified = counts.max() >= cv
    if repeats == 1:
        kind = StratifiedKFold if stratified else KFold
        splitter = kind(n_splits=cv, shuffle=True, random_state=random_state)
    else:
        kind = RepeatedStratifiedKFold if stratified else RepeatedKFold
        splitter = kind(n_splits=cv, n_repeats=repeats, random_state=random_state)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        folds = list(splitter.split(np.zeros((len(labels), 1)), labels))
    for number, (train, _) in enumerate(folds, start=1):
        present = np.unique(labels[train]).tolist()
        if len(present) < 2:
            raise ValueError(
                f"Fold {number} would train on one class only ({present[0]!r}): the other "
                f"classes have too few documents for {cv} folds. Lower cv or add documents."
            )
    if counts.min() < cv:
        warnings.warn(
            f"Class {classes.tolist()[counts.argmin()]!r} has only {counts.min()} "
            f"document{'s' if counts.min() > 1 else ''}, fewer than the {cv} folds: some test "
            f"folds lack it, and the folds are "
            f"{'stratified where possible' if stratified else 'not stratified'}. Lower cv or "
            "add documents.",
            UserWarning,
            stacklevel=2,
        )
    return folds


@validate_params(
    {
        "texts": ["array-like"],
        "labels": ["array-like", "sparse matrix"],
        "cv": [Interval(numbers.Integral, 2, None, closed="left")],
        "models": [dict, list, tuple, str, None],
        "extra_models": [dict, None],
        "random_state": [Interval(numbers.Integral, 0, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_jobs": [numbers.Integral, None],
        "repeats": [Interval(numbers.Integral, 1, None, closed="left")],
        "learning_curve": ["boolean", "array-like"],
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def compare_with_baselines(
    texts,
    labels,
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
    """Cross-validate the MGM pipeline and baselines on the same folds, and test the gaps.

    Every model sees the same shuffled folds (:func:`comparison_folds`,
    seeded by ``random_state``). For each model the table reports mean and
    standard deviation over folds of accuracy and macro-F1, the mean
    difference in accuracy from the best model (by mean accuracy) with the
    p-value of the corrected resampled t-test on the same folds
    (:func:`~sklearn_mgm.significance.compare_with_best`), the mean fit time
    per fold and the prediction throughput. Per-class precision, recall, F1
    and the confusion matrices pool the out-of-fold predictions of every
    fold: nothing is trained twice.

    The (model, fold) fits are joblib tasks, the longest first (neural
    networks, then fastText, then the linear models, which fill the gaps).
    Each seeded fit gives the same scores wherever it runs, so a parallel run
    matches the sequential one. The MGM pipeline trains with one torch thread
    (its ``torch_threads=1`` default) and every fit with one BLAS thread, so
    ``n_jobs`` fits use ``n_jobs`` cores. Ctrl-C stops the comparison and its
    workers, also while the MGM pipeline trains (where skorch would otherwise
    end the fit early and let its fold be scored).

    Parameters
    ----------
    texts : list, tuple, ndarray or pandas Series of str
        The documents.
    labels : array-like of shape (n_documents,) or (n_documents, n_labels)
        Their classes, or a binary indicator matrix of several labels per
        document: then the folds are plain k-fold, the baselines one-vs-rest
        (:func:`~sklearn_mgm.multilabel_compare.multilabel_models`), the
        scores multi-label ones, and a
        :class:`~sklearn_mgm.multilabel_compare.MultiLabelComparison` is
        returned (no learning curve).
    cv : int, default=5
        Number of folds.
    models : dict of str to estimator, sequence of str, str or None, default=None
        The models to compare: a dict of named estimators taking raw texts,
        or short names (a list, or one comma-separated string) from ``"mgm"``,
        ``"logreg"``, ``"svc"``, ``"fasttext"`` and ``"char-svc"`` (see
        :func:`~sklearn_mgm.baselines.make_models`). ``None`` means
        :func:`~sklearn_mgm.baselines.default_models` for these texts.
    extra_models : dict of str to estimator or None, default=None
        More scikit-learn estimators or pipelines taking raw texts, added as rows.
    random_state : int, default=0
        Seed of the folds, of the learning-curve subsets and of the models
        named by short name.
    max_epochs : int or None, default=None
        Epochs of the MGM pipeline named ``"mgm"``.
    n_jobs : int or None, default=None
        Fits run at once, as joblib counts them: ``None`` means one unless in
        a ``joblib.parallel_config`` context (under the Dask backend: every
        worker thread), ``-1`` all cores.
    repeats : int, default=1
        Repeats of the ``cv``-fold split, reshuffled each time; the test then
        runs over all ``repeats * cv`` folds.
    learning_curve : bool or sequence of float, default=False
        Also train every model on growing fractions of each training fold
        (``True``: ``DEFAULT_TRAIN_SIZES``, 10, 25, 50 and 100 %), scored on
        the same test folds. The subsets are nested and keep the class
        proportions; 100 % reuses the main fits.
    alpha : float, default=0.05
        Level of the paired tests.
    verbose : int, default=0
        ``1`` prints a line per finished fit; ``2`` also shows a progress bar
        of fits done on a terminal when fits run in parallel, and the MGM
        pipeline's epochs instead when they run one by one.

    Returns
    -------
    ComparisonTable or MultiLabelComparison

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
    >>> table = compare_with_baselines(texts, y, cv=3, models=["logreg", "svc"])
    >>> table.best()
    'TF-IDF + LogisticRegression'
    >>> svc = table.rows[1]
    >>> round(svc["accuracy_diff_vs_best"], 4), round(svc["p_value_vs_best"], 3)
    (-0.0167, 0.592)
    >>> svc["indistinguishable_from_best"]  # bag-of-words models cannot read this corpus
    True
    """
    if is_indicator_matrix(labels):
        return compare_label_sets(
            texts, labels, cv=cv, models=models, extra_models=extra_models,
            random_state=random_state, max_epochs=max_epochs, n_jobs=n_jobs, repeats=repeats,
            learning_curve=learning_curve, alpha=alpha, verbose=verbose,
        )  # fmt: skip
    texts, labels = check_comparison_data(texts, labels, cv)
    models = _chosen_models(models, extra_models, texts, random_state, max_epochs)
    folds = comparison_folds(labels, cv=cv, repeats=repeats, random_state=random_state)
    fractions = _training_fractions(learning_curve)
    names, estimators = list(models), list(models.values())
    fits = _planned_fits(estimators, folds, labels, fractions, random_state)
    concurrent = min(joblib.effective_n_jobs(n_jobs), len(fits))
    if verbose:
        _say(
            f"{len(names)} models x {len(folds)} folds: {len(fits)} fits, {concurrent} at a "
            "time, the longest first"
        )
    describe = _Describer(names, fits, cv, repeats)
    results = _run_fits(fits, estimators, texts, labels, n_jobs, verbose, describe)
    settings = {
        "cv": cv,
        "repeats": repeats,
        "n_folds": len(folds),
        "stratified": bool(np.unique(labels, return_counts=True)[1].max() >= cv),
        "random_state": random_state,
        "n_train": float(np.mean([len(train) for train, _ in folds])),
        "n_test": float(np.mean([len(test) for _, test in folds])),
        "alpha": alpha,
        "test": "corrected resampled t-test (Nadeau & Bengio 2003) on accuracy",
        "concurrent_fits": concurrent,
        "mgm_model": next((n for n, e in models.items() if _is_mgm(e)), None),
        "learning_curve_fractions": list(fractions) if len(fractions) > 1 else [],
    }
    return _table(names, folds, fractions, results, labels, settings)


def _chosen_models(models, extra_models, texts, random_state, max_epochs):
    if models is None:
        chosen = default_models(random_state=random_state, max_epochs=max_epochs, texts=texts)
    elif isinstance(models, dict):
        chosen = dict(models)
    else:
        chosen = make_models(models, random_state=random_state, max_epochs=max_epochs)
    chosen.update(extra_models or {})
    if not chosen:
        raise ValueError("No models to compare; pass models=None for the default ones.")
    return chosen


def _training_fractions(learning_curve):
    if isinstance(learning_curve, (bool, np.bool_)):
        return DEFAULT_TRAIN_SIZES if learning_curve else (1.0,)
    try:
        fractions = np.asarray(learning_curve, dtype=float)
    except (TypeError, ValueError):
        fractions = np.array([np.nan])
    if fractions.ndim != 1 or len(fractions) == 0 or not np.all((fractions > 0) & (fractions <= 1)):
        raise ValueError(
            "learning_curve must be True or fractions of the training fold in (0, 1], "
            f"e.g. [0.1, 0.25, 0.5, 1]; got {learning_curve!r}."
        )
    return tuple(sorted({*fractions.tolist(), 1.0}))


def _is_mgm(estimator):
    final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    return isinstance(final, MultiGranularityClassifier)


def _fit_cost(estimator):
    """A rank of how long a fit takes: neural networks, then fastText, then the rest."""
    return max(
        2 if isinstance(step, NeuralNet) else 1 if isinstance(step, FastTextClassifier) else 0
        for step in final_steps(estimator)
    )


def _planned_fits(estimators, folds, labels, fractions, random_state):
    """(model, fold, fraction, train, test) of every fit, the longest first."""
    fits = []
    for fold, (train, test) in enumerate(folds):
        order = train[_growing_order(labels[train], np.random.default_rng([random_state, fold]))]
        for fraction in fractions:
            subset = train if fraction == 1 else order[: _subset_size(labels[order], fraction)]
            fits.extend((model, fold, fraction, subset, test) for model in range(len(estimators)))
    costs = [_fit_cost(estimator) for estimator in estimators]
    return sorted(fits, key=lambda fit: (-costs[fit[0]], -fit[2], fit[0], fit[1]))


def _growing_order(labels, rng):
    """An order of the documents whose every beginning keeps about the class proportions."""
    keys = np.empty(len(labels))
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        keys[where] = (rng.permutation(len(where)) + rng.random(len(where))) / len(where)
    return np.argsort(keys, kind="stable")


def _subset_size(ordered_labels, fraction):
    """``fraction`` of the documents, but at least enough to hold every class once."""
    first_seen = np.unique(ordered_labels, return_index=True)[1]
    return max(int(np.ceil(fraction * len(ordered_labels))), int(first_seen.max()) + 1)


class _Describer:
    """Words for a fit: its model, fold and, on a learning curve, its training part."""

    def __init__(self, names, fits, cv, repeats):
        self.names, self.cv, self.repeats = names, cv, repeats
        self.sizes = {(fit[0], fit[1], fit[2]): len(fit[3]) for fit in fits}

    def __call__(self, key):
        model, fold, fraction = key
        text = f"{self.names[model]}, fold {fold % self.cv + 1}/{self.cv}"
        if self.repeats > 1:
            text += f" of repeat {fold // self.cv + 1}/{self.repeats}"
        if fraction < 1:
            text += f", {100 * fraction:g} % of its training part ({self.sizes[key]} documents)"
        return text


def _say(line):
    """Print a progress line above tqdm's bar, at once."""
    tqdm.write(line)
    sys.stdout.flush()


def _run_fits(fits, estimators, texts, labels, n_jobs, verbose, describe):
    """Fit and score every planned fit; ``{(model, fold, fraction): scores}``."""
    show_epochs = verbose > 1 and joblib.effective_n_jobs(n_jobs) == 1
    jobs = (
        delayed(_fit_and_score)(
            (model, fold, fraction),
            _prepared(estimators[model], show_epochs),
            texts,
            labels,
            train,
            test,
            f"{describe((model, fold, fraction))}:" if show_epochs else None,
        )
        for model, fold, fraction, train, test in fits
    )
    results = {}
    width = len(str(len(fits)))
    # the bar: on a terminal (disable=None), and not between skorch's epoch tables
    bar_off = True if verbose < 2 or show_epochs else None
    with tqdm(total=len(fits), unit="fit", desc="fits", leave=False, disable=bar_off) as bar:
        for key, result in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs):
            results[key] = result
            bar.update()
            if verbose:
                _say(
                    f"[{len(results):>{width}}/{len(fits)}] {describe(key)}: accuracy "
                    f"{100 * result['accuracy']:.2f} %, fit {result['fit_seconds']:.1f} s"
                )
    return results


def _prepared(estimator, show_epochs):
    """A fresh clone; a neural network prints its epochs only when asked to."""
    estimator = clone(estimator)
    for step in final_steps(estimator):
        if isinstance(step, NeuralNet):
            step.set_params(verbose=int(show_epochs))
    return estimator


def _fit_and_score(key, estimator, texts, labels, train, test, announce):
    """Fit on ``train``, predict ``test``: scores, times and out-of-fold predictions.

    BLAS and OpenMP get one thread, as in a worker of a parallel run: summing
    in another order would change the last digits of a linear model's
    weights, and the scores would depend on ``n_jobs``.
    """
    if announce:
        print(announce, flush=True)
    with threadpool_limits(limits=1):
        started = time.perf_counter()
        estimator.fit([texts[i] for i in train], labels[train])
        fit_seconds = time.perf_counter() - started
        _check_finished(estimator)
        started = time.perf_counter()
        predictions = np.asarray(estimator.predict([texts[i] for i in test]))
        predict_seconds = time.perf_counter() - started
    return key, {
        "accuracy": float(accuracy_score(labels[test], predictions)),
        "macro_f1": float(f1_score(labels[test], predictions, average="macro")),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "train_size": len(train),
        "predictions": predictions,
    }


def _check_finished(estimator):
    """KeyboardInterrupt if the training of a fitted model was cut short.

    skorch returns from ``fit`` after Ctrl-C as if training had finished; a
    fold scored on such a model would count a half-trained network.
    """
    for final in final_steps(estimator):
        if getattr(final, "interrupted_", False):
            finished = sum("train_loss" in row for row in final.history_)
            raise KeyboardInterrupt(
                f"training was interrupted after {finished} of {final.max_epochs} epochs; the "
                "comparison stops rather than score a partly trained model"
            )


def _table(names, folds, fractions, results, labels, settings):
    folds_of = range(len(folds))
    full = [[results[(model, fold, 1.0)] for fold in folds_of] for model in range(len(names))]
    fold_scores = {
        name: {
            metric: [scores[metric] for scores in model]
            for metric in ("accuracy", "macro_f1", "fit_seconds", "predict_seconds")
        }
        for name, model in zip(names, full)
    }
    tests = compare_with_best(
        {name: scores["accuracy"] for name, scores in fold_scores.items()},
        n_train=settings["n_train"],
        n_test=settings["n_test"],
        alpha=settings["alpha"],
    )
    test_sizes = np.array([len(test) for _, test in folds])
    rows = [
        _row(name, fold_scores[name], tests[name], test_sizes, settings["concurrent_fits"])
        for name in names
    ]
    classes = np.unique(labels)
    truth = np.concatenate([labels[test] for _, test in folds])
    predicted = {
        name: np.concatenate([scores["predictions"] for scores in model])
        for name, model in zip(names, full)
    }
    settings["best"] = max(rows, key=lambda row: row["accuracy_mean"])["model"]
    return ComparisonTable(
        rows,
        fold_scores,
        classes=classes.tolist(),
        per_class=_per_class(truth, predicted, classes),
        confusion_matrices={
            name: confusion_matrix(truth, guess, labels=classes)
            for name, guess in predicted.items()
        },
        learning_curve=_learning_curve(names, len(folds), fractions, results),
        settings=settings,
    )


def _row(name, scores, test, test_sizes, concurrent):
    accuracy, macro_f1 = np.array(scores["accuracy"]), np.array(scores["macro_f1"])
    return {
        "model": name,
        "accuracy_mean": float(accuracy.mean()),
        "accuracy_std": float(accuracy.std()),
        "macro_f1_mean": float(macro_f1.mean()),
        "macro_f1_std": float(macro_f1.std()),
        "accuracy_diff_vs_best": test["difference"],
        "p_value_vs_best": test["p_value"],
        "indistinguishable_from_best": test["indistinguishable"],
        "fit_seconds_per_fold": float(np.mean(scores["fit_seconds"])),
        "predict_docs_per_second": float(np.mean(test_sizes / scores["predict_seconds"])),
        "concurrent_fits": concurrent,
    }


def _per_class(truth, predicted, classes):
    rows = []
    for name, guess in predicted.items():
        scores = precision_recall_fscore_support(truth, guess, labels=classes, zero_division=0)
        for label, precision, recall, f1, support in zip(classes.tolist(), *scores):
            rows.append(
                {
                    "model": name,
                    "class": label,
                    "precision": float(precision),
                    "recall": float(recall),
                    "f1": float(f1),
                    "support": int(support),
                }
            )
    return rows


def _learning_curve(names, n_folds, fractions, results):
    if len(fractions) == 1:
        return []
    points = []
    for model, name in enumerate(names):
        for fraction in fractions:
            scores = [results[(model, fold, fraction)] for fold in range(n_folds)]
            accuracy = np.array([score["accuracy"] for score in scores])
            macro_f1 = np.array([score["macro_f1"] for score in scores])
            points.append(
                {
                    "model": name,
                    "fraction": fraction,
                    "train_size": float(np.mean([score["train_size"] for score in scores])),
                    "accuracy_mean": float(accuracy.mean()),
                    "accuracy_std": float(accuracy.std()),
                    "macro_f1_mean": float(macro_f1.mean()),
                    "macro_f1_std": float(macro_f1.std()),
                }
            )
    return points
