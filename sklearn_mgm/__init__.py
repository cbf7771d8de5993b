"""sklearn-mgm: multi-granularity document classification for scikit-learn."""

from .classifier import MultiGranularityClassifier, make_mgm_pipeline
from .documents import TokenizedDocuments
from .network import MultiGranularityNetwork
from .tokenize import HierarchicalTokenizer

__version__ = "0.1.0"

__all__ = [
    "HierarchicalTokenizer",
    "MultiGranularityClassifier",
    "MultiGranularityNetwork",
    "TokenizedDocuments",
    "__version__",
    "make_mgm_pipeline",
]
