r"""A finite-difference gradient checker that says where a gradient is wrong, and how.

``gradcheck_naive(f, x)`` keeps the classic exercise's contract (``f(x) -> (cost, grad)``,
centred differences, "Gradient check passed!") and adds: named parameter blocks, a report with
the worst entries and a hint at the usual mistakes, sampled and random-direction modes for
large ``x``, checking in float64, and a caller's ``x`` that is never changed.
"""
from __future__ import annotations

import ctypes
import math
import random
import warnings
from dataclasses import dataclass, field

import numpy as np

from q1_softmax import as_real_array

DEFAULT_DIRECTIONS = 10  # 2 * 10 + 1 calls of f, whatever the size of x


class GradcheckError(AssertionError):
    """A gradient check failed; the message is the full report."""


@dataclass
class Entry:
    """One checked entry: where it is, and the two derivatives found there."""

    place: str
    analytic: float
    numeric: float

    @property
    def abs_error(self):
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self):
        return self.abs_error / max(1.0, abs(self.analytic), abs(self.numeric))


@dataclass
class BlockSummary:
    """How one named block of x fared: entries checked and failed, and its worst entry."""

    name: str
    shape: tuple
    n_checked: int = 0
    n_failed: int = 0
    worst: Entry | None = None


@dataclass
class GradcheckResult:
    """What `gradcheck_naive` found. Truthy exactly when the check passed."""

    passed: bool
    mode: str
    h: float
    tol: float
    n_checked: int = 0
    n_failed: int = 0
    n_calls: int = 0
    n_directions: int = 0
    n_directions_failed: int = 0
    worst: Entry | None = None
    first_failure: Entry | None = None
    failures: list = field(default_factory=list)
    blocks: dict = field(default_factory=dict)
    problem: str = ""
    hints: list = field(default_factory=list)
    report: str = ""

    def __bool__(self):
        return self.passed


class _Stop(Exception):
    """Ends a check early with a reason: f broke its contract in a way that fails the check."""


class _RandomGuard:
    """Hold Python's and NumPy's global random states at their entry values for every call.

    Restoring a state costs about as much as calling a small f, so it is restored only when
    the previous call drew numbers. Every draw moves the generators' position or key, which is
    read in place (a few machine words, through ctypes); where that reading cannot be checked
    against ``getstate()``, or a cached Gaussian could be used up without moving them, every
    call restores.
    """

    def __init__(self):
        self.py_state = random.getstate()
        self.np_state = np.random.get_state()  # noqa: NPY002 (the legacy state is the point)
        self.probe = None
        try:
            self.probe = self._make_probe()
            if self.probe is not None:
                self.entry = self.probe()
        except Exception:  # any other interpreter or NumPy layout: restore on every call
            self.probe = None

    def _make_probe(self):
        inst = random._inst
        # CPython's RandomObject: PyObject_HEAD; int index; uint32_t state[624]
        base = id(inst) + object.__basicsize__
        py_index = ctypes.c_int.from_address(base)
        py_word = ctypes.c_uint32.from_address(base + 4)
        bitgen = np.random.mtrand._rand._bit_generator
        address = bitgen.ctypes.state_address  # mt19937_state: uint32 key[624]; int pos
        np_word = ctypes.c_uint32.from_address(address)
        np_pos = ctypes.c_int.from_address(address + 4 * 624)
        words, np_key, np_at, has_gauss = (self.py_state[1], self.np_state[1],
                                           self.np_state[2], self.np_state[3])
        if (self.np_state[0] != "MT19937" or has_gauss or py_index.value != words[-1]
                or py_word.value != words[0] or np_word.value != np_key[0]
                or np_pos.value != np_at):
            return None
        self._keep = (inst, bitgen)
        return lambda: (py_index.value, py_word.value, inst.gauss_next, np_word.value,
                        np_pos.value)

    def reset(self):
        if self.probe is None or self.probe() != self.entry:
            random.setstate(self.py_state)
            np.random.set_state(self.np_state)  # noqa: NPY002


class _Session:
    """Calls f on a private float64 copy of x, one perturbation at a time, and watches it."""

    def __init__(self, f, x, places):
        self.f, self.places = f, places
        self.x = np.array(x, dtype=np.float64, order="C")  # never the caller's array
        self.flat = self.x.reshape(-1)
        self.pristine = self.x.tobytes()
        self.guard = _RandomGuard()
        self.calls = 0

    def call(self):
        self.guard.reset()
        self.calls += 1
        out = self.f(self.x)
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError(f"f must return a pair (cost, grad), got {type(out).__name__}")
        cost = out[0]
        if type(cost) is not float:  # the common case needs no conversion
            cost = np.asarray(cost)
            if cost.size != 1:
                raise ValueError(f"f must return a scalar cost, got an array of shape "
                                 f"{cost.shape}")
            cost = float(cost.reshape(()))
        return cost, out[1]

    def cost_at(self, i, value):
        saved = self.flat.item(i)  # a Python float holds the float64 bits exactly
        self.flat[i] = value
        try:
            cost = self.call()[0]
            moved = self.flat.item(i) != value
        finally:
            self.flat[i] = saved  # the saved bits, not x + h - h
        if moved or self.x.tobytes() != self.pristine:
            self._modified(f"while {self.places(i)} was perturbed")
        if not math.isfinite(cost):
            raise _Stop(f"f returned a non-finite cost ({cost}) with {self.places(i)} perturbed")
        return cost

    def cost_at_point(self, point, label):
        self.x[...] = point.reshape(self.x.shape)
        try:
            cost = self.call()[0]
            moved = self.x.tobytes() != point.tobytes()
        finally:
            self.x[...] = np.frombuffer(self.pristine).reshape(self.x.shape)
        if moved:
            self._modified(f"while stepping along {label}")
        if not math.isfinite(cost):
            raise _Stop(f"f returned a non-finite cost ({cost}) stepping along {label}")
        return cost

    def _modified(self, when):
        changed = np.flatnonzero(self.flat != np.frombuffer(self.pristine))
        where = self.places(changed[0]) if changed.size else "the perturbed entry"
        raise _Stop(f"f modified its input x {when} (first changed entry: {where}); a gradient "
                    f"of a function that changes its input cannot be checked: copy x in f "
                    f"before changing it")


class _Layout:
    """Names entries of the flat x: W1[3, 1] with blocks, the index into x's shape without."""

    def __init__(self, blocks, shape):
        size = math.prod(shape)
        if blocks is None:
            self.blocks = [("", tuple(shape), 0)]
        else:
            self.blocks, start = [], 0
            for name, block_shape in blocks:
                block_shape = tuple(int(n) for n in np.atleast_1d(block_shape))
                self.blocks.append((str(name), block_shape, start))
                start += math.prod(block_shape)
            if start != size:
                miss = f"{size - start} short" if start < size else f"{start - size} too many"
                raise ValueError(f"blocks must tile x exactly: they cover {start} entries, x "
                                 f"has {size} ({miss})")
        self.named = blocks is not None

    def place(self, i):
        for name, shape, start in reversed(self.blocks):
            if i >= start:
                index, rest = [], i - start
                for n in reversed(shape):  # unravel, row-major
                    rest, k = divmod(rest, n)
                    index.insert(0, k)
                index = tuple(index)
                if not self.named:
                    return str(index)
                return f"{name}[{', '.join(map(str, index))}]" if index else name
        raise IndexError(i)

    def ranges(self):
        return [(name, shape, start, start + math.prod(shape)) for name, shape, start in
                self.blocks]


def _checkable(x, name):
    """Return x as a real array (integers become float64), warning once for narrow floats."""
    x = as_real_array(x, name)
    if x.dtype.itemsize < 8:
        warnings.warn(f"{name}: x is {x.dtype}; checking on a float64 copy, because finite "
                      f"differences in {x.dtype} cannot reach the tolerance", stacklevel=3)
    return x


def _check_grad(grad, shape):
    grad = np.asarray(grad)
    if grad.shape != tuple(shape):
        raise ValueError(f"f returned grad of shape {grad.shape}, expected {tuple(shape)}")
    if grad.dtype.kind not in "biuf":
        raise TypeError(f"f returned grad of dtype {grad.dtype}, expected a real array")
    return grad.astype(np.float64).reshape(-1)


def _coordinate_pass(session, indices, h):
    """Centred differences at the given flat indices -> {index: numeric derivative}."""
    numeric = {}
    for i in indices:
        i = int(i)
        saved = session.flat.item(i)
        up, down = saved + h, saved - h
        if up == down:  # h is below the resolution of x here: no step can be taken
            numeric[i] = 0.0
            continue
        numeric[i] = (session.cost_at(i, up) - session.cost_at(i, down)) / (up - down)
    return numeric


def _directional_failures(session, grad, h, tol, directions, rng, ranges):
    """Check random unit directions within each range; return the ranges that fail, in order."""
    failed = []
    for k in range(directions):
        for name, lo, hi in ranges:
            d = np.zeros(session.flat.size)
            d[lo:hi] = rng.standard_normal(hi - lo)
            d /= np.linalg.norm(d)
            up = session.flat + h * d
            down = session.flat - h * d
            label = f"direction {k}" + (f" in {name}" if name else "")
            numeric = ((session.cost_at_point(up, label) - session.cost_at_point(down, label))
                       / (2 * h))
            analytic = float(grad @ ((up - down) / (2 * h)))
            if Entry(label, analytic, numeric).rel_error > tol and (name, lo, hi) not in failed:
                failed.append((name, lo, hi))
    return failed


def gradcheck_naive(f, x, *, h=1e-4, tol=1e-5, blocks=None, samples=None, directions=None,
                    seed=0, verbose=True, raise_exception=False):
    r"""Check the gradient that `f` returns against centred finite differences of its cost.

    Parameters
    ----------
    f : callable
        ``f(x) -> (cost, grad)``: a scalar cost and its gradient, an array of x's shape.
    x : array_like, any shape (0-d included)
        The point to check at. It is never changed: f is called on a float64 copy.
    h : float, optional
        The step of the centred differences.
    tol : float, optional
        An entry fails when ``|numeric - analytic| / max(1, |numeric|, |analytic|) > tol``.
    blocks : list of (str, tuple), optional
        ``[("W1", (Dx, H)), ("b1", (1, H)), ...]``: names and shapes that tile the flat x in
        order, so that messages say ``W1[3, 1]`` and the report summarises each block.
    samples : int, optional
        Check only this many random entries per block (per x without blocks).
    directions : int or True, optional
        Check this many random unit directions instead of entries (2 calls of f each;
        ``True`` means ``DEFAULT_DIRECTIONS``), and localise any failure with a per-entry
        pass over the blocks that fail.
    seed : int, optional
        Seed of the generator that picks the samples and directions.
    verbose : bool, optional
        Print the classic messages and, on failure, the report.
    raise_exception : bool, optional
        Raise `GradcheckError` (an AssertionError) with the report when the check fails.

    Returns
    -------
    GradcheckResult
        Truthy exactly when the check passed; holds the worst entry, counts, per-block
        summaries, the hints and the printed report.

    Notes
    -----
    .. math:: \frac{\partial J}{\partial x_i} \approx
              \frac{J(x + h e_i) - J(x - h e_i)}{(x_i + h) - (x_i - h)}

    The denominator is the step actually taken in floating point, not 2h. Before every call,
    Python's `random` and NumPy's global random state are put back as they were on entry, so
    a cost that draws random numbers (dropout, negative sampling) is checked on the same
    draws each time. float16/float32 x is checked on a float64 copy, with one warning.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_gradcheck import gradcheck_naive
    >>> quad = lambda x: (np.sum(x ** 2), 2 * x)
    >>> bool(gradcheck_naive(quad, np.array([1.0, -2.0, 3.0])))
    Gradient check passed!
    True
    >>> result = gradcheck_naive(lambda x: (np.sum(x ** 2), -2 * x), np.ones(3), verbose=False)
    >>> bool(result), result.n_failed, result.worst.place
    (False, 3, '(0,)')
    >>> result.hints
    ['every checked entry is off by one factor: analytic = -1 x numeric (a flipped sign)']
    """
    x = _checkable(x, "gradcheck_naive")
    if directions is True:
        directions = DEFAULT_DIRECTIONS
    for name, value in (("samples", samples), ("directions", directions)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    if samples and directions:
        raise ValueError("samples and directions are two different modes: give one, got both")
    if not (h > 0 and tol > 0):
        raise ValueError(f"h and tol must be positive, got h={h!r}, tol={tol!r}")
    layout = _Layout(blocks, x.shape)
    mode = "directional" if directions else "sampled" if samples else "full"
    result = GradcheckResult(passed=False, mode=mode, h=h, tol=tol)
    session = _Session(f, x, layout.place)
    numeric = {}
    grad = None
    try:
        cost, grad = session.call()
        grad = _check_grad(grad, x.shape)
        if session.x.tobytes() != session.pristine:
            session._modified("while computing the gradient")
        if not math.isfinite(cost) or not np.isfinite(grad).all():
            bad = np.flatnonzero(~np.isfinite(grad))
            what = (f"cost {cost}" if not math.isfinite(cost) else
                    f"gradient ({grad[bad[0]]} at {layout.place(bad[0])})")
            raise _Stop(f"f returned a non-finite {what} at x")
        rng = np.random.default_rng(seed)
        if directions:
            ranges = [(name, lo, hi) for name, _, lo, hi in layout.ranges() if hi > lo]
            result.n_directions = directions
            whole = [("", 0, session.flat.size)]
            failed = [_directional_failures(session, grad, h, tol, 1, rng, whole)
                      for _ in range(directions)]
            result.n_directions_failed = sum(map(bool, failed))
            if result.n_directions_failed:
                if layout.named:  # two directions inside each block say which blocks are off
                    ranges = _directional_failures(session, grad, h, tol, 2, rng, ranges)
                    ranges = ranges or whole
                indices = np.concatenate([np.arange(lo, hi) for _, lo, hi in ranges])
                numeric = _coordinate_pass(session, indices, h)
        else:
            picks = []
            for _, _, lo, hi in layout.ranges():
                n = hi - lo
                take = n if not samples or samples >= n else samples
                picks.append(lo + (np.arange(n) if take == n else
                                   np.sort(rng.choice(n, take, replace=False))))
            numeric = _coordinate_pass(session, np.concatenate(picks), h)
    except _Stop as stop:
        result.problem = str(stop)
    finally:
        session.guard.reset()
        result.n_calls = session.calls

    _summarise(result, layout, grad, numeric)
    result.report = _report(result, layout)
    if verbose:
        _print_classic(result)
    if raise_exception and not result.passed:
        raise GradcheckError(result.report)
    return result


def numerical_gradient(f, x, h=1e-4):
    """Return the centred-difference gradient of f's cost at x, an array of x's shape.

    Same step and random-state rules as `gradcheck_naive`; useful for comparing by eye.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_gradcheck import numerical_gradient
    >>> numerical_gradient(lambda x: (np.sum(x ** 3), None), np.array([1.0, 2.0])).round(6)
    array([ 3., 12.])
    """
    x = _checkable(x, "numerical_gradient")
    layout = _Layout(None, x.shape)
    session = _Session(f, x, layout.place)
    try:
        numeric = _coordinate_pass(session, range(session.flat.size), h)
    except _Stop as stop:
        raise ValueError(str(stop)) from None
    finally:
        session.guard.reset()
    return np.array([numeric[i] for i in range(session.flat.size)]).reshape(np.shape(x))


def _summarise(result, layout, grad, numeric):
    index = np.fromiter(numeric, dtype=np.intp, count=len(numeric))
    num = np.fromiter(numeric.values(), dtype=float, count=len(numeric))
    ana = grad[index] if grad is not None else np.zeros(0)
    with np.errstate(invalid="ignore"):  # inf - inf in a gradient that overflowed
        rel = np.abs(ana - num) / np.maximum(1.0, np.maximum(np.abs(ana), np.abs(num)))
    failing = ~(rel <= result.tol)

    def entry(k):
        return Entry(layout.place(int(index[k])), float(ana[k]), float(num[k]))

    result.n_checked, result.n_failed = index.size, int(failing.sum())
    if index.size:
        result.worst = entry(int(np.nanargmax(rel)) if not np.isnan(rel).all() else 0)
    if result.n_failed:
        order = np.flatnonzero(failing)
        result.first_failure = entry(int(order[np.argmin(index[order])]))
        result.failures = sorted((entry(k) for k in order), key=lambda e: -e.rel_error)
    block_hints = {}
    for name, shape, lo, hi in layout.ranges():
        summary = BlockSummary(name, shape)
        mine = np.flatnonzero((index >= lo) & (index < hi))
        summary.n_checked, summary.n_failed = mine.size, int(failing[mine].sum())
        if mine.size:
            summary.worst = entry(int(mine[np.argmax(rel[mine])]))
        if summary.n_failed:
            in_order = mine[np.argsort(index[mine])]
            hint = _hint(ana[in_order], num[in_order], shape if mine.size == hi - lo else None)
            if hint:
                block_hints[name] = hint
        result.blocks[name] = summary
    if len(block_hints) > 1 and len(set(block_hints.values())) == 1:
        block_hints = {"every block": next(iter(block_hints.values()))}
    result.hints = [hint.replace("every checked entry", f"every checked entry of {name}")
                    if name else hint for name, hint in block_hints.items()]
    result.passed = (not result.problem and result.n_failed == 0
                     and result.n_directions_failed == 0)
    if result.n_directions_failed and not result.n_failed and not result.problem:
        result.problem = (f"{result.n_directions_failed} of {result.n_directions} random "
                          f"directions disagree, but no single entry exceeds the tolerance: "
                          f"the error is spread thinly over many entries, or f is not "
                          f"deterministic")


def _factor_name(r):
    """Say 'analytic = r x numeric' with the usual cause of that r, where there is one."""
    if math.isclose(r, -1, rel_tol=1e-3):
        return "analytic = -1 x numeric (a flipped sign)"
    for k, name in ((r, "{k}"), (1 / r, "1/{k}")):
        if round(k) >= 2 and math.isclose(k, round(k), rel_tol=1e-3):
            return (f"analytic = {name.format(k=round(k))} x numeric (if {round(k)} is the "
                    f"batch size N: the cost and the gradient disagree on sum versus mean)")
    return f"analytic = {r:.6g} x numeric"


def _hint(analytic, numeric, shape):
    """Name the usual cause when the pattern of one block's errors points to it."""
    if np.all(numeric == 0) and np.any(analytic != 0):
        return ("every numeric value is zero: the step h may be below the resolution of x, "
                "or the cost does not depend on these entries")
    if np.all(analytic == 0) and np.any(numeric != 0):
        return "the analytic gradient is all zero here: was this block ever written into grad?"
    big = np.abs(numeric) > 1e-7
    if big.sum() >= 2 and not np.any(analytic[~big]):
        ratios = analytic[big] / numeric[big]
        r = float(np.median(ratios))
        if r != 0 and np.allclose(ratios, r, rtol=1e-3) and not math.isclose(r, 1, rel_tol=1e-3):
            return f"every checked entry is off by one factor: {_factor_name(r)}"
    if shape is not None and len(shape) == 2 and analytic.size > 1:
        a, b = shape
        if np.allclose(analytic.reshape(b, a).T.reshape(-1), numeric, rtol=1e-4, atol=1e-7):
            return f"the analytic block looks transposed: it holds the ({b}, {a}) transpose"
    return ""


def _report(result, layout):
    lines = []
    if result.problem:
        lines.append(f"Problem: {result.problem}")
    if result.n_directions:
        lines.append(f"{result.n_directions_failed} of {result.n_directions} random "
                     f"directions failed.")
    if result.n_checked:
        lines.append(f"{result.n_failed} of {result.n_checked} entries failed "
                     f"(tol {result.tol:g}, h {result.h:g}, {result.n_calls} calls of f).")
    if result.n_failed:
        worst = result.failures[:5]
        width = max(len(e.place) for e in worst) + 2
        lines.append(f"{'place':<{width}}{'analytic':>14}{'numeric':>14}"
                     f"{'abs. error':>12}{'rel. error':>12}")
        for e in worst:
            lines.append(f"{e.place:<{width}}{e.analytic:>14.6g}{e.numeric:>14.6g}"
                         f"{e.abs_error:>12.2e}{e.rel_error:>12.2e}")
    if layout.named and result.n_checked:
        lines.append("Per block:")
        width = max(len(s.name) for s in result.blocks.values()) + 2
        lines += [f"  {s.name:<{width}}{f'{s.n_failed}/{s.n_checked} failed':>14}   "
                  f"worst rel. error {s.worst.rel_error:.1e} at {s.worst.place}"
                  for s in result.blocks.values() if s.worst]
    lines += [f"Hint: {hint}" for hint in result.hints]
    return "\n".join(lines)


def _print_classic(result):
    if result.passed:
        print("Gradient check passed!")
        return
    print("Gradient check failed.")
    first = result.first_failure
    if first is not None:
        print(f"First gradient error found at index {first.place}")
        print(f"Your gradient: {first.analytic:f} \t Numerical gradient: {first.numeric:f}")
    print(result.report)


def _sanity_checks():
    """The classic checks, then a planted bug that must fail; return True when all behaved."""
    rng = np.random.default_rng(0)
    quad = lambda x: (np.sum(x ** 2), x * 2)  # noqa: E731
    print("Running sanity checks...")
    ok = True
    for x in (np.array(123.456), rng.standard_normal(3), rng.standard_normal((4, 5))):
        print(f"sum of squares at a {x.ndim}-d x of shape {x.shape}:")
        ok &= bool(gradcheck_naive(quad, x))
    print("\nA planted bug: the gradient of sum(x ** 2) written as x, missing its factor 2.")
    ok &= not gradcheck_naive(lambda x: (np.sum(x ** 2), x), rng.standard_normal((4, 5)),
                              blocks=[("W", (4, 4)), ("b", (1, 4))])
    return ok


if __name__ == "__main__":
    raise SystemExit(0 if _sanity_checks() else 1)
