"""Private: what q1_gradcheck reports about a check, and how it calls f. Not public API.

q1_gradcheck.py holds the checker itself; this module holds the rest: the result types,
place names (``W1[3, 1]``), the per-block summary, the hints at the usual mistakes, the
printed report, and the Session that calls f under the classic random-state contract.
"""
from __future__ import annotations

import bisect
import html
import math
import random
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from _q1_arrays import as_real_array

__all__ = ["GradcheckError", "Entry", "BlockSummary", "GradcheckResult", "Stop", "Layout",
           "Point", "Session", "Progress", "check_grad", "checkable", "positive_number",
           "count_or_none", "split_output", "summarise", "relative_errors", "sweep", "report",
           "print_classic"]


class GradcheckError(AssertionError):
    """A gradient check failed; the message is the full report."""


@dataclass
class Entry:
    """One checked entry: where it is, and the two derivatives found there.

    For a failing entry (the worst 20), `verdict` says why it fails, from a sweep of steps:
    ``"finite-difference error"`` (at another step it passes: the gradient is probably
    right), ``"kink"`` (the cost is not differentiable within a step of the entry: its
    one-sided slopes, `slopes`, disagree whatever the step) or ``"wrong gradient"`` (the
    error stays whatever the step). `passing_step` is the step at which it passes.
    """

    place: str
    analytic: float
    numeric: float
    verdict: str = ""
    passing_step: float | None = None
    slopes: tuple | None = None

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


@dataclass(repr=False)
class GradcheckResult:
    """What `gradcheck_naive` found. Truthy exactly when the check passed.

    ``repr(result)`` is one line; ``str(result)`` is the full report.

    Attributes
    ----------
    passed : bool
        Every checked entry (and direction) within `tol`, and f kept its contract.
    mode : str
        ``"full"``, ``"sampled"`` or ``"directional"``.
    h, tol : float
        The step and the tolerance used.
    n_checked, n_failed : int
        Entries checked and entries whose relative error exceeds `tol`.
    n_calls : int
        Calls of f the check made.
    n_directions, n_directions_failed : int
        Random directions checked and failed (directional mode only).
    worst : Entry or None
        The entry with the largest relative error: ``place``, ``analytic``, ``numeric``,
        ``abs_error``, ``rel_error``.
    first_failure : Entry or None
        The failing entry with the lowest index: the one the classic messages name.
    failures : list of Entry
        Every failing entry, worst first.
    blocks : dict of str to BlockSummary
        Per named block: entries checked and failed, and its worst entry.
    problem : str
        Why the check stopped early or could not pass (f broke its contract), else "".
    hints : list of str
        The usual mistakes that the pattern of errors points to.
    report : str
        The printed report.
    """

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

    def __repr__(self):
        line = (f"GradcheckResult(passed: all {self.n_checked} entries" if self.passed else
                f"GradcheckResult(failed: {self.n_failed} of {self.n_checked} entries")
        if self.worst is not None:
            line += f", worst {self.worst.place} rel. error {self.worst.rel_error:.1e}"
        if self.problem:
            line += ", f broke its contract"
        return line + ")"

    def __str__(self):
        return self.report

    def _repr_html_(self):
        """Jupyter's display: the verdict, a per-block table, the worst entries, the hints."""
        e = html.escape
        color = "#1a7f37" if self.passed else "#cf222e"
        parts = [f"<p><b style='color:{color}'>Gradient check "
                 f"{'passed' if self.passed else 'failed'}</b>: {self.n_failed} of "
                 f"{self.n_checked} entries failed (tol {self.tol:g}, h {self.h:g}, "
                 f"{self.n_calls} calls of f)</p>"]
        if self.problem:
            parts.append(f"<p><b>Problem:</b> {e(self.problem)}</p>")
        if len(self.blocks) > 1 or any(self.blocks):
            rows = "".join(
                f"<tr><td>{e(b.name)}</td><td>{b.n_checked}</td><td>{b.n_failed}</td>"
                f"<td>{e(b.worst.place) if b.worst else ''}</td>"
                f"<td>{f'{b.worst.rel_error:.1e}' if b.worst else ''}</td>"
                f"<td>{e(b.worst.verdict) if b.worst else ''}</td></tr>"
                for b in self.blocks.values())
            parts.append("<table><tr><th>block</th><th>checked</th><th>failed</th>"
                         "<th>worst entry</th><th>rel. error</th><th>verdict</th></tr>"
                         f"{rows}</table>")
        if self.failures:
            rows = "".join(f"<tr><td>{e(f.place)}</td><td>{f.analytic:.6g}</td>"
                           f"<td>{f.numeric:.6g}</td><td>{f.rel_error:.2e}</td>"
                           f"<td>{e(f.verdict)}</td></tr>" for f in self.failures[:5])
            parts.append("<p>Worst entries:</p><table><tr><th>place</th><th>analytic</th>"
                         "<th>numeric</th><th>rel. error</th><th>verdict</th></tr>"
                         f"{rows}</table>")
        parts += [f"<p><b>Hint:</b> {e(hint)}</p>" for hint in self.hints]
        return "".join(parts)


class Stop(Exception):
    """Ends a check early with a reason: f broke its contract in a way that fails the check."""


class Layout:
    """Names entries of the flat x: W1[3, 1] with blocks, the index into x's shape without."""

    def __init__(self, blocks, shape):
        size = math.prod(shape)
        if blocks is None:
            self.blocks = [("", tuple(shape), 0)]
        else:
            self.blocks, start = [], 0
            for name, block_shape in (blocks.items() if isinstance(blocks, dict) else blocks):
                block_shape = _block_shape(name, block_shape)
                self.blocks.append((str(name), block_shape, start))
                start += math.prod(block_shape)
            if start != size:
                miss = f"{size - start} short" if start < size else f"{start - size} too many"
                raise ValueError(f"blocks must tile x exactly: they cover {start} entries, x "
                                 f"has {size} ({miss})")
        self.named = blocks is not None

    def place(self, i):
        """Name flat entry i: ``W1[3, 1]`` with blocks, the index into x's shape without."""
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


def _block_shape(name, shape):
    shape = np.atleast_1d(shape).tolist() if not isinstance(shape, (int, np.integer)) else [shape]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ValueError(f"blocks: the shape of {name!r} must hold non-negative integers, got "
                         f"{shape}")
    return tuple(shape)


def check_grad(grad, shape):
    grad = np.asarray(grad)
    if grad.shape != tuple(shape):
        raise ValueError(f"f returned grad of shape {grad.shape}, expected {tuple(shape)}")
    if grad.dtype.kind not in "biuf":
        raise TypeError(f"f returned grad of dtype {grad.dtype}, expected a real array")
    return grad.astype(np.float64).reshape(-1)


def summarise(result, layout, grad, numeric, verdicts, x):
    """Fill in the result's counts, entries, per-block summaries and hints."""
    index = np.fromiter(numeric, dtype=np.intp, count=len(numeric))
    num = np.fromiter(numeric.values(), dtype=float, count=len(numeric))
    ana = grad[index] if grad is not None else np.zeros(0)
    rel = relative_errors(ana, num)
    failing = ~(rel <= result.tol)

    def entry(k):
        i = int(index[k])
        return Entry(layout.place(i), float(ana[k]), float(num[k]), *verdicts.get(i, ("",)))

    result.n_checked, result.n_failed = index.size, int(failing.sum())
    if index.size:
        result.worst = entry(int(np.nanargmax(rel)) if not np.isnan(rel).all() else 0)
    if result.n_failed:
        order = np.flatnonzero(failing)
        result.first_failure = entry(int(order[np.argmin(index[order])]))
        result.failures = sorted((entry(k) for k in order), key=lambda e: -e.rel_error)
    flat_x = x.reshape(-1)
    block_hints, failed_blocks = {}, []
    for name, shape, lo, hi in layout.ranges():
        summary = BlockSummary(name, shape)
        mine = np.flatnonzero((index >= lo) & (index < hi))
        summary.n_checked, summary.n_failed = mine.size, int(failing[mine].sum())
        if mine.size:
            summary.worst = entry(int(mine[np.argmax(rel[mine])]))
        explained = all(verdicts.get(int(i), ("",))[0] in ("kink", "finite-difference error")
                        for i in index[mine[failing[mine]]])
        if summary.n_failed:
            failed_blocks.append(name)
        if summary.n_failed and not explained:  # kinks and step errors are hinted at above
            in_order = mine[np.argsort(index[mine])]
            at = flat_x[index[in_order]]
            stepped = (at + result.h) != (at - result.h)
            hint = _hint(ana[in_order], num[in_order], stepped,
                         shape if mine.size == hi - lo else None)
            if hint:
                block_hints[name] = hint
        result.blocks[name] = summary
    result.hints = (_verdict_hints(result.failures, result.h)
                    + _block_hints(block_hints, failed_blocks, layout))
    result.passed = (not result.problem and result.n_failed == 0
                     and result.n_directions_failed == 0)
    if result.n_directions_failed and not result.n_failed and not result.problem:
        result.problem = (f"{result.n_directions_failed} of {result.n_directions} random "
                          f"directions disagree, but no single entry exceeds the tolerance: "
                          f"the error is spread thinly over many entries, or f is not "
                          f"deterministic")


def relative_errors(analytic, numeric):
    """The classic relative error, |a - n| / max(1, |a|, |n|), entry by entry."""
    with np.errstate(invalid="ignore"):  # inf - inf in a gradient that overflowed
        return np.abs(analytic - numeric) / np.maximum(1.0, np.maximum(np.abs(analytic),
                                                                       np.abs(numeric)))


def _block_hints(block_hints, failed_blocks, layout):
    """Name each hint's block; say which blocks fail and which pass when only some fail."""
    names = [name for name, _, lo, hi in layout.ranges() if hi > lo]
    every = layout.named and len(failed_blocks) == len(names) > 1
    if every and len(block_hints) == len(names) and len(set(block_hints.values())) == 1:
        return [_named(next(iter(block_hints.values())), "every block")]
    hints = [_named(hint, name) if layout.named else hint
             for name, hint in block_hints.items()]
    if layout.named and failed_blocks and not every and len(names) > 1:
        passing = [name for name in names if name not in failed_blocks]
        hints.append(f"{_join(failed_blocks)} {'fails' if len(failed_blocks) == 1 else 'fail'}"
                     f", while {_join(passing)} {'passes' if len(passing) == 1 else 'pass'}: "
                     f"look at the code that computes the failing "
                     f"{'block' if len(failed_blocks) == 1 else 'blocks'}")
    return hints


def _named(hint, name):
    if hint.startswith("every checked entry"):
        return hint.replace("every checked entry", f"every checked entry of {name}", 1)
    return f"{name}: {hint}"


def _join(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _verdict_hints(failures, h):
    """Explain the verdicts of the swept entries: finite-difference error, kinks."""
    swept = [e for e in failures if e.verdict]
    hints = []
    fd = [e for e in swept if e.verdict == "finite-difference error"]
    if fd:
        steps = [e.passing_step for e in fd]
        step = max(set(steps), key=steps.count)
        of = f"{len(fd)} of {len(swept)} {'swept ' if len(swept) < len(failures) else ''}"
        cause = ("truncation: the cost curves sharply within h" if step < h else
                 "rounding: at this size of x or of the cost, a small step loses its digits")
        hints.append(f"{of}failing {'entry is' if len(fd) == 1 else 'entries are'} "
                     f"finite-difference error: at h = {step:g} "
                     f"{'it passes' if len(fd) == 1 else 'they pass'}; the gradient is right "
                     f"({cause})")
    for e in [e for e in swept if e.verdict == "kink"][:3]:
        low, high = sorted(e.slopes)
        hints.append(f"{e.place} sits on a kink of the cost (one-sided slopes {low:.4g} and "
                     f"{high:.4g}): any value between them is a valid subgradient; check at "
                     f"a point away from the kink")
    return hints


def _factor_name(r):
    """Say 'analytic = r x numeric' with the usual cause of that r, where there is one."""
    if math.isclose(r, -1, rel_tol=1e-3):
        return "analytic = -1 x numeric (a flipped sign)"
    for k, name, cause in ((r, "{k}", "a factor {k} too many, or, if {k} is the batch size N, "
                                      "a cost that averages while its gradient sums"),
                           (1 / r, "1/{k}", "a factor {k} missing, or, if {k} is the batch "
                                            "size N, a cost that sums while its gradient "
                                            "averages")):
        if round(k) >= 2 and math.isclose(k, round(k), rel_tol=1e-3):
            return f"analytic = {name.format(k=round(k))} x numeric ({cause.format(k=round(k))})"
    return f"analytic = {r:.6g} x numeric"


def _hint(analytic, numeric, stepped, shape):
    """Name the usual cause when the pattern of one block's errors points to it."""
    if np.all(numeric == 0) and np.any(analytic != 0):
        if not np.any(stepped):
            return ("every numeric value is zero because the step h is below the resolution "
                    "of x here: x + h == x - h; use a larger h")
        return ("the cost did not change when f's argument changed, so f may be computing "
                "from another array than the one it was given (f receives the caller's own "
                "float64 array: close over that one, not a copy)")
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


SWEEP_LIMIT = 20  # failing entries swept, worst first
SWEEP_FACTORS = (0.01, 0.1, 1.0, 10.0, 100.0)  # steps h/100 ... 100h: 10 calls of f an entry


def sweep(session, grad, numeric, cost, h, tol):
    """Give the worst failing entries a verdict from centred and one-sided differences at
    steps from h/100 to 100h. Returns {flat index: (verdict, passing step, slopes)}."""
    index = np.fromiter(numeric, dtype=np.intp, count=len(numeric))
    num = np.fromiter(numeric.values(), dtype=float, count=len(numeric))
    rel = relative_errors(grad[index], num)
    failing = np.flatnonzero(~(rel <= tol))
    worst = failing[np.argsort(-np.nan_to_num(rel[failing], nan=np.inf))][:SWEEP_LIMIT]
    return {int(index[k]): _verdict(session, int(index[k]), float(grad[index[k]]), cost, h,
                                    tol) for k in worst}


def _verdict(session, i, analytic, cost, h, tol):
    x0 = float(session.flat[i])
    centred, gaps, slopes = {}, {}, {}
    for factor in SWEEP_FACTORS:
        step = h * factor
        up, down = x0 + step, x0 - step
        if up == down:
            continue
        try:
            cost_up, cost_down = session.cost_at(i, up), session.cost_at(i, down)
        except Stop:  # a step too far for f (a non-finite cost): judge by the others
            continue
        finally:
            session.flat[i] = x0
        centred[factor] = (cost_up - cost_down) / (up - down)
        forward, backward = (cost_up - cost) / (up - x0), (cost - cost_down) / (x0 - down)
        gaps[factor], slopes[factor] = abs(forward - backward), (backward, forward)
    scale = max(1.0, abs(analytic), abs(centred.get(1.0, 0.0)))
    g, g10 = gaps.get(1.0, 0.0), gaps.get(10.0, 0.0)
    # A smooth cost's one-sided slopes differ by f'' * step (ten times more at 10 h);
    # rounding noise makes the difference shrink as the step grows; a kink keeps it.
    if g > 10 * tol * scale and 0.3 <= g10 / g <= 3:
        return "kink", None, slopes[1.0]
    passing = [factor for factor, n in centred.items() if factor != 1.0 and
               Entry("", analytic, n).rel_error <= tol]
    if passing:
        return "finite-difference error", h * min(passing, key=lambda k: abs(math.log(k))), None
    return "wrong gradient", None, None


def report(result, layout):
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
                     f"{'abs. error':>12}{'rel. error':>12}  verdict")
        for e in worst:
            lines.append(f"{e.place:<{width}}{e.analytic:>14.6g}{e.numeric:>14.6g}"
                         f"{e.abs_error:>12.2e}{e.rel_error:>12.2e}  {e.verdict}".rstrip())
    if layout.named and result.n_checked:
        lines.append("Per block:")
        width = max(len(s.name) for s in result.blocks.values()) + 2
        lines += [f"  {s.name:<{width}}{f'{s.n_failed}/{s.n_checked} failed':>14}   "
                  f"worst rel. error {s.worst.rel_error:.1e} at {s.worst.place}"
                  for s in result.blocks.values() if s.worst]
    lines += [f"Hint: {hint}" for hint in result.hints]
    return "\n".join(lines)


def print_classic(result, gradient_text):
    """The classic messages: CS224n 2017's, or with a gradient_text the 2019+ starters'."""
    if result.passed:
        print(f"Gradient check passed! ({gradient_text})" if gradient_text else
              "Gradient check passed!")
        return
    print(f"Gradient check failed for {gradient_text}." if gradient_text else
          "Gradient check failed.")
    first = result.first_failure
    if first is not None:
        where = " in the vector of gradients" if gradient_text else ""
        print(f"First gradient error found at index {first.place}{where}")
        print(f"Your gradient: {first.analytic:f} \t Numerical gradient: {first.numeric:f}")
    print(result.report)




def checkable(x, name):
    """Return the array f is to receive: x itself if it is a writable float64 ndarray.

    Checking in place, as the classic, cs231n and torch checkers do, lets an f that reads the
    parameters through a closure (cs231n's ``net.params``) see every nudge. Any other x is
    checked on a float64 copy, with a warning for narrow floats.
    """
    if (type(x) is np.ndarray and x.dtype == np.float64 and x.dtype.isnative
            and x.flags.writeable):
        return x
    arr = as_real_array(x, name)
    if arr.dtype.itemsize < 8:
        import warnings
        warnings.warn(f"{name}: x is {arr.dtype}; checking on a float64 copy, because finite "
                      f"differences in {arr.dtype} cannot reach the tolerance", stacklevel=3)
    return np.array(arr, dtype=np.float64)


def positive_number(name, value):
    """Return value as a positive finite float, or raise naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive finite number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def count_or_none(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    return int(value)


def split_output(out, need_grad):
    """Return (cost as a float, grad) from what f returned; a bare cost where grad is optional."""
    if isinstance(out, (tuple, list)) and len(out) == 2:
        cost, grad = out
    elif need_grad:
        raise TypeError(f"f must return a pair (cost, grad), got {type(out).__name__}")
    else:
        cost, grad = out, None
    if type(cost) is float:  # the common case needs no conversion
        return cost, grad
    if cost is None or isinstance(cost, (str, bytes)):
        raise TypeError(f"f must return a real scalar cost, got cost {cost!r}")
    value = np.asarray(cost)
    if value.dtype.kind not in "biuf":
        raise TypeError(f"f must return a real scalar cost, got a cost of dtype {value.dtype}")
    if value.size != 1:
        raise ValueError(f"f must return a scalar cost, got an array of shape {value.shape}")
    return float(value.reshape(())), grad


def _same_bits(a, b):
    return a == b or (a != a and b != b)  # NaN == NaN for this purpose


def _np_state_equal(a, b):
    return a[0] == b[0] and a[2:] == b[2:] and np.array_equal(a[1], b[1])


class Point:
    """What f receives, with flat access to its entries: one array, or a dict of named ones.

    Each array is the caller's own where it is a writable float64 ndarray (see `checkable`).
    ``flat[i]`` reads and writes entry i of the whole, in order: the arrays one after another,
    each row-major.
    """

    def __init__(self, x, name):
        if isinstance(x, dict):
            if not x:
                raise ValueError(f"{name}: x is an empty dict; expected {{name: array}}")
            self.keys = list(x)
            self.arrays = [checkable(v, f"{name}: x[{k!r}]") for k, v in x.items()]
            self.argument = dict(zip(self.keys, self.arrays))
        else:
            self.keys = None
            self.arrays = [checkable(x, name)]
            self.argument = self.arrays[0]
        sizes = [a.size for a in self.arrays]
        self.starts = np.cumsum([0] + sizes).tolist()
        self.size = self.starts[-1]
        self.shape = self.arrays[0].shape if self.keys is None else (self.size,)
        views = [a.reshape(-1) if a.flags.c_contiguous else a.flat for a in self.arrays]
        self.flat = views[0] if self.keys is None else _Entries(views, self.starts)

    def blocks(self):
        """The dict's keys and shapes, as ``blocks=`` would give them."""
        return [(str(k), a.shape) for k, a in zip(self.keys, self.arrays)]

    def grad_vector(self, grad):
        """f's grad as one flat float64 vector; for a dict, {name: grad} with the same keys."""
        if self.keys is None:
            return check_grad(grad, self.shape)
        if not isinstance(grad, dict):
            raise TypeError(f"x is a dict, so f must return (cost, {{name: grad}}), got grad "
                            f"of type {type(grad).__name__}")
        missing = [k for k in self.keys if k not in grad]
        extra = [k for k in grad if k not in self.argument]
        if missing or extra:
            raise ValueError(f"f's grad must have the keys of x, {self.keys}; "
                             + (f"missing {missing}" if missing else "")
                             + ("; " if missing and extra else "")
                             + (f"extra {extra}" if extra else ""))
        parts = []
        for k, a in zip(self.keys, self.arrays):
            try:
                parts.append(check_grad(grad[k], a.shape))
            except ValueError as error:
                raise ValueError(f"{error} for {k!r}") from None
        return np.concatenate(parts)

    def copy(self):
        return np.concatenate([a.reshape(-1) for a in self.arrays]) if self.keys else \
            self.arrays[0].reshape(-1).copy()

    def first_change(self, saved):
        """Flat index of the first entry whose bits differ from saved, or None."""
        for a, lo in zip(self.arrays, self.starts):
            mine = saved[lo:lo + a.size].reshape(a.shape)
            if a.tobytes() != mine.tobytes():
                changed = np.flatnonzero(a.reshape(-1) != mine.reshape(-1))
                return lo + int(changed[0]) if changed.size else lo
        return None

    def set_to(self, values):
        for a, lo in zip(self.arrays, self.starts):
            a[...] = values[lo:lo + a.size].reshape(a.shape)


class _Entries:
    """Flat indexing across several arrays' flat views."""

    def __init__(self, views, starts):
        self.views, self.starts = views, starts

    def _locate(self, i):
        k = bisect.bisect_right(self.starts, i) - 1
        return self.views[k], i - self.starts[k]

    def __getitem__(self, i):
        view, j = self._locate(i)
        return view[j]

    def __setitem__(self, i, value):
        view, j = self._locate(i)
        view[j] = value


class Session:
    """Calls f during one check: on x itself, under the classic random-state contract.

    Contract: before every call of f, Python's `random` and NumPy's global state are at their
    entry values; after the check they are where the last call left them, i.e. where one call
    of f from the entry states leaves them. Setting a state costs about as much as a small f,
    so after the first call a generator that f did not move is no longer reset; at the end
    `random_states_held` confirms that it was never moved, or asks for the pass again with
    resets before every call. Leaving the ``with`` block, x is put back bit for bit, whatever
    happened (an exception in f, Ctrl-C).
    """

    def __init__(self, f, point, places, verbose, planned_calls):
        self.f, self.point, self.places = f, point, places
        self.flat = point.flat
        self.saved = point.copy()
        self.py_entry, self.np_entry = random.getstate(), np.random.get_state()  # noqa: NPY002
        self.reset_py = self.reset_np = False
        self.calls = 0
        self.modified = ""
        self.progress = Progress(planned_calls, point.size) if verbose else None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        changed = self.point.first_change(self.saved)  # once per check: O(P), not per call
        if changed is not None:
            self.modified = (f"f modified its input x (first changed entry: "
                             f"{self.places(changed)}); a gradient of a function that "
                             f"changes its input cannot be checked: copy x in f before "
                             f"changing it")
            self.point.set_to(self.saved)
        if self.progress:
            self.progress.done()
        return False

    def call(self):
        if self.reset_py:
            random.setstate(self.py_entry)
        if self.reset_np:
            np.random.set_state(self.np_entry)  # noqa: NPY002
        out = self.f(self.point.argument)
        self.calls += 1
        if self.calls == 1:  # from here on, reset only the generators that f draws from
            self.reset_py = random.getstate() != self.py_entry
            self.reset_np = not _np_state_equal(np.random.get_state(), self.np_entry)  # noqa
        if self.progress:
            self.progress.tick(self.calls)
        return out

    def cost_at(self, i, value):
        """Set flat entry i to value, call f and return its cost (x[i] is left at value)."""
        self.flat[i] = value
        cost = split_output(self.call(), need_grad=True)[0]
        if not _same_bits(self.flat[i], value):
            raise Stop(f"f modified its input x while {self.places(i)} was perturbed; copy x "
                       f"in f before changing it")
        if not math.isfinite(cost):
            raise Stop(f"f returned a non-finite cost ({cost}) with {self.places(i)} perturbed")
        return cost

    def cost_at_point(self, point, label):
        """Call f at another point (directional mode) and return its cost; x is put back."""
        self.point.set_to(point)
        try:
            cost = split_output(self.call(), need_grad=True)[0]
        finally:
            self.point.set_to(self.saved)
        if not math.isfinite(cost):
            raise Stop(f"f returned a non-finite cost ({cost}) stepping along {label}")
        return cost

    def random_states_held(self):
        """True when no generator that went unreset was moved; else prepare a second pass."""
        drifted_py = not self.reset_py and random.getstate() != self.py_entry
        drifted_np = not self.reset_np and not _np_state_equal(np.random.get_state(),  # noqa
                                                               self.np_entry)
        if not (drifted_py or drifted_np):
            return True
        self.reset_py |= drifted_py
        self.reset_np |= drifted_np
        return False


class Progress:
    """For a long check in verbose mode: an estimate on stderr at once, then one live line."""

    def __init__(self, planned_calls, size):
        self.planned, self.size = planned_calls, size
        self.start = time.perf_counter()
        self.shown = False
        self.next_update = 0.0

    def tick(self, calls):
        if calls == 5:  # long enough to estimate, soon enough to say so at once
            estimate = (time.perf_counter() - self.start) / calls * self.planned
            if estimate > 5:
                self.shown = True
                print(f"gradcheck_naive: about {estimate:.0f} s for {self.planned} calls of f "
                      f"({self.size} entries); samples=K or directions=True check a part of x "
                      f"in a fraction of that", file=sys.stderr, flush=True)
        if not self.shown:
            return
        now = time.perf_counter()
        if now >= self.next_update:
            self.next_update = now + 0.5
            left = (now - self.start) / calls * (self.planned - calls)
            print(f"\r  {calls}/{self.planned} calls of f, about {left:.0f} s left   ", end="",
                  file=sys.stderr, flush=True)

    def done(self):
        if self.shown:
            print(file=sys.stderr, flush=True)
