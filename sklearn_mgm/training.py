"""What runs around the network in fit and predict: torch's seed, threads and memory, loss checks.

``random_state`` makes a fit reproducible by seeding torch's global random
number generator inside :func:`torch_settings`, which restores the caller's
generator and thread count afterwards. Every thread of a process shares that
generator, so fits that run at once in threads of one process draw from it
in an order that changes from run to run. Worker processes are fine: joblib's
loky backend, and Dask workers with one thread each;
:func:`check_seeding_is_reproducible` refuses the rest.
"""

import collections
import math
import numbers
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import Callback, EarlyStopping, EpochScoring, LRScheduler, ProgressBar
from skorch.utils import to_numpy
from torch.optim.lr_scheduler import CosineAnnealingLR

from .allocation import reused_memory

# scikit-learn constraints of MultiGranularityClassifier's training parameters,
# skorch's own among them (skorch checks only their names)
TRAINING_PARAMETER_CONSTRAINTS = {
    "class_weight": [StrOptions({"balanced"}), dict, None],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither"), None],
    "patience": [Interval(numbers.Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
    "lr": [Interval(numbers.Real, 0, None, closed="neither")],
    "bag_weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
    "label_smoothing": [Interval(numbers.Real, 0, 1, closed="left")],
    "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "verbose": ["verbose"],
    "mixed_precision": ["boolean"],
    "max_batch_words": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "torch_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "module": [callable],
    "criterion": [callable],
    "optimizer": [callable],
    "iterator_train": [callable],
    "iterator_valid": [callable],
    "dataset": [callable],
    "train_split": [callable, None],
    "callbacks": [list, None],
    "predict_nonlinearity": [callable, StrOptions({"auto"}), None],
    "warm_start": ["boolean"],
    "device": [str, torch.device, None],
}


def derived_seed(random_state, offset=0):
    """The integer seed that ``random_state`` gives torch, shifted by ``offset``.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        An estimator's ``random_state``.
    offset : int, default=0
        Added to the seed, e.g. the number of epochs already trained, so that
        successive calls do not replay one random stream.

    Returns
    -------
    int or None
        ``None`` when ``random_state`` is None.

    Examples
    --------
    >>> derived_seed(0) == derived_seed(0), derived_seed(None)
    (True, None)
    """
    if random_state is None:
        return None
    limit = np.iinfo(np.int32).max
    return (int(check_random_state(random_state).randint(limit)) + offset) % limit


@contextmanager
def torch_settings(seed=None, n_threads=None):
    """Seed torch, set its threads and reuse freed memory inside the block; restore after it.

    Freed memory is reused by :func:`~sklearn_mgm.allocation.reused_memory`.

    Parameters
    ----------
    seed : int or None, default=None
        Seed of torch's generator in the block; ``None`` leaves the generator alone.
    n_threads : int or None, default=None
        Intra-op threads in the block; ``None`` leaves torch's setting.

    Examples
    --------
    >>> with torch_settings(seed=0, n_threads=1):
    ...     first = torch.rand(1)
    >>> with torch_settings(seed=0):
    ...     bool(torch.rand(1) == first)
    True
    """
    previous = torch.get_num_threads()
    if n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        with reused_memory():
            if seed is None:
                yield
            else:
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    yield
    finally:
        torch.set_num_threads(previous)


def ordered_in_threads(function, items, n_threads):
    """``(item, function(item))`` for each item, in order, computed by ``n_threads`` threads.

    At most ``2 * n_threads`` items are in flight, so a long iterable is not
    read ahead; an exception in ``function`` is raised where its item's
    turn comes.

    Parameters
    ----------
    function : callable
        Takes one item; should release the GIL most of the time (torch
        operations do) for the threads to run side by side.
    items : iterable
    n_threads : int

    Yields
    ------
    item, result

    Examples
    --------
    >>> [result for _, result in ordered_in_threads(abs, [-3, 1, -2], 2)]
    [3, 1, 2]
    """
    with ThreadPoolExecutor(n_threads) as pool:
        pending = collections.deque()
        for item in items:
            pending.append((item, pool.submit(function, item)))
            if len(pending) >= 2 * n_threads:
                item, future = pending.popleft()
                yield item, future.result()
        while pending:
            item, future = pending.popleft()
            yield item, future.result()


def check_seeding_is_reproducible(random_state):
    """Raise if a fit seeded with ``random_state`` runs on a multi-threaded Dask worker.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's seed; ``None`` asks for no reproducibility and passes.

    Raises
    ------
    ValueError
        When called in a task of a Dask worker with more than one thread.

    Examples
    --------
    >>> check_seeding_is_reproducible(0)  # not on a Dask worker: passes
    """
    # a Dask worker has imported distributed; elsewhere there is nothing to check
    distributed = sys.modules.get("distributed")
    if random_state is None or distributed is None:
        return
    try:
        threads = distributed.get_worker().state.nthreads
    except ValueError:  # not in a task of a worker
        return
    if threads > 1:
        raise ValueError(
            f"random_state={random_state!r} cannot make this fit reproducible: it runs on a "
            f"Dask worker with {threads} threads, whose fits run at once and share torch's "
            "random number generator. Start the workers with one thread each "
            "(LocalCluster(threads_per_worker=1), dask worker --nthreads 1), or pass "
            "random_state=None."
        )


class FiniteLossCheck(Callback):
    """Stop training with an error as soon as a batch loss is NaN or infinite.

    Once the loss is not finite the weights soon are not either, and training
    on would return a model that predicts garbage. This callback raises a
    ``FloatingPointError`` that names the epoch and batch instead.
    :class:`~sklearn_mgm.MultiGranularityClassifier` uses it by default, under
    the name ``"finite_loss"`` (``callbacks__finite_loss=None`` turns it off).

    Examples
    --------
    >>> from sklearn_mgm import make_mgm_pipeline
    >>> texts = ["Goal scored. Fans cheer.", "Stocks fall. Markets worry."] * 8
    >>> labels = ["sport", "business"] * 8
    >>> pipe = make_mgm_pipeline(embedding_dim=8, hidden_size=8, batch_size=4, lr=1e30,
    ...                          sentence_model="untrained", random_state=0)
    >>> pipe.fit(texts, labels)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FloatingPointError: The training loss became nan at epoch 1, batch ...
    """

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if loss is None or math.isfinite(loss.item()):
            return
        key = "train_loss" if training else "valid_loss"
        # skorch records the batch in the history before calling on_batch_end
        number = sum(key in record for record in net.history[-1, "batches"])
        raise FloatingPointError(
            f"The {'training' if training else 'validation'} loss became {loss.item()} at "
            f"epoch {len(net.history)}, batch {number}. Training further would give a "
            f"useless model. Try a lower lr (it is {net.lr}), check the inputs for extreme "
            "values, or clip the gradients (skorch.callbacks.GradientNormClipping)."
        )


def _labels_only(targets):
    """A batch's labels, without the sample weights that may travel with them."""
    return to_numpy(targets[0] if isinstance(targets, (tuple, list)) else targets)


def _valid_accuracy(net, dataset, y_encoded):
    """Accuracy on skorch's validation split, whose labels are encoded.

    For several labels per document: the share of documents whose labels
    (probability 0.5 or more) are all right, scikit-learn's subset accuracy.
    """
    proba = net.predict_proba(dataset)
    if np.ndim(y_encoded) == 2:
        return float(np.mean(((proba >= 0.5) == (y_encoded > 0.5)).all(axis=1)))
    return float(np.mean(proba.argmax(axis=1) == y_encoded))


def default_callbacks(*, validation_fraction, patience, max_epochs, verbose):
    """The callbacks MultiGranularityClassifier adds to skorch's, by name.

    Parameters
    ----------
    validation_fraction : float or None
        With a fraction, early stopping after ``patience`` epochs without a
        lower validation loss, restoring the best epoch's weights.
    patience : int
        Epochs without improvement before early stopping.
    max_epochs : int
        Length of the cosine decay of the learning rate.
    verbose : int
        A progress bar when true.

    Returns
    -------
    list of (str, skorch Callback)
        ``"valid_acc"`` (replacing skorch's, whose labels are not encoded),
        ``"early_stopping"`` (with a fraction), ``"lr_scheduler"``,
        ``"progress_bar"`` (when verbose) and ``"finite_loss"``.

    Examples
    --------
    >>> callbacks = default_callbacks(
    ...     validation_fraction=None, patience=3, max_epochs=5, verbose=0
    ... )
    >>> [name for name, _ in callbacks]
    ['valid_acc', 'lr_scheduler', 'finite_loss']
    """
    # get_params builds these, and must not fail on values that fit will refuse
    epochs = max_epochs if isinstance(max_epochs, numbers.Integral) and max_epochs > 0 else 1
    scorer = EpochScoring(
        _valid_accuracy, name="valid_acc", lower_is_better=False, target_extractor=_labels_only
    )
    callbacks = [("valid_acc", scorer)]
    if validation_fraction is not None:
        callbacks.append(("early_stopping", EarlyStopping(patience=patience, load_best=True)))
    callbacks.append(("lr_scheduler", LRScheduler(CosineAnnealingLR, T_max=epochs)))
    if isinstance(verbose, numbers.Integral) and verbose:
        callbacks.append(("progress_bar", ProgressBar()))
    callbacks.append(("finite_loss", FiniteLossCheck()))
    return callbacks
