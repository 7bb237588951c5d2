"""The logistic sigmoid, and its derivative written in terms of the sigmoid's output."""
import numpy as np

from q1_softmax import BLOCK_ELEMENTS, as_real_array, run_in_blocks

# exp(-x) overflows for x below -log(largest float); one unit of margin keeps clear of it.
_EXP_SAFE = {np.dtype(t): float(np.log(np.finfo(t).max)) - 1 for t in (np.float32, np.float64)}


def _sigmoid_block(x, out):
    if x.min() >= -_EXP_SAFE.get(x.dtype, 11.0):
        np.negative(x, out=out)
        np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)
        return
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    np.add(e, 1, out=out)
    np.reciprocal(out, out=out)
    np.multiply(out, e, out=out, where=x < 0)  # e / (1 + e) = exp(x) / (1 + exp(x)) for x < 0


def sigmoid(x):
    r"""Compute the logistic sigmoid of `x` element-wise.

    Parameters
    ----------
    x : array_like, any shape
        Real input. Bool and integer input is computed in float64; float16, float32 and float64
        keep their dtype.

    Returns
    -------
    s : ndarray, same shape as `x`
        ``1 / (1 + exp(-x))``, in [0, 1]. `x` is not modified.

    Raises
    ------
    TypeError
        For complex, object or string input.

    Notes
    -----
    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^{x}}{1 + e^{x}}

    The first form is used wherever :math:`e^{-x}` is finite; it is accurate to a few units in
    the last place because :math:`e^{-x}` is computed at the exact argument. Where
    :math:`e^{-x}` would overflow (x below about -709 in float64, -88 in float32), the second
    form keeps the tiny results instead of flushing them to 0, without overflow warnings.
    :math:`\sigma(\pm\infty) = 1, 0`; NaN stays NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_sigmoid import sigmoid
    >>> sigmoid(np.array([0.0, np.inf, -np.inf]))
    array([0.5, 1. , 0. ])
    >>> float(sigmoid(-720.0)) > 0  # exp(-720) is subnormal, not zero
    True
    """
    x = as_real_array(x, "sigmoid")
    if 0 < x.size <= BLOCK_ELEMENTS and x.dtype != np.float16:
        out = np.empty(x.shape, dtype=x.dtype)  # the common small case: one block, no copies
        _sigmoid_block(x, out)
        return out
    # float16's exp overflows already at 11.1: work in float32.
    work = x.astype(np.float32) if x.dtype == np.float16 else x
    flat = work.reshape(-1)
    out = np.empty(flat.shape, dtype=work.dtype)
    if out.size:
        run_in_blocks(_sigmoid_block, flat, out, BLOCK_ELEMENTS)
    return out.reshape(x.shape).astype(x.dtype, copy=False)


def sigmoid_grad(s):
    r"""Compute the sigmoid's derivative from the sigmoid's OUTPUT ``s = sigmoid(x)``, not from x.

    Parameters
    ----------
    s : array_like, any shape
        Values of the sigmoid, ``s = sigmoid(x)``, normally in [0, 1]. Passing `x` itself is
        the classic mistake: ``sigmoid_grad(x)`` is not the derivative at x.

    Returns
    -------
    ndarray, same shape as `s`
        ``s * (1 - s)``, which equals :math:`\sigma'(x)` when ``s = sigmoid(x)``. Same dtype
        rules as `sigmoid`; `s` is not modified.

    Notes
    -----
    .. math:: \sigma'(x) = \sigma(x)\,(1 - \sigma(x)) = s\,(1 - s)

    (the notes' :math:`\sigma(x)\,\sigma(1 - x)` is a slip). Backpropagation already holds
    ``s`` from the forward pass, so this form costs two operations and no exponential.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_sigmoid import sigmoid, sigmoid_grad
    >>> sigmoid_grad(sigmoid(np.array([0.0])))
    array([0.25])
    """
    s = as_real_array(s, "sigmoid_grad")
    grad = np.subtract(1, s, dtype=s.dtype)
    grad *= s
    return grad


def test_sigmoid_basic():
    """Check sigmoid and sigmoid_grad against the classic sanity values; print what was checked."""
    print("Running basic tests...")
    x = np.array([[1, 2], [-1, -2]])
    f = sigmoid(x)
    g = sigmoid_grad(f)
    print(f"sigmoid({x.tolist()}) = {f.tolist()}")
    print(f"sigmoid_grad(sigmoid(x)) = {g.tolist()}")
    expected_f = np.array([[0.73105858, 0.88079708], [0.26894142, 0.11920292]])
    expected_g = np.array([[0.19661193, 0.10499359], [0.19661193, 0.10499359]])
    if not np.allclose(f, expected_f, rtol=0, atol=1e-6):
        raise AssertionError(f"sigmoid: expected {expected_f.tolist()}, got {f.tolist()}")
    if not np.allclose(g, expected_g, rtol=0, atol=1e-6):
        raise AssertionError(f"sigmoid_grad: expected {expected_g.tolist()}, got {g.tolist()}")
    print("All sigmoid sanity checks passed.")


if __name__ == "__main__":
    test_sigmoid_basic()
