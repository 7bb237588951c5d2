r"""A finite-difference gradient checker that says where a gradient is wrong, and how.

The idea: nudge one entry of x by +h and by -h, call f at both points, and divide the change
in its cost by the step; that slope must match the gradient f returned for that entry. The
loop that does it is `_slopes`, just below the two public functions. ``gradcheck_naive``
then judges (relative error per entry, what fails, which blocks were not tested at all) and
explains (verdicts, hints and the report, in ``_q1_gradcheck.py``).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

import _q1_gradcheck as _explain
from _q1_gradcheck import FD_ERROR, KINK, NO_STEP, NOISE, WRONG, Layout, Point, Session, Stop

__all__ = ["gradcheck_naive", "numerical_gradient", "relative_error", "GradcheckResult",
           "GradcheckError", "Entry", "BlockSummary", "DEFAULT_DIRECTIONS", "FD_ERROR", "KINK",
           "NOISE", "NO_STEP", "WRONG"]

DEFAULT_DIRECTIONS = 10  # 2 * 10 + 2 calls of f, whatever the size of x


def gradcheck_naive(f, x, gradient_text="", *, h=1e-4, tol=1e-5, blocks=None, samples=None,
                    directions=None, seed=0, rngs=None, verbose=True, raise_exception=True):
    r"""Check the gradient that `f` returns against centred finite differences of its cost.

    For each entry i, x[i] is nudged to x[i] + h and to x[i] - h, f is called at both points,
    and the slope ``(cost_up - cost_down) / ((x[i] + h) - (x[i] - h))`` is compared with
    ``grad[i]``. The entry fails when `relative_error` exceeds `tol` (or is NaN); the check
    passes when no entry fails.

    Parameters
    ----------
    f : callable
        ``f(x) -> (cost, grad)``: a scalar cost and its gradient, an array of x's shape.
    x : array_like, any shape, or dict of str to array
        The point. A writable float64 ndarray is nudged in place, one entry at a time, and f
        receives that very array; every entry gets its exact bits back, also when f raises.
        Any other x is checked on a float64 copy. For a dict of named arrays, f receives a
        dict with the same keys and returns ``(cost, {name: grad})``; the keys name blocks.
    gradient_text : str, optional
        What is checked, as the CS224n 2019+ starters pass it: the messages then read
        "Gradient check failed for {gradient_text}." and so on.
    h, tol : float, optional
        The step, and the largest relative error that passes.
    blocks : list of (str, shape) or dict of str to shape, optional
        ``[("W1", (Dx, H)), ("b1", (1, H)), ...]``: names and shapes that tile the flat x,
        so that messages say ``W1[3, 1]`` and the report summarises each block.
    samples : int, optional
        Check only this many random entries per block.
    directions : int or True, optional
        Check this many random unit directions instead of entries (``True``:
        ``DEFAULT_DIRECTIONS``), then localise a failure entry by entry in failing blocks.
    seed : int, optional
        Seed of the generator that picks the samples and directions.
    rngs : list of np.random.Generator, np.random.RandomState or random.Random, optional
        Generators f draws from, held to the same contract as the global ones.
    verbose : bool, optional
        Print the classic messages and, on failure, the report.
    raise_exception : bool, optional
        Default True: a failing check raises `GradcheckError` (an AssertionError, like
        ``numpy.testing``) after printing. False returns the falsy result instead.

    Returns
    -------
    GradcheckResult
        Truthy exactly when the check passed; ``repr`` is one line, ``str`` the report.

    Notes
    -----
    .. math:: \frac{\partial J}{\partial x_i} \approx
              \frac{J(x + h e_i) - J(x - h e_i)}{(x_i + h) - (x_i - h)}

    The denominator is the step actually taken in floating point, not 2h. f is called once
    more at x before any nudge: if the two calls disagree by more than rounding explains, f
    is not deterministic and the check stops and says so. Random states follow the classic
    contract: before every call of f, Python's `random`, NumPy's global state and `rngs` are
    at their entry values, so a cost that draws (dropout, negative sampling) sees the same
    draws each time; afterwards each is where one call of f leaves it. A block whose
    gradients are all zero at x, analytic and numeric, was not tested: the result lists it
    in `untested`, and a UserWarning names it.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_gradcheck import gradcheck_naive
    >>> quad = lambda x: (np.sum(x ** 2), 2 * x)
    >>> bool(gradcheck_naive(quad, np.array([1.0, -2.0, 3.0])))
    Gradient check passed!
    True
    >>> gradcheck_naive(lambda x: (np.sum(x ** 2), -2 * x), np.ones(3), verbose=False,
    ...                 raise_exception=False)
    GradcheckResult(failed: 3 of 3 entries, worst (0,) rel. error 2.0e+00)
    """
    # Contract checks: what f and x are, and the settings.
    _explain.check_f(f, "gradcheck_naive")
    point = Point(x, "gradcheck_naive")
    layout = Layout(_explain.blocks_of(point, blocks), point.shape)
    h, tol, samples, directions = _explain.settings(h, tol, samples, DEFAULT_DIRECTIONS
                                                    if directions is True else directions)
    rng = np.random.default_rng(seed)
    indices = [] if directions else _entries_to_check(layout, samples, rng)
    result = GradcheckResult(passed=False, h=h, tol=tol, layout=layout,
                             mode="directional" if directions else
                             "sampled" if samples else "full")
    numeric, grad, cost, cost_eps = {}, None, None, None
    planned = 2 * (directions or len(indices)) + 2
    with Session(f, point, layout, rngs, verbose, planned) as session:
        try:
            cost, grad, cost_eps = _at_x(session, point, result.notes)
            result.notes += _same_at_x(session, point, cost, grad, h, tol)
            # Entries: the slopes, one entry at a time (or directions, then their entries).
            if directions:
                numeric = _directional(session, grad, h, tol, directions, rng, layout, result)
            else:
                numeric = _slopes(session, indices, h)
            # The worst failing entries get a verdict from a sweep of steps.
            verdicts = _sweep(session, grad, numeric, cost, h, tol, cost_eps)
        except Stop as stop:
            result.problem, verdicts = str(stop), {}
    result.problem = result.problem or session.modified
    result.n_calls = session.calls
    # Judge: each entry's relative error; NaN fails; then the blocks nothing tested.
    index = np.fromiter(numeric, dtype=np.intp, count=len(numeric))
    num = np.fromiter(numeric.values(), dtype=float, count=len(numeric))
    ana = grad[index] if grad is not None else np.zeros(0)
    errors = relative_error(ana, num)
    failing = ~(errors <= tol)
    # A slope below the cost's rounding over the step cannot be told from zero.
    floor = 4 * (cost_eps or 2.0 ** -52) * max(1.0, abs(cost or 0.0)) / h
    untested = [name or "x" for name, _, lo, hi in layout.ranges()
                if _all_below(index, ana, num, lo, hi, floor)]
    result.summarise(index, ana, num, errors, failing, verdicts, untested, session.saved)
    result.passed = not (result.problem or failing.any() or result.n_directions_failed)
    if untested and not result.problem:
        warnings.warn(f"gradcheck_naive: {_explain._join(untested)} not tested at this x: "
                      f"every gradient there, analytic and numeric, is zero or below "
                      f"{floor:.1e}, too small to tell from the cost's rounding"
                      + (f"; {result.untested_cause}" if result.untested_cause else ""),
                      UserWarning, stacklevel=2)
    if verbose:  # the classic lines; the report too, unless the exception is to carry it
        _explain.print_classic(result, gradient_text, report=not raise_exception)
    if raise_exception and not result.passed:
        raise GradcheckError(result)
    return result


def numerical_gradient(f, x, h=1e-4, *, df=None, rngs=None):
    """Return the centred-difference gradient of f at x, an array of x's shape.

    f may return ``(cost, grad)`` or a bare cost (the cs231n form). With `df`, f returns an
    array of df's shape (a layer's output) and each entry's slope is
    ``sum((f(x + h) - f(x - h)) * df) / step``: the outputs are differenced first, then
    weighted by the upstream gradient, as cs231n's ``eval_numerical_gradient_array`` does.
    x is nudged in place, whatever its float dtype, so an f that reads it through a closure
    sees every nudge; it gets its exact bits back.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_gradcheck import numerical_gradient
    >>> numerical_gradient(lambda x: np.sum(x ** 3), np.array([1.0, 2.0])).round(6)
    array([ 3., 12.])
    >>> w = np.array([[1.0, 2.0], [3.0, 4.0]])  # an affine layer x @ w, upstream gradient
    >>> numerical_gradient(lambda x: x @ w, np.ones((1, 2)), df=np.ones((1, 2))).round(6)
    array([[3., 7.]])
    """
    _explain.check_f(f, "numerical_gradient")
    point = Point(x, "numerical_gradient", narrow_in_place=True)
    if point.keys is not None:
        raise TypeError("numerical_gradient takes one array x; for a dict of arrays, use "
                        "gradcheck_naive")
    h = _explain.positive_number("h", h)
    layout = Layout(None, point.shape)
    if df is None:  # a bare cost, or (cost, grad): the cost is what is differenced
        df_or_none, g = None, lambda v: (_explain.split_output(f(v), need_grad=False)[0], None)
    else:
        df_or_none, g = np.asarray(df, dtype=np.float64), f
    with Session(g, point, layout, rngs, df=df_or_none) as session:
        if df is not None:
            shape = np.shape(session.call())  # f at x: its output must match df
            if shape != df_or_none.shape:
                raise ValueError(f"numerical_gradient: df must have the shape of f's output, "
                                 f"{shape}, got df of shape {df_or_none.shape}")
        try:
            slopes = _slopes(session, range(point.size), h)
        except Stop as stop:
            raise ValueError(str(stop)) from None
    if session.modified:
        raise ValueError(session.modified)
    no_step = [i for i, s in slopes.items() if np.isnan(s)]
    if no_step:
        i = no_step[0]
        raise ValueError(f"numerical_gradient: no step is possible at {layout.place(i)} = "
                         f"{float(session.saved[i])!r}: x + h == x - h there ({len(no_step)} such "
                         f"entries); use a larger h")
    return np.array([slopes[i] for i in range(point.size)]).reshape(point.shape)


def _slopes(session, indices, h, values=None):
    """The centred differences: for each entry i, nudge x[i] up and down by h, call f (the
    session resets the random states first), put the saved bits back, and divide the change
    by the step actually taken. NaN where x[i] + h == x[i] - h. {i: slope}; with a dict
    `values`, also what f returned and where, {i: (value_up, up, value_down, down)}."""
    flat, value_at, df = session.flat, session.value_at, session.df
    while True:
        slopes = {}
        for i in indices:
            saved = flat[i]
            try:
                value_up, up = value_at(i, saved + h)
                value_down, down = value_at(i, saved - h)
            finally:
                flat[i] = saved  # the saved bits, not x + h - h
            change = value_up - value_down
            if df is not None:
                change = np.sum(change * df)  # outputs first, then weighted by df
            slopes[i] = change / (up - down) if up != down else np.nan
            if values is not None:
                values[i] = (value_up, up, value_down, down)
        if session.random_states_held():
            return slopes  # else f drew at a nudged point only: again, resetting every call


def relative_error(analytic, numeric):
    """The classic rule's error, ``|a - n| / max(1, |a|, |n|)``, entry by entry (NaN fails)."""
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    with np.errstate(invalid="ignore"):  # inf - inf in a gradient that overflowed
        return np.abs(analytic - numeric) / np.maximum(1.0, np.maximum(np.abs(analytic),
                                                                       np.abs(numeric)))


def _at_x(session, point, notes):
    """f at x itself: its cost, its gradient as a flat vector, and the cost's precision."""
    out = session.call()
    changed = point.first_change(session.saved)
    if changed is not None:
        raise Stop(f"f modified its input x at its first call (first changed entry: "
                   f"{session.layout.place(changed)}); a gradient of a function that changes "
                   f"its input cannot be checked: copy x in f before changing it")
    cost, grad = _explain.split_output(out, need_grad=True, shape=point.shape)
    grad = _explain.grad_vector(point, grad)
    cost_eps = float(np.finfo(out[0].dtype if isinstance(out[0], np.floating) else float).eps)
    if cost_eps > 2.0 ** -52:
        notes.append(f"f returns its cost as {out[0].dtype}: its rounding, about "
                     f"{cost_eps:.0e} of the cost, limits the slopes the check can resolve")
    if not np.isfinite(cost) or not np.isfinite(grad).all():
        bad = np.flatnonzero(~np.isfinite(grad))
        what = (f"cost {cost}" if not np.isfinite(cost) else
                f"gradient ({grad[bad[0]]} at {session.layout.place(int(bad[0]))})")
        raise Stop(f"f returned a non-finite {what} at x")
    return cost, grad, cost_eps


def _same_at_x(session, point, cost, grad, h, tol):
    """Call f at x a second time, under the same resets. Stop if it is not deterministic;
    return notes for differences too small to move any slope past tol."""
    cost2, grad2 = _explain.split_output(session.call(), need_grad=True)
    grad2 = _explain.grad_vector(point, grad2)
    scale = max(1.0, float(np.max(np.abs(grad), initial=0.0)))
    slope_noise = abs(cost - cost2) / (2 * h)  # what the difference does to a slope
    grad_change = float(np.max(relative_error(grad, grad2), initial=0.0))
    if slope_noise <= tol * scale / 100 and grad_change <= tol / 100:
        if cost == cost2 and grad_change == 0:
            return []
        return [f"two calls of f at the same x differ slightly (costs {cost!r} and "
                f"{cost2!r}): far below what the check resolves, so it goes on"]
    sources = _explain.random_sources(session.f)
    source = (f"; it draws from {_explain._join(sources)}, which the check cannot reset"
              if sources else "")
    raise Stop(f"f is not deterministic: two calls at the same x returned costs {cost:.6g} "
               f"and {cost2:.6g}" + ("" if cost != cost2 else
                                     f" and gradients differing by {grad_change:.1e}")
               + f"{source}: pass its generator as rngs=[rng], or draw the random values "
                 f"(a dropout mask, negative samples) outside f")


def _sweep(session, grad, numeric, cost, h, tol, cost_eps):
    """Verdicts for the worst failing entries, from their slopes at steps h/100 ... 100h
    measured by `_slopes` as every slope is: {flat index: (verdict, passing step, slopes)}."""
    index = np.fromiter(numeric, dtype=np.intp, count=len(numeric))
    errors = relative_error(grad[index], np.fromiter(numeric.values(), float, len(numeric)))
    failing = np.flatnonzero(~(errors <= tol))
    worst = failing[np.argsort(-np.where(np.isnan(errors[failing]), np.inf, errors[failing]))]
    worst = [int(index[k]) for k in worst[:_explain.SWEEP_LIMIT]]
    if not worst:
        return {}  # a pass makes no further calls
    measured = {}
    for factor in _explain.SWEEP_FACTORS:
        values = {}
        try:
            slopes = _slopes(session, worst, h * factor, values)
        except Stop:  # a step too far for f (a non-finite cost): judge by the others
            continue
        measured[factor] = {i: (slopes[i], values[i]) for i in worst}
    return {i: _explain.sweep_verdict({k: m[i] for k, m in measured.items()},
                                      float(session.flat[i]), float(grad[i]), cost, h, tol,
                                      cost_eps, relative_error) for i in worst}


def _all_below(index, analytic, numeric, lo, hi, floor):
    """True when a block's checked entries all have |analytic| and |numeric| <= floor."""
    mine = (index >= lo) & (index < hi)
    return bool(mine.any()) and bool(np.all(np.abs(analytic[mine]) <= floor)
                                     and np.all(np.abs(numeric[mine]) <= floor))


def _entries_to_check(layout, samples, rng):
    """Flat indices: every entry, or `samples` random entries of each block, in order."""
    picks = []
    for _, _, lo, hi in layout.ranges():
        if not samples or samples >= hi - lo:
            picks.extend(range(lo, hi))
        else:
            picks.extend(lo + int(k) for k in np.sort(rng.choice(hi - lo, samples,
                                                                  replace=False)))
    return picks


def _directional(session, grad, h, tol, directions, rng, layout, result):
    """Check random unit directions; localise a failure to blocks, then to entries."""
    whole = [("", 0, grad.size)]
    failed = [_failing_ranges(session, grad, h, tol, rng, whole) for _ in range(directions)]
    result.n_directions, result.n_directions_failed = directions, sum(map(bool, failed))
    if not result.n_directions_failed:
        return {}
    ranges = whole
    if layout.named:  # two directions inside each block say which blocks are off
        inside = [(name, lo, hi) for name, _, lo, hi in layout.ranges() if hi > lo]
        ranges = [r for r in inside for _ in range(2)
                  if _failing_ranges(session, grad, h, tol, rng, [r])] or whole
    return _slopes(session, [i for _, lo, hi in dict.fromkeys(ranges) for i in range(lo, hi)],
                   h)


def _failing_ranges(session, grad, h, tol, rng, ranges):
    """Step along one random unit direction within each range; return those that fail."""
    failed = []
    flat = session.saved
    for name, lo, hi in ranges:
        d = np.zeros(flat.size)
        d[lo:hi] = rng.standard_normal(hi - lo)
        d /= np.linalg.norm(d)
        up, down = flat + h * d, flat - h * d
        label = "a random direction" + (f" in {name}" if name else "")
        numeric = (session.cost_at_point(up, label) - session.cost_at_point(down, label)) / (
            2 * h)
        if relative_error(float(grad @ d), numeric) > tol:
            failed.append((name, lo, hi))
    return failed


# The result --------------------------------------------------------------------------------

class GradcheckError(AssertionError):
    """A gradient check failed. The message is the report; `.result` is the GradcheckResult."""

    def __init__(self, result):
        super().__init__(result.report)
        self.result = result


@dataclass
class Entry:
    """One checked entry: where it is, the two derivatives, and for a failing entry among the
    worst 20 a verdict from a sweep of steps: `FD_ERROR` (it passes at another step: the
    gradient is probably right; `passing_step`), `KINK` (the one-sided `slopes` disagree
    whatever the step), `NOISE` (the cost's rounding swamps every step), `NO_STEP` (x + h ==
    x - h) or `WRONG` (the error stays whatever the step)."""

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
        return float(relative_error(self.analytic, self.numeric))


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

    Attributes
    ----------
    passed : bool
    mode : str
        ``"full"``, ``"sampled"`` or ``"directional"``.
    h, tol : float
    n_checked, n_failed, n_calls : int
        Entries checked, entries failed, calls of f made.
    n_directions, n_directions_failed : int
        Directional mode only.
    worst, first_failure : Entry or None
        The entry with the largest relative error; the failing entry with the lowest index
        (the one the classic messages name).
    failures : list of Entry
        Every failing entry, worst first.
    blocks : dict of str to BlockSummary
    untested : list of str
        Blocks ("" for a flat x without blocks) whose gradients are all zero at x.
    problem : str
        Why the check could not pass (f broke its contract, f is not deterministic), or "".
    notes, hints : list of str
        Remarks that do not fail the check; the usual mistakes the errors point to.
    report : str
        The report, computed from the fields above.
    """

    passed: bool
    mode: str
    h: float
    tol: float
    layout: Layout = None
    n_checked: int = 0
    n_failed: int = 0
    n_calls: int = 0
    n_directions: int = 0
    n_directions_failed: int = 0
    worst: Entry | None = None
    first_failure: Entry | None = None
    failures: list = field(default_factory=list)
    blocks: dict = field(default_factory=dict)
    untested: list = field(default_factory=list)
    untested_cause: str = ""
    problem: str = ""
    notes: list = field(default_factory=list)
    hints: list = field(default_factory=list)
    _printed: bool = field(default=False, repr=False)

    def summarise(self, index, analytic, numeric, errors, failing, verdicts, untested, x):
        """Fill in the counts, the entries, the per-block summaries and the hints."""
        layout = self.layout

        def entry(k):
            i = int(index[k])
            verdict = verdicts.get(i, ("",))
            if np.isnan(numeric[k]) and not verdict[0]:
                verdict = (NO_STEP,)
            return Entry(layout.place(i), float(analytic[k]), float(numeric[k]), *verdict)

        self.n_checked, self.n_failed = index.size, int(failing.sum())
        errors = np.where(np.isnan(errors), np.inf, errors)  # NaN ranks as the worst
        if index.size:
            self.worst = entry(int(np.argmax(errors)))
        order = np.flatnonzero(failing)
        if order.size:
            self.first_failure = entry(int(order[np.argmin(index[order])]))
            self.failures = [entry(k) for k in order[np.argsort(-errors[order],
                                                                kind="stable")]]
        found, failed_blocks = {}, []
        for name, shape, lo, hi in layout.ranges():
            mine = np.flatnonzero((index >= lo) & (index < hi))
            summary = BlockSummary(name, shape, mine.size, int(failing[mine].sum()))
            if mine.size:
                summary.worst = entry(int(mine[np.argmax(errors[mine])]))
            if summary.n_failed:
                failed_blocks.append(name)
                explained = all(verdicts.get(int(i), ("",))[0] not in ("", WRONG)
                                for i in index[mine[failing[mine]]])
                if not explained:  # kinks, noise and step errors have hints of their own
                    in_order = mine[np.argsort(index[mine])]
                    hint = _explain.pattern_hint(analytic[in_order], numeric[in_order],
                                                 shape if mine.size == hi - lo else None)
                    if hint:
                        found[name] = hint
            self.blocks[name] = summary
        self.hints = (_explain.verdict_hints(self.failures, self.h)
                      + _explain.block_hints(found, failed_blocks, layout))
        self.untested = untested
        if untested:
            self.untested_cause = _explain.untested_cause(untested, x, layout)
            self.hints.append(f"{_explain._join(untested)}: not tested at this x; "
                              f"{self.untested_cause}")
        if self.n_directions_failed and not self.n_failed and not self.problem:
            self.problem = (f"{self.n_directions_failed} of {self.n_directions} random "
                            f"directions disagree, but no single entry exceeds the tolerance: "
                            f"the error is spread thinly over many entries")

    @property
    def could_not_check(self):
        return bool(self.problem) and not self.n_checked and not self.n_directions

    @property
    def report(self):
        return _explain.report_text(self, self.layout is not None and self.layout.named)

    def __bool__(self):
        return self.passed

    def __repr__(self):
        if self.could_not_check:
            return f"GradcheckResult(could not be checked: {self.problem[:60]})"
        what = (f"{self.n_directions} directions" if self.mode == "directional"
                else f"{self.n_checked} entries")
        failed = self.n_directions_failed if self.mode == "directional" else self.n_failed
        line = (f"GradcheckResult(passed: all {what}" if self.passed else
                f"GradcheckResult(failed: {failed} of {what}")
        if self.worst is not None:
            line += f", worst {self.worst.place} rel. error {self.worst.rel_error:.1e}"
        if self.untested:
            line += f", not tested: {', '.join(self.untested)}"
        if self.problem:
            line += ", f broke its contract"
        return line + ")"

    def __str__(self):
        return self.report

    def _repr_html_(self):
        # Printed already (verbose): a notebook shows the one-line repr, not the report twice.
        return None if self._printed else _explain.report_html(self)


def _sanity_checks():
    """The classic checks, a planted bug and a too-coarse step; True when each behaved."""
    rng = np.random.default_rng(0)
    quad = lambda x: (np.sum(x ** 2), x * 2)  # noqa: E731
    print("Running sanity checks...")
    passes = 0
    for x in (np.array(123.456), rng.standard_normal(3), rng.standard_normal((4, 5))):
        print(f"sum of squares at a {x.ndim}-d x of shape {x.shape}:")
        passes += bool(gradcheck_naive(quad, x))
    print("\nA planted bug: the gradient of sum(x ** 2) written as x, missing its factor 2.")
    caught = not gradcheck_naive(lambda x: (np.sum(x ** 2), x), rng.standard_normal((4, 5)),
                                 blocks=[("W", (4, 4)), ("b", (1, 4))], raise_exception=False)
    print("\nA right gradient that fails the classic rule: sum(exp(100 x)) at 0 curves too much "
          "for h = 1e-4.")
    coarse = gradcheck_naive(lambda x: (np.sum(np.exp(100 * x)), 100 * np.exp(100 * x)),
                             np.zeros(3), raise_exception=False)
    diagnosed = not coarse and all(e.verdict == FD_ERROR for e in coarse.failures)
    ok = passes == 3 and caught and diagnosed
    print(f"\n{'All' if ok else 'NOT all'} checks behaved as expected: {passes} of 3 right "
          f"gradients passed, the planted bug was {'' if caught else 'NOT '}caught, and the "
          f"too-coarse step was {'' if diagnosed else 'NOT '}diagnosed.")
    return ok


if __name__ == "__main__":
    raise SystemExit(0 if _sanity_checks() else 1)
