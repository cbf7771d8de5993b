"""HierarchicalTokenizer: raw texts to paragraphs, sentences and word ids with NLTK."""

import functools
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from typing import ClassVar

import numpy as np
from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTokenizer
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .chunks import concatenate_chunks, split_in_chunks
from .cjk import FullWidthSentences
from .documents import PAD_TOKEN, UNKNOWN_TOKEN, TokenizedDocuments, offsets_from_lengths
from .splitting import (
    UNSPACED_TOKENIZERS,
    WORD_TOKENIZERS,
    DocumentSplitter,
    RememberingPunkt,
    make_punkt_trainer,
    punkt_pretrained_available,
    resolve_word_tokenizer,
    training_sample,
    word_splitters,
)
from .vocabulary import (
    WordCounts,
    ids_of,
    learn_vocabulary,
    number_distinct,
    stop_word_set,
    validate_fixed_vocabulary,
)


def validate_raw_documents(raw_documents):
    """Check that ``raw_documents`` is a 1-D collection of str and return it as a list.

    Parameters
    ----------
    raw_documents : list, tuple, ndarray or pandas Series of str
        The texts.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        For a bare string or a multi-dimensional array.
    TypeError
        For an element that is not a str, naming its position.

    Examples
    --------
    >>> validate_raw_documents(("a text", "another"))
    ['a text', 'another']
    """
    if isinstance(raw_documents, (str, bytes)):
        raise ValueError("Iterable over raw text documents expected, string object received.")
    if hasattr(raw_documents, "ndim") and raw_documents.ndim != 1:
        raise ValueError(
            "Expected a 1-D collection of raw text documents, got an array with shape "
            f"{raw_documents.shape}. Pass one text column, e.g. df['text']."
        )
    if not isinstance(raw_documents, Iterable):
        raise TypeError(
            "Expected a list, tuple, numpy array or pandas Series of str, got "
            f"{type(raw_documents).__name__}."
        )
    documents = list(raw_documents)
    for position, document in enumerate(documents):
        if not isinstance(document, str):
            raise TypeError(_describe_bad_document(position, document))
    return documents


def _describe_bad_document(position, document):
    where = f"Document at position {position}"
    if document is None:
        return f"{where} is None; expected str. Replace missing texts with '' (e.g. fillna(''))."
    if isinstance(document, float) and math.isnan(document):
        return f"{where} is NaN; expected str. Replace missing texts with '' (e.g. fillna(''))."
    if isinstance(document, (bytes, bytearray)):
        return f"{where} is bytes; expected str. Decode it first, e.g. text.decode('utf-8')."
    return f"{where} is {type(document).__name__}; expected str."


class HierarchicalTokenizer(TransformerMixin, BaseEstimator):
    """Split raw texts into paragraphs, sentences (NLTK Punkt) and word ids.

    Paragraphs are separated by ``paragraph_pattern`` (blank lines by default),
    sentences are found by NLTK's Punkt (after full-width sentence ends such as
    '。'), and words by an NLTK word tokenizer, or, in Chinese and Japanese
    text, by jieba or character by character.
    The vocabulary follows :class:`~sklearn.feature_extraction.text.CountVectorizer`:
    the parameters have the same names and meaning. Id 0 is padding and id 1 is
    the unknown word (a word outside the vocabulary keeps its place as id 1).
    Every input text yields one document, even an empty one.

    Parameters
    ----------
    paragraph_pattern : str or None, default="auto"
        Regular expression that separates paragraphs. ``None`` keeps each text
        as one paragraph. ``"auto"`` separates them by blank lines
        (``r"\\n\\s*\\n"``), except in a text without a blank line that holds
        Han or kana characters: Chinese and Japanese texts often end a
        paragraph with a single line break, and there each line break does.
    sentence_model : {"auto", "pretrained", "trained", "untrained"}, default="auto"
        Which Punkt model splits sentences. ``"pretrained"`` is NLTK's English
        model and needs the ``punkt_tab`` data (``python -m nltk.downloader
        punkt_tab``); ``"trained"`` learns Punkt's parameters from the first
        300,000 characters of the fit corpus with NLTK's ``PunktTrainer``;
        ``"untrained"`` is Punkt with default parameters (its rules, no learned
        abbreviations). ``"auto"`` takes ``"pretrained"`` when its data is
        installed and ``"untrained"`` otherwise, so fitting never needs the
        network. Use ``"trained"`` for texts with many abbreviations written
        with a period ("Dr.", "e.g."), which untrained Punkt takes for
        sentence ends.
    word_tokenizer : {"auto", "jieba", "characters", "regexp", "treebank", "nltk", \
"wordpunct", "whitespace", "tweet"} or callable, default="auto"
        How a sentence is cut into words. ``"regexp"`` keeps runs of word
        characters (with inner hyphens and apostrophes) and drops punctuation;
        ``"treebank"`` to ``"tweet"`` are NLTK's tokenizers of those names. A
        callable takes a sentence and returns a list of str. The other three
        cut paragraphs written without spaces differently from the rest,
        which they cut as ``"regexp"`` does: in a paragraph that holds Han
        characters, ``"jieba"`` segments the Han text with jieba (the
        ``chinese`` extra: ``pip install "sklearn-mgm[chinese]"``) and
        ``"characters"`` makes each Han character a word; Latin words and
        numbers stay whole, and a paragraph with kana (Japanese) is always
        taken character by character. ``"auto"`` is ``"jieba"`` when jieba is
        installed and ``"characters"`` otherwise (see ``word_tokenizer_``).
    split_semicolons : bool, default=False
        Also end sentences at the full-width semicolon '；'.
    lowercase : bool, default=True
        Convert words to lowercase (after sentence splitting, which uses case).
    stop_words : {"english"}, list or None, default=None
        Words removed from the sentences before anything else (before the
        caps, which count the words kept); ``"english"`` is scikit-learn's
        built-in list.
    max_df : float in [0.0, 1.0] or int, default=1.0
        Ignore words whose document frequency is higher (a proportion of
        documents, or an absolute count).
    min_df : float in [0.0, 1.0] or int, default=1
        Ignore words whose document frequency is lower.
    max_features : int or None, default=None
        Keep only the ``max_features`` most frequent words of the corpus.
    vocabulary : Mapping or iterable of str, default=None
        A fixed vocabulary: a mapping of word to id using the ids ``2`` to
        ``n + 1``, or an iterable of words (numbered from 2 in order).
    max_paragraphs : int or None, default=64
        Keep at most this many paragraphs of each document.
    max_sentences : int or None, default=128
        Keep at most this many sentences of each document.
    max_words : int or None, default=100
        Keep at most this many words of each sentence.
    n_jobs : int or None, default=None
        Number of joblib workers that split texts in parallel. ``None`` means
        1 and ``-1`` one per CPU, as in joblib; 0 is refused.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Word to id, ids from 2 upwards.
    sentence_tokenizer_ : nltk.tokenize.punkt.PunktSentenceTokenizer
        The Punkt model in use.
    sentence_model_ : str
        ``"pretrained"``, ``"trained"`` or ``"untrained"``.
    word_tokenizer_ : str or callable
        The word tokenizer in use: ``word_tokenizer``, with ``"auto"``
        resolved at fit to ``"jieba"`` or ``"characters"``. Saved with the
        model, so that a loaded model cuts words as it did in training.

    Notes
    -----
    Splitting costs most of the time, in NLTK's Punkt. It is made faster
    without changing a sentence or a word:

    - Punkt's regular expressions and ``"regexp"``'s run on NLTK's ``regex``
      engine without the wrapper that puts a wall-clock timeout on every match
      (``nltk.redos``) and slows short matches several times; these patterns
      match in linear time.
    - Punkt's candidates, contexts and boundaries are found in one loop per
      paragraph; '?', '!' and a '.' after a plain word (two or more letters,
      not a learned abbreviation or collocation) are breaks under any Punkt
      model and are decided directly; every other context goes to NLTK's
      Punkt once per call. The boundaries equal NLTK's ``span_tokenize``.
    - ``"regexp"`` matches the words of each sentence in place, by offsets in
      the paragraph lowercased once, instead of cutting out every sentence;
      on an ASCII paragraph, where ``re`` and ``regex`` agree on ``\\w``, with
      ``re``, which matches them faster.
    - Texts are split and encoded in chunks of about a million characters, so
      only one chunk's words exist as Python strings (some 60 bytes a word,
      against 4 in the output): ``transform`` needs little memory beyond its
      output however large the corpus, and ``fit`` counts the documents each
      word occurs in chunk by chunk.
    - The caps bound the work as well as the output: a document's paragraphs
      and sentences are found only until it has ``max_paragraphs`` and
      ``max_sentences``, and, with ``"regexp"``, the words of a sentence are
      matched only until ``max_words`` are kept. Beyond one search of
      ``paragraph_pattern`` through it, a text of megabytes costs what its
      first ``max_sentences`` sentences cost.

    Examples
    --------
    >>> from sklearn_mgm import HierarchicalTokenizer
    >>> texts = ["The cat sat. It purred.\\n\\nThe end.", "A dog barked."]
    >>> X = HierarchicalTokenizer(sentence_model="untrained").fit_transform(texts)
    >>> X.n_paragraphs.tolist(), X.n_sentences.tolist()
    ([2, 1], [3, 1])
    >>> HierarchicalTokenizer(sentence_model="untrained").fit(texts).inverse_transform(X[:1])
    [[[['the', 'cat', 'sat'], ['it', 'purred']], [['the', 'end']]]]
    """

    _parameter_constraints: ClassVar[dict] = {
        "paragraph_pattern": [str, None],
        "sentence_model": [StrOptions({"auto", "pretrained", "trained", "untrained"})],
        "word_tokenizer": [StrOptions({*WORD_TOKENIZERS, *UNSPACED_TOKENIZERS}), callable],
        "split_semicolons": ["boolean"],
        "lowercase": ["boolean"],
        "stop_words": [StrOptions({"english"}), list, None],
        "max_df": [
            Interval(numbers.Real, 0, 1, closed="both"),
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "min_df": [
            Interval(numbers.Real, 0, 1, closed="both"),
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "max_features": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "vocabulary": [Mapping, "array-like", None],
        "max_paragraphs": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "max_sentences": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "max_words": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_jobs": [
            Interval(numbers.Integral, None, -1, closed="right"),
            Interval(numbers.Integral, 1, None, closed="left"),
            None,
        ],
    }

    def __init__(
        self,
        *,
        paragraph_pattern="auto",
        sentence_model="auto",
        word_tokenizer="auto",
        split_semicolons=False,
        lowercase=True,
        stop_words=None,
        max_df=1.0,
        min_df=1,
        max_features=None,
        vocabulary=None,
        max_paragraphs=64,
        max_sentences=128,
        max_words=100,
        n_jobs=None,
    ):
        self.paragraph_pattern = paragraph_pattern
        self.sentence_model = sentence_model
        self.word_tokenizer = word_tokenizer
        self.split_semicolons = split_semicolons
        self.lowercase = lowercase
        self.stop_words = stop_words
        self.max_df = max_df
        self.min_df = min_df
        self.max_features = max_features
        self.vocabulary = vocabulary
        self.max_paragraphs = max_paragraphs
        self.max_sentences = max_sentences
        self.max_words = max_words
        self.n_jobs = n_jobs

    def fit(self, raw_documents, y=None):
        """Learn the Punkt model (if needed) and the vocabulary.

        Parameters
        ----------
        raw_documents : list, tuple, ndarray or pandas Series of str
            The texts.
        y : None
            Ignored.

        Returns
        -------
        self : HierarchicalTokenizer
        """
        self.fit_transform(raw_documents)
        return self

    def fit_transform(self, raw_documents, y=None):
        """Learn the vocabulary and return the documents as word ids.

        Each text is split once, so this is faster than ``fit`` then ``transform``.

        Parameters
        ----------
        raw_documents : list, tuple, ndarray or pandas Series of str
            The texts.
        y : None
            Ignored.

        Returns
        -------
        X : TokenizedDocuments
            One document per text.
        """
        self._validate_params()
        documents = validate_raw_documents(raw_documents)
        if not documents:
            raise ValueError(
                "Found 0 documents while a minimum of 1 is required to fit "
                f"{type(self).__name__}; pass a non-empty collection of texts."
            )
        self._check_paragraph_pattern()
        self.sentence_tokenizer_, self.sentence_model_ = self._make_sentence_tokenizer(documents)
        self.word_tokenizer_ = resolve_word_tokenizer(self.word_tokenizer)
        if self.vocabulary is not None:
            self.vocabulary_ = validate_fixed_vocabulary(self.vocabulary)
            return self._encode(documents)
        counts = WordCounts()
        codes, structure = concatenate_chunks(
            (counts.add(words, word_codes, lengths), lengths)
            for (words, word_codes), lengths in self._split(documents, number_distinct)
        )
        self.vocabulary_, id_of_code = learn_vocabulary(
            list(counts.code_of),
            codes,
            counts.document_frequency,
            len(documents),
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
        )
        return self._as_documents(id_of_code[codes], structure)

    def transform(self, raw_documents):
        """Split texts and map their words to the fitted ids.

        Parameters
        ----------
        raw_documents : list, tuple, ndarray or pandas Series of str
            The texts.

        Returns
        -------
        X : TokenizedDocuments
            One document per text; words outside the vocabulary get id 1.
        """
        check_is_fitted(self, "vocabulary_")
        return self._encode(validate_raw_documents(raw_documents))

    def inverse_transform(self, X):
        """Return the words of each document as str, nested like ``X[i]``.

        Parameters
        ----------
        X : TokenizedDocuments
            Documents made by this tokenizer.

        Returns
        -------
        list
            One entry per document: a list of paragraphs, each a list of
            sentences, each a list of words; unknown words read ``"<unk>"``.
        """
        check_is_fitted(self, "vocabulary_")
        if not isinstance(X, TokenizedDocuments):
            raise TypeError(
                f"inverse_transform expects TokenizedDocuments, got {type(X).__name__}."
            )
        names = self.get_feature_names_out()
        if X.vocabulary_size > len(names):
            raise ValueError(
                "X holds ids this tokenizer's vocabulary does not know; it was made with "
                "another vocabulary."
            )
        words = names[X.word_ids].tolist()
        s_off, p_off, d_off = X.sentence_offsets, X.paragraph_offsets, X.document_offsets
        sentences = [words[s_off[k] : s_off[k + 1]] for k in range(len(s_off) - 1)]
        paragraphs = [sentences[p_off[j] : p_off[j + 1]] for j in range(len(p_off) - 1)]
        return [paragraphs[d_off[i] : d_off[i + 1]] for i in range(len(d_off) - 1)]

    def get_feature_names_out(self, input_features=None):
        """Words by id: entry ``i`` is the word with id ``i``.

        Entries 0 and 1 are the padding and unknown markers ``"<pad>"`` and ``"<unk>"``.

        Parameters
        ----------
        input_features : None
            Ignored; present for API consistency.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self, "vocabulary_")
        names = np.empty(len(self.vocabulary_) + 2, dtype=object)
        names[0], names[1] = PAD_TOKEN, UNKNOWN_TOKEN
        for word, index in self.vocabulary_.items():
            names[index] = word
        return names

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def _check_paragraph_pattern(self):
        if self.paragraph_pattern in (None, "auto"):
            return
        try:
            re.compile(self.paragraph_pattern)
        except re.error as error:
            raise ValueError(
                f"paragraph_pattern {self.paragraph_pattern!r} is not a valid regular "
                f"expression: {error}."
            ) from None

    def _make_sentence_tokenizer(self, documents):
        model = self.sentence_model
        if model == "auto":
            model = "pretrained" if punkt_pretrained_available() else "untrained"
        if model == "pretrained":
            try:
                return PunktTokenizer("english"), model
            except (LookupError, OSError) as error:
                raise ValueError(
                    "sentence_model='pretrained' needs NLTK's punkt_tab data, which is not "
                    "installed. Install it with `python -m nltk.downloader punkt_tab`, or use "
                    "sentence_model='trained' or 'untrained'."
                ) from error
        if model == "trained":
            trainer = make_punkt_trainer()
            trainer.train(training_sample(documents), finalize=True)
            return PunktSentenceTokenizer(trainer.get_params()), model
        return PunktSentenceTokenizer(), model

    def splitter(self):
        """The :class:`~sklearn_mgm.splitting.DocumentSplitter` that ``transform`` uses.

        Returns
        -------
        DocumentSplitter
        """
        check_is_fitted(self, "word_tokenizer_")
        word_tokenize, unspaced_words = word_splitters(self.word_tokenizer_)
        return DocumentSplitter(
            paragraph_pattern=self.paragraph_pattern,
            # A fresh Punkt (from the model's parameters, which NLTK keeps in
            # _params) per call, so that remembered decisions live one call.
            sentence_tokenizer=FullWidthSentences(
                RememberingPunkt(self.sentence_tokenizer_._params), self.split_semicolons
            ),
            word_tokenize=word_tokenize,
            unspaced_words=unspaced_words,
            lowercase=self.lowercase,
            stop_words=stop_word_set(self.stop_words),
            max_paragraphs=self.max_paragraphs,
            max_sentences=self.max_sentences,
            max_words=self.max_words,
        )

    def _split(self, documents, encode):
        """Split texts chunk by chunk, as :func:`~sklearn_mgm.chunks.split_in_chunks`."""
        return split_in_chunks(self.splitter(), encode, documents, self.n_jobs)

    def _encode(self, documents):
        """Split texts and map their words to the ids of ``vocabulary_``."""
        encode = functools.partial(ids_of, self.vocabulary_)
        return self._as_documents(*concatenate_chunks(self._split(documents, encode)))

    def _as_documents(self, word_ids, structure):
        sentence_lengths, paragraph_sizes, document_sizes = structure
        return TokenizedDocuments(
            word_ids,
            offsets_from_lengths(sentence_lengths),
            offsets_from_lengths(paragraph_sizes),
            offsets_from_lengths(document_sizes),
            self.vocabulary_,
        )
