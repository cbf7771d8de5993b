"""The figures of a comparison: scores and times, confusion matrices, learning curves.

Every figure is made without pyplot, so the matplotlib backend in use and
pyplot's open figures are left as they are; a notebook shows the returned
``Figure`` as a cell's result and ``figure.savefig(path)`` writes it.
"""

import numpy as np


def paired_test_label(row, alpha=0.05):
    """The paired test of one result row in words, as the table and the chart write it.

    Parameters
    ----------
    row : dict
        A row of :class:`~sklearn_mgm.report.ComparisonTable`.
    alpha : float, default=0.05
        The level the row was tested at.

    Returns
    -------
    str
        ``"best"``, the difference in accuracy points with its p-value (and
        ``≈`` when not distinguishable from the best), or ``""`` for a row
        without a test.

    Examples
    --------
    >>> paired_test_label({"accuracy_diff_vs_best": -0.0049, "p_value_vs_best": 0.38,
    ...             "indistinguishable_from_best": True})
    '-0.49 points, p = 0.380 ≈'
    """
    p_value = row.get("p_value_vs_best")
    if p_value is None:
        return "best" if row.get("indistinguishable_from_best") else ""
    mark = " ≈" if row["indistinguishable_from_best"] else ""
    return f"{100 * row['accuracy_diff_vs_best']:+.2f} points, p {format_p_value(p_value)}{mark}"


def format_p_value(p_value):
    """``"= 0.042"``, or ``"< 0.001"`` for the smallest p-values.

    Examples
    --------
    >>> format_p_value(0.04213), format_p_value(1e-5)
    ('= 0.042', '< 0.001')
    """
    return "< 0.001" if p_value < 0.001 else f"= {p_value:.3f}"


def plot_results(rows, *, concurrent_fits=1, alpha=0.05):
    """Bar chart: accuracy and macro-F1 with error bars and the paired test, beside fit time.

    Parameters
    ----------
    rows : list of dict
        The rows of a :class:`~sklearn_mgm.report.ComparisonTable`.
    concurrent_fits : int, default=1
        How many fits ran at once; above one, the time axis says so.
    alpha : float, default=0.05
        Level of the paired tests, for the caption.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    names = [_two_lines(row["model"], paired_test_label(row, alpha)) for row in rows]
    positions = np.arange(len(rows))
    figure = Figure(figsize=(11, 0.9 * len(rows) + 2.4))
    scores, times = figure.subplots(1, 2)
    for offset, metric, label in ((-0.2, "accuracy", "accuracy"), (0.2, "macro_f1", "macro-F1")):
        scores.barh(
            positions + offset,
            [100 * row[f"{metric}_mean"] for row in rows],
            height=0.4,
            xerr=[100 * row[f"{metric}_std"] for row in rows],
            label=label,
            capsize=3,
        )
    low = min(100 * (row["macro_f1_mean"] - 2 * row["macro_f1_std"]) for row in rows)
    scores.set_xlim(max(0, low - 2), 100)
    scores.set_yticks(positions, names)
    scores.invert_yaxis()
    scores.set_xlabel("% (mean ± std over folds)")
    scores.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    times.barh(positions, [row["fit_seconds_per_fold"] for row in rows], color="gray")
    times.set_yticks(positions, [])
    times.invert_yaxis()
    times.set_xscale("log")
    times.xaxis.set_minor_formatter(NullFormatter())
    load = f", {concurrent_fits} fits at once" if concurrent_fits > 1 else ""
    times.set_xlabel(f"fit seconds per fold (log scale{load})")
    if any(row.get("p_value_vs_best") is not None for row in rows):
        figure.text(
            0.01,
            0.01,
            f"Accuracy against the best on the same folds: corrected resampled t-test; "
            f"≈ not distinguishable at α = {alpha}.",
            fontsize="small",
        )
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    return figure


def _two_lines(name, note):
    return f"{name}\n{note}" if note else name


def plot_confusion_matrices(matrices, classes):
    """One confusion matrix per model, side by side (scikit-learn's ``ConfusionMatrixDisplay``).

    Parameters
    ----------
    matrices : dict of str to array-like of shape (n_classes, n_classes)
        Per title, counts of true (rows) against predicted (columns) classes.
    classes : list
        The class labels, in the order of the rows.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from sklearn.metrics import ConfusionMatrixDisplay

    size = 1.2 + 0.6 * len(classes)
    figure = Figure(figsize=(size * len(matrices) + 1, size + 1.2))
    axes = np.atleast_1d(figure.subplots(1, len(matrices)))
    rotation = "vertical" if max(len(str(label)) for label in classes) > 6 else "horizontal"
    for ax, (title, matrix) in zip(axes, matrices.items()):
        display = ConfusionMatrixDisplay(np.asarray(matrix), display_labels=classes)
        display.plot(ax=ax, colorbar=False, xticks_rotation=rotation, values_format="d")
        ax.set_title(title)
    figure.tight_layout()
    return figure


def plot_learning_curve(points):
    """Accuracy against the number of training documents, one line per model.

    Parameters
    ----------
    points : list of dict
        The ``learning_curve`` rows of a
        :class:`~sklearn_mgm.report.ComparisonTable`: ``model``,
        ``train_size``, ``accuracy_mean`` and ``accuracy_std``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    figure = Figure(figsize=(8, 5))
    ax = figure.subplots()
    for name in dict.fromkeys(point["model"] for point in points):
        mine = [point for point in points if point["model"] == name]
        sizes = np.array([point["train_size"] for point in mine])
        mean = np.array([100 * point["accuracy_mean"] for point in mine])
        std = np.array([100 * point["accuracy_std"] for point in mine])
        (line,) = ax.plot(sizes, mean, marker="o", label=name)
        ax.fill_between(sizes, mean - std, mean + std, color=line.get_color(), alpha=0.15)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(sorted({round(point["train_size"]) for point in points}))
    ax.set_xlabel("training documents per fold (log scale)")
    ax.set_ylabel("accuracy (%, mean ± std over folds)")
    ax.grid(alpha=0.3)
    ax.legend()
    figure.tight_layout()
    return figure
