import pytest
import torch

from sklearn_mgm.sparse_adam import LazyAdam


def _pair(seed=0):
    torch.manual_seed(seed)
    first = torch.nn.EmbeddingBag(50, 4, mode="sum", sparse=True)
    second = torch.nn.EmbeddingBag(50, 4, mode="sum", sparse=True)
    second.load_state_dict(first.state_dict())
    return first, second


def _train(table, optimizer, steps=10):
    generator = torch.Generator().manual_seed(1)
    for _ in range(steps):
        ids = torch.randint(0, 50, (30,), generator=generator)
        weights = torch.rand(30, generator=generator)
        optimizer.zero_grad()
        table(ids, torch.tensor([0, 10, 20]), per_sample_weights=weights).pow(2).sum().backward()
        optimizer.step()


def test_without_decay_it_takes_sparse_adams_steps():
    first, second = _pair()
    _train(first, LazyAdam(first.parameters(), lr=0.01))
    _train(second, torch.optim.SparseAdam(second.parameters(), lr=0.01))
    torch.testing.assert_close(first.weight, second.weight, atol=1e-5, rtol=0)


def test_decay_shrinks_only_the_rows_a_step_trains():
    first, second = _pair()
    _train(first, LazyAdam(first.parameters(), lr=0.01, weight_decay=0.0))
    _train(second, LazyAdam(second.parameters(), lr=0.01, weight_decay=10.0))
    changed = (first.weight != second.weight).any(dim=1)
    untouched = (first.weight == _pair()[0].weight).all(dim=1)
    assert changed.any()
    assert not (changed & untouched).any()
    assert second.weight[changed].norm() < first.weight[changed].norm()


def test_dense_gradients_and_bad_options_are_refused():
    dense = torch.nn.Linear(3, 2)
    optimizer = LazyAdam(dense.parameters())
    dense(torch.ones(1, 3)).sum().backward()
    with pytest.raises(RuntimeError, match="sparse gradients only"):
        optimizer.step()
    with pytest.raises(ValueError, match="weight_decay"):
        LazyAdam(dense.parameters(), weight_decay=-1)
    with pytest.raises(ValueError, match="lr"):
        LazyAdam(dense.parameters(), lr=0)
