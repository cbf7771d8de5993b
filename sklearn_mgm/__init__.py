"""sklearn-mgm: multi-granularity document classification for scikit-learn."""

from .documents import TokenizedDocuments
from .tokenize import HierarchicalTokenizer

__version__ = "0.1.0"

__all__ = [
    "HierarchicalTokenizer",
    "TokenizedDocuments",
    "__version__",
]
