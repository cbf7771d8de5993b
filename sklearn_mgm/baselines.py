"""The models a comparison can run, by short name: the MGM pipeline and its baselines."""

import importlib.util
import os
import re
import tempfile

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .ensemble import make_mgm_ensemble
from .lexical import character_tfidf, word_tfidf, written_without_spaces
from .pipeline import make_mgm_pipeline
from .tokenize import validate_raw_documents
from .vote import make_mgm_vote

# short name (``--models``, ``models=[...]``) -> the model's name in the results
MODEL_NAMES = {
    "mgm": "MGM (sklearn-mgm)",
    "logreg": "TF-IDF + LogisticRegression",
    "svc": "TF-IDF + LinearSVC",
    "fasttext": "fastText",
    "char-svc": "char n-gram TF-IDF + LinearSVC",
    "mgm-vote": "MGM + LinearSVC vote",
    "mgm-ensemble": "MGM ensemble of 3 seeds",
}


class FastTextClassifier(ClassifierMixin, BaseEstimator):
    """scikit-learn wrapper of a supervised fastText model (needs the ``fasttext`` package).

    Parameters
    ----------
    epoch : int, default=25
        Training epochs.
    lr : float, default=0.5
        Learning rate.
    word_ngrams : int, default=2
        Longest word n-gram.
    dim : int, default=100
        Size of the word vectors.
    random_state : int, default=0
        fastText's seed; training uses one thread so that it is reproducible.

    Examples
    --------
    >>> clf = FastTextClassifier(epoch=5)
    >>> clf.fit(["good fun", "bad day"] * 5, [1, 0] * 5).predict(["good fun"])  # doctest: +SKIP
    array([1])
    """

    def __init__(self, epoch=25, lr=0.5, word_ngrams=2, dim=100, random_state=0):
        self.epoch = epoch
        self.lr = lr
        self.word_ngrams = word_ngrams
        self.dim = dim
        self.random_state = random_state

    def fit(self, X, y):
        import fasttext

        texts = validate_raw_documents(X)
        check_classification_targets(y)
        self.label_encoder_ = LabelEncoder().fit(y)
        codes = self.label_encoder_.transform(y)
        # fastText's SGD reads the file in order: data sorted by class (as
        # cross-validation folds of a sorted corpus are) would teach it the last class
        order = np.random.RandomState(self.random_state).permutation(len(texts))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "train.txt")
            with open(path, "w", encoding="utf-8") as handle:
                for index in order:
                    handle.write(f"__label__{codes[index]} {_one_line(texts[index])}\n")
            self.model_ = fasttext.train_supervised(
                input=path,
                epoch=self.epoch,
                lr=self.lr,
                wordNgrams=self.word_ngrams,
                dim=self.dim,
                seed=self.random_state,
                thread=1,
                verbose=0,
            )
        return self

    @property
    def classes_(self):
        return self.label_encoder_.classes_

    def predict_proba(self, X):
        check_is_fitted(self, "model_")
        texts = [_one_line(text) for text in validate_raw_documents(X)]
        labels, scores = self.model_.predict(texts, k=-1)
        proba = np.zeros((len(texts), len(self.classes_)))
        for row, (names, values) in enumerate(zip(labels, scores, strict=True)):
            proba[row, [int(name.removeprefix("__label__")) for name in names]] = values
        return proba

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _one_line(text):
    return re.sub(r"\s+", " ", text).strip().lower()


def check_model_names(names):
    """Validate short model names, given as a sequence or as one comma-separated string.

    Parameters
    ----------
    names : str or sequence of str
        Keys of ``MODEL_NAMES``: ``"mgm"``, ``"logreg"``, ``"svc"``,
        ``"fasttext"``, ``"char-svc"``, ``"mgm-vote"`` (:func:`~sklearn_mgm.make_mgm_vote`),
        ``"mgm-ensemble"`` (:func:`~sklearn_mgm.make_mgm_ensemble`, three members).

    Returns
    -------
    list of str
        The names, in the order given.

    Raises
    ------
    ValueError
        For no name, an unknown name (the message lists the known ones) or a
        name given twice.
    ImportError
        For ``"fasttext"`` when the ``fasttext`` package is not installed.

    Examples
    --------
    >>> check_model_names("mgm, logreg")
    ['mgm', 'logreg']
    >>> check_model_names(["mgm", "bert"])
    Traceback (most recent call last):
    ...
    ValueError: Unknown model 'bert'; choose from mgm, logreg, svc, fasttext, char-svc, ...
    """
    if isinstance(names, str):
        names = names.split(",")
    names = [name.strip() for name in names]
    if not any(names):
        raise ValueError(f"No model named; choose from {', '.join(MODEL_NAMES)}.")
    for name in names:
        if name not in MODEL_NAMES:
            raise ValueError(f"Unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}.")
        if names.count(name) > 1:
            raise ValueError(f"Model {name!r} is named twice; name each model once.")
    if "fasttext" in names and importlib.util.find_spec("fasttext") is None:
        raise ImportError(
            "The fasttext model needs the fasttext package: "
            'pip install "sklearn-mgm[fasttext]", or leave fasttext out of the models.'
        )
    return names


def make_models(names, *, random_state=0, max_epochs=None):
    """Build the models named by short names, keyed by their names in the results.

    Parameters
    ----------
    names : str or sequence of str
        Short names, see :func:`check_model_names`.
    random_state : int, default=0
        Seed of every model that draws random numbers.
    max_epochs : int or None, default=None
        Training epochs of the MGM pipeline; ``None`` keeps its default.

    Returns
    -------
    dict of str to estimator
        In the order of ``names``; every model takes raw texts.

    Examples
    --------
    >>> list(make_models(["char-svc", "logreg"]))
    ['char n-gram TF-IDF + LinearSVC', 'TF-IDF + LogisticRegression']
    """
    return {
        MODEL_NAMES[name]: _make_model(name, random_state, max_epochs)
        for name in check_model_names(names)
    }


def _make_model(name, random_state, max_epochs):
    if name in ("mgm", "mgm-vote", "mgm-ensemble"):
        params = {"random_state": random_state}
        if max_epochs is not None:
            params["max_epochs"] = max_epochs
        make = {"mgm": make_mgm_pipeline, "mgm-vote": make_mgm_vote}.get(name, make_mgm_ensemble)
        return make(**params)
    if name == "fasttext":
        return FastTextClassifier(random_state=random_state)
    if name == "char-svc":
        # character n-grams need no word boundaries and survive misspellings
        return make_pipeline(character_tfidf(), LinearSVC(random_state=random_state))
    if name == "logreg":
        return make_pipeline(word_tfidf(), LogisticRegression(C=10.0, max_iter=1000))
    return make_pipeline(word_tfidf(), LinearSVC(random_state=random_state))


def default_models(*, random_state=0, max_epochs=None, texts=None):
    """The models compared by default: the MGM pipeline, the linear baselines, fastText.

    Parameters
    ----------
    random_state : int, default=0
        Seed of every model that draws random numbers.
    max_epochs : int or None, default=None
        Training epochs of the MGM pipeline; ``None`` keeps its default.
    texts : sequence of str or None, default=None
        The documents to compare on: when most are written without spaces
        (:func:`written_without_spaces`), the character n-gram baseline
        (``"char-svc"``) is added.

    Returns
    -------
    dict of str to estimator
        ``"mgm"``, ``"logreg"``, ``"svc"``, then ``"fasttext"`` when the
        ``fasttext`` package is installed and ``"char-svc"`` as above, keyed
        by their names in the results.

    Examples
    --------
    >>> sorted(default_models())[:3]
    ['MGM (sklearn-mgm)', 'TF-IDF + LinearSVC', 'TF-IDF + LogisticRegression']
    >>> "char n-gram TF-IDF + LinearSVC" in default_models(texts=["今天天气很好。"])
    True
    """
    names = ["mgm", "logreg", "svc"]
    if importlib.util.find_spec("fasttext") is not None:
        names.append("fasttext")
    if texts is not None and written_without_spaces(texts):
        names.append("char-svc")
    return make_models(names, random_state=random_state, max_epochs=max_epochs)


def final_steps(model):
    """The estimators that a comparison's model ends in: one, or one per member of a vote.

    A fitted vote gives its fitted members' final steps; a Pipeline that ends
    in a vote (:func:`~sklearn_mgm.make_mgm_ensemble`), its members.

    Parameters
    ----------
    model : estimator
        A Pipeline, a VotingClassifier of such, or a bare estimator.

    Returns
    -------
    list of estimator

    Examples
    --------
    >>> [type(step).__name__ for step in final_steps(make_models(["logreg"]).popitem()[1])]
    ['LogisticRegression']
    >>> [type(step).__name__ for step in final_steps(make_mgm_vote())]
    ['MultiGranularityClassifier', 'CalibratedLinearSVC']
    >>> [type(step).__name__ for step in final_steps(make_mgm_ensemble(n_members=2))]
    ['MultiGranularityClassifier', 'MultiGranularityClassifier']
    """
    if isinstance(model, Pipeline):
        model = model.steps[-1][1]
    if isinstance(model, VotingClassifier):
        members = getattr(model, "estimators_", None) or [member for _, member in model.estimators]
        return [step for member in members for step in final_steps(member)]
    return [model]
