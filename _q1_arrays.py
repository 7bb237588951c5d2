"""Private helpers shared by the q1 modules: the dtype rules and the float16 working copy.

Not part of the public API. The modules install top-level into site-packages, hence the
``_q1`` prefix instead of a generic name such as ``_arrays``.
"""
import numpy as np

__all__ = ["as_real_array", "working_float"]


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
