"""sklearn-mgm: multi-granularity document classification for scikit-learn."""

from .classifier import MultiGranularityClassifier
from .compare import compare_with_baselines
from .documents import TokenizedDocuments
from .ensemble import make_mgm_ensemble
from .explain import explain
from .network import MultiGranularityNetwork
from .persistence import load, save
from .pipeline import make_mgm_pipeline
from .tokenize import HierarchicalTokenizer
from .vote import make_mgm_vote

__version__ = "0.1.0"

__all__ = [
    "HierarchicalTokenizer",
    "MultiGranularityClassifier",
    "MultiGranularityNetwork",
    "TokenizedDocuments",
    "__version__",
    "compare_with_baselines",
    "explain",
    "load",
    "make_mgm_ensemble",
    "make_mgm_pipeline",
    "make_mgm_vote",
    "save",
]
