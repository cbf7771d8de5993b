"""The words a tokenizer keeps, found again in the text they came from, and shown there.

``transform`` keeps no character offsets: they would take two integers a
word beside the one id a word that :class:`~sklearn_mgm.TokenizedDocuments`
holds. An explanation finds them on demand instead, by walking the text as
:class:`~sklearn_mgm.splitting.DocumentSplitter` does (the same paragraphs,
sentences, words, stop words and caps) with offsets, and then shades the
original text.
"""

import html
from dataclasses import dataclass, field

import regex


@dataclass
class TextLayout:
    """Where the parts of a document the tokenizer kept lie in its text.

    Offsets are ``(start, end)`` character positions in the text; words that
    the tokenizer does not take from the text as written (a callable that
    rewrites them) have no position, ``None``.

    Attributes
    ----------
    paragraphs : list of tuple of int
        The span of each kept paragraph, from its first kept sentence to its
        last.
    sentences : list of list of tuple of int
        The span of each kept sentence of each paragraph.
    words : list of list of list of tuple or None
        The span of each kept word, nested like the tokenized document.
    unread : list of tuple of int
        Words the tokenizer dropped: stop words and words past ``max_words``.

    Examples
    --------
    >>> layout = TextLayout([(0, 5)], [[(0, 5)]], [[[(0, 5)]]])
    >>> layout.words[0][0][0]
    (0, 5)
    """

    paragraphs: list
    sentences: list
    words: list
    unread: list = field(default_factory=list)


def locate_words(splitter, text):
    """Find the paragraphs, sentences and words ``splitter`` keeps of ``text``.

    Parameters
    ----------
    splitter : sklearn_mgm.splitting.DocumentSplitter
        The splitter of a fitted tokenizer
        (:meth:`~sklearn_mgm.HierarchicalTokenizer.splitter`).
    text : str
        One document as written.

    Returns
    -------
    TextLayout
        Nested like the document the splitter makes of ``text``.

    Examples
    --------
    >>> from sklearn_mgm import HierarchicalTokenizer
    >>> text = "The cat sat. It purred.\\n\\nThe end."
    >>> tokenizer = HierarchicalTokenizer(sentence_model="untrained").fit([text])
    >>> layout = locate_words(tokenizer.splitter(), text)
    >>> [[text[a:b] for a, b in sentence] for sentence in layout.words[0]]
    [['The', 'cat', 'sat'], ['It', 'purred']]
    >>> layout.paragraphs
    [(0, 23), (25, 33)]
    """
    layout = TextLayout([], [], [])
    n_sentences = 0
    max_sentences, max_paragraphs = splitter.max_sentences, splitter.max_paragraphs
    for start, end in _paragraph_spans(splitter, text):
        if max_sentences is not None and n_sentences >= max_sentences:
            break
        paragraph = text[start:end]
        tokenize = splitter.word_splitter(paragraph)
        sentences, words = [], []
        for a, b in splitter.sentence_tokenizer.span_tokenize(paragraph):
            kept = _sentence_words(splitter, paragraph, a, b, tokenize, start, layout.unread)
            if not kept:
                continue
            sentences.append((start + a, start + b))
            words.append(kept)
            n_sentences += 1
            if max_sentences is not None and n_sentences >= max_sentences:
                break
        if sentences:
            layout.paragraphs.append((sentences[0][0], sentences[-1][1]))
            layout.sentences.append(sentences)
            layout.words.append(words)
            if max_paragraphs is not None and len(layout.paragraphs) >= max_paragraphs:
                break
    return layout


def _paragraph_spans(splitter, text):
    """The spans of the pieces that ``splitter`` reads as paragraphs, whitespace ones left out."""
    pattern = splitter.paragraph_separator(text)
    spans, last = [], 0
    if pattern is not None:
        for match in pattern.finditer(text):
            spans.append((last, match.start()))
            spans += [match.span(g) for g in range(1, (pattern.groups or 0) + 1)]
            last = match.end()
    spans.append((last, len(text)))
    return [(a, b) for a, b in spans if a >= 0 and b > a and not text[a:b].isspace()]


def _sentence_words(splitter, paragraph, start, end, tokenize, offset, unread):
    """The spans of the words kept of one sentence; the dropped ones go to ``unread``."""
    sentence = paragraph[start:end]
    cased = sentence.lower() if splitter.lowercase else sentence
    if isinstance(tokenize, regex.Pattern):
        found = [(m.group(), m.start(), m.end()) for m in tokenize.finditer(cased)]
    else:
        found, cursor = [], 0
        for word in tokenize(cased):
            at = cased.find(word, cursor)
            found.append((word, at, at + len(word)) if at >= 0 else (word, None, None))
            cursor = cursor if at < 0 else at + len(word)
    origin = _origins(sentence) if len(cased) != len(sentence) else None
    kept = []
    for word, a, b in found:
        if a is not None and origin is not None:
            a, b = origin[a], origin[b]
        span = None if a is None else (offset + start + a, offset + start + b)
        read = word not in splitter.stop_words and (
            splitter.max_words is None or len(kept) < splitter.max_words
        )
        if read:
            kept.append(span)
        elif span is not None:
            unread.append(span)
    return kept


def _origins(sentence):
    """For each position of ``sentence.lower()``, the position it comes from in ``sentence``.

    Lowercasing makes two characters of one ('İ'), so positions move.
    """
    origin = [i for i, character in enumerate(sentence) for _ in character.lower()]
    return [*origin, len(sentence)]


def text_html(text, layout, words, word_weights, sentence_weights, paragraph_weights):
    """The document as written, in HTML: words shaded by weight, sentences and paragraphs framed.

    Text between words (spaces, punctuation, line breaks) is kept as written;
    unknown words are marked ``unknown``, and text the model never read
    (stop words, what lies past the caps) ``unread``.

    Parameters
    ----------
    text : str
        The document.
    layout : TextLayout
        Where its words lie (:func:`locate_words`).
    words, word_weights : nested lists
        The words (``"<unk>"`` for unknown ones) and their weights, per
        paragraph and sentence.
    sentence_weights : list of list of float
    paragraph_weights : list of float

    Returns
    -------
    str
        An HTML fragment, one ``<div class="document">``.

    Examples
    --------
    >>> layout = TextLayout([(0, 9)], [[(0, 9)]], [[[(0, 4), (5, 8)]]])
    >>> fragment = text_html("Fans <b>! x", layout, [[["fans", "<unk>"]]], [[[0.2, 0.8]]],
    ...                      [[1.0]], [1.0])
    >>> "&lt;b&gt;" in fragment, 'class="word unknown"' in fragment
    (True, True)
    """
    pieces, cursor = ['<div class="document">'], 0
    word_max = max((w for p in word_weights for s in p for w in s), default=0.0)
    sentence_max = max((w for p in sentence_weights for w in p), default=0.0)
    paragraph_max = max(paragraph_weights, default=0.0)
    unread = sorted(layout.unread)

    def plain(stop):
        """The text from the cursor to ``stop`` as written, its dropped words marked."""
        nonlocal cursor
        while cursor < stop:
            while unread and (unread[0][0] < cursor or unread[0][0] == unread[0][1]):
                unread.pop(0)
            a, b = unread.pop(0) if unread and unread[0][1] <= stop else (stop, stop)
            pieces.append(html.escape(text[cursor:a]))
            if b > a:
                pieces.append(_unread(text[a:b]))
            cursor = b

    for p, (p_start, p_end) in enumerate(layout.paragraphs):
        gap = text[cursor:p_start]
        if gap.isspace():  # paragraphs are framed: their separator is kept, not shown
            pieces.append(f'<span class="gap">{html.escape(gap)}</span>')
        elif gap:
            pieces.append(_unread(gap))
        cursor = p_start
        alpha = _share(paragraph_weights[p], paragraph_max)
        pieces.append(
            f'<div class="paragraph" style="border-left-color: rgba(33, 102, 172, '
            f'{alpha:.3f})" title="paragraph weight {paragraph_weights[p]:.4f}">'
        )
        for s, (s_start, s_end) in enumerate(layout.sentences[p]):
            plain(s_start)
            alpha = 0.35 * _share(sentence_weights[p][s], sentence_max)
            pieces.append(
                f'<span class="sentence" style="background: rgba(33, 102, 172, {alpha:.3f})"'
                f' title="sentence weight {sentence_weights[p][s]:.4f}">'
            )
            for span, word, weight in zip(layout.words[p][s], words[p][s], word_weights[p][s]):
                if span is None:
                    continue
                plain(span[0])
                known = "" if word != "<unk>" else " unknown"
                hint = "unknown to the model, " if known else ""
                shade = 0.85 * _share(weight, word_max)
                pieces.append(
                    f'<span class="word{known}" style="background: rgba(215, 48, 39, '
                    f'{shade:.3f})" title="{hint}{weight:.4f}">'
                    f"{html.escape(text[span[0] : span[1]])}</span>"
                )
                cursor = span[1]
            plain(s_end)
            pieces.append("</span>")
        plain(p_end)
        pieces.append("</div>")
    rest = text[cursor:]
    pieces.append(_unread(rest) if rest and not rest.isspace() else html.escape(rest))
    pieces.append("</div>")
    return "".join(pieces)


def _unread(piece):
    return f'<span class="unread" title="not read by the model">{html.escape(piece)}</span>'


def _share(weight, largest):
    return weight / largest if largest > 0 else 0.0
