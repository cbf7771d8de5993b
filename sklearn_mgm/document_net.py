"""DocumentNetMixin: what a skorch net needs to train on and predict TokenizedDocuments.

skorch's defaults assume arrays that its Dataset can index and its
DataLoader can batch. TokenizedDocuments are ragged, so this mixin supplies
the dataset, the length-bucketing iterator, the validation split, the
device placement and mixed precision of each DocumentBatch, and prediction
in batches of similar size. It also keeps what skorch forgets: whether
Ctrl-C ended training, and the starting learning rate a resumed schedule
needs. :class:`~sklearn_mgm.MultiGranularityClassifier` is built on it.
"""

import warnings
from fnmatch import fnmatch

import numpy as np
import torch
from skorch.dataset import ValidSplit
from skorch.utils import is_dataset, to_device

from .batching import WORD_GROUP_RATIO, DocumentBatch, DocumentDataset, document_loader
from .documents import check_documents, check_same_vocabulary
from .sparse_adam import LazyAdam
from .training import derived_seed, ordered_in_threads, torch_settings

# prefixes of parameters whose objects skorch builds anew in every call
_BUILT_PER_CALL = ("iterator_train", "iterator_valid", "dataset")


class DocumentNetMixin:
    """skorch hooks for nets whose inputs are :class:`~sklearn_mgm.TokenizedDocuments`.

    Mix it in before a skorch net class. It reads the net's
    ``max_batch_words``, ``mixed_precision``, ``torch_threads``,
    ``validation_fraction``, ``random_state`` and ``vocabulary_`` (set in fit).

    Attributes
    ----------
    interrupted_ : bool
        Whether Ctrl-C (KeyboardInterrupt) ended the last training call
        early; skorch then keeps the weights of the last finished batch.
        Set by ``fit_loop`` from its start.

    Examples
    --------
    >>> from sklearn_mgm import MultiGranularityClassifier
    >>> issubclass(MultiGranularityClassifier, DocumentNetMixin)
    True
    """

    def predict_proba(self, X):
        """Probability of each class for each document.

        Parameters
        ----------
        X : TokenizedDocuments
            Documents tokenized with the vocabulary seen in fit.

        Returns
        -------
        ndarray of shape (n_documents, n_classes)
            Rows sum to 1; columns follow ``classes_``.
        """
        if is_dataset(X):  # skorch's validation scoring
            with torch_settings(n_threads=self.torch_threads):
                return super().predict_proba(X)
        batches = [(positions, proba) for positions, _, proba, _ in self.forward_batches(X)]
        positions = np.concatenate([positions for positions, _ in batches])
        return np.concatenate([proba for _, proba in batches])[np.argsort(positions)]

    def forward_batches(self, X, **forward_params):
        """Run the network in evaluation mode over ``X``, batched as ``predict_proba`` does.

        Documents of similar size are batched together, within ``batch_size``
        and ``max_batch_words``, with ``torch_threads`` threads.

        Parameters
        ----------
        X : TokenizedDocuments
            Documents tokenized with the vocabulary seen in fit.
        **forward_params : dict
            Passed to the network's ``forward``, e.g. ``return_attention=True``.

        Yields
        ------
        positions : ndarray of int
            Positions in ``X`` of the batch's documents, in batch order.
        batch : DocumentBatch
            The batch, as the network read it.
        probabilities : ndarray of shape (len(positions), n_classes)
        outputs : tuple
            The network's other outputs for the batch, e.g. the attention weights.
        """
        self.check_is_fitted()
        name = type(self).__name__
        X = check_documents(X, name)
        if not len(X):
            raise ValueError(f"Found 0 documents while a minimum of 1 is required by {name}.")
        check_same_vocabulary(X, self.vocabulary_)
        order = np.argsort(X.n_words, kind="stable")
        nonlinearity, start = self._get_predict_nonlinearity(), 0
        with torch_settings(n_threads=self.torch_threads), torch.inference_mode():
            self._set_training(False)
            batches = (batch for batch, _ in self.get_iterator(self.get_dataset(X.take(order))))
            for batch, output in self._inferred(batches, forward_params):
                output = to_device(output, "cpu")
                logits, *outputs = output if isinstance(output, tuple) else (output,)
                positions, start = order[start : start + len(batch)], start + len(batch)
                yield positions, batch, nonlinearity(logits).numpy(), tuple(outputs)

    def _inferred(self, batches, forward_params):
        """Each batch with the network's output, in order.

        With ``torch_threads`` above 1 on the CPU, that many batches run side
        by side, each on one thread: a batch's operations are too small to
        share out among threads, and threads that wait on each other inside
        every operation collapse when a core is busy.
        """
        threads = self.torch_threads
        if threads is None or threads == 1 or self._compute_device().type != "cpu":
            for batch in batches:
                yield batch, self.infer(batch, **forward_params)
            return
        torch.set_num_threads(1)  # inside torch_settings, which restores it

        def infer(batch):
            with torch.inference_mode():  # a thread's own setting
                return self.infer(batch, **forward_params)

        yield from ordered_in_threads(infer, batches, threads)

    def set_params(self, **params):
        # skorch builds the callbacks of an unfitted net at once, raising on odd values
        # that fit would reject, and re-initialises the part of a fitted net that a
        # prefixed parameter belongs to, raising for the data loaders and the dataset,
        # which are built anew in every call: those are only stored
        stored = {
            key: value
            for key, value in params.items()
            if ("__" in key and key.split("__")[0] in _BUILT_PER_CALL)
            or (key.startswith("callbacks") and not self.initialized_)
        }
        for key, value in stored.items():
            setattr(self, key, value)
            if "__" in key:
                self._params_to_validate.add(key)
        return super().set_params(**{k: v for k, v in params.items() if k not in stored})

    def _get_param_names(self):
        # skorch takes every public-looking attribute for a parameter, its own
        # bookkeeping (_params_to_validate) too, which set_params must not replace
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.non_deterministic = self.random_state is None
        return tags

    def initialize_optimizer(self, *args, **kwargs):
        super().initialize_optimizer(*args, **kwargs)
        # the lr schedule resumes from the history's epoch, which torch allows only
        # when each group records its starting lr (a fresh optimizer after load)
        for group in self.optimizer_.param_groups:
            group.setdefault("initial_lr", group["lr"])
        table = self._sparse_bag_table()
        if table is not None:
            self.bag_optimizer_ = LazyAdam(
                [table],
                lr=self.optimizer_.param_groups[-1]["lr"],
                weight_decay=getattr(self, "bag_weight_decay", 0),
            )
        elif "bag_optimizer" in self._optimizers:  # re-initialised with a dense bag
            self._unregister_attribute("bag_optimizer")
            del self.bag_optimizer_
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        super().on_batch_begin(net, batch=batch, training=training, **kwargs)
        if training and "bag_optimizer" in self._optimizers:
            # the bag's table follows the schedule of the optimizer's default group
            lr = self.optimizer_.param_groups[-1]["lr"]
            for group in self.bag_optimizer_.param_groups:
                group["lr"] = lr

    def _step_optimizer(self, step_fn):
        if len(self._optimizers) == 1:
            return super()._step_optimizer(step_fn)
        # skorch hands the closure to every optimizer, each of which would run
        # the forward and backward pass again: run it once, then step them all
        step_fn()
        for name in self._optimizers:
            getattr(self, name + "_").step()
        return None

    def _sparse_bag_table(self):
        """The bag view's table if it has sparse gradients and is trained, else None."""
        embedding = getattr(getattr(self.module_, "bag", None), "embedding", None)
        if getattr(embedding, "sparse", False) and embedding.weight.requires_grad:
            return embedding.weight
        return None

    def get_params_for_optimizer(self, prefix, named_parameters):
        named_parameters = list(named_parameters)
        table = self._sparse_bag_table() if prefix == "optimizer" else None
        if table is not None:  # LazyAdam trains it: torch's dense optimizers refuse it
            _check_no_group_names(self.get_params_for(prefix), named_parameters, table)
            named_parameters = [(n, p) for n, p in named_parameters if p is not table]
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        decay = getattr(self, "bag_weight_decay", 0)
        if decay and prefix == "optimizer":
            args = (_decay_bag(args[0], named_parameters, decay), *args[1:])
        # torch's default Adam updates parameter by parameter in Python; the
        # fused kernel is several times faster on the large embedding tables
        # (benchmarks/README.md), and it is the same algorithm
        fusable = self.optimizer in (torch.optim.Adam, torch.optim.AdamW)
        fused_kernel = self._compute_device().type in ("cpu", "cuda")
        if fusable and fused_kernel and not {"fused", "foreach"} & set(kwargs):
            kwargs["fused"] = True
        return args, kwargs

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_pred, tuple):  # fused logits and each view's own (view_loss)
            logits, view_logits = y_pred
            loss = self.get_loss(logits, y_true, X=X, training=training)
            views = sum(self.get_loss(view, y_true, X=X, training=training) for view in view_logits)
            return loss + self.module_.view_loss * views / len(view_logits)
        if not isinstance(y_true, tuple):
            return super().get_loss(y_pred, y_true, X=X, training=training)
        # sample weights (scaled to mean 1 over the fit's documents): each document's
        # loss times its weight, over what the unweighted loss divides by
        labels, weights = (to_device(part, self._compute_device()) for part in y_true)
        reduction, self.criterion_.reduction = self.criterion_.reduction, "none"
        try:
            losses = self.criterion_(y_pred, labels)
        finally:
            self.criterion_.reduction = reduction
        if losses.ndim == 2:  # one loss per label
            losses = losses.mean(dim=1)
        class_weights = getattr(self.criterion_, "weight", None)
        if class_weights is not None and labels.ndim == 1:  # torch's weighted mean
            return (losses * weights).sum() / class_weights[labels].sum()
        return (losses * weights).mean()

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs, **fit_params)
        except KeyboardInterrupt:  # skorch's partial_fit swallows it after this
            self.interrupted_ = True
            for _, callback in self.callbacks_:  # a progress bar would stay open on its line
                if getattr(callback, "pbar_", None) is not None:
                    callback.pbar_.close()
            raise

    def infer(self, x, **fit_params):
        if not isinstance(x, DocumentBatch):
            return super().infer(x, **fit_params)
        device = torch.device(self.device)
        fit_params = self._with_view_logits(fit_params)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.mixed_precision):
            output = self.module_(x.to(device), **fit_params)
        if fit_params.get("return_view_logits"):
            logits, view_logits = output
            return logits.float(), [view.float() for view in view_logits]
        if isinstance(output, tuple):
            return (output[0].float(), *output[1:])
        return output.float()

    def _with_view_logits(self, fit_params):
        """Ask the network for each view's logits too where the training loss uses them."""
        if self.module_.training and getattr(self.module_, "view_loss", 0):
            return {**fit_params, "return_view_logits": True}
        return fit_params

    def _compute_device(self):
        """The device the network computes on (skorch's ``device=None`` leaves it on the CPU)."""
        return torch.device("cpu" if self.device is None else self.device)

    def get_dataset(self, X, y=None):
        return X if is_dataset(X) else DocumentDataset(X, y)

    def get_split_datasets(self, X, y=None, **fit_params):
        if self.validation_fraction is None:
            return super().get_split_datasets(X, y, **fit_params)
        seed = derived_seed(self.random_state)
        stratified = np.ndim(y) == 1
        if not stratified:
            warnings.warn(
                "Stratification is not defined for several labels per document: the "
                "validation split for early stopping is a plain random one.",
                UserWarning,
                stacklevel=2,
            )
        split = ValidSplit(self.validation_fraction, stratified=stratified, random_state=seed)
        return split(self.get_dataset(X, y), y, **fit_params)

    def get_iterator(self, dataset, training=False):
        prefix = "iterator_train" if training else "iterator_valid"
        # grouping sentences by length saves padding on CPUs; on GPUs, where an
        # encoder reads each group in its own kernel launches, a batch keeps one grid
        on_cpu = self._compute_device().type == "cpu"
        return document_loader(
            dataset,
            getattr(self, prefix),
            self.get_params_for(prefix),
            batch_size=self.batch_size,
            max_words=self.max_batch_words,
            training=training,
            word_group_ratio=WORD_GROUP_RATIO if on_cpu else None,
            prefix=prefix,
        )


def _decay_bag(groups, named_parameters, decay):
    """The optimizer's groups with the bag view's table moved into a group of its own.

    Only parameters of the default group move: a ``param_groups`` entry that
    names the bag's parameters keeps them.
    """
    bag = {id(parameter) for name, parameter in named_parameters if name.startswith("bag.")}
    decayed, kept = [], []
    for group in groups:
        if set(group) == {"params"}:
            rest = [p for p in group["params"] if id(p) not in bag]
            decayed += [p for p in group["params"] if id(p) in bag]
            group = {"params": rest}
        if group["params"]:
            kept.append(group)
    return ([{"params": decayed, "weight_decay": decay}] if decayed else []) + kept


def _check_no_group_names(optimizer_params, named_parameters, table):
    """Raise if ``optimizer__param_groups`` names the sparse table, which LazyAdam trains."""
    name = next(name for name, parameter in named_parameters if parameter is table)
    for pattern, _ in optimizer_params.get("param_groups", []):
        if fnmatch(name, pattern):
            raise ValueError(
                f"optimizer__param_groups names {name!r} (pattern {pattern!r}), the bag "
                "view's table, which has sparse gradients and is trained by its own "
                "optimizer (bag_optimizer_, LazyAdam). Set its L2 penalty with "
                "bag_weight_decay, or pass sparse_bag=False to train it with the others."
            )
