"""Tests of q1c_neural: gradients checked by q1_gradcheck, closed forms, layout, bad input."""
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import q1c_neural
from q1_gradcheck import gradcheck_naive
from q1c_neural import (
    forward,
    forward_backward_input,
    forward_backward_prop,
    init_params,
    pack_params,
    param_blocks,
    predict,
    sanity_check,
    unpack_params,
)

ROOT = Path(__file__).resolve().parents[1]


def problem(N, dims, seed=0, scale=1.0):
    """Random data, integer labels and params for a network of the given size."""
    rng = np.random.default_rng(seed)
    Dx, H, Dy = dims
    P = (Dx + 1) * H + (H + 1) * Dy
    return rng.standard_normal((N, Dx)), rng.integers(0, Dy, N), scale * rng.standard_normal(P)


def one_hot(labels, Dy):
    return np.eye(Dy)[labels]


def test_sanity_check_passes_with_named_blocks(capsys):
    result = sanity_check()
    assert result and result.n_checked == 115 and result.n_calls <= 2 * 115 + 2
    assert list(result.blocks) == ["W1", "b1", "W2", "b2"]
    assert "Gradient check passed!" in capsys.readouterr().out


def test_script_exits_0_and_prints_the_classic_message():
    run = subprocess.run([sys.executable, "q1c_neural.py"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Gradient check passed!" in run.stdout


@pytest.mark.parametrize("N, dims", [(1, (3, 4, 2)), (5, (2, 1, 3)), (4, (3, 2, 2)),
                                     (1, (1, 1, 2)), (20, (10, 5, 10))])
def test_gradients_check_at_edge_shapes(N, dims):
    data, labels, params = problem(N, dims)
    assert gradcheck_naive(lambda p: forward_backward_prop(data, labels, p, dims), params,
                           blocks=param_blocks(dims), verbose=False)
    assert gradcheck_naive(lambda d: forward_backward_input(d, labels, params, dims), data,
                           verbose=False)


@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 5), st.integers(2, 5),
       st.integers(0, 2**32 - 1))
def test_gradients_check_at_random_shapes(N, Dx, H, Dy, seed):
    dims = (Dx, H, Dy)
    data, labels, params = problem(N, dims, seed)
    assert gradcheck_naive(lambda p: forward_backward_prop(data, labels, p, dims), params,
                           blocks=param_blocks(dims), verbose=False)
    assert gradcheck_naive(lambda d: forward_backward_input(d, labels, params, dims), data,
                           verbose=False)


def test_all_zero_params_give_closed_forms():
    # By hand: h = 1/2 everywhere, y_hat = 1/Dy, so cost = N ln Dy; delta2 = 1/Dy - y,
    # grad_W2 = h^T delta2 = (N/Dy - counts) / 2 in every row, grad_b2 = N/Dy - counts, and
    # delta1 = delta2 W2^T = 0, so W1, b1 and the input get zero gradient.
    N, dims = 7, (3, 4, 5)
    data, labels, _ = problem(N, dims)
    params = np.zeros((3 + 1) * 4 + (4 + 1) * 5)
    cost, grad = forward_backward_prop(data, labels, params, dims)
    assert cost == pytest.approx(N * np.log(5), rel=1e-15)
    grad_W1, grad_b1, grad_W2, grad_b2 = unpack_params(grad, dims)
    counts = np.bincount(labels, minlength=5)
    np.testing.assert_allclose(grad_b2[0], N / 5 - counts, atol=1e-15)
    np.testing.assert_allclose(grad_W2, np.tile((N / 5 - counts) / 2, (4, 1)), atol=1e-15)
    assert not grad_W1.any() and not grad_b1.any()
    cost_input, grad_data = forward_backward_input(data, labels, params, dims)
    assert cost_input == cost and not grad_data.any()


def test_one_hot_and_integer_labels_agree_bit_for_bit():
    data, labels, params = problem(9, (4, 3, 5))
    for f in (forward_backward_prop, forward_backward_input):
        cost_i, grad_i = f(data, labels, params, (4, 3, 5))
        cost_h, grad_h = f(data, one_hot(labels, 5), params, (4, 3, 5))
        assert cost_i == cost_h and np.array_equal(grad_i, grad_h)


def test_confident_wrong_prediction_gives_a_large_finite_cost():
    dims = (2, 3, 2)
    params = np.zeros((2 + 1) * 3 + (3 + 1) * 2)
    unpack_params(params, dims)[3][0, 0] = 2000.0  # b2 makes class 0 certain
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost, grad = forward_backward_prop(np.ones((1, 2)), [1], params, dims)
    assert cost == 2000.0 and np.isfinite(grad).all()


def test_broken_backward_fails_the_check_and_the_report_names_the_blocks(monkeypatch):
    monkeypatch.setattr(q1c_neural, "sigmoid_grad", lambda s: np.ones_like(s))  # forgotten
    result = sanity_check(verbose=False)
    assert not result
    assert result.blocks["W1"].n_failed > 0 and result.blocks["b1"].n_failed > 0
    assert result.blocks["W2"].n_failed == 0 and result.blocks["b2"].n_failed == 0
    assert result.worst.place.startswith(("W1[", "b1["))
    assert "W1[" in result.report


def test_sanity_check_of_a_first_layer_slip_says_where_to_look():
    def slipped(data, labels, params, dims):  # sigmoid_grad given z = data W1 + b1, not h
        W1, b1, W2, b2 = unpack_params(params, dims)
        z1 = data @ W1 + b1
        h = 1 / (1 + np.exp(-z1))
        y_hat = np.exp(h @ W2 + b2)
        y_hat /= y_hat.sum(axis=1, keepdims=True)
        delta2 = y_hat - labels
        delta1 = delta2 @ W2.T * z1 * (1 - z1)
        return -np.sum(labels * np.log(y_hat)), pack_params(data.T @ delta1, delta1.sum(0),
                                                            h.T @ delta2, delta2.sum(0))

    result = sanity_check(verbose=False, forward_backward=slipped)
    assert not result
    assert result.hints[-1] == q1c_neural.FIRST_LAYER_HINT
    assert "sigmoid_grad given z instead of h = sigmoid(z)" in result.report
    assert sanity_check(verbose=False, forward_backward=forward_backward_prop)


def test_non_finite_data_gives_a_non_finite_cost_that_the_checker_reports():
    dims = (3, 2, 2)
    data, labels, params = problem(2, dims)
    data[1, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost, _ = forward_backward_prop(data, labels, params, dims)
        result = gradcheck_naive(lambda p: forward_backward_prop(data, labels, p, dims), params,
                                 verbose=False, raise_exception=False)
    assert np.isnan(cost)
    assert not result and "non-finite" in result.report


def test_an_empty_batch_costs_exactly_zero():
    cost, grad = forward_backward_prop(np.zeros((0, 3)), np.zeros(0, int), np.ones(26), (3, 4, 2))
    assert cost == 0.0 and not np.signbit(cost) and not grad.any()


def test_inputs_are_not_modified():
    data, labels, params = problem(6, (3, 4, 3))
    hot = one_hot(labels, 3)
    copies = [a.copy() for a in (data, labels, params, hot)]
    forward_backward_prop(data, labels, params, (3, 4, 3))
    forward_backward_prop(data, hot, params, (3, 4, 3))
    forward_backward_input(data, hot, params, (3, 4, 3))
    predict(data, params, (3, 4, 3))
    for before, after in zip(copies, (data, labels, params, hot)):
        assert np.array_equal(before, after)


def test_unpack_gives_views_and_pack_round_trips():
    dims = (4, 3, 2)
    params = init_params(dims, seed=1)
    W1, b1, W2, b2 = unpack_params(params, dims)
    assert [a.shape for a in (W1, b1, W2, b2)] == [(4, 3), (1, 3), (3, 2), (1, 2)]
    assert all(np.shares_memory(a, params) for a in (W1, b1, W2, b2))
    W2[1, 0] = 42.0
    assert params[4 * 3 + 3 + 1 * 2 + 0] == 42.0  # row-major W2 after W1 and b1
    assert np.array_equal(pack_params(W1, b1, W2, b2), params)
    assert np.array_equal(pack_params(W1, b1[0], W2, b2[0]), params)


def test_param_blocks_tile_params():
    blocks = param_blocks((10, 5, 10))
    assert blocks == [("W1", (10, 5)), ("b1", (1, 5)), ("W2", (5, 10)), ("b2", (1, 10))]
    assert sum(np.prod(shape) for _, shape in blocks) == 115


def test_init_params_glorot_weights_zero_biases_seeded():
    dims = (30, 20, 10)
    params = init_params(dims, seed=3)
    W1, b1, W2, b2 = unpack_params(params, dims)
    assert not b1.any() and not b2.any()
    assert np.abs(W1).max() <= np.sqrt(6 / 50) and np.abs(W2).max() <= np.sqrt(6 / 30)
    assert W1.std() == pytest.approx(np.sqrt(6 / 50) / np.sqrt(3), rel=0.1)
    assert np.array_equal(params, init_params(dims, seed=3))
    assert not np.array_equal(params, init_params(dims, seed=4))


def test_predict_is_the_argmax_of_the_probabilities():
    dims = (3, 4, 5)
    data, labels, params = problem(8, dims, scale=3.0)
    got = predict(data, params, dims)
    W1, b1, W2, b2 = unpack_params(params, dims)
    scores = 1 / (1 + np.exp(-(data @ W1 + b1))) @ W2 + b2
    assert got.shape == (8,) and np.array_equal(got, scores.argmax(axis=1))


BAD_INPUT = [
    (dict(dimensions=(3, 4)), ValueError,
     r"three positive integers \(Dx, H, Dy\) with Dy >= 2 classes, got \(3, 4\)"),
    (dict(dimensions=(3, 4, 1), params=np.zeros(21)), ValueError,
     r"Dy >= 2 classes, got \(3, 4, 1\)"),
    (dict(dimensions=(3, 0, 2)), ValueError, "three positive integers"),
    (dict(dimensions=(3, 4.5, 2)), ValueError, "three positive integers"),
    (dict(params=np.zeros(25)), ValueError,
     r"P = \(Dx\+1\)\*H \+ \(H\+1\)\*Dy = 26 entries for dimensions \(3, 4, 2\).*got shape "
     r"\(25,\)"),
    (dict(params=np.zeros((2, 13))), ValueError, r"got shape \(2, 13\)"),
    (dict(data=np.zeros(3)), ValueError, r"2-D of shape \(N, Dx\) with Dx = 3, got shape \(3,\); "
                                         r"for a single example, pass data.reshape\(1, -1\)"),
    (dict(data=np.zeros((2, 4))), ValueError, r"Dx = 3, got shape \(2, 4\)"),
    (dict(labels=[0, 1, 1]), ValueError, r"\(N,\) = \(2,\), got shape \(3,\)"),
    (dict(labels=[[1, 0], [1, 1]]), ValueError, r"exactly one 1 and zeros.*got row 1 = \[1, 1\]"),
    (dict(labels=[[1, 0], [0, 0]]), ValueError, r"got row 1 = \[0, 0\]"),
    (dict(labels=[[1, 0], [0.5, 0.5]]), ValueError, r"got row 1 = \[0.5, 0.5\]"),
    (dict(labels=np.zeros((2, 3))), ValueError, r"Dy = 2 columns, got shape \(2, 3\)"),
    (dict(labels=[0, 2]), ValueError, r"\[0, Dy\) = \[0, 2\), got values from 0 to 2"),
    (dict(labels=[-1, 0]), ValueError, "got values from -1 to 0"),
    (dict(labels=[0.0, 1.0]), TypeError, r"class-index labels must be integers, got dtype "
                                         r"float64; they hold whole numbers, so pass "
                                         r"labels.astype\(int\)"),
    (dict(labels=[0.5, 1.0]), TypeError, r"got dtype float64$"),
    (dict(params=(np.zeros((3, 4)), np.zeros(4), np.zeros((4, 2)), np.zeros(2))), TypeError,
     r"params must be one flat vector of P entries, got a tuple of 4 arrays of different "
     r"shapes; lay W1, b1, W2, b2 out as one with pack_params\(W1, b1, W2, b2\)"),
    (dict(labels=np.array(["a", "b"])), TypeError, "labels must be numeric"),
    (dict(data=np.array([["a"] * 3] * 2)), TypeError, "real numeric array, got dtype <U1"),
    (dict(params=np.zeros(26, dtype=complex)), TypeError, "got dtype complex128"),
]


@pytest.mark.parametrize("func", [forward_backward_prop, forward_backward_input, forward])
@pytest.mark.parametrize("change, error, message", BAD_INPUT)
def test_bad_input_errors_say_what_was_expected_and_received(func, change, error, message):
    args = dict(data=np.zeros((2, 3)), labels=[0, 1], params=np.zeros(26), dimensions=(3, 4, 2))
    args.update(change)
    if func is forward and np.ndim(args["data"]) == 1:
        return  # forward takes a 1-D row: tested below
    with pytest.raises(error, match=message):
        func(**args)


# The Tel Aviv University NLP course, HW2 (2024): its starter's q1d_neural_lm.py begins
# `from q1c_neural import forward, forward_backward_prop` and evaluates perplexity one example
# at a time, as `np.log2(forward(num_to_word_embedding[w_in], w_out, params, dimensions))`
# with a list of Dx floats, an int label and dimensions as a list.
def test_forward_one_row_at_a_time_as_the_tel_aviv_starter_calls_it():
    dims = [5, 4, 7]
    data, labels, params = problem(6, tuple(dims), seed=3)
    batch = forward(data, labels, params, dims)
    assert batch.shape == (6,)
    for i in range(6):
        p = forward(data[i].tolist(), int(labels[i]), params, dims)
        assert np.ndim(p) == 0 and np.isscalar(p)
        # BLAS may sum a 1-row product in another order than an N-row one: to rounding.
        np.testing.assert_allclose(p, batch[i], rtol=1e-14)
        cost, _ = forward_backward_prop(data[i:i + 1], labels[i:i + 1], params, dims)
        # exp(log p) moves p by up to |log p| * eps: |log p| < 10 here.
        np.testing.assert_allclose(p, np.exp(-cost), rtol=10 * 2.3e-16)
        assert forward(data[i:i + 1], np.int64(labels[i]), params, dims) == p  # (1, Dx)
    np.testing.assert_array_equal(forward(data, one_hot(labels, 7), params, dims), batch)
    assert forward(data[:1], labels[:1], params, dims).shape == (1,)


def test_forward_validates_like_forward_backward_prop():
    dims = (3, 4, 2)
    with pytest.raises(ValueError, match=r"\[0, Dy\) = \[0, 2\), got values from 2 to 2"):
        forward(np.zeros(3), 2, np.zeros(26), dims)
    with pytest.raises(ValueError, match=r"Dx = 3, got shape \(1, 4\)"):
        forward(np.zeros(4), 0, np.zeros(26), dims)
    with pytest.raises(ValueError, match=r"Dy = 2 columns, got shape \(1, 3\)"):
        forward(np.zeros(3), [0, 1, 0], np.zeros(26), dims)  # one row's one-hot label
    assert forward(np.zeros(3), [0, 1], np.zeros(26), dims) == 0.5
