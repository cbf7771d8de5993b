"""LazyAdam: Adam for tables with sparse gradients, with L2 on the rows a step touches.

A table of hashed n-grams holds far more rows than one batch uses. torch's
dense Adam updates every row at every step (and refuses sparse gradients);
:class:`torch.optim.SparseAdam` updates only the rows a batch touches, but
has no weight decay. LazyAdam adds the L2 penalty to those rows' gradients
and takes Adam's step on them alone, so a row is decayed when it is
trained, the "lazy" regularisation of sparse linear models.
"""

import torch


class LazyAdam(torch.optim.Optimizer):
    """Adam that updates only the rows present in a sparse gradient, with L2 on them.

    Each step coalesces the gradient, adds ``weight_decay * row`` to each
    present row's gradient and takes Adam's step on those rows alone, with
    bias corrections from the number of steps taken (as
    :class:`torch.optim.SparseAdam` does, which lacks the decay and is
    slower on many rows). Dense gradients are refused.

    Parameters
    ----------
    params : iterable of Tensor or dict
        Parameters with sparse gradients (e.g. an ``EmbeddingBag(sparse=True)``'s table).
    lr : float, default=0.001
        Learning rate.
    betas : tuple of float, default=(0.9, 0.999)
        Decay rates of the moment estimates.
    eps : float, default=1e-8
        Added to the denominator.
    weight_decay : float, default=0.0
        ``weight_decay * row`` is added to the gradient of every row the
        step updates, as Adam's ``weight_decay`` does for all of them.

    Examples
    --------
    >>> import torch
    >>> table = torch.nn.EmbeddingBag(1000, 4, mode="sum", sparse=True)
    >>> optimizer = LazyAdam(table.parameters(), lr=0.1, weight_decay=0.01)
    >>> before = table.weight.detach().clone()
    >>> table(torch.tensor([3, 7]), torch.tensor([0])).sum().backward()
    >>> optimizer.step()
    >>> changed = (table.weight != before).any(dim=1)
    >>> torch.nonzero(changed).flatten().tolist()  # only the rows the batch used
    [3, 7]
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if not lr > 0:
            raise ValueError(f"lr must be above 0; got {lr!r}.")
        if not all(0 <= beta < 1 for beta in betas):
            raise ValueError(f"betas must be in [0, 1); got {betas!r}.")
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay must be 0 or more; got {weight_decay!r}.")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update the rows present in each parameter's sparse gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for parameter in group["params"]:
                if parameter.grad is None:
                    continue
                if not parameter.grad.is_sparse:
                    raise RuntimeError(
                        "LazyAdam takes sparse gradients only (e.g. from "
                        "EmbeddingBag(sparse=True)); use torch.optim.Adam for dense ones."
                    )
                state = self.state[parameter]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(parameter)
                    state["exp_avg_sq"] = torch.zeros_like(parameter)
                state["step"] += 1
                grad = parameter.grad.coalesce()
                rows, values = grad.indices()[0], grad.values()
                weights = parameter.index_select(0, rows)
                if group["weight_decay"]:
                    values = values + group["weight_decay"] * weights
                exp_avg = state["exp_avg"].index_select(0, rows).lerp_(values, 1 - beta1)
                exp_avg_sq = state["exp_avg_sq"].index_select(0, rows)
                exp_avg_sq.mul_(beta2).addcmul_(values, values, value=1 - beta2)
                state["exp_avg"].index_copy_(0, rows, exp_avg)
                state["exp_avg_sq"].index_copy_(0, rows, exp_avg_sq)
                step = state["step"]
                size = group["lr"] / (1 - beta1**step)
                denominator = (exp_avg_sq / (1 - beta2**step)).sqrt_().add_(group["eps"])
                parameter.index_copy_(0, rows, weights.addcdiv_(exp_avg, denominator, value=-size))
        return loss
