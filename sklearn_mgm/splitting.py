"""NLTK splitting of texts into paragraphs, sentences (Punkt) and words, made fast.

NLTK runs every regular expression under a wall-clock timeout (``nltk.redos``),
a guard against patterns that backtrack catastrophically; it makes each match
about three times slower. Punkt's own patterns and ``WORD_PATTERN`` match in
linear time, so here they run without it, as ``nltk.redos`` offers for trusted
patterns, and Punkt remembers its decision for each distinct context. The
sentences are exactly those of NLTK's Punkt.
"""

import re

from nltk import redos
from nltk.tokenize import (
    NLTKWordTokenizer,
    RegexpTokenizer,
    TreebankWordTokenizer,
    TweetTokenizer,
    WhitespaceTokenizer,
    WordPunctTokenizer,
)
from nltk.tokenize.punkt import (
    PunktLanguageVars,
    PunktSentenceTokenizer,
    PunktToken,
    PunktTokenizer,
    PunktTrainer,
)

WORD_PATTERN = r"\w+(?:[-'’]\w+)*"


# NLTK runs every regular expression under a wall-clock timeout (nltk.redos), a
# guard against patterns that backtrack catastrophically; it makes each match about
# three times slower. WORD_PATTERN and Punkt's own patterns match in linear time,
# so they run without it, as nltk.redos offers for trusted patterns (timeout=None).
def _untimed(pattern):
    return redos.compile(pattern, timeout=None)


class _UntimedRegexpTokenizer(RegexpTokenizer):
    """NLTK's ``RegexpTokenizer``, matching its pattern without the timeout."""

    def _check_regexp(self):
        if self._regexp is None:
            self._regexp = redos.compile(self._pattern, self._flags, timeout=None)


class _UntimedPunktLanguageVars(PunktLanguageVars):
    """Punkt's language variables, with untimed patterns."""

    __slots__ = ()
    re_boundary_realignment = _untimed(PunktLanguageVars.re_boundary_realignment)
    _word_re = _untimed(PunktLanguageVars()._word_tokenizer_re())
    _period_context_re = _untimed(PunktLanguageVars().period_context_re())

    def _word_tokenizer_re(self):
        return self._word_re

    def period_context_re(self):
        return self._period_context_re


class _UntimedPunktToken(PunktToken):
    """Punkt's token, with untimed patterns."""

    __slots__ = ()
    _RE_ELLIPSIS = _untimed(PunktToken._RE_ELLIPSIS)
    _RE_NUMERIC = _untimed(PunktToken._RE_NUMERIC)
    _RE_INITIAL = _untimed(PunktToken._RE_INITIAL)
    _RE_ALPHA = _untimed(PunktToken._RE_ALPHA)


class RememberingPunkt(PunktSentenceTokenizer):
    """NLTK's Punkt with untimed patterns, remembering its decision for each context.

    Punkt decides whether a potential sentence end ('.', '?' or '!') is one from
    a short context: the word before it, the punctuation and the next token.
    Equal contexts get equal decisions and news texts repeat many ("said. The"),
    so each distinct context is decided once for the life of this object.

    Parameters
    ----------
    params : nltk.tokenize.punkt.PunktParameters
        The learned abbreviations, collocations, sentence starters and
        orthographic contexts.
    """

    def __init__(self, params):
        super().__init__(
            params, lang_vars=_UntimedPunktLanguageVars(), token_cls=_UntimedPunktToken
        )
        self._decisions = {}

    def text_contains_sentbreak(self, text):
        decision = self._decisions.get(text)
        if decision is None:
            decision = self._decisions[text] = super().text_contains_sentbreak(text)
        return decision


WORD_TOKENIZERS = {
    "regexp": lambda: _UntimedRegexpTokenizer(WORD_PATTERN),
    "treebank": TreebankWordTokenizer,
    "nltk": NLTKWordTokenizer,
    "wordpunct": WordPunctTokenizer,
    "whitespace": WhitespaceTokenizer,
    "tweet": TweetTokenizer,
}

# Training Punkt on a whole corpus costs seconds and barely moves its
# boundaries; a sample of this many characters keeps fit fast. Smaller samples
# do move some: on BBC News, 250,000 characters change 3 decisions.
PUNKT_TRAINING_CHARS = 300_000


def make_punkt_trainer():
    """NLTK's ``PunktTrainer`` with the untimed patterns.

    Returns
    -------
    nltk.tokenize.punkt.PunktTrainer

    Examples
    --------
    >>> trainer = make_punkt_trainer()
    >>> trainer.train("It rained. Then it stopped.", finalize=True)
    >>> type(trainer.get_params()).__name__
    'PunktParameters'
    """
    return PunktTrainer(lang_vars=_UntimedPunktLanguageVars(), token_cls=_UntimedPunktToken)


def punkt_pretrained_available(language="english"):
    """Tell whether NLTK's pretrained Punkt model (``punkt_tab`` data) is installed.

    Parameters
    ----------
    language : str, default="english"
        Language of the Punkt model.

    Returns
    -------
    bool

    Examples
    --------
    >>> isinstance(punkt_pretrained_available(), bool)
    True
    """
    try:
        PunktTokenizer(language)
    except (LookupError, OSError, ValueError):
        return False
    return True


class DocumentSplitter:
    r"""Split texts into a flat token list and the lengths that describe their nesting.

    A picklable function object, so that joblib can ship it to workers. Empty
    sentences and paragraphs are dropped; the caps truncate.

    Examples
    --------
    >>> from nltk.tokenize.punkt import PunktSentenceTokenizer
    >>> split = DocumentSplitter(
    ...     paragraph_pattern=r"\n\s*\n", sentence_tokenizer=PunktSentenceTokenizer(),
    ...     word_tokenize=str.split, lowercase=True, stop_words=frozenset(),
    ...     max_paragraphs=None, max_sentences=None, max_words=None,
    ... )
    >>> split(["Rain fell. Sun came.\n\nThe end."])
    (['rain', 'fell.', 'sun', 'came.', 'the', 'end.'], ([2, 2, 2], [2, 1], [2]))
    """

    def __init__(
        self,
        *,
        paragraph_pattern,
        sentence_tokenizer,
        word_tokenize,
        lowercase,
        stop_words,
        max_paragraphs,
        max_sentences,
        max_words,
    ):
        self.paragraph_regex = None if paragraph_pattern is None else re.compile(paragraph_pattern)
        self.sentence_tokenizer = sentence_tokenizer
        self.word_tokenize = word_tokenize
        self.lowercase = lowercase
        self.stop_words = stop_words
        self.max_paragraphs = max_paragraphs
        self.max_sentences = max_sentences
        self.max_words = max_words

    def __call__(self, documents):
        tokens = []
        sentence_lengths, paragraph_sizes, document_sizes = [], [], []
        for document in documents:
            n_paragraphs = 0
            n_sentences = 0
            for paragraph in self._paragraphs(document):
                if self.max_sentences is not None and n_sentences >= self.max_sentences:
                    break
                size = 0
                for sentence in self._sentences(paragraph):
                    words = self._words(sentence)
                    if not words:
                        continue
                    tokens.extend(words)
                    sentence_lengths.append(len(words))
                    size += 1
                    n_sentences += 1
                    if self.max_sentences is not None and n_sentences >= self.max_sentences:
                        break
                if size:
                    paragraph_sizes.append(size)
                    n_paragraphs += 1
                    if self.max_paragraphs is not None and n_paragraphs >= self.max_paragraphs:
                        break
            document_sizes.append(n_paragraphs)
        return tokens, (sentence_lengths, paragraph_sizes, document_sizes)

    def _paragraphs(self, document):
        if self.paragraph_regex is None:
            return [document] if document.strip() else []
        return [p for p in self.paragraph_regex.split(document) if p.strip()]

    def _sentences(self, paragraph):
        return self.sentence_tokenizer.tokenize(paragraph)

    def _words(self, sentence):
        if self.lowercase:
            sentence = sentence.lower()
        words = self.word_tokenize(sentence)
        if not isinstance(words, list):
            words = list(words)
        if self.stop_words:
            words = [w for w in words if w not in self.stop_words]
        if self.max_words is not None:
            words = words[: self.max_words]
        return words


def training_sample(documents):
    r"""The first ``PUNKT_TRAINING_CHARS`` characters of the corpus, to train Punkt on.

    Parameters
    ----------
    documents : list of str
        The fit corpus.

    Returns
    -------
    str

    Examples
    --------
    >>> training_sample(["One.", "Two."])
    'One.\n\nTwo.'
    """
    sample, size = [], 0
    for document in documents:
        sample.append(document)
        size += len(document)
        if size >= PUNKT_TRAINING_CHARS:
            break
    return "\n\n".join(sample)[:PUNKT_TRAINING_CHARS]
