"""The logistic sigmoid, and beside it its derivative written in terms of the sigmoid's output.

The idea: sigma(x) = 1 / (1 + exp(-x)) = e / (1 + e) with e = exp(x), computed in the second
form (exponentiate, then divide by one plus), and sigma'(x) = s (1 - s) with s = sigma(x), so
that backpropagation, which already holds s from the forward pass, needs no second exponential.
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

    It is computed as :math:`e^x / (1 + e^x)`: one pass fewer than :math:`1 / (1 + e^{-x})`,
    and for very negative x the denominator rounds to 1, so tiny and subnormal results
    (:math:`e^x` itself, down to x = -745) are kept instead of flushed to 0. Above x = 709 (88
    in float32) the result rounds to 1 and x is clamped there, so :math:`e^x` never
    overflows: no warnings, no branches, and each entry's result depends on that entry
    alone, to the bit. A Python float or ``np.float64`` takes the same steps with ``math.exp``,
    which may differ from ``np.exp`` in the last bit. :math:`\sigma(\pm\infty) = 1, 0`; NaN
    stays NaN.

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
    # Above 709 (88 in float32) sigma(x) rounds to 1 and exp(x) would soon overflow: clamp.
    clamp, one = _CONSTANTS.get(work.dtype.char, (709.0, 1.0))
    e = np.minimum(work, clamp)
    np.exp(e, out=e)
    if e.size <= _BLOCK:
        np.divide(e, np.add(e, one), out=e)  # e / (1 + e) = 1 / (1 + exp(-x))
    else:
        _divide_by_one_plus_in_blocks(e)
    return e.astype(x.dtype, copy=False)


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
    grad = np.subtract(_CONSTANTS.get(s.dtype.char, (0, 1))[1], s)  # 1 in s's own dtype
    grad *= s
    _check_is_sigmoid_output(s, grad)
    return grad


# exp(709) and, in float32, exp(88) are finite, and sigma(x) rounds to 1 well below them.
# Typed scalars, by dtype.char: a Python number costs an extra conversion in every ufunc call.
_CONSTANTS = {"d": (np.float64(709.0), np.float64(1.0)), "f": (np.float32(88.0), np.float32(1.0))}
# 1 + e for a block of 65536 entries (512 KiB in float64) is all the temporary memory taken.
_BLOCK = 65536


def _divide_by_one_plus_in_blocks(e):
    """Set e = e / (1 + e) in place, making the temporary 1 + e a block at a time."""
    flat = e.ravel(order="K")  # a view: e is a fresh array, dense in its own order
    for start in range(0, flat.size, _BLOCK):
        block = flat[start:start + _BLOCK]
        np.divide(block, block + 1, out=block)


def _sigmoid_scalar(x):
    """sigma(x) for one Python float, by the same operations as an array's entry."""
    if x > 709.0:  # NaN compares false and stays NaN
        x = 709.0
    e = math.exp(x)
    return e / (e + 1)


def _check_is_sigmoid_output(s, grad):
    """Raise ValueError naming the first value outside [0, 1]: s must be sigmoid(x), not x.

    grad = s (1 - s) is negative exactly where s is outside [0, 1] (even by one ulp, and
    without underflowing to -0), so one look at its minimum tells. NaN passes.
    """
    if grad.size == 0 or grad.item(grad.argmin()) >= 0:  # a NaN (argmin's pick) looks below
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
