"""MultiGranularityClassifier: a thin skorch subclass around MultiGranularityNetwork."""

import numbers
import os
from collections.abc import Mapping
from contextlib import contextmanager
from functools import partial
from typing import ClassVar

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from skorch import NeuralNetClassifier
from skorch.callbacks import EarlyStopping, EpochScoring, LRScheduler, ProgressBar
from skorch.dataset import ValidSplit
from skorch.utils import is_dataset
from torch.optim.lr_scheduler import CosineAnnealingLR
from torch.utils.data import DataLoader

from .batching import (
    WORD_GROUP_RATIO,
    BucketBatchSampler,
    DocumentBatch,
    DocumentDataset,
    collate_batch,
    document_sizes,
)
from .callbacks import FiniteLossCheck
from .documents import TokenizedDocuments
from .embeddings import align_word_vectors, embedding_coverage, file_stamp
from .explain import attention_weights
from .network import GRANULARITIES, MultiGranularityNetwork
from .parallel import check_seeding_is_reproducible
from .validation import (
    _check_documents,
    _check_granularities,
    _check_known_labels,
    _check_training_data,
    _check_vocabulary,
)


def _valid_accuracy(net, dataset, y_encoded):
    """Accuracy on skorch's validation split, whose labels are encoded."""
    return float(np.mean(net.predict_proba(dataset).argmax(axis=1) == y_encoded))


@contextmanager
def _torch_threads(n_threads):
    """Use ``n_threads`` intra-op threads inside the block (``None``: leave them)."""
    previous = torch.get_num_threads()
    if n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@contextmanager
def _seeded(random_state):
    """Seed torch inside the block and restore the caller's random state after it."""
    if random_state is None:
        yield
        return
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class MultiGranularityClassifier(NeuralNetClassifier):
    """Hierarchical attention classifier over words, sentences and paragraphs.

    A scikit-learn classifier (a thin subclass of skorch's
    ``NeuralNetClassifier``) that trains
    :class:`~sklearn_mgm.network.MultiGranularityNetwork` on
    :class:`~sklearn_mgm.TokenizedDocuments`, the output of
    :class:`~sklearn_mgm.HierarchicalTokenizer`. Use both in a Pipeline, e.g.
    with :func:`make_mgm_pipeline`. Labels may be of any type; ``predict``
    returns them as given. Documents of similar size are batched together and
    padded per batch only.

    Parameters
    ----------
    module : torch module class, default=MultiGranularityNetwork
        The network; it receives the parameters below plus any ``module__*``.
    embedding_dim : int, default=64
        Size of the word embeddings.
    pretrained_embeddings : str, path, gensim KeyedVectors, dict or None, default=None
        Word vectors to start the embeddings from: a GloVe, word2vec or
        fastText text file or a word2vec binary file (plain or gzip; only the
        vocabulary's vectors are kept in memory), a gensim ``KeyedVectors`` or
        a dict of word to vector, all of dimension ``embedding_dim``. At fit,
        the vectors of the vocabulary's words replace their random initial
        embeddings; the other words keep the seeded random start. See
        :func:`sklearn_mgm.embeddings.align_word_vectors`.
    freeze_embeddings : bool, default=False
        Keep the word embeddings fixed during training.
    hidden_size : int, default=32
        Hidden size per direction of each bidirectional encoder.
    rnn : {"gru", "lstm"}, default="gru"
        Recurrent cell of the encoders.
    granularities : tuple of {"word", "sentence", "paragraph"}, \
default=("word", "sentence", "paragraph")
        Document views fused before the output layer: attention over the
        document's word states (``"word"``), over its sentence states
        (``"sentence"``, sees which words share a sentence) and over its
        paragraph states (``"paragraph"``). Any non-empty subset works.
    attention_heads : int, default=1
        Context vectors per attention pool.
    dropout : float, default=0.2
        Dropout on word embeddings and on the fused document vector.
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss, as in scikit-learn.
    validation_fraction : float or None, default=None
        Fraction of the training data held out (stratified) for early
        stopping; training stops after ``patience`` epochs without a lower
        validation loss and the best epoch's weights are restored. ``None``
        trains for ``max_epochs`` on all the data.
    patience : int, default=3
        Epochs without improvement before early stopping.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batching, dropout and the validation
        split; the same seed gives identical predictions on the CPU.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimizer; its other parameters go as ``optimizer__*``.
    lr : float, default=0.005
        Initial learning rate; it follows a cosine decay to 0 over
        ``max_epochs`` (the ``lr_scheduler`` callback; switch it off with
        ``callbacks__lr_scheduler=None``).
    max_epochs : int, default=5
        Number of passes over the training data.
    batch_size : int, default=32
        Documents per batch.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks, as in skorch.
    device : str or torch.device, default="cpu"
        Where to train, e.g. ``"cuda"``.
    mixed_precision : bool, default=False
        Run the network under bfloat16 autocast on ``device`` (losses and
        outputs stay float32): faster on GPUs with bfloat16 units.
    max_batch_words : int or None, default=None
        Most words in a batch, besides ``batch_size`` documents: a batch
        ends before the document that would take it past this (a longer
        document makes a batch alone). Bounds the memory a batch of long
        documents takes. ``None``: batches hold ``batch_size`` documents.
    torch_threads : int or None, default=1
        Intra-op threads torch uses during fit and predict (restored after).
        The network's operations are small: on a 2-core machine a second
        thread gains about 15 %, and any thread count above the free cores
        slows training down many times over (threads wait on each other).
        ``None`` keeps torch's own setting.
    verbose : int, default=0
        ``1`` prints a progress bar and a line per epoch.
    **kwargs
        Other skorch parameters, and prefixed ones (``module__``,
        ``optimizer__``, ``callbacks__``, ``iterator_train__`` …).

    Attributes
    ----------
    classes_ : ndarray
        The class labels.
    vocabulary_ : dict
        The vocabulary of the documents seen in fit.
    embedding_coverage_ : dict
        Shares of the vocabulary (``"vocabulary"``) and of the training tokens
        (``"tokens"``, unknown words included) that found a pretrained vector;
        set only with ``pretrained_embeddings``.
    module_ : MultiGranularityNetwork
        The trained network.
    history_ : skorch History
        Per-epoch losses and timings.

    Examples
    --------
    >>> from sklearn_mgm import make_mgm_pipeline
    >>> texts = ["Goal scored. Fans cheer.", "Stocks fall. Markets worry."] * 10
    >>> labels = ["sport", "business"] * 10
    >>> pipe = make_mgm_pipeline(
    ...     embedding_dim=16, hidden_size=8, max_epochs=5, lr=0.02, random_state=0
    ... )
    >>> pipe.fit(texts, labels).predict(["Fans cheer the goal.", "Markets fall."])
    array(['sport', 'business'], dtype='<U8')
    """

    _parameter_constraints: ClassVar[dict] = {
        "embedding_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "pretrained_embeddings": [str, os.PathLike, Mapping, HasMethods(["get_vector"]), None],
        "freeze_embeddings": ["boolean"],
        "hidden_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "rnn": [StrOptions({"gru", "lstm"})],
        "granularities": [tuple, list, str],
        "attention_heads": [Interval(numbers.Integral, 1, None, closed="left")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "patience": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
        "mixed_precision": ["boolean"],
        "max_batch_words": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "torch_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        module=MultiGranularityNetwork,
        *,
        embedding_dim=64,
        pretrained_embeddings=None,
        freeze_embeddings=False,
        hidden_size=32,
        rnn="gru",
        granularities=GRANULARITIES,
        attention_heads=1,
        dropout=0.2,
        class_weight=None,
        validation_fraction=None,
        patience=3,
        random_state=None,
        optimizer=torch.optim.Adam,
        lr=0.005,
        max_epochs=5,
        batch_size=32,
        callbacks=None,
        device="cpu",
        mixed_precision=False,
        max_batch_words=None,
        torch_threads=1,
        verbose=0,
        criterion=torch.nn.CrossEntropyLoss,
        train_split=None,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            train_split=train_split,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            callbacks=callbacks,
            device=device,
            verbose=verbose,
            **kwargs,
        )
        self.embedding_dim = embedding_dim
        self.pretrained_embeddings = pretrained_embeddings
        self.freeze_embeddings = freeze_embeddings
        self.hidden_size = hidden_size
        self.rnn = rnn
        self.granularities = granularities
        self.attention_heads = attention_heads
        self.dropout = dropout
        self.class_weight = class_weight
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.mixed_precision = mixed_precision
        self.max_batch_words = max_batch_words
        self.torch_threads = torch_threads

    # --- scikit-learn entry points -------------------------------------------------

    def fit(self, X, y, **fit_params):
        """Train the network from scratch.

        Parameters
        ----------
        X : TokenizedDocuments
            Documents from :class:`~sklearn_mgm.HierarchicalTokenizer`.
        y : array-like of shape (n_documents,)
            Class labels of any type.
        **fit_params : dict
            Passed on to skorch.

        Returns
        -------
        self : MultiGranularityClassifier
        """
        self._validate_hyperparameters()
        X, y = _check_training_data(X, y, type(self).__name__)
        self._learn_labels_and_vocabulary(X, y)
        check_seeding_is_reproducible(self.random_state)
        with _seeded(self.random_state), _torch_threads(self.torch_threads):
            return super().fit(X, y, **fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-initialising.

        Parameters
        ----------
        X : TokenizedDocuments
            Documents from :class:`~sklearn_mgm.HierarchicalTokenizer`.
        y : array-like of shape (n_documents,)
            Class labels, all among those of the first call.
        classes : array-like or None, default=None
            All classes, needed on the first call if ``y`` lacks some.
        **fit_params : dict
            Passed on to skorch.

        Returns
        -------
        self : MultiGranularityClassifier
        """
        X, y = _check_training_data(X, y, type(self).__name__)
        if not self.initialized_:
            self._validate_hyperparameters()
            self._learn_labels_and_vocabulary(X, y if classes is None else np.asarray(classes))
        _check_vocabulary(X, self.vocabulary_)
        with _torch_threads(self.torch_threads):
            return super().partial_fit(X, self._encode_labels(y), **fit_params)

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
        self.check_is_fitted()
        if is_dataset(X):
            with _torch_threads(self.torch_threads):
                return super().predict_proba(X)
        X = _check_documents(X, type(self).__name__)
        if not len(X):
            raise ValueError(
                f"Found 0 documents while a minimum of 1 is required by {type(self).__name__}."
            )
        _check_vocabulary(X, self.vocabulary_)
        # batches of similar size pad less; the input order is restored after
        order = np.argsort(X.n_words, kind="stable")
        proba = np.empty((len(X), len(self.classes_)), dtype=np.float32)
        with _torch_threads(self.torch_threads):
            proba[order] = super().predict_proba(X.take(order))
        return proba

    def predict(self, X):
        """Most probable class label of each document.

        Parameters
        ----------
        X : TokenizedDocuments
            Documents tokenized with the vocabulary seen in fit.

        Returns
        -------
        ndarray of shape (n_documents,)
            Labels as they were given to ``fit``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def set_params(self, **params):
        # skorch re-initialises the part of a fitted net that a prefixed parameter
        # belongs to, and raises for the parts that need none (the data loaders and
        # the dataset are built anew on every call): those are only stored
        stored = {
            key: value
            for key, value in params.items()
            if "__" in key and key.split("__", 1)[0] in self._STORED_PREFIXES
        }
        for key, value in stored.items():
            setattr(self, key, value)
            self._params_to_validate.add(key)
        return super().set_params(**{k: v for k, v in params.items() if k not in stored})

    _STORED_PREFIXES = ("iterator_train", "iterator_valid", "dataset")

    @property
    def classes_(self):
        try:
            return self.label_encoder_.classes_
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_' before fit."
            ) from None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.non_deterministic = self.random_state is None
        return tags

    # --- skorch hooks ----------------------------------------------------------------

    @property
    def _default_callbacks(self):
        callbacks = [
            (name, callback) for name, callback in super()._default_callbacks if name != "valid_acc"
        ]
        callbacks.append(
            ("valid_acc", EpochScoring(_valid_accuracy, name="valid_acc", lower_is_better=False))
        )
        if self.validation_fraction is not None:
            callbacks.append(
                ("early_stopping", EarlyStopping(patience=self.patience, load_best=True))
            )
        callbacks.append(
            ("lr_scheduler", LRScheduler(CosineAnnealingLR, T_max=max(self.max_epochs, 1)))
        )
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.append(("finite_loss", FiniteLossCheck()))
        return callbacks

    def initialize_module(self):
        params = {
            "vocabulary_size": self.vocabulary_size_,
            "n_classes": len(self.classes_),
            "embedding_dim": self.embedding_dim,
            "hidden_size": self.hidden_size,
            "rnn": self.rnn,
            "granularities": _check_granularities(self.granularities),
            "attention_heads": self.attention_heads,
            "dropout": self.dropout,
        }
        params.update(self.get_params_for("module"))
        self.module_ = self.initialized_instance(self.module, params)
        if self.pretrained_embeddings is not None:
            ids, vectors = self._pretrained_vectors()
            weight = self.module_.embedding.weight
            with torch.no_grad():
                weight[torch.from_numpy(ids)] = torch.from_numpy(vectors).to(weight.dtype)
        if self.freeze_embeddings:
            self.module_.embedding.weight.requires_grad_(False)
        return self

    def _pretrained_vectors(self):
        """Aligned pretrained vectors; a file is read again only if it or the vocabulary changed."""
        key = (file_stamp(self.pretrained_embeddings), self.embedding_dim)
        cached = getattr(self, "_pretrained_cache_", None)
        if key[0] is None or cached is None or cached[:2] != (key, self.vocabulary_):
            vectors = align_word_vectors(
                self.pretrained_embeddings, self.vocabulary_, self.embedding_dim
            )
            self._pretrained_cache_ = (key, self.vocabulary_, vectors)
        return self._pretrained_cache_[2]

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        if self.pretrained_embeddings is None or not isinstance(X, TokenizedDocuments):
            return
        ids, _ = self._pretrained_vectors()
        self.embedding_coverage_ = embedding_coverage(ids, X)
        if self.verbose:
            print(
                f"Pretrained vectors found for {len(ids)} of {len(self.vocabulary_)} vocabulary "
                f"words ({self.embedding_coverage_['vocabulary']:.1%}) and "
                f"{self.embedding_coverage_['tokens']:.1%} of the training tokens."
            )

    def initialize_optimizer(self, *args, **kwargs):
        super().initialize_optimizer(*args, **kwargs)
        # the lr schedule resumes from the history's epoch, which torch allows only
        # when each group records its starting lr (a fresh optimizer after load)
        for group in self.optimizer_.param_groups:
            group.setdefault("initial_lr", group["lr"])
        return self

    def initialize_criterion(self):
        super().initialize_criterion()
        if self.class_weight is not None:
            self.criterion_.weight = torch.as_tensor(self.class_weights_, dtype=torch.float32)
        return self

    def infer(self, x, **fit_params):
        if not isinstance(x, DocumentBatch):
            return super().infer(x, **fit_params)
        device = torch.device(self.device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.mixed_precision):
            output = self.module_(x.to(device), **fit_params)
        if isinstance(output, tuple):
            return (output[0].float(), *output[1:])
        return output.float()

    def _compute_device(self):
        """The device the network computes on (skorch's ``device=None`` leaves it on the CPU)."""
        return torch.device("cpu" if self.device is None else self.device)

    def get_dataset(self, X, y=None):
        if is_dataset(X):
            return X
        return DocumentDataset(X, y)

    def get_split_datasets(self, X, y=None, **fit_params):
        if self.validation_fraction is None:
            return super().get_split_datasets(X, y, **fit_params)
        split = ValidSplit(
            self.validation_fraction, stratified=True, random_state=self._split_seed()
        )
        return split(self.get_dataset(X, y), y, **fit_params)

    def get_iterator(self, dataset, training=False):
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        batch_size = kwargs.pop("batch_size", self.batch_size)
        sampler = BucketBatchSampler(
            document_sizes(dataset), batch_size, shuffle=training, max_words=self.max_batch_words
        )
        # grouping sentences by length trades padding for recurrent steps: a win
        # on CPUs, where a step costs little; on GPUs each step is a kernel launch
        on_cpu = self._compute_device().type == "cpu"
        collate = partial(collate_batch, word_group_ratio=WORD_GROUP_RATIO if on_cpu else None)
        return DataLoader(dataset, batch_sampler=sampler, collate_fn=collate, **kwargs)

    # --- checks ----------------------------------------------------------------------

    def _validate_hyperparameters(self):
        params = {name: getattr(self, name) for name in self._parameter_constraints}
        validate_parameter_constraints(
            self._parameter_constraints, params, caller_name=type(self).__name__
        )
        _check_granularities(self.granularities)

    def _learn_labels_and_vocabulary(self, X, y):
        self.label_encoder_ = LabelEncoder().fit(y)
        if len(self.label_encoder_.classes_) < 2:
            raise ValueError(
                "The number of classes has to be greater than one; got 1 class: "
                f"{self.label_encoder_.classes_[0]!r}."
            )
        self.vocabulary_ = X.vocabulary
        self.vocabulary_size_ = X.vocabulary_size
        if self.class_weight is not None:
            self.class_weights_ = compute_class_weight(
                self.class_weight, classes=self.classes_, y=y
            )

    def _encode_labels(self, y):
        _check_known_labels(y, self.classes_)
        return self.label_encoder_.transform(y).astype(np.int64)

    def _split_seed(self):
        if self.random_state is None:
            return None
        return check_random_state(self.random_state).randint(np.iinfo(np.int32).max)

    def explain(self, X):
        """Attention weight of every paragraph, sentence and word of each document.

        A word's weight is its share of the document's attention, averaged over
        the fused granularities and the attention heads; a sentence's is the
        sum of its words', a paragraph's the sum of its sentences'. At each
        level a document's weights sum to 1. See :mod:`sklearn_mgm.explain`;
        :func:`sklearn_mgm.explain` adds the words and the prediction.

        Parameters
        ----------
        X : TokenizedDocuments
            Documents tokenized with the vocabulary seen in fit.

        Returns
        -------
        list of dict
            One per document: ``"paragraph"`` (list of float), ``"sentence"``
            (a list of float per paragraph) and ``"word"`` (nested like ``X[i]``).

        Examples
        --------
        >>> from sklearn_mgm import TokenizedDocuments
        >>> vocabulary = {"goal": 2, "fans": 3, "stocks": 4, "fall": 5}
        >>> X = TokenizedDocuments.from_nested([[[[2, 3]], [[3]]], [[[4, 5]]]] * 5, vocabulary)
        >>> clf = MultiGranularityClassifier(embedding_dim=4, hidden_size=4, max_epochs=1)
        >>> weights = clf.fit(X, [0, 1] * 5).explain(X[:1])[0]
        >>> [[len(words) for words in paragraph] for paragraph in weights["word"]]
        [[2], [1]]
        >>> round(sum(weights["paragraph"]), 6)
        1.0
        """
        self.check_is_fitted()
        X = _check_documents(X, type(self).__name__)
        _check_vocabulary(X, self.vocabulary_)
        return attention_weights(self, X)
