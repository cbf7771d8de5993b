"""Pooling of a level's items into one vector per row: attention beside the maximum.

:class:`AttentionPool` reads items laid out in padded rows, or in padded
parts of rows (a document's words, sentence by sentence:
:meth:`AttentionPool.pool_parts`), which reads no row's padding;
:func:`gather_rows` lays items out by an index matrix for the padded form.
"""

import torch
from torch import nn

from .activations import tanh


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
    project : bool, default=True
        Own the projection ``W h + b``. Without it, the pool scores keys
        ``u`` that the caller passes: another pool's (:meth:`keys`), so that
        two pools over the same items project them once.

    Examples
    --------
    >>> pool = AttentionPool(input_size=4, heads=2, max_pool=True)
    >>> pooled, weights = pool(torch.ones(3, 5, 4), torch.ones(3, 5, dtype=torch.bool))
    >>> pooled.shape, weights.shape, pool.output_size
    (torch.Size([3, 12]), torch.Size([3, 5, 2]), 12)
    """

    def __init__(self, input_size, heads=1, max_pool=False, project=True):
        super().__init__()
        self.projection = nn.Linear(input_size, input_size) if project else None
        self.context = nn.Parameter(torch.empty(heads, input_size))
        self.max_pool = max_pool
        self.output_size = (heads + max_pool) * input_size

    def keys(self, items):
        """The keys ``u = tanh(W h + b)`` of items (..., D) that the heads score, (..., D)."""
        return tanh(self.projection(items))

    def _scores(self, items, keys):
        if keys is None:
            if self.projection is None:
                raise ValueError("This pool has no projection of its own: pass the items' keys.")
            keys = self.keys(items)
        return keys @ self.context.T

    def forward(self, items, mask, keys=None):
        """Pool ``items`` (N, L, D) where ``mask`` (N, L) holds; ``keys``: see ``project``."""
        scores = self._scores(items, keys)  # (N, L, K)
        scores = scores.masked_fill(~mask[..., None], torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=1) * mask[..., None]  # (N, L, K)
        pooled = torch.einsum("nlk,nld->nkd", weights.to(items.dtype), items)  # (N, K, D)
        if not self.max_pool:
            return pooled.flatten(1), weights  # (N, K * D), (N, L, K)
        lowest = torch.finfo(items.dtype).min
        largest = items.masked_fill(~mask[..., None], lowest).amax(dim=1, keepdim=True)
        largest = largest.masked_fill(~mask.any(dim=1)[:, None, None], 0)  # (N, 1, D)
        return torch.cat([pooled, largest], dim=1).flatten(1), weights  # (N, (K+1) * D)

    def pool_parts(
        self, parts, masks, part_rows, n_rows, maxima=None, return_weights=False, keys=None
    ):
        """Pool items that come in padded parts (a document's words, sentence by sentence).

        Gives what calling the pool gives for the same items laid out in padded
        rows, without laying them out: each part's softmax terms and weighted sum
        are taken on its own grid, and the parts of a row are then combined
        (a softmax over a row is the parts' softmaxes, each scaled by its
        share of the row's total). Only the parts' sums move between rows.

        Parameters
        ----------
        parts : list of Tensor of shape (G, L, D)
            Groups of parts, each part a row of items padded to its group's width.
        masks : list of BoolTensor of shape (G, L)
            True where a part holds an item; every part holds at least one.
        part_rows : LongTensor of shape (sum of G,)
            Row (in ``range(n_rows)``) of each part, the groups one after another.
        n_rows : int
        maxima : tuple of (Tensor of shape (m, D), LongTensor of shape (m,)) or None, default=None
            With ``max_pool``, the maxima of the parts and the row of each, where
            the caller has them; None takes them from ``parts``.
        return_weights : bool, default=False
            Also return each item's attention weights within its row.
        keys : list of Tensor of shape (G, L, D) or None, default=None
            The keys of ``parts``, where another pool projects them (see
            ``project``); None projects them here.

        Returns
        -------
        pooled : Tensor of shape (n_rows, output_size)
            Zeros for a row without parts.
        weights : list of Tensor of shape (G, L, K) or None
            Laid out like ``parts``, zeros at padding; None unless asked for.
        """
        exponentials, tops = [], []
        for items, mask, part_keys in zip(parts, masks, keys or [None] * len(parts)):
            scores = self._scores(items, part_keys)  # (G, L, K)
            # a softmax does not depend on the shift subtracted: no gradient through it
            lowest = torch.finfo(scores.dtype).min  # scores may be bfloat16 under autocast
            top = scores.detach().masked_fill(~mask[..., None], lowest).amax(dim=1)  # (G, K)
            exponentials.append(torch.exp(scores - top[:, None]) * mask[..., None])
            tops.append(top)
        heads, size = self.context.shape
        rows = part_rows[:, None].expand(-1, heads)
        top = torch.cat(tops) if tops else self.context.new_zeros(0, heads)
        lowest = torch.finfo(top.dtype).min
        row_top = top.new_full((n_rows, heads), lowest).scatter_reduce(0, rows, top, "amax")
        scale = torch.exp(top - row_top[part_rows])  # (P, K): each part's share of its row
        if exponentials:
            totals = torch.cat([values.sum(dim=1) for values in exponentials]) * scale
            sums = torch.cat(
                [torch.einsum("glk,gld->gkd", e, items) for e, items in zip(exponentials, parts)]
            )  # (P, K, D)
        else:
            totals, sums = top.new_zeros(0, heads), top.new_zeros(0, heads, size)
        row_totals = totals.new_zeros(n_rows, heads).index_add(0, part_rows, totals)
        row_totals = row_totals.clamp(min=torch.finfo(totals.dtype).tiny)  # a row without parts
        weighted = sums * scale[..., None]  # (P, K, D)
        pooled = weighted.new_zeros(n_rows, heads, size).index_add(0, part_rows, weighted)
        pooled = (pooled / row_totals[..., None]).flatten(1)  # (N, K * D)
        weights = None
        if return_weights:
            factors = (scale / row_totals[part_rows]).split([len(items) for items in parts])
            weights = [e * factor[:, None] for e, factor in zip(exponentials, factors)]
        if not self.max_pool:
            return pooled, weights
        if maxima is None:
            maxima = (
                torch.cat(
                    [
                        items.masked_fill(~mask[..., None], torch.finfo(items.dtype).min).amax(
                            dim=1
                        )
                        for items, mask in zip(parts, masks)
                    ]
                )
                if parts
                else pooled.new_zeros(0, size),
                part_rows,
            )
        maximised, maxima_rows = maxima
        largest = maximised.new_zeros(n_rows, size).scatter_reduce(
            0, maxima_rows[:, None].expand_as(maximised), maximised, "amax", include_self=False
        )  # (N, D), zeros for a row without parts
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
    # index_select copies whole rows, and its gradient is an index_add: both
    # faster on the CPU than advanced indexing and its accumulating index_put
    rows = (index - 1).clamp(min=0).flatten()
    return items.index_select(0, rows).view(*index.shape, items.shape[1])
