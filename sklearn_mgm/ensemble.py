"""make_mgm_ensemble: one tokenizer, then several MGM networks that differ only in their seed.

Networks trained from different seeds make different mistakes (on BBC News
about a third of one seed's errors are not another's), so averaging their
probabilities corrects some of each; see ``benchmarks/README.md`` for what
it buys and costs. The documents are tokenized once for all members.
"""

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state

from .pipeline import make_mgm_pipeline


def make_mgm_ensemble(n_members=3, *, n_jobs=None, memory=None, **params):
    """Build a Pipeline of the tokenizer and a soft vote of ``n_members`` MGM classifiers.

    Every member is the :func:`~sklearn_mgm.make_mgm_pipeline` classifier for
    ``params``, with its own ``random_state``: ``random_state + k`` for
    member ``k`` when ``random_state`` is an int (so member 0 is the
    pipeline's own classifier), integers drawn from it when it is a
    ``RandomState``, and ``None`` for every member when it is ``None``. The
    members are fitted on the same tokenized documents, each on its own, and
    their predicted probabilities are averaged.

    Parameters
    ----------
    n_members : int, default=3
        Number of networks, 2 or more. The fit and prediction cost grows
        with it: each member costs one network's fit.
    n_jobs : int or None, default=None
        Members fitted at once by joblib (``VotingClassifier``'s ``n_jobs``);
        each keeps its ``torch_threads``. ``None`` fits them one by one.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted tokenizer, passed to :class:`~sklearn.pipeline.Pipeline`.
    **params : dict
        Parameters of the tokenizer and of the classifier, as for
        :func:`~sklearn_mgm.make_mgm_pipeline`.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``"tokenizer"`` and ``"ensemble"``, a
        :class:`~sklearn.ensemble.VotingClassifier` (``voting="soft"``) of
        members ``"member_0"``, ``"member_1"``, … Grid search reaches a
        member's parameter as ``ensemble__member_0__lr``; a value for every
        member needs each member's key. One label per document
        (scikit-learn's vote does not take several). The members learn the
        labels encoded as 0, 1, … (as in any ``VotingClassifier``), so a
        ``class_weight`` dict must be keyed by those codes (the sorted
        labels' positions); ``"balanced"`` needs no keys.
        :func:`~sklearn_mgm.explain` averages the members' weights.

    Raises
    ------
    ValueError
        For ``n_members`` below 2 or not an integer; TypeError, as
        :func:`~sklearn_mgm.make_mgm_pipeline`, for an unknown parameter.

    Examples
    --------
    >>> ensemble = make_mgm_ensemble(n_members=2, hidden_size=16, random_state=7)
    >>> [(name, member.random_state) for name, member in ensemble[-1].estimators]
    [('member_0', 7), ('member_1', 8)]
    >>> ensemble.get_params()["ensemble__member_1__hidden_size"]
    16
    """
    if isinstance(n_members, bool) or not isinstance(n_members, numbers.Integral) or n_members < 2:
        raise ValueError(
            f"n_members must be an integer of 2 or more, got {n_members!r}; "
            "use make_mgm_pipeline() for a single network."
        )
    pipeline = make_mgm_pipeline(memory=memory, **params)
    classifier = pipeline.named_steps["classifier"]
    seeds = member_seeds(classifier.random_state, n_members)
    members = [
        (f"member_{k}", clone(classifier).set_params(random_state=seed))
        for k, seed in enumerate(seeds)
    ]
    return Pipeline(
        [
            ("tokenizer", pipeline.named_steps["tokenizer"]),
            ("ensemble", VotingClassifier(members, voting="soft", n_jobs=n_jobs)),
        ],
        memory=memory,
    )


def member_seeds(random_state, n_members):
    """The ``random_state`` of each member of an ensemble.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The ensemble's seed.
    n_members : int
        Number of members.

    Returns
    -------
    list
        ``random_state + k`` (modulo ``2**32``) for an int, ints drawn from a
        ``RandomState``, ``None`` for every member when ``random_state`` is None.

    Examples
    --------
    >>> member_seeds(3, 2), member_seeds(None, 2), member_seeds(2**32 - 1, 2)
    ([3, 4], [None, None], [4294967295, 0])
    """
    if random_state is None:
        return [None] * n_members
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        # wrapped: the classifiers take seeds below 2**32
        return [(int(random_state) + k) % 2**32 for k in range(n_members)]
    limit = np.iinfo(np.int32).max
    return [int(seed) for seed in check_random_state(random_state).randint(limit, size=n_members)]
