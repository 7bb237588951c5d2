"""The logistic sigmoid, and beside it its derivative written in terms of the sigmoid's output.

The idea: sigma(x) = 1 / (1 + exp(-x)), computed in that form (negate, exponentiate, add one,
take the reciprocal: each step rounds monotonically, so sigma stays monotone to the last bit),
and sigma'(x) = s (1 - s) with s = sigma(x), so that backpropagation, which already holds s
from the forward pass, needs no second exponential.
"""
import math

import numpy as np

from _q1_arrays import as_real_array

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

    It is computed in the first form: negate, exponentiate, add one, take the reciprocal. Each
    of those steps rounds monotonically, so the result is monotone to the last bit:
    ``x <= y`` gives ``sigmoid(x) <= sigmoid(y)`` (the second form, a quotient of two rounded
    numbers, is not). For large positive x, :math:`e^{-x}` underflows harmlessly and the result
    rounds to 1. Below x = -709 :math:`e^{-x}` would overflow; there
    :math:`1 + e^{x}` rounds to 1, so the result is :math:`e^{x}` itself, which keeps tiny and
    subnormal results (down to x = -745) instead of flushing them to 0. No warnings, and each
    entry's result depends on that entry alone, to the bit. A Python float or ``np.float64``
    takes the same steps with ``math.exp``, which may differ from ``np.exp`` in the last bit.
    :math:`\sigma(\pm\infty) = 1, 0`; NaN stays NaN. float16 and float32 input is computed
    in float64 and rounded once to its own dtype: NumPy's float32 ``exp`` is not monotone in
    the last bit.

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
    # float16 and float32 are computed in float64 and rounded once at the end: NumPy's
    # float32 exp is not monotone in its last bit, and that would make sigma not monotone.
    work = x if x.dtype.itemsize >= 8 else x.astype(np.float64)
    floor = -709.0
    s = np.maximum(work, floor)  # below the floor exp(-x) would overflow: see the tail
    np.negative(s, out=s)
    np.exp(s, out=s)
    s += 1
    np.reciprocal(s, out=s)      # 1 / (1 + exp(-x)), in place: one array in memory
    if s.size and not work.item(work.argmin()) >= floor:  # argmin picks a NaN first: look
        # The far tail: 1 + exp(x) rounds to 1 there, so sigma(x) = exp(x), kept subnormal.
        tail = work < floor
        s[tail] = np.exp(work[tail])
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

    (not :math:`\sigma(x)\,\sigma(1 - x)`, a common slip). Backpropagation already holds
    ``s`` from the forward pass, so this form costs two operations and no exponential. Values
    of `s` outside [0, 1] are refused before anything is computed.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_sigmoid import sigmoid, sigmoid_grad
    >>> sigmoid_grad(sigmoid(np.array([0.0])))
    array([0.25])
    """
    s = as_real_array(s, "sigmoid_grad")
    _check_is_sigmoid_output(s)
    return s * (1 - s)


def _sigmoid_scalar(x):
    """sigma(x) for one Python float, by the same steps as an array's entry."""
    if x < -709.0:  # NaN compares false and stays NaN
        return math.exp(x)
    return 1 / (1 + math.exp(-x))


def _check_is_sigmoid_output(s):
    """Raise ValueError naming the first value outside [0, 1]: s must be sigmoid(x), not x.

    Checked before s (1 - s) is formed, which would overflow for |s| beyond ~1e154. NaN passes.
    """
    if not s.size or (s.item(s.argmin()) >= 0 and s.item(s.argmax()) <= 1):
        return  # arg-reductions pick a NaN first, so an s with a NaN takes the look below
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
