"""Is a gap between two cross-validated models real? The corrected resampled t-test.

The folds of a cross-validation share most of their training documents, so
their scores are not independent and the plain paired t-test finds
differences that are not there. Nadeau and Bengio (2003, "Inference for the
generalization error", Machine Learning 52) widen the variance of the mean
difference by the ratio of test to training size, which accounts for that
overlap.
"""

from typing import NamedTuple

import numpy as np
from scipy import stats


class PairedTest(NamedTuple):
    """The result of :func:`corrected_resampled_ttest`.

    Attributes
    ----------
    difference : float
        Mean over folds of ``scores - reference``.
    statistic : float
        The corrected t statistic (``±inf`` when every fold differs by the same
        non-zero amount).
    p_value : float
        Two-sided p-value.
    dof : int
        Degrees of freedom: the number of folds minus one.
    """

    difference: float
    statistic: float
    p_value: float
    dof: int


def corrected_resampled_ttest(scores, reference, *, n_train, n_test):
    """Nadeau and Bengio's corrected resampled t-test of two models scored on the same folds.

    With ``d`` the per-fold differences ``scores - reference`` over ``J``
    folds (``R`` repeats of ``k`` folds give ``J = R * k``) and ``s²`` their
    sample variance, ``t = mean(d) / sqrt((1 / J + n_test / n_train) * s²)``
    follows Student's t with ``J - 1`` degrees of freedom. The test assumes
    that the per-fold differences are about normal; the ``n_test / n_train``
    term corrects for the overlap of the training sets, which the plain
    paired t-test ignores.

    Parameters
    ----------
    scores, reference : array-like of shape (n_folds,)
        The two models' scores, fold by fold, on the same folds.
    n_train, n_test : float
        Documents in a training and in a test part (their means when the
        folds differ in size).

    Returns
    -------
    PairedTest
        When the differences do not vary (up to rounding), ``p_value`` is 1
        if they are all zero and 0 otherwise.

    Raises
    ------
    ValueError
        When the scores do not pair up, there are fewer than two folds, or a
        size is not positive.

    Examples
    --------
    >>> test = corrected_resampled_ttest(
    ...     [0.90, 0.85, 0.88, 0.92, 0.87], [0.86, 0.84, 0.85, 0.90, 0.83], n_train=80, n_test=20
    ... )
    >>> round(test.difference, 3), round(test.statistic, 3), round(test.p_value, 4), test.dof
    (0.028, 3.201, 0.0329, 4)
    """
    differences = _paired_differences(scores, reference)
    if not (n_train > 0 and n_test > 0):
        raise ValueError(f"n_train and n_test must be positive; got {n_train} and {n_test}.")
    n_folds = len(differences)
    mean = float(differences.mean())
    if np.allclose(differences, mean, rtol=1e-9, atol=1e-12):  # no variance but rounding
        statistic = 0.0 if abs(mean) <= 1e-12 else float(np.copysign(np.inf, mean))
    else:
        statistic = mean / np.sqrt((1 / n_folds + n_test / n_train) * differences.var(ddof=1))
    p_value = float(2 * stats.t.sf(abs(statistic), n_folds - 1))
    return PairedTest(mean, float(statistic), p_value, n_folds - 1)


def _paired_differences(scores, reference):
    scores = np.asarray(scores, dtype=float)
    reference = np.asarray(reference, dtype=float)
    if scores.ndim != 1 or scores.shape != reference.shape:
        raise ValueError(
            f"The scores must be two 1-D arrays of one score per fold; got shapes "
            f"{scores.shape} and {reference.shape}."
        )
    if len(scores) < 2:
        raise ValueError(f"The test needs at least two folds; got {len(scores)}.")
    return scores - reference


def compare_with_best(fold_scores, *, n_train, n_test, alpha=0.05):
    """Test every model against the one with the highest mean score, on the same folds.

    Parameters
    ----------
    fold_scores : dict of str to array-like of shape (n_folds,)
        Per model, its score on each fold; every model on the same folds.
    n_train, n_test : float
        Documents in a training and in a test part.
    alpha : float, default=0.05
        Level of each test; a model whose p-value is at least ``alpha`` is not
        distinguishable from the best.

    Returns
    -------
    dict of str to dict
        Per model: ``difference`` (its mean score minus the best's),
        ``p_value`` (``None`` for the best) and ``indistinguishable``
        (``True`` for the best itself). Each p-value belongs to one pair; the
        tests are not corrected for being several.

    Examples
    --------
    >>> tests = compare_with_best(
    ...     {"a": [0.90, 0.85, 0.88], "b": [0.60, 0.55, 0.62], "c": [0.89, 0.86, 0.86]},
    ...     n_train=60, n_test=30,
    ... )
    >>> tests["a"]["p_value"], tests["b"]["indistinguishable"], tests["c"]["indistinguishable"]
    (None, False, True)
    """
    best = max(fold_scores, key=lambda name: np.mean(fold_scores[name]))
    results = {}
    for name, scores in fold_scores.items():
        if name == best:
            results[name] = {"difference": 0.0, "p_value": None, "indistinguishable": True}
            continue
        test = corrected_resampled_ttest(scores, fold_scores[best], n_train=n_train, n_test=n_test)
        results[name] = {
            "difference": test.difference,
            "p_value": test.p_value,
            "indistinguishable": test.p_value >= alpha,
        }
    return results
