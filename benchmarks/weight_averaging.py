"""Weight averaging (torch.optim.swa_utils) as a skorch callback, for the benchmarks' ``--set``.

    python benchmarks/accuracy_seeds.py 0 1 2 --set callbacks=weight_averaging.FROM_EPOCH_2
    python benchmarks/other_corpora.py trec-fine --seeds 0 1 2 --no-baselines \\
        --set callbacks=weight_averaging.FROM_EPOCH_3

The network's weights are averaged, uniformly, over every training batch from
the given epoch on, and the average replaces them when training ends. Not a
library option: on BBC News and TREC it did not pay (see the README).
"""

import torch
from skorch.callbacks import Callback
from torch.optim.swa_utils import AveragedModel


class WeightAverage(Callback):
    """Average the module's weights over the batches of epochs ``start_epoch`` and later."""

    def __init__(self, start_epoch=2):
        self.start_epoch = start_epoch

    def on_train_begin(self, net, **kwargs):
        self.averaged_ = None

    def on_batch_end(self, net, training=None, **kwargs):
        if not training or len(net.history) < self.start_epoch:
            return
        if self.averaged_ is None:
            self.averaged_ = AveragedModel(net.module_, use_buffers=True)
        self.averaged_.update_parameters(net.module_)

    def on_train_end(self, net, **kwargs):
        if self.averaged_ is None:
            return
        with torch.no_grad():
            averaged = self.averaged_.module.state_dict()
            for name, tensor in net.module_.state_dict().items():
                tensor.copy_(averaged[name])
        self.averaged_ = None


FROM_EPOCH_2 = [("weight_average", WeightAverage(2))]
FROM_EPOCH_3 = [("weight_average", WeightAverage(3))]
