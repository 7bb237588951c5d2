"""Private helpers shared by the q1 modules: the dtype rules and the float16 working copy.

Not part of the public API. The modules install top-level into site-packages, hence the
``_q1`` prefix instead of a generic name such as ``_arrays``.
"""
import functools

import numpy as np

__all__ = ["as_real_array", "working_float", "ones_column", "row_starts"]


def as_real_array(x, name):
    """Return `x` as a native-byte-order floating-point array; bool and integers become float64.

    Raises TypeError naming the dtype for complex, object, string and other non-real input.
    """
    x = np.asarray(x)
    kind = x.dtype.kind
    if kind == "f":
        # ufuncs with an explicit dtype= reject byte-swapped arrays ('>f8' on this machine).
        return x if x.dtype.isnative else x.astype(x.dtype.newbyteorder("="))
    if kind in "biu":
        return x.astype(np.float64)
    raise TypeError(f"{name} expects a real numeric array, got dtype {x.dtype}")


def working_float(x):
    """Return float16 `x` as a float32 copy and any other float array as it is.

    float16 has too little range for exp (exp(12) overflows) and too few bits for sums, so
    the computation runs in float32 and the caller casts the result back.
    """
    return x.astype(np.float32) if x.dtype.char == "e" else x  # "e": float16


@functools.lru_cache(maxsize=64)
def row_starts(n_rows, n_cols):
    """Flat index of each row's first entry in a C-ordered (n_rows, n_cols) array, as a
    read-only (n_rows, 1) column, made once per shape.

    ``row_starts(N, D) + a.argmax(axis=1, keepdims=True)`` is the flat index of each row's
    maximum: gathering with ``a.take(...)`` or writing through ``a.reshape(-1)[...]`` at such
    indices is 3-4x cheaper than two-array fancy indexing on small arrays, and the result is
    already a column that broadcasts against the rows.
    """
    starts = np.arange(0, n_rows * n_cols, n_cols).reshape(n_rows, 1)
    starts.flags.writeable = False
    return starts


@functools.lru_cache(maxsize=64)
def ones_column(n, dtype):
    """A read-only (n, 1) column of ones, made once per size and dtype.

    ``a @ ones_column(a.shape[1], a.dtype)`` sums the rows of a in one matrix-vector product,
    1.2-3.5x faster than ``a.sum(axis=1)`` on rows of 10 and a single pass on large ones; its
    transpose sums columns the same way.
    """
    ones = np.ones((n, 1), dtype=dtype)
    ones.flags.writeable = False
    return ones
