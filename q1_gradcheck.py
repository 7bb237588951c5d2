r"""A finite-difference gradient checker that says where a gradient is wrong, and how.

The idea: nudge one entry of x by +h and by -h, call f at both points, and divide the change
in cost by the step; that slope must match the gradient f returned for that entry.
``gradcheck_naive(f, x)`` keeps the classic exercise's contract (``f(x) -> (cost, grad)``, the
printed messages, the random-state rule) and adds a report of the worst entries, named
parameter blocks, hints at the usual mistakes, and sampled and random-direction modes for
large x. The result type, place names, report and hints live in ``_q1_gradcheck.py``.
"""
import numpy as np

from _q1_gradcheck import (
    BlockSummary,
    Entry,
    GradcheckError,
    GradcheckResult,
    Layout,
    Point,
    Session,
    Stop,
    count_or_none,
    positive_number,
    print_classic,
    report,
    split_output,
    summarise,
    sweep,
)

__all__ = ["gradcheck_naive", "numerical_gradient", "GradcheckResult", "GradcheckError",
           "Entry", "BlockSummary", "DEFAULT_DIRECTIONS"]

DEFAULT_DIRECTIONS = 10  # 2 * 10 + 1 calls of f, whatever the size of x


def gradcheck_naive(f, x, gradient_text="", *, h=1e-4, tol=1e-5, blocks=None, samples=None,
                    directions=None, seed=0, verbose=True, raise_exception=False):
    r"""Check the gradient that `f` returns against centred finite differences of its cost.

    For each entry i, x[i] is nudged to x[i] + h and to x[i] - h, f is called at both points,
    and the slope ``(cost_up - cost_down) / ((x[i] + h) - (x[i] - h))`` is compared with
    ``grad[i]``. The entry fails when ``|numeric - analytic| / max(1, |numeric|, |analytic|)
    > tol``; the check passes when no entry fails.

    Parameters
    ----------
    f : callable
        ``f(x) -> (cost, grad)``: a scalar cost and its gradient, an array of x's shape.
    x : array_like, any shape (0-d included), or dict of str to array
        The point to check at. A writable float64 ndarray is perturbed in place, one entry at
        a time, and f receives that very array (so an f that reads it through a closure
        works); every entry gets its exact bits back, also when f raises. Any other x is
        checked on a float64 copy. For a dict of named arrays, f receives a dict with the
        same keys and returns ``(cost, {name: grad})``; the keys name the blocks.
    gradient_text : str, optional
        What is being checked, as the CS224n 2019+ starters pass it: the messages then read
        "Gradient check failed for {gradient_text}." and so on.
    h : float, optional
        The step of the centred differences.
    tol : float, optional
        An entry fails when ``|numeric - analytic| / max(1, |numeric|, |analytic|) > tol``.
    blocks : list of (str, shape) or dict of str to shape, optional
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
        Print the classic messages and, on failure, the report; for a check estimated at more
        than 5 s, an estimate and a progress line on stderr.
    raise_exception : bool, optional
        Raise `GradcheckError` (an AssertionError) with the report when the check fails.

    Returns
    -------
    GradcheckResult
        Truthy exactly when the check passed; ``repr`` is one line, ``str`` the report. Each
        of the worst 20 failing entries carries a verdict from a sweep of steps h/100 to
        100 h (10 more calls of f each; a passing check makes none): "finite-difference
        error", "kink" or "wrong gradient".

    Notes
    -----
    .. math:: \frac{\partial J}{\partial x_i} \approx
              \frac{J(x + h e_i) - J(x - h e_i)}{(x_i + h) - (x_i - h)}

    The denominator is the step actually taken in floating point, not 2h. The random states
    follow the classic contract: before every call of f, Python's `random` and NumPy's
    global state are at their entry values, so a cost that draws (dropout, negative
    sampling) sees the same draws each time; afterwards they are where one call of f leaves
    them, which graders' expected values rely on.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_gradcheck import gradcheck_naive
    >>> quad = lambda x: (np.sum(x ** 2), 2 * x)
    >>> bool(gradcheck_naive(quad, np.array([1.0, -2.0, 3.0])))
    Gradient check passed!
    True
    >>> gradcheck_naive(lambda x: (np.sum(x ** 2), -2 * x), np.ones(3), verbose=False)
    GradcheckResult(failed: 3 of 3 entries, worst (0,) rel. error 2.0e+00)
    """
    point = Point(x, "gradcheck_naive")
    if point.keys is not None:
        if blocks is not None:
            raise ValueError("x is a dict of named arrays, which are the blocks: give blocks= "
                             "only with a flat x")
        blocks = point.blocks()
    h, tol = positive_number("h", h), positive_number("tol", tol)
    directions = count_or_none("directions", DEFAULT_DIRECTIONS if directions is True
                               else directions)
    samples = count_or_none("samples", samples)
    if samples and directions:
        raise ValueError("samples and directions are two different modes: give one, got both")
    layout = Layout(blocks, point.shape)
    rng = np.random.default_rng(seed)
    indices = [] if directions else _entries_to_check(layout, samples, rng)
    mode = "directional" if directions else "sampled" if samples else "full"
    result = GradcheckResult(passed=False, mode=mode, h=h, tol=tol)
    numeric, grad, verdicts = {}, None, {}
    planned = 2 * (directions or len(indices)) + 1
    with Session(f, point, layout.place, verbose, planned) as session:
        try:
            cost, grad = split_output(session.call(), need_grad=True)  # f at x itself
            grad = point.grad_vector(grad)
            _check_finite(cost, grad, layout)
            if directions:
                numeric = _directional(session, grad, h, tol, directions, rng, layout, result)
            else:
                while True:
                    for i in indices:
                        saved = session.flat[i]
                        up, down = saved + h, saved - h
                        if up == down:  # h is below the resolution of x here: no step
                            numeric[i] = 0.0
                            continue
                        cost_up = session.cost_at(i, up)  # resets the random states, calls f
                        cost_down = session.cost_at(i, down)
                        session.flat[i] = saved  # the saved bits, not x + h - h
                        numeric[i] = (cost_up - cost_down) / (up - down)  # the step taken
                    if session.random_states_held():
                        break  # else f drew after its first call: again, resetting each call
            verdicts = sweep(session, grad, numeric, cost, h, tol)  # failing entries only
        except Stop as stop:
            result.problem = str(stop)
    result.problem = result.problem or session.modified
    result.n_calls = session.calls
    # The classic rule: an entry fails when |analytic - numeric| / max(1, |a|, |n|) > tol.
    summarise(result, layout, grad, numeric, verdicts, session.saved)
    result.report = report(result, layout)
    if verbose:
        print_classic(result, gradient_text)
    if raise_exception and not result.passed:
        raise GradcheckError(result.report)
    return result


def numerical_gradient(f, x, h=1e-4):
    """Return the centred-difference gradient of f's cost at x, an array of x's shape.

    f may return ``(cost, grad)`` or a bare cost (the cs231n form); steps, in-place nudging
    and random-state rules are those of `gradcheck_naive`.

    Examples
    --------
    >>> import numpy as np
    >>> from q1_gradcheck import numerical_gradient
    >>> numerical_gradient(lambda x: np.sum(x ** 3), np.array([1.0, 2.0])).round(6)
    array([ 3., 12.])
    """
    point = Point(x, "numerical_gradient")
    if point.keys is not None:
        raise TypeError("numerical_gradient takes one array x; for a dict of arrays, use "
                        "gradcheck_naive")
    h = positive_number("h", h)
    layout = Layout(None, point.shape)
    numeric = np.zeros(point.size)
    with Session(lambda v: (split_output(f(v), need_grad=False)[0], None), point, layout.place,
                 False, 2 * point.size) as session:
        try:
            for i in range(point.size):
                numeric[i] = _centred_difference(session, i, h)
        except Stop as stop:
            raise ValueError(str(stop)) from None
    if session.modified:
        raise ValueError(session.modified)
    return numeric.reshape(point.shape)


def _entries_to_check(layout, samples, rng):
    """Flat indices: every entry, or `samples` random entries of each block, in order."""
    picks = []
    for _, _, lo, hi in layout.ranges():
        n = hi - lo
        if not samples or samples >= n:
            picks.extend(range(lo, hi))
        else:
            picks.extend(lo + int(k) for k in np.sort(rng.choice(n, samples, replace=False)))
    return picks


def _check_finite(cost, grad, layout):
    if not np.isfinite(cost) or not np.isfinite(grad).all():
        bad = np.flatnonzero(~np.isfinite(grad))
        what = (f"cost {cost}" if not np.isfinite(cost) else
                f"gradient ({grad[bad[0]]} at {layout.place(int(bad[0]))})")
        raise Stop(f"f returned a non-finite {what} at x")


def _directional(session, grad, h, tol, directions, rng, layout, result):
    """Check random unit directions; localise failures entry by entry. Return the numerics."""
    whole = [("", 0, grad.size)]
    failed = [_failing_ranges(session, grad, h, tol, 1, rng, whole) for _ in range(directions)]
    result.n_directions = directions
    result.n_directions_failed = sum(map(bool, failed))
    if not result.n_directions_failed:
        return {}
    ranges = whole
    if layout.named:  # two directions inside each block say which blocks are off
        inside = [(name, lo, hi) for name, _, lo, hi in layout.ranges() if hi > lo]
        ranges = _failing_ranges(session, grad, h, tol, 2, rng, inside) or whole
    return {i: _centred_difference(session, i, h) for _, lo, hi in ranges for i in range(lo, hi)}


def _centred_difference(session, i, h):
    """The loop body of `gradcheck_naive`, for the secondary paths."""
    saved = session.flat[i]
    up, down = saved + h, saved - h
    if up == down:
        return 0.0
    try:
        return (session.cost_at(i, up) - session.cost_at(i, down)) / (up - down)
    finally:
        session.flat[i] = saved


def _failing_ranges(session, grad, h, tol, directions, rng, ranges):
    """Check random unit directions within each range; return the ranges that fail, in order."""
    failed = []
    flat = session.saved.reshape(-1)
    for k in range(directions):
        for name, lo, hi in ranges:
            d = np.zeros(flat.size)
            d[lo:hi] = rng.standard_normal(hi - lo)
            d /= np.linalg.norm(d)
            up, down = flat + h * d, flat - h * d
            label = f"direction {k}" + (f" in {name}" if name else "")
            numeric = ((session.cost_at_point(up, label) - session.cost_at_point(down, label))
                       / (2 * h))
            analytic = float(grad @ ((up - down) / (2 * h)))
            if Entry(label, analytic, numeric).rel_error > tol and (name, lo, hi) not in failed:
                failed.append((name, lo, hi))
    return failed


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
                                 blocks=[("W", (4, 4)), ("b", (1, 4))])
    print("\nA right gradient that fails the classic rule: sum(exp(100 x)) at 0 curves too much "
          "for h = 1e-4.")
    coarse = gradcheck_naive(lambda x: (np.sum(np.exp(100 * x)), 100 * np.exp(100 * x)),
                             np.zeros(3))
    diagnosed = not coarse and all(e.verdict == "finite-difference error"
                                   for e in coarse.failures)
    ok = passes == 3 and caught and diagnosed
    print(f"\n{'All' if ok else 'NOT all'} checks behaved as expected: {passes} of 3 right "
          f"gradients passed, the planted bug was {'' if caught else 'NOT '}caught, and the "
          f"too-coarse step was {'' if diagnosed else 'NOT '}diagnosed.")
    return ok


if __name__ == "__main__":
    raise SystemExit(0 if _sanity_checks() else 1)
