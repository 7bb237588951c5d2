"""The logistic sigmoid, and beside it its derivative written in terms of the sigmoid's output.

The idea: sigma(x) = 1 / (1 + exp(-x)), and sigma'(x) = s (1 - s) with s = sigma(x), so that
backpropagation, which already holds s from the forward pass, needs no second exponential.
"""
import math

import numpy as np

from _q1_arrays import as_real_array, working_float

__all__ = ["sigmoid", "sigmoid_grad"]


def sigmoid(x):
    r"""Compute the logistic sigmoid of `x` element-wise.

    Parameters
    ----------
    x : array_like, any shape
        Real input. Bool and integer input is computed in float64; float16, float32 and float64
        keep their dtype.

    Returns
    -------
    s : ndarray, same shape as `x`, or a NumPy scalar for scalar input
        ``1 / (1 + exp(-x))``, in [0, 1]. `x` is not modified. Like ``np.exp``, a Python
        float, a NumPy scalar or a 0-d array gives a NumPy scalar.

    Raises
    ------
    TypeError
        For complex, object or string input.

    Notes
    -----
    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^{x}}{1 + e^{x}}

    The first form is used wherever :math:`e^{-x}` is finite: it is accurate to a few units in
    the last place because :math:`e^{-x}` is computed at the exact argument. Below that
    (x < -709 in float64, -88 in float32) the second form's denominator rounds to 1, so the
    result is :math:`e^{x}` itself: tiny and subnormal results are kept instead of flushed to
    0, without overflow warnings. Each entry's result depends on that entry alone, to the
    bit. :math:`\sigma(\pm\infty) = 1, 0`; NaN stays NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_sigmoid import sigmoid
    >>> sigmoid(np.array([0.0, np.inf, -np.inf]))
    array([0.5, 1. , 0. ])
    >>> float(sigmoid(-720.0))  # exp(-720): subnormal, not zero
    2.0322308024e-313
    """
    if isinstance(x, float):  # a Python float or np.float64: plain math is cheaper
        return np.float64(_sigmoid_scalar(float(x)))
    x = as_real_array(x, "sigmoid")
    if x.ndim == 0:  # ufuncs return 0-d results as scalars, which cannot be written in place
        return sigmoid(x.reshape(1))[0]
    work = working_float(x)
    if not _all_at_least(work, _TINY_BELOW.get(work.dtype.char, -709.0)):  # x < -709, or NaN
        s = _sigmoid_with_tiny_results(work)
    else:
        s = np.negative(work)
        np.exp(s, out=s)  # finite: x is above the point where exp(-x) overflows
        s += 1
        np.reciprocal(s, out=s)
    return s.astype(x.dtype, copy=False)


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
    _check_is_sigmoid_output(s)
    grad = 1 - s  # a Python 1 keeps s's dtype (float32 stays float32)
    grad *= s
    return grad


# Below this x, exp(-x) overflows (x < -709.78 in float64, -88.72 in float32) and
# 1 + exp(x) rounds to 1, so sigma(x) is exp(x) to the last bit. Other floats use -709.
_TINY_BELOW = {"d": -709.0, "f": -88.0}  # by dtype.char: float64, float32


def _all_at_least(x, bound):
    """True when every entry of x is >= bound; False where x holds a NaN."""
    return x.size == 0 or x.item(x.argmin()) >= bound  # argmin points at the first NaN


def _sigmoid_with_tiny_results(x):
    """sigma(x) for x with entries below the safe point: exp(x) there, the usual form elsewhere."""
    tiny = x < _TINY_BELOW.get(x.dtype.char, -709.0)
    s = np.negative(x)
    np.exp(s, out=s, where=~tiny)  # the tiny entries keep -x: finite, overwritten below
    s += 1
    np.reciprocal(s, out=s)
    s[tiny] = np.exp(x[tiny])
    return s


def _sigmoid_scalar(x):
    """sigma(x) for one Python float, by the same operations as an array's entry."""
    if x < -709.0:
        return math.exp(x)
    return 1 / (1 + math.exp(-x))  # NaN stays NaN


def _check_is_sigmoid_output(s):
    """Raise ValueError naming the first value outside [0, 1]: s must be sigmoid(x), not x."""
    if s.size == 0 or (0 <= s.item(s.argmin()) and s.item(s.argmax()) <= 1):
        return
    outside = np.flatnonzero((s < 0) | (s > 1))  # NaN passes: it is neither
    if outside.size:
        i = np.unravel_index(outside[0], s.shape)
        where = f"s[{', '.join(map(str, i))}]" if s.ndim else "s"
        raise ValueError(f"sigmoid_grad expects s = sigmoid(x), values in [0, 1], got "
                         f"{where} = {s.item(outside[0])!r}: pass the sigmoid's output, "
                         f"s = sigmoid(x), not x")


def test_sigmoid_basic():
    """Check sigmoid and sigmoid_grad against the classic sanity values; print what was checked.

    The classic starter's name, kept for its callers.
    """
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


test_sigmoid_basic.__test__ = False  # a script check under the classic name, not a pytest test


if __name__ == "__main__":
    test_sigmoid_basic()
