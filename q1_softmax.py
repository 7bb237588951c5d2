r"""Softmax and log-softmax along one axis, numerically stable for every real input.

Row vectors throughout: for an N x Dy matrix of scores, ``softmax(x)`` normalises each row.
The helpers ``as_real_array`` (dtype rules) and ``run_in_blocks`` (cache-sized blocks on all
cores) are shared with the other modules.
"""
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# A block of 65536 entries (512 KiB in float64) and its temporaries stay in cache through the
# several passes of a kernel, while the ~8 NumPy calls per block (a microsecond each) are
# negligible against its work.
BLOCK_ELEMENTS = 65536
# From two blocks up, the work (about 0.5 ms a block) outweighs handing blocks to threads.
_PARALLEL_ELEMENTS = 2 * BLOCK_ELEMENTS
_WORKERS = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1), 8)
_pool = None
_pool_lock = threading.Lock()


def as_real_array(x, name):
    """Return `x` as a floating-point array; bool and integer input becomes float64.

    Raises TypeError naming the dtype for complex, object, string and other non-real input.
    """
    x = np.asarray(x)
    kind = x.dtype.kind
    if kind == "f":
        return x
    if kind in "biu":
        return x.astype(np.float64)
    raise TypeError(f"{name} expects a real numeric array, got dtype {x.dtype}")


def _run_serial(kernel, x, out, start, stop, step):
    for i in range(start, stop, step):
        kernel(x[i:i + step], out[i:i + step])


def run_in_blocks(kernel, x, out, step):
    """Call ``kernel(x[i:i+step], out[i:i+step])`` along axis 0, on all cores when large.

    NumPy releases the GIL inside its loops, so contiguous runs of blocks given to separate
    threads run in parallel.
    """
    global _pool
    n = x.shape[0]
    n_blocks = -(-n // step)
    workers = min(_WORKERS, n_blocks)
    if x.size < _PARALLEL_ELEMENTS or workers < 2:
        _run_serial(kernel, x, out, 0, n, step)
        return
    with _pool_lock:  # one pool for the process, however many threads call in at first
        if _pool is None:
            _pool = ThreadPoolExecutor(_WORKERS, thread_name_prefix="q1_blocks")
    cuts = [step * (n_blocks * k // workers) for k in range(workers)] + [n]
    jobs = [_pool.submit(_run_serial, kernel, x, out, lo, hi, step)
            for lo, hi in zip(cuts[:-1], cuts[1:])]
    for job in jobs:
        job.result()


def _softmax_rows(x, out):
    m = x.max(axis=1, keepdims=True)
    # -1e308 - 1e308 overflows to -inf and inf - inf is nan: both are repaired or wanted below.
    with np.errstate(over="ignore", invalid="ignore"):
        np.subtract(x, m, out=out)
    np.exp(out, out=out)
    np.divide(out, out.sum(axis=1, keepdims=True), out=out)
    if not m.max() < np.inf:  # a +inf maximum somewhere (or a NaN, left as it is)
        _fix_infinite_rows(x, m, out, log=False)


def _log_softmax_rows(x, out):
    rows = np.arange(x.shape[0])
    top = x.argmax(axis=1)  # the first maximum of each row (the first NaN, if there is one)
    m = x[rows, top]
    with np.errstate(over="ignore", invalid="ignore"):
        np.subtract(x, m[:, None], out=out)
    # The maximum's own term of the sum is exactly 1: summing the other terms and taking log1p
    # keeps the log-probability of a dominant entry (about -rest, close to 0) accurate to the
    # last bit instead of to 1e-16 / rest.
    rest = np.exp(out)
    rest[rows, top] = 0
    out -= np.log1p(rest.sum(axis=1, keepdims=True))
    if not m.max() < np.inf:  # a +inf maximum somewhere (or a NaN, left as it is)
        _fix_infinite_rows(x, m[:, None], out, log=True)


def _fix_infinite_rows(x, m, out, log):
    """Give rows whose maximum is +inf the limit: the +inf entries share the mass equally."""
    rows = np.flatnonzero(m == np.inf)
    top = x[rows] == np.inf
    share = 1 / top.sum(axis=1, keepdims=True)
    out[rows] = np.where(top, np.log(share), -np.inf) if log else top * share


def _along_axis(kernel, x, axis, name):
    x = as_real_array(x, name)
    if (x.ndim == 2 and type(axis) is int and axis in (1, -1) and 0 < x.size <= BLOCK_ELEMENTS
            and x.dtype != np.float16):
        out = np.empty(x.shape, dtype=x.dtype)  # the common small case: one block, no copies
        kernel(x, out)
        return out
    if x.ndim == 0:
        raise ValueError(f"{name} expects an array with at least one dimension, got a 0-d array")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name} expects an integer axis, got {axis!r}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{name} expects an axis in [{-x.ndim}, {x.ndim}) for a {x.ndim}-d "
                         f"array, got axis {axis}")
    # float16 has too little range and precision for exp and the row sums: work in float32.
    work = x.astype(np.float32) if x.dtype == np.float16 else x
    moved = np.moveaxis(work, axis, -1)
    out = np.empty(moved.shape, dtype=work.dtype)
    if out.size:
        n = moved.shape[-1]
        rows = moved.reshape(-1, n)
        run_in_blocks(kernel, rows, out.reshape(-1, n), max(1, BLOCK_ELEMENTS // n))
    return np.moveaxis(out, -1, axis).astype(x.dtype, copy=False)


def softmax(x, axis=-1):
    r"""Compute the softmax of `x` along `axis` (each row of a matrix by default).

    Parameters
    ----------
    x : array_like, shape (..., N, ...)
        Real scores. Bool and integer input is computed in float64; float16, float32 and
        float64 keep their dtype.
    axis : int, optional
        The axis along which the entries are normalised. Default -1: for an (N, Dy) matrix,
        every row becomes a probability distribution.

    Returns
    -------
    ndarray, same shape as `x`
        Non-negative entries that sum to 1 along `axis`. `x` is not modified.

    Raises
    ------
    TypeError
        For complex, object or string input, or a non-integer `axis`.
    ValueError
        For 0-d input or an `axis` out of range.

    Notes
    -----
    .. math:: \mathrm{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},
              \qquad m = \max_j x_j .

    Subtracting the maximum changes nothing mathematically but keeps every exponent at or
    below 0, so nothing overflows and the denominator is at least 1. Non-finite entries follow
    the limits: a ``-inf`` entry gets probability 0; in a slice whose maximum is ``+inf`` the
    ``+inf`` entries share the mass equally; a slice that is all ``-inf`` or holds a NaN is
    all NaN. Large arrays are processed in cache-sized blocks of rows on all cores.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_softmax import softmax
    >>> softmax(np.array([1.0, 1.0]))
    array([0.5, 0.5])
    >>> softmax(np.array([[1001, 1001, 1001, 1001], [0, 0, 0, np.inf]]))
    array([[0.25, 0.25, 0.25, 0.25],
           [0.  , 0.  , 0.  , 1.  ]])
    """
    return _along_axis(_softmax_rows, x, axis, "softmax")


def log_softmax(x, axis=-1):
    r"""Compute the logarithm of the softmax of `x` along `axis`, accurate where it underflows.

    Parameters
    ----------
    x : array_like, shape (..., N, ...)
        Real scores, with the dtype rules of `softmax`.
    axis : int, optional
        The axis along which to normalise. Default -1 (each row).

    Returns
    -------
    ndarray, same shape as `x`
        ``log(softmax(x))``, computed without forming the softmax, so that entries whose
        probability underflows to 0 still get their finite logarithm.

    Notes
    -----
    .. math:: \log \mathrm{softmax}(x)_i = (x_i - m) - \log \sum_j e^{x_j - m},
              \qquad m = \max_j x_j .

    The first maximum's own term of the sum is exactly 1, so the sum is computed without it and
    :math:`\log(1 + \text{rest})` is taken with ``log1p``: a dominant entry's log-probability,
    close to 0, keeps its relative accuracy. The non-finite rules are those of `softmax`, in
    logarithms (``-inf`` for probability 0).

    Examples
    --------
    >>> import numpy as np
    >>> from q1_softmax import log_softmax
    >>> log_softmax(np.array([0.0, -1000.0]))
    array([    0., -1000.])
    >>> float(np.exp(log_softmax(np.array([0.0, 0.0])))[0])
    0.5
    """
    return _along_axis(_log_softmax_rows, x, axis, "log_softmax")


def test_softmax_basic():
    """Check softmax against the classic exercise's sanity values; print what was checked."""
    print("Running basic tests...")
    cases = [
        ([1, 2], [0.26894142, 0.73105858]),
        ([[1001, 1002], [3, 4]], [[0.26894142, 0.73105858], [0.26894142, 0.73105858]]),
        ([[-1001, -1002]], [[0.73105858, 0.26894142]]),
    ]
    for x, expected in cases:
        got = softmax(np.array(x))
        print(f"softmax({x}) = {np.array2string(got, precision=8)}")
        if got.shape != np.shape(expected) or not np.allclose(got, expected, rtol=0, atol=1e-6):
            raise AssertionError(f"softmax({x}): expected {expected}, got {got}")
    print("All softmax sanity checks passed.")


if __name__ == "__main__":
    test_softmax_basic()
