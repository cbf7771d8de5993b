"""Pooling of a level's items into one vector per row: attention beside the maximum.

:class:`AttentionPool` reads items laid out in padded rows, or listed one
after another with the row of each (:meth:`AttentionPool.pool_segments`),
which reads no padding; :func:`gather_rows` lays items out by an index
matrix for the padded form.
"""

import torch
from torch import nn


class AttentionPool(nn.Module):
    """Attention pooling: u = tanh(W h + b), α = softmax(u·c), output Σ α h per head.

    Masked items get weight 0; a row with no item at all pools to zeros. With
    ``max_pool``, the item-wise maximum of each feature follows the heads'
    outputs: attention averages an item away until training has taught it
    where to look, while the maximum keeps "some item has this feature" from
    the start.

    Parameters
    ----------
    input_size : int
        Size of each item vector.
    heads : int, default=1
        Number of context vectors; their outputs are concatenated.
    max_pool : bool, default=False
        Append the maximum over the items.

    Examples
    --------
    >>> pool = AttentionPool(input_size=4, heads=2, max_pool=True)
    >>> pooled, weights = pool(torch.ones(3, 5, 4), torch.ones(3, 5, dtype=torch.bool))
    >>> pooled.shape, weights.shape, pool.output_size
    (torch.Size([3, 12]), torch.Size([3, 5, 2]), 12)
    """

    def __init__(self, input_size, heads=1, max_pool=False):
        super().__init__()
        self.projection = nn.Linear(input_size, input_size)
        self.context = nn.Parameter(torch.empty(heads, input_size))
        self.max_pool = max_pool
        self.output_size = (heads + max_pool) * input_size

    def forward(self, items, mask):
        scores = torch.tanh(self.projection(items)) @ self.context.T  # (N, L, K)
        scores = scores.masked_fill(~mask[..., None], torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=1) * mask[..., None]  # (N, L, K)
        pooled = torch.einsum("nlk,nld->nkd", weights.to(items.dtype), items)  # (N, K, D)
        if not self.max_pool:
            return pooled.flatten(1), weights  # (N, K * D), (N, L, K)
        lowest = torch.finfo(items.dtype).min
        largest = items.masked_fill(~mask[..., None], lowest).amax(dim=1, keepdim=True)
        largest = largest.masked_fill(~mask.any(dim=1)[:, None, None], 0)  # (N, 1, D)
        return torch.cat([pooled, largest], dim=1).flatten(1), weights  # (N, (K+1) * D)

    def pool_segments(self, items, segments, n_segments, maxima=None):
        """Pool items listed one after another, each tagged with its row: no padding is read.

        Gives what calling the pool gives for the same items laid out in padded
        rows, at the cost of the items alone (a document's words, where
        documents differ much in length).

        Parameters
        ----------
        items : Tensor of shape (n_items, D)
        segments : LongTensor of shape (n_items,)
            Row (in ``range(n_segments)``) of each item.
        n_segments : int
        maxima : tuple of (Tensor of shape (m, D), LongTensor of shape (m,)) or None, default=None
            With ``max_pool``, the maxima of groups of the items (the words of
            each sentence, for a document's words) and the row of each group:
            the maximum of a row is then taken over its groups' maxima, the
            same value at a fraction of the cost. None takes it over the items.

        Returns
        -------
        pooled : Tensor of shape (n_segments, output_size)
            Zeros for a row without items.
        weights : Tensor of shape (n_items, K)
            Each item's attention weights within its row.
        """
        scores = torch.tanh(self.projection(items)) @ self.context.T  # (n, K)
        heads = scores.shape[1]
        rows = segments[:, None].expand(-1, heads)
        top = scores.new_zeros(n_segments, heads).scatter_reduce(
            0, rows, scores, "amax", include_self=False
        )
        exponentials = torch.exp(scores - top[segments])
        totals = scores.new_zeros(n_segments, heads).index_add(0, segments, exponentials)
        weights = exponentials / totals[segments]  # (n, K)
        weighted = (weights.to(items.dtype)[:, :, None] * items[:, None, :]).flatten(1)
        pooled = items.new_zeros(n_segments, heads * items.shape[1]).index_add(
            0, segments, weighted
        )  # (N, K * D)
        if not self.max_pool:
            return pooled, weights
        maximised, rows = (items, segments) if maxima is None else maxima
        largest = items.new_zeros(n_segments, items.shape[1]).scatter_reduce(
            0, rows[:, None].expand_as(maximised), maximised, "amax", include_self=False
        )  # (N, D), zeros for a row without items
        return torch.cat([pooled, largest], dim=1), weights


def gather_rows(items, index):
    """Lay ``items`` out by a 1-based index matrix (0 = padding).

    Padding positions receive an arbitrary row: every reader masks them.

    Parameters
    ----------
    items : Tensor of shape (N, D)
    index : LongTensor of shape (R, L)

    Returns
    -------
    Tensor of shape (R, L, D)
    """
    if items.shape[0] == 0:
        return items.new_zeros(*index.shape, items.shape[1])
    return items[(index - 1).clamp(min=0)]
