"""MultiGranularityClassifier: a thin skorch subclass around MultiGranularityNetwork."""

from typing import ClassVar

import numpy as np
import torch
from sklearn.utils._param_validation import validate_parameter_constraints
from skorch import NeuralNetClassifier

from .bag import BagOfNgrams
from .batching import DocumentDataset, check_loader_keywords
from .document_net import DocumentNetMixin
from .documents import TokenizedDocuments, check_same_vocabulary
from .embeddings import (
    EMBEDDING_PARAMETER_CONSTRAINTS,
    AlignedVectorCache,
    describe_coverage,
    embedding_coverage,
)
from .granularities import (
    check_granularities,
    check_granularities_parameter,
    fitted_granularities,
    is_auto,
)
from .labels import (
    LABEL_PARAMETER_CONSTRAINTS,
    IndicatorEncoder,
    check_sample_weights,
    check_training_data,
    class_weights,
    decide_labels,
    encode_labels,
    fit_label_encoder,
    label_names_of,
)
from .network import NETWORK_PARAMETER_CONSTRAINTS, MultiGranularityNetwork
from .training import (
    TRAINING_PARAMETER_CONSTRAINTS,
    check_seeding_is_reproducible,
    default_callbacks,
    derived_seed,
    torch_settings,
)
from .word2vec import WORD2VEC, word2vec_vectors


class MultiGranularityClassifier(DocumentNetMixin, NeuralNetClassifier):
    """Hierarchical attention classifier over words, sentences and paragraphs.

    A skorch ``NeuralNetClassifier`` that trains
    :class:`~sklearn_mgm.network.MultiGranularityNetwork` on
    :class:`~sklearn_mgm.TokenizedDocuments` from
    :class:`~sklearn_mgm.HierarchicalTokenizer`; use both in a Pipeline
    (:func:`make_mgm_pipeline`). Labels may be of any type; ``predict``
    returns them as given. For several labels per document, ``y`` is a
    binary indicator matrix (dense or sparse, as
    :class:`~sklearn.preprocessing.MultiLabelBinarizer` makes it): the
    network then has one sigmoid output per label, trained by binary
    cross-entropy, and ``predict`` returns such a matrix.

    Parameters
    ----------
    module : torch module class, default=MultiGranularityNetwork
        The network; it receives the parameters below plus any ``module__*``.
    embedding_dim : int, default=64
        Size of the word embeddings.
    pretrained_embeddings : str, path, gensim KeyedVectors, dict or None, default=None
        Word vectors to start the embeddings from, of dimension
        ``embedding_dim``: a GloVe, word2vec or fastText file (plain or gzip),
        a gensim ``KeyedVectors`` or a dict of word to vector (see
        :func:`sklearn_mgm.embeddings.align_word_vectors`), or ``"word2vec"``:
        vectors that gensim's Word2Vec learns from the training documents at
        fit (:func:`sklearn_mgm.word2vec.word2vec_vectors`; the
        ``embeddings`` extra). Words without a vector keep the seeded random
        start.
    freeze_embeddings : bool, default=False
        Keep the word embeddings fixed during training.
    hidden_size : int, default=32
        Hidden size per direction of each bidirectional encoder.
    rnn : {"gru", "lstm"}, default="gru"
        Recurrent cell of the encoders.
    granularities : "auto" or tuple of {"bag", "word", "sentence", "paragraph"}, \
default="auto"
        Document views fused before the output layer (any non-empty subset):
        the TF-IDF-weighted bag of the document's words, and attention over
        its word, sentence or paragraph states. ``"auto"`` chooses from the
        training documents: every view where at least half of them hold more
        than one sentence, otherwise the bag and word views alone (a
        one-sentence document gives the other two views nothing of their
        own; see ``granularities_``).
    attention_heads : int, default=1
        Context vectors per attention pool.
    dropout : float, default=0.1
        Dropout on word embeddings (one mask per distinct word of a batch,
        shared by its occurrences) and on the fused document vector.
    class_weight : "balanced", dict or None, default=None
        Weights of the classes in the loss, as in scikit-learn. With several
        labels per document, the weight of each label's positive documents
        (``pos_weight``); ``"balanced"``: its negatives over its positives.
    threshold : float in (0, 1), default=0.5
        With several labels per document, the probability from which
        ``predict`` gives a label.
    allow_empty : bool, default=False
        With several labels per document, let ``predict`` give a document no
        label; by default it gets at least its most probable one.
    label_names : sequence of str or None, default=None
        With several labels per document, the name of each column of ``y``
        (e.g. ``MultiLabelBinarizer().classes_``), kept for explanations and
        the command line and saved with the model; ``None`` takes the
        columns of a pandas DataFrame ``y``, if any (see ``label_names_``).
    validation_fraction : float or None, default=None
        Fraction of the training data held out (stratified, except for
        several labels per document) for early
        stopping after ``patience`` epochs without a lower validation loss,
        restoring the best epoch's weights. ``None`` trains on all the data.
    patience : int, default=5
        Epochs without improvement before early stopping (skorch's
        ``EarlyStopping`` default). The validation loss can stay flat for a
        few epochs before the network finds a structure: with 3, early
        stopping gave up on such a plateau where 5 learnt it.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batching, dropout and the validation
        split; the same seed gives identical predictions on the CPU.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimizer; its other parameters go as ``optimizer__*``. Adam and
        AdamW run fused (``optimizer__fused=True``) unless ``optimizer__fused``
        or ``optimizer__foreach`` is given.
    lr : float, default=0.005
        Initial learning rate, decayed to 0 over ``max_epochs`` on a cosine
        (``callbacks__lr_scheduler=None`` keeps it constant).
    bag_weight_decay : float, default=1e-4
        L2 penalty on the bag view's table, given to the optimizer as the
        ``weight_decay`` of a parameter group of its own (the rest of the
        network keeps ``optimizer__weight_decay``). A ``param_groups`` entry
        of ``optimizer__param_groups`` that names the bag's parameters
        (``"bag.*"``) takes precedence. It keeps the bag from memorising
        rare words of short documents; ``0`` turns it off. With
        ``sparse_bag=True`` it is :class:`~sklearn_mgm.sparse_adam.LazyAdam`'s
        ``weight_decay``, applied to the rows each step trains.
    label_smoothing : float in [0, 1), default=0.1
        Share of each document's target spread evenly over all classes in
        training (``CrossEntropyLoss``'s ``label_smoothing``), so that the
        network stops pushing the training documents it already gets right
        toward certainty. Over model seeds on the same folds (with dropout
        0.2, the default then) it gained 0.2 points on BBC News, 0.8 on
        TREC's 50 question classes and 0.7 on drug reviews, tied on SMS spam,
        moved Chinese reviews by +0.2 and -0.5 on two seeds, and lost 0.5 on
        one-sentence movie reviews (``benchmarks/README.md``). ``0`` trains
        on the plain targets; with several labels per document, or with
        ``criterion__label_smoothing`` given, it does not apply.
    sparse_bag : bool, default=False
        Train the bag view's table with sparse gradients: its own optimizer,
        ``bag_optimizer_`` (:class:`~sklearn_mgm.sparse_adam.LazyAdam`, at
        the learning rate and schedule of the optimizer's default group),
        updates only the rows of each batch's words and bigrams, so a step
        costs what the batch holds and not the size of the table (hashed
        bigrams, ``module__bigram_buckets``, cost little on short texts).
        ``False`` trains the table with ``optimizer``, as a dense parameter.
    max_epochs : int, default=3
        Number of passes over the training data.
    batch_size : int, default=32
        Documents per batch.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks, as in skorch.
    device : str or torch.device, default="cpu"
        Where to train, e.g. ``"cuda"``.
    mixed_precision : bool, default=False
        Run the network under bfloat16 autocast on ``device`` (losses and
        outputs stay float32): faster on GPUs with bfloat16 units. On the
        CPU the recurrent word, sentence and paragraph encoders still
        compute in float32.
    max_batch_words : int or None, default=None
        Most words in a batch, besides ``batch_size`` documents (a longer
        document makes a batch alone): bounds the memory of batches of long
        documents. ``None``: batches hold ``batch_size`` documents.
    torch_threads : int or None, default=1
        Intra-op threads torch uses during fit (restored after); more threads
        than free cores slow training down many times over. Prediction on
        the CPU runs that many batches side by side instead, each on one
        thread. ``None`` keeps torch's own setting.
    verbose : int, default=0
        ``1`` prints a progress bar and a line per epoch.
    **kwargs
        Other skorch parameters and prefixed ones (``module__``, ``optimizer__``,
        ``callbacks__``, ``iterator_train__`` …). The batching replaces the data
        loaders' ``sampler``, ``batch_sampler``, ``collate_fn`` and ``drop_last``,
        which are refused; ``iterator_train__shuffle=False`` keeps batches in order.

    Attributes
    ----------
    classes_ : ndarray
        The class labels; ``arange(n_labels)`` for an indicator ``y``.
    label_names_ : ndarray of str or None
        With several labels per document, the name of each label, when
        ``label_names`` or a DataFrame ``y`` gave them.
    vocabulary_ : dict
        The vocabulary of the documents seen in fit.
    granularities_ : tuple of str
        The views the network fuses: ``granularities``, or what ``"auto"``
        chose from the documents of the first training call.
    embedding_coverage_ : dict
        Shares of the vocabulary (``"vocabulary"``) and of the training tokens
        (``"tokens"``, unknown words included) that found a pretrained vector;
        set only with ``pretrained_embeddings``.
    module_ : MultiGranularityNetwork
        The trained network.
    optimizer_ : torch.optim.Optimizer
        The optimizer of the network's parameters.
    bag_optimizer_ : LazyAdam
        With ``sparse_bag=True`` and a bag view, the optimizer of the bag's table.
    history_ : skorch History
        Per-epoch losses and timings.
    interrupted_ : bool
        Whether Ctrl-C ended the last ``fit`` or ``partial_fit`` early (the
        weights are those of the last finished batch).

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
        **NETWORK_PARAMETER_CONSTRAINTS,
        **EMBEDDING_PARAMETER_CONSTRAINTS,
        **TRAINING_PARAMETER_CONSTRAINTS,
        **LABEL_PARAMETER_CONSTRAINTS,
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
        granularities="auto",
        attention_heads=1,
        dropout=0.1,
        class_weight=None,
        threshold=0.5,
        allow_empty=False,
        label_names=None,
        validation_fraction=None,
        patience=5,
        random_state=None,
        optimizer=torch.optim.Adam,
        lr=0.005,
        bag_weight_decay=1e-4,
        label_smoothing=0.1,
        sparse_bag=False,
        max_epochs=3,
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
        self.threshold = threshold
        self.allow_empty = allow_empty
        self.label_names = label_names
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.mixed_precision = mixed_precision
        self.max_batch_words = max_batch_words
        self.torch_threads = torch_threads
        self.bag_weight_decay = bag_weight_decay
        self.label_smoothing = label_smoothing
        self.sparse_bag = sparse_bag

    def fit(self, X, y, sample_weight=None, **fit_params):
        """Train the network from scratch (or on, with ``warm_start=True``).

        Parameters
        ----------
        X : TokenizedDocuments
            Documents from :class:`~sklearn_mgm.HierarchicalTokenizer`.
        y : array-like of shape (n_documents,) or (n_documents, n_labels)
            Class labels of any type, or a binary indicator matrix.
        sample_weight : array-like of shape (n_documents,) or None, default=None
            The weight of each document in the loss (training and validation).
            The weights are scaled to mean 1 over the documents of the call,
            so a weight of 2 counts a document about twice and scaling every
            weight changes nothing.
        **fit_params : dict
            None are accepted.

        Returns
        -------
        self : MultiGranularityClassifier
        """
        continuing = self.warm_start and self.initialized_
        columns = getattr(y, "columns", None)  # a DataFrame's label names
        X, y, sample_weight = self._check_fit_call(X, y, sample_weight, fit_params, continuing)
        if not continuing:
            self._learn_labels_and_vocabulary(X, y, columns=columns)
        return self._train(X, y, sample_weight, initialize=not continuing)

    def partial_fit(self, X, y, classes=None, sample_weight=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-initialising.

        Parameters
        ----------
        X : TokenizedDocuments
            Documents from :class:`~sklearn_mgm.HierarchicalTokenizer`.
        y : array-like of shape (n_documents,) or (n_documents, n_labels)
            Class labels, all among those of the first call, or an indicator
            matrix with the first call's labels.
        classes : array-like or None, default=None
            All classes, needed on the first call if ``y`` lacks some.
        sample_weight : array-like of shape (n_documents,) or None, default=None
            The weight of each document in the loss, as in ``fit``.
        **fit_params : dict
            None are accepted.

        Returns
        -------
        self : MultiGranularityClassifier
        """
        columns = getattr(y, "columns", None)
        X, y, sample_weight = self._check_fit_call(
            X, y, sample_weight, fit_params, continuing=self.initialized_
        )
        if not self.initialized_:
            self._learn_labels_and_vocabulary(X, y, classes, columns)
        return self._train(X, y, sample_weight, initialize=not self.initialized_)

    def predict(self, X):
        """Most probable class label of each document.

        Parameters
        ----------
        X : TokenizedDocuments
            Documents tokenized with the vocabulary seen in fit.

        Returns
        -------
        ndarray of shape (n_documents,) or (n_documents, n_labels)
            Labels as they were given to ``fit``, or an indicator matrix of
            the labels whose probability reaches ``threshold``.
        """
        proba = self.predict_proba(X)
        if self.multilabel_:
            return decide_labels(proba, None, self.threshold, self.allow_empty)
        return decide_labels(proba, self.classes_)

    @property
    def multilabel_(self):
        """Whether the classifier was fitted on an indicator matrix of several labels."""
        return isinstance(getattr(self, "label_encoder_", None), IndicatorEncoder)

    @property
    def classes_(self):
        try:
            return self.label_encoder_.classes_
        except AttributeError:
            raise AttributeError(f"{type(self).__name__} has no classes_ before fit.") from None

    @property
    def _default_callbacks(self):
        ours = default_callbacks(
            validation_fraction=self.validation_fraction,
            patience=self.patience,
            max_epochs=self.max_epochs,
            verbose=self.verbose,
        )
        replaced = {name for name, _ in ours}
        return [item for item in super()._default_callbacks if item[0] not in replaced] + ours

    def initialize_module(self):
        params = {name: getattr(self, name) for name in NETWORK_PARAMETER_CONSTRAINTS}
        # "auto" keeps the views chosen at the first fit; named views apply at once,
        # as any other parameter does when skorch rebuilds a fitted network
        views = self.granularities_ if is_auto(self.granularities) else self.granularities
        params.update(
            vocabulary_size=self.vocabulary_size_,
            n_classes=len(self.classes_),
            granularities=check_granularities(views),
        )
        params.update(self.get_params_for("module"))
        self.module_ = self.initialized_instance(self.module, params)
        self.granularities_ = getattr(self.module_, "granularities", params["granularities"])
        if self._reads_pretrained_vectors:
            self._vector_cache().copy_into(
                self.module_.embedding, self.pretrained_embeddings, self.vocabulary_
            )
        if self.freeze_embeddings:
            self.module_.embedding.weight.requires_grad_(False)
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        if isinstance(X, DocumentDataset):  # documents that carry sample weights
            X = X.X
        if self._reads_pretrained_vectors and isinstance(X, TokenizedDocuments):
            source, vocabulary = self.pretrained_embeddings, self.vocabulary_
            ids, _ = self._vector_cache().aligned(source, vocabulary, self.embedding_dim)
            self.embedding_coverage_ = embedding_coverage(ids, X)
            if self.verbose:
                print(describe_coverage(self.embedding_coverage_, len(ids), len(self.vocabulary_)))

    def initialize_criterion(self):
        super().initialize_criterion()
        weights = None
        if self.class_weight is not None:
            weights = torch.as_tensor(self.class_weights_, dtype=torch.float32)
        if self.multilabel_ and self.criterion is torch.nn.CrossEntropyLoss:
            self.criterion_ = torch.nn.BCEWithLogitsLoss(pos_weight=weights)
            return self
        if weights is not None:
            self.criterion_.weight = weights
        given = "label_smoothing" in self.get_params_for("criterion")
        if isinstance(self.criterion_, torch.nn.CrossEntropyLoss) and not given:
            self.criterion_.label_smoothing = self.label_smoothing
        return self

    def _get_predict_nonlinearity(self):
        if self.multilabel_ and self.predict_nonlinearity == "auto":
            return torch.sigmoid
        return super()._get_predict_nonlinearity()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _train(self, X, y, sample_weight, *, initialize):
        """(Initialise and) train, seeded (a continued training by a stream of its own)."""
        check_seeding_is_reproducible(self.random_state)
        offset = 0 if initialize else len(self.history_)
        with torch_settings(derived_seed(self.random_state, offset), self.torch_threads):
            if initialize:
                self.initialize()
                if isinstance(getattr(self.module_, "bag", None), BagOfNgrams):
                    self.module_.bag.count_documents(X)
                if self.pretrained_embeddings == WORD2VEC:
                    self._start_from_word2vec(X)
            y = encode_labels(self.label_encoder_, y)
            if sample_weight is not None:  # mean 1: a weight is a number of copies
                sample_weight = sample_weight / sample_weight.mean()
            data = X if sample_weight is None else DocumentDataset(X, y, sample_weight)
            return super().partial_fit(data, y)

    @property
    def _reads_pretrained_vectors(self):
        return self.pretrained_embeddings is not None and self.pretrained_embeddings != WORD2VEC

    def _start_from_word2vec(self, X):
        """Overwrite the embeddings of X's words with Word2Vec vectors learned on X.

        The vectors take the mean length of the random rows they replace, so
        the network starts at the scale its own initialisation gives.
        """
        seed = int(torch.randint(1, np.iinfo(np.int32).max, ()))  # torch is seeded here
        ids, vectors = word2vec_vectors(X, self.embedding_dim, seed)
        weight, rows = self.module_.embedding.weight, torch.from_numpy(ids)
        with torch.no_grad():
            length = weight[rows].norm(dim=1).mean() if len(ids) else 0.0
            weight[rows] = torch.from_numpy(vectors).to(weight.dtype) * length
        self.embedding_coverage_ = embedding_coverage(ids, X)

    def _check_fit_call(self, X, y, sample_weight, fit_params, continuing):
        """Validate the parameters, documents, labels and weights of a training call."""
        params = {name: getattr(self, name) for name in self._parameter_constraints}
        name = type(self).__name__
        validate_parameter_constraints(self._parameter_constraints, params, caller_name=name)
        if fit_params:
            raise TypeError(
                f"{name} got unexpected fit parameter(s) {sorted(fit_params)}: it accepts "
                "only sample_weight."
            )
        for prefix in ("iterator_train", "iterator_valid"):
            keywords = self.get_params_for(prefix)
            check_loader_keywords(keywords, training=prefix == "iterator_train", prefix=prefix)
        check_granularities_parameter(self.granularities)  # before fit changes anything
        X, y = check_training_data(X, y, name)
        if sample_weight is not None:
            sample_weight = check_sample_weights(sample_weight, X)
        if continuing:
            check_same_vocabulary(X, self.vocabulary_)
        return X, y, sample_weight

    def _learn_labels_and_vocabulary(self, X, y, classes=None, columns=None):
        self.label_encoder_ = fit_label_encoder(y, classes)
        names = self.label_names if self.label_names is not None else columns
        self.label_names_ = label_names_of(self.label_encoder_, names)
        self.vocabulary_ = X.vocabulary
        self.vocabulary_size_ = X.vocabulary_size
        self.granularities_ = fitted_granularities(self.granularities, X)
        if self.class_weight is not None:
            self.class_weights_ = class_weights(self.class_weight, self.classes_, y)

    def _vector_cache(self):
        """The pretrained vectors of the last fit, read again only if the file or words changed."""
        return self.__dict__.setdefault("vector_cache_", AlignedVectorCache())
