"""Softmax and sigmoid on 4096 x 4096 matrices, timed against SciPy and a plain memory pass.

Run: python bench/bench_softmax_sigmoid.py

Every figure is a ratio of two timings taken in the same run (best of 15 interleaved
repeats), because the machines are shared and absolute times drift. Targets (issue 2):
softmax <= 0.65x scipy.special.softmax and <= 6x one memory pass; sigmoid <= 0.5x
scipy.special.expit; softmax's peak extra memory <= 1.1x one output array.
"""
import pathlib
import sys
import tracemalloc

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from timing import best_of  # noqa: E402  (bench/ itself is on sys.path)

from q1_sigmoid import sigmoid  # noqa: E402
from q1_softmax import BLOCK_ELEMENTS, run_in_blocks, softmax  # noqa: E402

try:
    import scipy.special as sps
except ImportError:
    sps = None

REPEATS = 15


def verdict(ratio, target):
    return f"{ratio:6.3f}x  (target <= {target}x: {'met' if ratio <= target else 'MISSED'})"


def bench(dtype, rng):
    x = (rng.standard_normal((4096, 4096)) * 10).astype(dtype)
    y = np.empty_like(x)
    funcs = {
        "memory pass": lambda: np.multiply(x, 1.0, out=y),
        "softmax": lambda: softmax(x),
        "sigmoid": lambda: sigmoid(x),
        "naive sigmoid": lambda: 1 / (1 + np.exp(-x)),
        # exp alone, in the same cache-sized blocks on all cores: no sigmoid can beat this
        "exp alone": lambda: run_in_blocks(lambda a, b: np.exp(a, out=b), x.reshape(-1),
                                           y.reshape(-1), BLOCK_ELEMENTS),
    }
    if sps is not None:
        funcs["scipy softmax"] = lambda: sps.softmax(x, axis=1)
        funcs["scipy expit"] = lambda: sps.expit(x)
    t = best_of(funcs, REPEATS)
    name = np.dtype(dtype).name
    print(f"\n{name}: " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in t.items()))
    print(f"  softmax / memory pass:  {verdict(t['softmax'] / t['memory pass'], 6)}")
    if sps is not None:
        print(f"  softmax / scipy:        {verdict(t['softmax'] / t['scipy softmax'], 0.65)}")
        print(f"  sigmoid / scipy expit:  {verdict(t['sigmoid'] / t['scipy expit'], 0.5)}")
        print(f"  (its floor: np.exp alone, blocked on all cores / scipy expit: "
              f"{t['exp alone'] / t['scipy expit']:.3f}x)")
    print(f"  sigmoid / naive:        {t['sigmoid'] / t['naive sigmoid']:6.3f}x")

    tracemalloc.start()
    out = softmax(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  softmax peak memory / output size: {verdict(peak / out.nbytes, 1.1)}")


def main():
    rng = np.random.default_rng(0)
    print(f"NumPy {np.__version__}; 4096 x 4096; best of {REPEATS} interleaved runs")
    if sps is None:
        print("scipy is not installed: the scipy comparisons are skipped (pip install scipy)")
    for dtype in (np.float64, np.float32):
        bench(dtype, rng)


if __name__ == "__main__":
    main()
