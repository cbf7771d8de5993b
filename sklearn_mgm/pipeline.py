"""make_mgm_pipeline: the tokenizer and the classifier as one scikit-learn Pipeline."""

from sklearn.pipeline import Pipeline

from .classifier import MultiGranularityClassifier
from .tokenize import HierarchicalTokenizer


def make_mgm_pipeline(*, memory=None, **params):
    """Build ``Pipeline([("tokenizer", ...), ("classifier", ...)])`` from flat keywords.

    Each keyword goes to the step that owns it: tokenizer parameters
    (``min_df``, ``max_words``, ``sentence_model`` …) to
    :class:`HierarchicalTokenizer`, everything else (``hidden_size``,
    ``max_epochs``, ``module__*`` …) to :class:`MultiGranularityClassifier`.

    Parameters
    ----------
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted tokenizer, passed to :class:`~sklearn.pipeline.Pipeline`.
    **params : dict
        Parameters of either step.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Examples
    --------
    >>> pipe = make_mgm_pipeline(min_df=2, hidden_size=32)
    >>> pipe.named_steps["tokenizer"].min_df, pipe.named_steps["classifier"].hidden_size
    (2, 32)
    """
    tokenizer_names = set(HierarchicalTokenizer().get_params())
    tokenizer_params = {k: v for k, v in params.items() if k in tokenizer_names}
    classifier_params = {k: v for k, v in params.items() if k not in tokenizer_names}
    classifier_names = set(MultiGranularityClassifier().get_params(deep=False))
    unknown = [k for k in classifier_params if "__" not in k and k not in classifier_names]
    if unknown:
        raise TypeError(
            f"make_mgm_pipeline got unknown parameter(s) {sorted(unknown)}. Valid names are "
            f"those of HierarchicalTokenizer ({sorted(tokenizer_names)}) and of "
            "MultiGranularityClassifier (see its get_params())."
        )
    return Pipeline(
        [
            ("tokenizer", HierarchicalTokenizer(**tokenizer_params)),
            ("classifier", MultiGranularityClassifier(**classifier_params)),
        ],
        memory=memory,
    )
