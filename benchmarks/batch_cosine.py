"""A cosine decay of the learning rate at every batch, for the benchmarks' ``--set``.

    python benchmarks/other_corpora.py trec-fine --seeds 0 1 2 --no-baselines \\
        --set callbacks=batch_cosine.CALLBACKS --set callbacks__lr_scheduler=None
    python benchmarks/accuracy_seeds.py 0 1 2 \\
        --set callbacks=batch_cosine.CALLBACKS --set callbacks__lr_scheduler=None

The library's schedule (skorch's ``LRScheduler`` around ``CosineAnnealingLR``)
changes the learning rate once an epoch: with 3 epochs, 1, 0.75 and 0.25 times
``lr``. This one follows the same cosine batch by batch, from ``lr`` to 0 at
the last batch. Not a library option (see the README).
"""

import math

from skorch.callbacks import Callback


class BatchCosine(Callback):
    """Set every optimizer group's learning rate from the share of training done."""

    def on_train_begin(self, net, X=None, **kwargs):
        self.initial_ = [group["lr"] for group in net.optimizer_.param_groups]
        self.step_ = 0
        # batches group documents by size, so the first epoch's count is an estimate
        self.per_epoch_ = max(1, math.ceil(len(X) / net.batch_size))

    def on_batch_begin(self, net, training=False, **kwargs):
        if not training:
            return
        total = net.max_epochs * self.per_epoch_
        scale = 0.5 * (1 + math.cos(math.pi * min(self.step_ / total, 1.0)))
        for group, initial in zip(net.optimizer_.param_groups, self.initial_):
            group["lr"] = initial * scale
        self.step_ += 1

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            self.per_epoch_ = self.step_  # the first epoch's batches, counted


CALLBACKS = [("batch_cosine", BatchCosine())]
