import pytest
import torch

from sklearn_mgm.activations import sigmoid_tanh_, tanh


@pytest.mark.parametrize("dtype, tolerance", [(torch.float32, 1e-6), (torch.float64, 1e-14)])
def test_tanh_through_sigmoid_gives_tanh(dtype, tolerance):
    torch.manual_seed(0)
    values = torch.randn(200, 7, dtype=dtype) * 4
    expected = torch.tanh(values)
    torch.testing.assert_close(tanh(values), expected, atol=tolerance, rtol=0)
    in_place = values.clone()
    assert sigmoid_tanh_(in_place) is in_place
    torch.testing.assert_close(in_place, expected, atol=tolerance, rtol=0)


def test_tanh_through_sigmoid_has_tanh_gradients():
    torch.manual_seed(0)
    values = (torch.randn(30, 4, dtype=torch.float64) * 3).requires_grad_()
    assert torch.autograd.gradcheck(tanh, (values,))
    upstream = torch.randn(30, 4, dtype=torch.float64)
    (mine,) = torch.autograd.grad((tanh(values) * upstream).sum(), values)
    (theirs,) = torch.autograd.grad((torch.tanh(values) * upstream).sum(), values)
    torch.testing.assert_close(mine, theirs)


def test_tanh_leaves_its_input_alone():
    values = torch.linspace(-2, 2, 9)
    kept = values.clone()
    tanh(values)
    torch.testing.assert_close(values, kept)
