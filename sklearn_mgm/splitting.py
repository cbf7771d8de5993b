"""NLTK splitting of texts into paragraphs, sentences (Punkt) and words, made fast.

NLTK runs every regular expression through ``nltk.redos``: a wrapper that puts
a wall-clock timeout on each match, a guard against patterns that backtrack
catastrophically, and makes short matches several times slower. Punkt's own
patterns and ``WORD_PATTERN`` match in linear time, so here they run on the
same ``regex`` engine without the wrapper. Punkt's candidate sentence ends
are found in one loop, the plain ones are decided directly and the others by
NLTK, once per distinct context; the words of a paragraph's sentences are
matched in place, by offsets. The sentences and words are exactly those of
NLTK's Punkt and ``RegexpTokenizer``.

Paragraphs, sentences and words are found lazily, so that the caps on them
bound the work, not only the output (``sklearn_mgm.chunks`` cuts a corpus
in chunks).
"""

import itertools
import re

import regex
from nltk.tokenize import (
    NLTKWordTokenizer,
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

from .cjk import (
    CHARACTER_WORD_REGEX,
    JIEBA_MISSING,
    KANA_CHARACTER,
    UNSPACED_CHARACTER,
    JiebaWords,
    jieba_available,
)

WORD_PATTERN = r"\w+(?:[-'’]\w+)*"


def _unwrapped(pattern):
    """An ``nltk.redos`` pattern compiled by its own engine, ``regex``, without the timeout."""
    return regex.compile(pattern.pattern, pattern.flags)


# NLTK's RegexpTokenizer(WORD_PATTERN) with its default flags, as a compiled
# pattern: its findall can run on a sentence's span of a whole paragraph.
WORD_REGEX = regex.compile(WORD_PATTERN, regex.UNICODE | regex.MULTILINE | regex.DOTALL)
# The same words on ASCII text, where ``re`` and ``regex`` agree on ``\w``;
# ``re`` with possessive quantifiers matches them about a third faster.
_ASCII_WORD_RE = re.compile(r"\w++(?:[-'’]\w++)*+", re.ASCII)


class _UntimedPunktLanguageVars(PunktLanguageVars):
    """Punkt's language variables, with unwrapped patterns."""

    __slots__ = ()
    re_boundary_realignment = _unwrapped(PunktLanguageVars.re_boundary_realignment)
    _word_re = _unwrapped(PunktLanguageVars()._word_tokenizer_re())
    _period_context_re = _unwrapped(PunktLanguageVars().period_context_re())

    def _word_tokenizer_re(self):
        return self._word_re

    def period_context_re(self):
        return self._period_context_re


class _UntimedPunktToken(PunktToken):
    """Punkt's token, with unwrapped patterns."""

    __slots__ = ()
    _RE_ELLIPSIS = _unwrapped(PunktToken._RE_ELLIPSIS)
    _RE_NUMERIC = _unwrapped(PunktToken._RE_NUMERIC)
    _RE_INITIAL = _unwrapped(PunktToken._RE_INITIAL)
    _RE_ALPHA = _unwrapped(PunktToken._RE_ALPHA)


class RememberingPunkt(PunktSentenceTokenizer):
    """NLTK's Punkt with unwrapped patterns, deciding plain sentence ends without asking.

    Punkt decides whether a potential sentence end ('.', '?' or '!') is one from
    a short context: the word before it, the punctuation and what follows.
    ``span_tokenize`` finds the same candidates, contexts and boundaries as
    NLTK's in one loop, and two kinds of context are sentence breaks under any
    Punkt parameters, so they are decided without NLTK's token annotation:

    - '?' or '!': Punkt makes it a token of its own, always a break, and a
      token always follows it in the context.
    - '.' after a word of two or more letters that is neither a learned
      abbreviation nor the first word of a learned collocation: the word is
      not an initial, a number or an ellipsis, so Punkt's second pass keeps
      the break its first pass found, and a token always follows.

    Every other context goes to NLTK's ``text_contains_sentbreak``, and its
    decision is remembered: equal contexts get equal decisions and news texts
    repeat many. At most ``max_remembered`` decisions are kept, so that memory
    stays bounded on any corpus.

    Parameters
    ----------
    params : nltk.tokenize.punkt.PunktParameters
        The learned abbreviations, collocations, sentence starters and
        orthographic contexts.
    max_remembered : int, default=100_000
        How many decisions to keep; when full, all are forgotten at once.

    Examples
    --------
    >>> from nltk.tokenize.punkt import PunktParameters
    >>> punkt = RememberingPunkt(PunktParameters())
    >>> punkt.tokenize("It rained. Then it stopped.")
    ['It rained.', 'Then it stopped.']
    >>> list(punkt.span_tokenize("No sentence end here  "))
    [(0, 20)]
    """

    def __init__(self, params, max_remembered=100_000):
        super().__init__(
            params, lang_vars=_UntimedPunktLanguageVars(), token_cls=_UntimedPunktToken
        )
        self.max_remembered = max_remembered
        self._decisions = {}
        # words after which a '.' needs the whole of Punkt's annotation
        self._unsure_words = frozenset(params.abbrev_types) | {
            first for first, _ in params.collocations
        }

    def span_tokenize(self, text, realign_boundaries=True):
        """Iterate over the ``(start, end)`` offsets of the sentences of ``text``.

        Parameters
        ----------
        text : str
            The text.
        realign_boundaries : bool, default=True
            Move closing punctuation after a sentence end into that sentence.

        Returns
        -------
        iterator of tuple of int
        """
        if not realign_boundaries:
            return super().span_tokenize(text, realign_boundaries)
        return _realigned(text, self._slices(text))

    def _slices(self, text):
        """NLTK's ``_slices_from_text``: the sentences before realignment, as offsets."""
        last_break = 0
        for match, word_start in self._candidates(text):
            if self._is_break(text, match, word_start):
                yield last_break, match.end()
                next_token = match.start("next_tok")
                last_break = next_token if next_token >= 0 else match.end()
        yield last_break, len(text.rstrip())

    def _candidates(self, text):
        """NLTK's ``_match_potential_end_contexts``: each candidate and where its word starts."""
        previous = None
        word_start = word_stop = 0
        for match in self._lang_vars.period_context_re().finditer(text):
            end = match.start()
            # The word before a candidate starts after the last ASCII whitespace
            # since the previous candidate; without one (or with one right at
            # the previous candidate) it reaches back to the previous word's
            # start, and a previous candidate with a word is dropped.
            space = _LAST_ASCII_SPACE.search(text, word_stop, end)
            if space is not None and space.start() > word_stop:
                word_start = space.start() + 1
            elif word_start < word_stop:
                previous = None
            if previous is not None:
                yield previous
            previous = match, word_start
            word_stop = end
        if previous is not None:
            yield previous

    def _is_break(self, text, match, word_start):
        end = match.start()
        if text[end] != ".":
            return True
        word = _LETTERS.fullmatch(text, word_start, end)
        if word is not None and word.group().lower() not in self._unsure_words:
            return True
        return self.text_contains_sentbreak(
            text[word_start : match.end()] + match.group("after_tok")
        )

    def text_contains_sentbreak(self, text):
        decision = self._decisions.get(text)
        if decision is None:
            if len(self._decisions) >= self.max_remembered:
                self._decisions.clear()
            decision = self._decisions[text] = super().text_contains_sentbreak(text)
        return decision


# NLTK looks for the word before a candidate by ``string.whitespace``.
_LAST_ASCII_SPACE = regex.compile(r"(?r)[ \t\n\r\x0b\x0c]")
_LETTERS = regex.compile(r"[^\W\d_]{2,}")


def _realigned(text, slices):
    """NLTK's ``_realign_boundaries`` on offsets.

    Closing quotes and brackets at the start of a sentence join the one before.
    """
    realignment = _UntimedPunktLanguageVars.re_boundary_realignment
    shift = 0
    for (start, stop), following in itertools.pairwise(itertools.chain(slices, [None])):
        start += shift
        if following is None:
            if start < stop:
                yield start, stop
            continue
        closing = realignment.match(text[following[0] : following[1]])
        if closing:
            yield start, following[0] + len(closing.group().rstrip())
            shift = closing.end()
        else:
            shift = 0
            if start < stop:
                yield start, stop


WORD_TOKENIZERS = {
    "regexp": lambda: WORD_REGEX,
    "treebank": lambda: TreebankWordTokenizer().tokenize,
    "nltk": lambda: NLTKWordTokenizer().tokenize,
    "wordpunct": lambda: WordPunctTokenizer().tokenize,
    "whitespace": lambda: WhitespaceTokenizer().tokenize,
    "tweet": lambda: TweetTokenizer().tokenize,
}

# Word tokenizers that cut text written without spaces apart from the rest,
# which they cut as "regexp" does; "auto" is resolved at fit.
UNSPACED_TOKENIZERS = ("auto", "jieba", "characters")


def resolve_word_tokenizer(word_tokenizer):
    """The word tokenizer a fit uses: ``"auto"`` becomes ``"jieba"`` or ``"characters"``.

    Parameters
    ----------
    word_tokenizer : str or callable
        A ``HierarchicalTokenizer``'s ``word_tokenizer``.

    Returns
    -------
    str or callable

    Raises
    ------
    ValueError
        For ``"jieba"`` when jieba is not installed, saying what to install.

    Examples
    --------
    >>> resolve_word_tokenizer("auto") in ("jieba", "characters")
    True
    """
    if word_tokenizer == "auto":
        return "jieba" if jieba_available() else "characters"
    if word_tokenizer == "jieba" and not jieba_available():
        raise ValueError(JIEBA_MISSING)
    return word_tokenizer


def word_splitters(word_tokenizer):
    """What a :class:`DocumentSplitter` gets as ``word_tokenize`` and ``unspaced_words``.

    Parameters
    ----------
    word_tokenizer : str or callable
        A resolved word tokenizer (:func:`resolve_word_tokenizer`).

    Returns
    -------
    word_tokenize : callable or regex.Pattern
    unspaced_words : callable, regex.Pattern or None

    Examples
    --------
    >>> word_splitters("characters") == (WORD_REGEX, CHARACTER_WORD_REGEX)
    True
    """
    if callable(word_tokenizer):
        return word_tokenizer, None
    if word_tokenizer == "jieba":
        if not jieba_available():
            raise ValueError(JIEBA_MISSING)
        return WORD_REGEX, JiebaWords()
    if word_tokenizer == "characters":
        return WORD_REGEX, CHARACTER_WORD_REGEX
    return WORD_TOKENIZERS[word_tokenizer](), None


# Training Punkt on a whole corpus costs seconds and barely moves its
# boundaries; a sample of this many characters keeps fit fast. Smaller samples
# do move some: on BBC News, 250,000 characters change 3 decisions.
PUNKT_TRAINING_CHARS = 300_000


def make_punkt_trainer():
    """NLTK's ``PunktTrainer`` with unwrapped patterns.

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
    sentences and paragraphs are dropped. The caps stop the work where they
    truncate: paragraphs and sentences are found only until a document has
    enough, and the words of a sentence, with a pattern for ``word_tokenize``,
    are matched only until ``max_words`` of them are kept.

    Parameters
    ----------
    paragraph_pattern : str or None
        Regular expression that separates paragraphs; ``None`` keeps each text
        whole; ``"auto"``: blank lines, or single line breaks in a text
        without a blank line that holds Han or kana characters.
    sentence_tokenizer : nltk.tokenize.punkt.PunktSentenceTokenizer
        Finds the sentences of a paragraph, by ``span_tokenize``.
    word_tokenize : callable or compiled ``regex`` pattern
        Splits a sentence into words. A pattern matches the words of each
        sentence in place, in a window of the (lowercased) paragraph.
    unspaced_words : callable, compiled ``regex`` pattern or None, default=None
        Splits the sentences of a paragraph that holds Han characters (and no
        kana: those are taken character by character) instead of
        ``word_tokenize``; ``None`` uses ``word_tokenize`` everywhere.
    lowercase : bool
        Lowercase the words.
    stop_words : frozenset of str
        Words to drop; the caps count the words kept.
    max_paragraphs, max_sentences, max_words : int or None
        Caps per document, per document and per sentence.

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
        unspaced_words=None,
    ):
        self.auto_paragraphs = paragraph_pattern == "auto"
        if self.auto_paragraphs:
            paragraph_pattern = BLANK_LINES
        self.paragraph_regex = None if paragraph_pattern is None else re.compile(paragraph_pattern)
        self.unspaced_words = unspaced_words
        self.sentence_tokenizer = sentence_tokenizer
        self.word_tokenize = word_tokenize
        # decided here, not by identity later: a pickled pattern (for joblib's
        # workers) comes back as another object
        self.ascii_words = _ASCII_WORD_RE if word_tokenize is WORD_REGEX else None
        self.lowercase = lowercase
        self.stop_words = stop_words
        self.max_paragraphs = max_paragraphs
        self.max_sentences = max_sentences
        self.max_words = max_words

    def __call__(self, documents):
        tokens = []
        sentence_lengths, paragraph_sizes, document_sizes = [], [], []
        max_sentences, max_paragraphs = self.max_sentences, self.max_paragraphs
        for document in documents:
            n_paragraphs = 0
            n_sentences = 0
            for paragraph in self._paragraphs(document):
                if max_sentences is not None and n_sentences >= max_sentences:
                    break
                size = 0
                for words in self._sentence_words(paragraph):
                    if not words:
                        continue
                    tokens += words
                    sentence_lengths.append(len(words))
                    size += 1
                    n_sentences += 1
                    if max_sentences is not None and n_sentences >= max_sentences:
                        break
                if size:
                    paragraph_sizes.append(size)
                    n_paragraphs += 1
                    if max_paragraphs is not None and n_paragraphs >= max_paragraphs:
                        break
            document_sizes.append(n_paragraphs)
        return tokens, (sentence_lengths, paragraph_sizes, document_sizes)

    def paragraph_separator(self, document):
        """The compiled pattern that separates the paragraphs of ``document``, or None."""
        pattern = self.paragraph_regex
        if (
            self.auto_paragraphs
            and not document.isascii()
            and pattern.search(document) is None
            and UNSPACED_CHARACTER.search(document) is not None
        ):
            return _LINE_BREAKS
        return pattern

    def word_splitter(self, paragraph):
        """What cuts the sentences of ``paragraph`` into words: a pattern or a callable."""
        if (
            self.unspaced_words is not None
            and not paragraph.isascii()
            and UNSPACED_CHARACTER.search(paragraph) is not None
        ):
            kana = KANA_CHARACTER.search(paragraph) is not None
            return CHARACTER_WORD_REGEX if kana else self.unspaced_words
        return self.word_tokenize

    def _paragraphs(self, document):
        """The paragraphs of ``document`` that hold more than whitespace, one by one."""
        pattern = self.paragraph_separator(document)
        pieces = (document,) if pattern is None else _split_lazily(pattern, document)
        # isspace reads no further than the first other character; strip may copy
        return (piece for piece in pieces if piece and not piece.isspace())

    def _sentence_words(self, paragraph):
        """The words of each sentence of ``paragraph``, without stop words, capped, one by one."""
        spans = self.sentence_tokenizer.span_tokenize(paragraph)
        tokenize = self.word_splitter(paragraph)
        if isinstance(tokenize, regex.Pattern):
            return self._matched_words(paragraph, spans, tokenize)
        cased = str.lower if self.lowercase else str
        return (self._kept(tokenize(cased(paragraph[a:b]))) for a, b in spans)

    def _matched_words(self, paragraph, spans, word_pattern):
        """The words ``word_pattern`` matches in each sentence span, in place."""
        stop_words, max_words = self.stop_words, self.max_words
        longest = None if max_words is None else _CHARACTERS_PER_WORD * max_words
        # The paragraph is cut (and lowercased) window by window, each at least
        # twice as long as the one before, so that the work stops with the
        # sentences; a sentence lies in one window.
        window, offset, window_stop = "", 0, 0
        pattern, in_place = word_pattern, True
        ascii_pattern = self.ascii_words if word_pattern is self.word_tokenize else None
        for start, end in spans:
            if end > window_stop:
                size = max(end - start, 2 * (window_stop - offset), _FIRST_WINDOW)
                window = paragraph[start : start + size]
                offset, window_stop = start, start + len(window)
                ascii_words = ascii_pattern is not None and window.isascii()
                pattern = ascii_pattern if ascii_words else word_pattern
                if self.lowercase:
                    lowered = window.lower()
                    # Lowercasing maps each character on its own and keeps offsets,
                    # except for 'İ' (two characters) and 'Σ' (final or not by its
                    # neighbours): then each sentence is cut out and lowercased.
                    in_place = len(lowered) == len(window) and "Σ" not in window
                    window = lowered
            if in_place:
                text, start, end = window, start - offset, end - offset
            else:
                text = paragraph[start:end].lower()
                start, end = 0, len(text)
            if longest is not None and end - start > longest:
                yield self._kept(match.group() for match in pattern.finditer(text, start, end))
                continue
            # the common sentence, matched whole and filtered inline: the fastest
            words = pattern.findall(text, start, end)
            if stop_words:
                words = [word for word in words if word not in stop_words]
            yield words[:max_words]

    def _kept(self, words):
        """The first ``max_words`` of ``words`` that are not stop words, reading no further."""
        if self.stop_words:
            words = (word for word in words if word not in self.stop_words)
        return list(itertools.islice(words, self.max_words))


# The first window of a paragraph that is lowercased, in characters: most
# paragraphs fit in one.
_FIRST_WINDOW = 4096
# A sentence of at most this many characters per word of ``max_words`` is
# matched whole (``findall``, faster); a longer one word by word (``finditer``),
# until ``max_words`` are kept.
_CHARACTERS_PER_WORD = 8


# the default paragraph separator: a blank line
BLANK_LINES = r"\n\s*\n"
_LINE_BREAKS = re.compile(r"\n")


def _split_lazily(pattern, text):
    """The pieces of ``pattern.split(text)``, groups included, one by one."""
    last = 0
    for match in pattern.finditer(text):
        yield text[last : match.start()]
        yield from match.groups()
        last = match.end()
    yield text[last:]


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
