"""ComparisonTable: the results of a comparison, as Markdown, CSV, JSON and figures."""

import csv
import importlib.util
import io
import json
import os

import numpy as np

from .figures import (
    paired_test_label,
    plot_confusion_matrices,
    plot_learning_curve,
    plot_results,
)

COLUMNS = (
    "model",
    "accuracy_mean",
    "accuracy_std",
    "macro_f1_mean",
    "macro_f1_std",
    "accuracy_diff_vs_best",
    "p_value_vs_best",
    "indistinguishable_from_best",
    "fit_seconds_per_fold",
    "predict_docs_per_second",
    "concurrent_fits",
)
PER_CLASS_COLUMNS = ("model", "class", "precision", "recall", "f1", "support")
LEARNING_CURVE_COLUMNS = (
    "model",
    "fraction",
    "train_size",
    "accuracy_mean",
    "accuracy_std",
    "macro_f1_mean",
    "macro_f1_std",
)


class ComparisonTable:
    """Results of :func:`~sklearn_mgm.compare_with_baselines`: one row per model.

    Parameters
    ----------
    rows : list of dict
        One dict per model with the keys of ``COLUMNS``.
    fold_scores : dict of str to dict
        Per model, the per-fold ``accuracy``, ``macro_f1``, ``fit_seconds`` and
        ``predict_seconds``.
    classes : list, default=()
        The class labels, in the order of the confusion matrices.
    per_class : list of dict, default=()
        Per model and class: ``precision``, ``recall``, ``f1`` and ``support``,
        pooled over the out-of-fold predictions of every fold.
    confusion_matrices : dict of str to ndarray or None, default=None
        Per model, the pooled confusion matrix (true classes in rows).
    learning_curve : list of dict, default=()
        Per model and training fraction, the keys of ``LEARNING_CURVE_COLUMNS``.
    settings : dict or None, default=None
        How the comparison ran: ``cv``, ``repeats``, ``n_folds``, ``n_train``,
        ``n_test``, ``alpha``, ``concurrent_fits``, ``best``, ``mgm_model`` …

    Attributes
    ----------
    rows, fold_scores, classes, per_class, confusion_matrices, learning_curve, settings
        As given.

    Examples
    --------
    >>> table = ComparisonTable(
    ...     [{"model": "a", "accuracy_mean": 0.9, "accuracy_std": 0.01, "macro_f1_mean": 0.8,
    ...       "macro_f1_std": 0.02, "fit_seconds_per_fold": 1.5,
    ...       "predict_docs_per_second": 1000.0}],
    ...     {},
    ... )
    >>> table.best()
    'a'
    """

    def __init__(
        self,
        rows,
        fold_scores,
        *,
        classes=(),
        per_class=(),
        confusion_matrices=None,
        learning_curve=(),
        settings=None,
    ):
        self.rows = rows
        self.fold_scores = fold_scores
        self.classes = list(classes)
        self.per_class = list(per_class)
        self.confusion_matrices = dict(confusion_matrices or {})
        self.learning_curve = list(learning_curve)
        self.settings = dict(settings or {})

    def best(self, metric="accuracy_mean"):
        """Name of the model with the highest value of ``metric``."""
        return max(self.rows, key=lambda row: row[metric])["model"]

    def to_markdown(self):
        """The table in Markdown, with accuracy and macro-F1 as percentages, and its notes."""
        concurrent = self.settings.get("concurrent_fits", 1)
        fit_header = f"fit s / fold ({concurrent} at once)" if concurrent > 1 else "fit s / fold"
        lines = [
            f"| model | accuracy (%) | macro-F1 (%) | accuracy vs best | {fit_header} "
            "| predict docs / s |",
            "|---|---|---|---|---|---|",
        ]
        for row in self.rows:
            lines.append(
                f"| {row['model']} | {100 * row['accuracy_mean']:.2f} ± "
                f"{100 * row['accuracy_std']:.2f} | {100 * row['macro_f1_mean']:.2f} ± "
                f"{100 * row['macro_f1_std']:.2f} | "
                f"{paired_test_label(row, self._alpha) or '—'} | "
                f"{row['fit_seconds_per_fold']:.2f} | {row['predict_docs_per_second']:,.0f} |"
            )
        notes = self._notes()
        return "\n".join(lines) + "\n" + "".join(f"\n{note}\n" for note in notes)

    @property
    def _alpha(self):
        return self.settings.get("alpha", 0.05)

    def _notes(self):
        notes = []
        if any(row.get("p_value_vs_best") is not None for row in self.rows):
            folds = self.settings.get("n_folds", len(next(iter(self.fold_scores.values()), [])))
            notes.append(
                f"Accuracy vs best: the mean difference in accuracy points from the best model "
                f"and the p-value of a corrected resampled t-test (Nadeau & Bengio 2003) on the "
                f"same {folds} folds, one test per pair; ≈ marks a model not distinguishable "
                f"from the best at α = {self._alpha}."
            )
        concurrent = self.settings.get("concurrent_fits", 1)
        if concurrent > 1:
            notes.append(
                f"Times were measured with up to {concurrent} fits running at once; a fit "
                "alone on the machine runs faster."
            )
        return notes

    def to_csv(self):
        """The table as CSV text: one row per model, the columns of ``COLUMNS``."""
        return _csv(self.rows, COLUMNS)

    def per_class_csv(self):
        """Per-class precision, recall, F1 and support of every model, as CSV text."""
        return _csv(self.per_class, PER_CLASS_COLUMNS)

    def learning_curve_csv(self):
        """The learning curve as CSV text: one row per model and training fraction."""
        return _csv(self.learning_curve, LEARNING_CURVE_COLUMNS)

    def to_json(self):
        """Everything as JSON text: settings, rows, per-fold scores, per class, curves."""
        return json.dumps(
            {
                "settings": self.settings,
                "rows": self.rows,
                "folds": self.fold_scores,
                "classes": self.classes,
                "per_class": self.per_class,
                "confusion_matrices": {
                    name: np.asarray(matrix).tolist()
                    for name, matrix in self.confusion_matrices.items()
                },
                "learning_curve": self.learning_curve,
            },
            indent=2,
        )

    def plot(self):
        """Bar chart: accuracy and macro-F1 with error bars and the paired test, beside fit time.

        Returns
        -------
        matplotlib.figure.Figure
            Made without pyplot; ``figure.savefig(path)`` writes it.
        """
        return plot_results(
            self.rows, concurrent_fits=self.settings.get("concurrent_fits", 1), alpha=self._alpha
        )

    def confusion_models(self):
        """The models whose confusion matrices are drawn: the best one and the MGM pipeline."""
        names = [self.best(), self.settings.get("mgm_model")]
        return [name for name in dict.fromkeys(names) if name in self.confusion_matrices]

    def plot_confusion_matrices(self, models=None):
        """Confusion matrices pooled over the folds, side by side.

        Parameters
        ----------
        models : list of str or None, default=None
            The models to draw; ``None`` means :meth:`confusion_models`.

        Returns
        -------
        matplotlib.figure.Figure
        """
        models = self.confusion_models() if models is None else models
        missing = [name for name in models if name not in self.confusion_matrices]
        if missing:
            raise ValueError(
                f"No confusion matrix for {missing}; the models are "
                f"{list(self.confusion_matrices)}."
            )
        folds = self.settings.get("n_folds")
        pooled = f"\n(pooled over {folds} folds)" if folds else ""
        return plot_confusion_matrices(
            {f"{name}{pooled}": self.confusion_matrices[name] for name in models}, self.classes
        )

    def plot_learning_curve(self):
        """Accuracy against training documents per fold, one line per model.

        Returns
        -------
        matplotlib.figure.Figure

        Raises
        ------
        ValueError
            When the comparison ran without ``learning_curve``.
        """
        if not self.learning_curve:
            raise ValueError(
                "This comparison has no learning curve; run compare_with_baselines with "
                "learning_curve=True (sklearn-mgm compare --learning-curve)."
            )
        return plot_learning_curve(self.learning_curve)

    def save(self, folder):
        """Write the results into ``folder``, which is created if missing.

        ``results.md``, ``results.csv``, ``results.json``, ``per_class.csv``
        and, with a learning curve, ``learning_curve.csv``; with matplotlib also
        ``results.png``, ``confusion_matrices.png`` and ``learning_curve.png``.

        Parameters
        ----------
        folder : str or path-like

        Returns
        -------
        list of str
            The paths written.
        """
        os.makedirs(folder, exist_ok=True)
        texts = [
            ("results.md", self.to_markdown()),
            ("results.csv", self.to_csv()),
            ("results.json", self.to_json()),
        ]
        if self.per_class:
            texts.append(("per_class.csv", self.per_class_csv()))
        if self.learning_curve:
            texts.append(("learning_curve.csv", self.learning_curve_csv()))
        written = []
        for name, text in texts:
            written.append(os.path.join(folder, name))
            with open(written[-1], "w", encoding="utf-8") as handle:
                handle.write(text)
        if importlib.util.find_spec("matplotlib") is not None:
            for name, figure in self._figures():
                written.append(os.path.join(folder, name))
                figure.savefig(written[-1], dpi=120)
        return written

    def _figures(self):
        yield "results.png", self.plot()
        if self.confusion_models():
            yield "confusion_matrices.png", self.plot_confusion_matrices()
        if self.learning_curve:
            yield "learning_curve.png", self.plot_learning_curve()

    def __repr__(self):
        return self.to_markdown()


def _csv(rows, columns):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
