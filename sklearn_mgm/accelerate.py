"""Training on several GPUs (or in mixed precision) with Hugging Face Accelerate.

:class:`AcceleratedMultiGranularityClassifier` is
:class:`~sklearn_mgm.MultiGranularityClassifier` with skorch's
:class:`skorch.hf.AccelerateMixin`: an ``accelerate.Accelerator`` wraps the
network, the optimizer and the length-bucketed DataLoaders, so that the same
script trains on one CPU, one GPU or, under ``accelerate launch``, on several
GPUs with data parallelism. Install the extra with
``pip install "sklearn-mgm[accelerate]"``.
"""

from skorch.hf import AccelerateMixin

from .batching import DocumentBatch
from .classifier import MultiGranularityClassifier


class AcceleratedMultiGranularityClassifier(AccelerateMixin, MultiGranularityClassifier):
    """MultiGranularityClassifier trained through an ``accelerate.Accelerator``.

    Write the training script as usual and start it with ``accelerate launch``
    (e.g. ``accelerate launch --multi_gpu --num_processes 4 train.py``): every
    process trains a replica of the network on its share of each epoch's
    batches, gradients are averaged across processes, and predictions are
    gathered from all of them. The accelerator places the network and every
    batch on its device, and sets the precision
    (``Accelerator(mixed_precision="bf16")``). After ``fit`` the network is
    unwrapped again; the classifier predicts and scores inside the launched
    script, every process receiving all predictions. Do not pickle it: the
    pickle would hold the accelerator, whose processes and devices exist only
    under that launch.

    Parameters
    ----------
    accelerator : accelerate.Accelerator
        The accelerator. With more than one process it must synchronise the
        torch random generator, ``Accelerator(rng_types=["torch"])``, so that
        every process draws the same batch order and each takes its own share.
    device : None, default=None
        Leave device placement to the accelerator.
    unwrap_after_train : bool, default=True
        Restore the plain network after training; ``False`` keeps it wrapped
        (and in mixed precision) for more training with ``partial_fit``.
    **kwargs
        Parameters of :class:`~sklearn_mgm.MultiGranularityClassifier`.

    See Also
    --------
    MultiGranularityClassifier : The same classifier on one device.

    Notes
    -----
    Each process holds every document and draws the same shuffled,
    length-bucketed batches; accelerate hands them out round-robin. A search
    over many candidates is better spread with Dask (one GPU per worker, see
    the scale-out guide) than run candidate after candidate on all GPUs.

    Examples
    --------
    >>> from accelerate import Accelerator
    >>> from sklearn_mgm import HierarchicalTokenizer
    >>> from sklearn_mgm.accelerate import AcceleratedMultiGranularityClassifier
    >>> texts = ["Goal scored. Fans cheer.", "Stocks fall. Markets worry."] * 10
    >>> labels = ["sport", "business"] * 10
    >>> X = HierarchicalTokenizer(sentence_model="untrained").fit_transform(texts)
    >>> clf = AcceleratedMultiGranularityClassifier(
    ...     accelerator=Accelerator(cpu=True),  # on GPUs: Accelerator(rng_types=["torch"])
    ...     embedding_dim=16, hidden_size=8, max_epochs=3, random_state=0,
    ... )
    >>> clf.fit(X, labels).predict(X[:2])
    array(['sport', 'business'], dtype='<U8')
    """

    def _validate_params(self):
        super()._validate_params()
        if self.accelerator.num_processes > 1 and "torch" not in self.accelerator.rng_types:
            raise ValueError(
                f"{type(self).__name__} trains in {self.accelerator.num_processes} processes, "
                "which must draw the same shuffled batches, but the accelerator does not "
                f"synchronise torch's random generator (rng_types={self.accelerator.rng_types}). "
                'Create it with Accelerator(rng_types=["torch"]).'
            )

    def _initialize_callbacks(self):
        super()._initialize_callbacks()
        if not self.verbose:
            # skorch's PrintLog ignores verbose=0 for any sink but print, and the
            # mixin makes accelerator.print its sink
            dict(self.callbacks_)["print_log"].sink = print
        return self

    def _compute_device(self):
        return self.accelerator.device

    def infer(self, x, **fit_params):
        if isinstance(x, DocumentBatch):
            # the accelerator's DataLoader has placed the batch on its device
            return self.module_(x, **self._with_view_logits(fit_params))
        return super().infer(x, **fit_params)
