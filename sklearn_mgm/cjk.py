"""Text written without spaces between words: Chinese and Japanese.

Sentences end at full-width marks (。！？, their runs and mixes, ……, and the
closing quotes or brackets after them), found before Punkt reads the
Latin-script parts between them. Words of Han text are found by jieba (the
``chinese`` extra) or taken character by character; kana text (Japanese) is
always taken character by character. Latin words and numbers stay whole.
"""

import itertools

import regex

# Han, kana and the marks written inside their words (prolonged sound, iteration)
UNSPACED_CHARACTER = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}ー々〆]")
KANA_CHARACTER = regex.compile(r"[\p{Hiragana}\p{Katakana}]")

_CLOSING = "”’」』）】〕》〉\"')\\]"
# A run of sentence ends holding at least one full-width end; "?!" before it
# joins it ("?！"), and the closing marks after it belong to the sentence.
_END = r"[!?]*(?:[。！？{extra}]|……)(?:[。！？!?…{extra}])*[{closing}]*"


def full_width_ends(semicolons=False):
    """The compiled pattern of full-width sentence ends (with '；' when ``semicolons``).

    Parameters
    ----------
    semicolons : bool, default=False
        Also end sentences at the full-width semicolon.

    Returns
    -------
    regex.Pattern

    Examples
    --------
    >>> [m.group() for m in full_width_ends().finditer("好！？真的。“走吧。”……")]
    ['！？', '。', '。”', '……']
    """
    return regex.compile(_END.format(extra="；" if semicolons else "", closing=_CLOSING))


class FullWidthSentences:
    """Sentence spans: full-width ends first, then Punkt inside each piece.

    A paragraph without a full-width end goes to Punkt as it is, so that
    Latin-script text is split exactly as Punkt splits it.

    Parameters
    ----------
    punkt : nltk.tokenize.punkt.PunktSentenceTokenizer
        Splits the text between full-width ends (its ``span_tokenize``).
    semicolons : bool, default=False
        Also end sentences at '；'.

    Examples
    --------
    >>> from nltk.tokenize.punkt import PunktSentenceTokenizer
    >>> text = "今天很好。我们去公园！It was fun. We left."
    >>> split = FullWidthSentences(PunktSentenceTokenizer())
    >>> [text[a:b] for a, b in split.span_tokenize(text)]
    ['今天很好。', '我们去公园！', 'It was fun.', 'We left.']
    """

    def __init__(self, punkt, semicolons=False):
        self.punkt = punkt
        self.semicolons = semicolons
        self.ends = full_width_ends(semicolons)

    def span_tokenize(self, text):
        """Iterate over the ``(start, end)`` offsets of the sentences of ``text``."""
        if text.isascii() or self.ends.search(text) is None:
            return self.punkt.span_tokenize(text)
        return self._pieces_spans(text)

    def _pieces_spans(self, text):
        start = 0
        for end in itertools.chain(self.ends.finditer(text), [None]):
            stop = len(text) if end is None else end.end()
            piece = text[start:stop]
            if piece and not piece.isspace():
                for a, b in self.punkt.span_tokenize(piece):
                    yield start + a, start + b
            start = stop


_LATIN_LETTERS = r"[^\W\p{Han}\p{Hiragana}\p{Katakana}ー々〆]"
# A word outside Han and kana: the ``"regexp"`` word of text with spaces.
_LATIN_WORD = rf"{_LATIN_LETTERS}+(?:[-'’]{_LATIN_LETTERS}+)*"

CHARACTER_WORD_REGEX = regex.compile(
    rf"[\p{{Han}}\p{{Hiragana}}\p{{Katakana}}ー々〆]|{_LATIN_WORD}",
    regex.UNICODE | regex.MULTILINE | regex.DOTALL,
)
"""Each Han or kana character a word; other words as ``"regexp"`` finds them."""

_HAN_RUNS = regex.compile(
    rf"(\p{{Han}}[\p{{Han}}々〆]*)|[\p{{Hiragana}}\p{{Katakana}}ー]|{_LATIN_WORD}"
)


def jieba_available():
    """Whether jieba can be imported (the ``chinese`` extra).

    Returns
    -------
    bool

    Examples
    --------
    >>> isinstance(jieba_available(), bool)
    True
    """
    try:
        import jieba  # noqa: F401  (its dictionary loads on first use, not here)
    except ImportError:
        return False
    return True


JIEBA_MISSING = (
    "word_tokenizer='jieba' needs the jieba package, which is not installed. Install it "
    'with `pip install "sklearn-mgm[chinese]"` (or `pip install jieba`), or use '
    "word_tokenizer='characters'."
)


class JiebaWords:
    """Words of a sentence: runs of Han characters segmented by jieba, the rest kept whole.

    Kana are taken one by one, other words as ``"regexp"`` finds them, and
    punctuation is dropped. Picklable, for joblib's workers: jieba is imported
    on first use, and its dictionary ships inside the package.

    Examples
    --------
    >>> JiebaWords()("我们喜欢Python 3和机器学习。")
    ['我们', '喜欢', 'Python', '3', '和', '机器', '学习']
    """

    def __call__(self, sentence):
        import jieba

        words = []
        for match in _HAN_RUNS.finditer(sentence):
            han = match.group(1)
            if han is None:
                words.append(match.group())
            elif len(han) == 1:
                words.append(han)
            else:
                words += jieba.lcut(han)
        return words


def join_words(words):
    """Join words for display: with a space, except between two unspaced-script words.

    Parameters
    ----------
    words : iterable of str

    Returns
    -------
    str

    Examples
    --------
    >>> join_words(["我们", "喜欢", "python", "和", "机器"])
    '我们喜欢 python 和机器'
    """
    text, previous = [], ""
    for word in words:
        if previous and not needs_no_space(previous, word):
            text.append(" ")
        text.append(word)
        previous = word
    return "".join(text)


def needs_no_space(before, after):
    """Whether two adjacent words are shown without a space between them.

    Parameters
    ----------
    before, after : str
        The two words.

    Returns
    -------
    bool

    Examples
    --------
    >>> needs_no_space("机器", "学习"), needs_no_space("python", "学习")
    (True, False)
    """
    return bool(
        before
        and after
        and UNSPACED_CHARACTER.match(before[-1])
        and UNSPACED_CHARACTER.match(after[0])
    )
