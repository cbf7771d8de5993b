"""skorch callbacks that MultiGranularityClassifier uses by default."""

import math

from skorch.callbacks import Callback


class FiniteLossCheck(Callback):
    """Stop training with an error as soon as a batch loss is NaN or infinite.

    Once the loss is not finite the weights soon are not either, and training
    on would return a model that predicts garbage. This callback raises a
    ``FloatingPointError`` that names the epoch and batch instead.
    :class:`~sklearn_mgm.MultiGranularityClassifier` uses it by default, under
    the name ``"finite_loss"`` (``callbacks__finite_loss=None`` turns it off).

    Examples
    --------
    >>> from sklearn_mgm import make_mgm_pipeline
    >>> texts = ["Goal scored. Fans cheer.", "Stocks fall. Markets worry."] * 8
    >>> labels = ["sport", "business"] * 8
    >>> pipe = make_mgm_pipeline(embedding_dim=8, hidden_size=8, batch_size=4, lr=1e30,
    ...                          sentence_model="untrained", random_state=0)
    >>> pipe.fit(texts, labels)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FloatingPointError: The training loss became nan at epoch 1, batch ...
    """

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if loss is None or math.isfinite(loss.item()):
            return
        key = "train_loss" if training else "valid_loss"
        # skorch records the batch in the history before calling on_batch_end
        number = sum(key in record for record in net.history[-1, "batches"])
        raise FloatingPointError(
            f"The {'training' if training else 'validation'} loss became {loss.item()} at "
            f"epoch {len(net.history)}, batch {number}. Training further would give a "
            f"useless model. Try a lower lr (it is {net.lr}), check the inputs for extreme "
            "values, or clip the gradients (skorch.callbacks.GradientNormClipping)."
        )
