"""Private machinery of q1_gradcheck: how f is called, and how a result is explained.

Not public API. q1_gradcheck.py holds the idea (measure, judge); this module holds the rest:
the point f receives and the names of its entries (``W1[3, 1]``), the Session that calls f
under the random-state contract, the messages for the usual mistakes, the verdicts of the
step sweep, the hints, and the report in text and HTML.
"""
from __future__ import annotations

import bisect
import html
import inspect
import math
import random
import sys
import time

import numpy as np

from _q1_arrays import as_real_array
from _q1_progress import ProgressLine

__all__ = ["FD_ERROR", "KINK", "NOISE", "NO_STEP", "WRONG", "Stop", "Layout", "Point", "Session",
           "check_f", "blocks_of", "settings", "split_output", "grad_vector", "sweep_verdict",
           "pattern_hint", "verdict_hints", "block_hints", "untested_cause", "report_text",
           "report_html", "print_classic", "random_sources"]

# Verdicts of a failing entry, from the step sweep.
FD_ERROR = "finite-difference error"
KINK = "kink"
NOISE = "rounding noise"
NO_STEP = "no step possible"
WRONG = "wrong gradient"
SWEEP_LIMIT = 20  # failing entries swept, worst first
SWEEP_FACTORS = (0.01, 0.1, 1.0, 10.0, 100.0)  # steps h/100 ... 100h


class Stop(Exception):
    """Ends a check early: f broke its contract in a way that fails the check."""


# What f receives --------------------------------------------------------------------------

class Layout:
    """Names entries of the flat x: ``W1[3, 1]`` with blocks, the index into x's shape without."""

    def __init__(self, blocks, shape):
        self.named = blocks is not None
        if blocks is None:
            self.blocks = [("", tuple(shape), 0)]
            return
        self.blocks, start, seen = [], 0, set()
        for name, block_shape in (blocks.items() if isinstance(blocks, dict) else blocks):
            if str(name) in seen:
                raise ValueError(f"blocks: the name {name!r} is given twice; each block needs "
                                 f"its own name")
            seen.add(str(name))
            block_shape = _block_shape(name, block_shape)
            self.blocks.append((str(name), block_shape, start))
            start += math.prod(block_shape)
        size = math.prod(shape)
        if start != size:
            miss = f"{size - start} short" if start < size else f"{start - size} too many"
            raise ValueError(f"blocks must tile x exactly: they cover {start} entries, x has "
                             f"{size} ({miss})")

    def place(self, i):
        for name, shape, start in reversed(self.blocks):
            if i >= start:
                index = np.unravel_index(i - start, shape) if shape else ()
                index = tuple(int(k) for k in index)
                if not self.named:
                    return str(index)
                return f"{name}[{', '.join(map(str, index))}]" if index else name
        raise IndexError(i)

    def ranges(self):
        """(name, shape, first flat index, end) of each block."""
        return [(name, shape, lo, lo + math.prod(shape)) for name, shape, lo in self.blocks]


def _block_shape(name, shape):
    shape = [shape] if isinstance(shape, (int, np.integer)) else np.atleast_1d(shape).tolist()
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ValueError(f"blocks: the shape of {name!r} must hold non-negative integers, got "
                         f"{shape}")
    return tuple(shape)


def _checkable(x, name, narrow_in_place):
    """The array f is to receive: x itself where it is a writable float ndarray that can be
    nudged in place (float64; any float dtype for numerical_gradient), else a float64 copy."""
    if (type(x) is np.ndarray and x.dtype.kind == "f" and x.dtype.isnative
            and x.flags.writeable and (x.dtype == np.float64 or narrow_in_place)):
        return x
    if isinstance(x, (list, tuple)) and any(isinstance(v, np.ndarray) for v in x):
        raise TypeError(f"{name}: x is a {type(x).__name__} of {len(x)} arrays; to check "
                        f"several arrays, pass a dict of named arrays, {{'W': W, 'b': b}}, "
                        f"and let f return (cost, {{'W': grad_W, 'b': grad_b}})")
    arr = as_real_array(x, name)
    if arr.dtype.itemsize < 8:
        import warnings
        warnings.warn(f"{name}: x is {arr.dtype}; checking on a float64 copy, because finite "
                      f"differences in {arr.dtype} cannot reach the tolerance", stacklevel=4)
    return np.array(arr, dtype=np.float64)


class Point:
    """What f receives, one array or a dict of named ones, with ``flat[i]`` access to entry i
    of the whole (the arrays one after another, each row-major)."""

    def __init__(self, x, name, narrow_in_place=False):
        if isinstance(x, dict):
            if not x:
                raise ValueError(f"{name}: x is an empty dict; expected {{name: array}}")
            self.keys = list(x)
            self.arrays = [_checkable(v, f"{name}: x[{k!r}]", False) for k, v in x.items()]
            for j, a in enumerate(self.arrays):
                for k, b in zip(self.keys[:j], self.arrays[:j]):
                    if np.shares_memory(a, b):
                        raise ValueError(f"{name}: x[{self.keys[j]!r}] and x[{k!r}] share "
                                         f"memory (tied weights?); a nudge of one would move "
                                         f"both: check one key, or pass copies")
            self.argument = dict(zip(self.keys, self.arrays))
        else:
            self.keys = None
            self.arrays = [_checkable(x, name, narrow_in_place)]
            self.argument = self.arrays[0]
        self.starts = np.cumsum([0] + [a.size for a in self.arrays]).tolist()
        self.size = self.starts[-1]
        self.shape = self.arrays[0].shape if self.keys is None else (self.size,)
        views = [a.reshape(-1) if a.flags.c_contiguous else a.flat for a in self.arrays]
        self.flat = views[0] if self.keys is None else _Entries(views, self.starts)

    def blocks(self):
        return [(str(k), a.shape) for k, a in zip(self.keys, self.arrays)]

    def copy(self):
        return np.concatenate([a.reshape(-1).astype(np.float64) for a in self.arrays])

    def set_to(self, values):
        for a, lo in zip(self.arrays, self.starts):
            a[...] = values[lo:lo + a.size].reshape(a.shape)

    def first_change(self, saved):
        """Flat index of the first entry whose bits differ from saved, or None."""
        now = self.copy()
        if now.tobytes() == saved.tobytes():
            return None
        changed = np.flatnonzero((now != saved) & ~(np.isnan(now) & np.isnan(saved)))
        return int(changed[0]) if changed.size else 0


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


# Random states ----------------------------------------------------------------------------

class _Generator:
    """One random generator whose state a check saves, resets before calls and compares."""

    def __init__(self, name, get, set_):
        self.name, self.get, self.set = name, get, set_
        self.entry = get()
        self.reset = False

    def moved(self):
        return not _same_state(self.get(), self.entry)


def _same_state(a, b):
    try:
        return bool(a == b)  # tuples of ints, dicts of ints: one comparison
    except ValueError:  # an array inside (np.random's key): compare piece by piece
        pass
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(
            _same_state(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same_state(u, v) for u, v in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b or (a != a and b != b)  # a cached Gaussian may be NaN-free; NaN == NaN here


def generators(rngs):
    """The global generators, then the caller's `rngs`, each as a `_Generator`."""
    found = [_Generator("random", random.getstate, random.setstate),
             _Generator("np.random", np.random.get_state, np.random.set_state)]  # noqa: NPY002
    for k, rng in enumerate(rngs or ()):
        if isinstance(rng, np.random.Generator):
            bits = rng.bit_generator
            found.append(_Generator(f"rngs[{k}]", lambda b=bits: b.state,
                                    lambda s, b=bits: setattr(b, "state", s)))
        elif isinstance(rng, np.random.RandomState):
            found.append(_Generator(f"rngs[{k}]", rng.get_state, rng.set_state))
        elif isinstance(rng, random.Random):
            found.append(_Generator(f"rngs[{k}]", rng.getstate, rng.setstate))
        else:
            raise TypeError(f"rngs must hold np.random.Generator, np.random.RandomState or "
                            f"random.Random objects, got {type(rng).__name__} at rngs[{k}]")
    return found


def random_sources(f, depth=2):
    """Names of generators f can draw from that a check does not reset: Generators,
    RandomStates and random.Random objects among f's closure variables, defaults and the
    globals its code names (one level into the functions it uses)."""
    kinds = (np.random.Generator, np.random.RandomState, random.Random)
    shared = (random._inst, np.random.mtrand._rand)  # the globals, reset already
    names, seen = [], set()

    def visit(func, level):
        func = getattr(func, "__func__", func)
        code = getattr(func, "__code__", None)
        if code is None or id(func) in seen:
            return
        seen.add(id(func))
        found = dict(zip(code.co_freevars, map(_cell_value, func.__closure__ or ())))
        found.update({n: func.__globals__[n] for n in code.co_names if n in func.__globals__})
        for k, v in zip(code.co_varnames[code.co_argcount - len(func.__defaults__ or ()):],
                        func.__defaults__ or ()):
            found[k] = v
        for name, value in found.items():
            if isinstance(value, kinds) and value not in shared:
                names.append(f"{name} ({type(value).__name__}, in {func.__name__})")
            elif level < depth and inspect.isfunction(value):
                visit(value, level + 1)

    visit(f, 0)
    return list(dict.fromkeys(names))


def _cell_value(cell):
    try:
        return cell.cell_contents
    except ValueError:  # a cell not yet filled
        return None


# Calling f --------------------------------------------------------------------------------

class Session:
    """Calls f during one check, on x itself, under the random-state contract.

    Before every call, each generator that f moves (the globals `random` and `np.random`,
    and those in `rngs`) is at its entry state; after the check it is where the last call
    left it, i.e. where one call of f leaves it. Resetting costs about as much as a small f,
    so only the generators f's first call moved are reset; `random_states_held` asks for the
    pass again, resetting every call, if another one moved later. Leaving the ``with`` block,
    x gets its saved bits back, whatever happened (an exception in f, Ctrl-C).
    """

    def __init__(self, f, point, layout, rngs=None, verbose=False, planned=0, df=None):
        self.f, self.point, self.layout, self.df = f, point, layout, df
        self.flat, self.saved, self.argument = point.flat, point.copy(), point.argument
        self.generators = generators(rngs)
        self.to_reset = []
        self.calls, self.modified = 0, ""
        self.progress = Progress(planned, point.size) if verbose else None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        changed = self.point.first_change(self.saved)
        if changed is not None:
            self.modified = (f"f modified its input x (first changed entry: "
                             f"{self.layout.place(changed)}); a gradient of a function that "
                             f"changes its input cannot be checked: copy x in f before "
                             f"changing it")
            self.point.set_to(self.saved)
        if self.progress:
            self.progress.done()
        return False

    def call(self):
        """Reset the generators f draws from, call f at the current point, return its output."""
        for g in self.to_reset:
            g.set(g.entry)
        out = self.f(self.argument)
        self.calls += 1
        if self.calls == 1:
            for g in self.generators:
                g.reset = g.moved()
            self.to_reset = [g for g in self.generators if g.reset]
        if self.progress:
            self.progress.tick(self.calls)
        return out

    def value_at(self, i, value):
        """Set entry i to value and call f; return f's value there (its cost, or with `df` its
        output array) and the value x[i] actually held (rounded to x's dtype)."""
        flat = self.flat
        flat[i] = value
        held = flat[i]
        out = self.call()
        if self.df is None:
            out = split_output(out, need_grad=True)[0]
            finite = math.isfinite(out)
        else:
            out = output_array(out, self.df.shape)
            finite = np.isfinite(out).all()
        if not _same_bits(flat[i], held):
            raise Stop(f"f modified its input x while {self.layout.place(i)} was perturbed; "
                       f"copy x in f before changing it")
        if not finite:
            what = "an output that is not finite" if self.df is not None else \
                f"a non-finite cost ({out})"
            raise Stop(f"f returned {what} with {self.layout.place(i)} perturbed")
        return out, float(held)

    def cost_at_point(self, values, label):
        """f's cost with x set to `values` (a direction's step); x is put back."""
        self.point.set_to(values)
        try:
            cost = split_output(self.call(), need_grad=True)[0]
        finally:
            self.point.set_to(self.saved)
        if not math.isfinite(cost):
            raise Stop(f"f returned a non-finite cost ({cost}) stepping along {label}")
        return cost

    def random_states_held(self):
        """True when no generator left unreset was moved; else reset it too from now on."""
        drifted = [g for g in self.generators if not g.reset and g.moved()]
        for g in drifted:
            g.reset = True
        self.to_reset = [g for g in self.generators if g.reset]
        return not drifted


def _same_bits(a, b):
    return a == b or (a != a and b != b)


# What f returned --------------------------------------------------------------------------

def check_f(f, name):
    """Refuse the usual mix-ups before the first call: f(x) given for f, or a function of
    more arguments than x alone."""
    if not callable(f):
        guess = " (the value of f(x)?)" if isinstance(f, (tuple, list, float, np.ndarray)) \
            else ""
        raise TypeError(f"{name} expects a function f of x, got a {type(f).__name__}{guess}: "
                        f"pass f, not f(x)")
    try:
        required = [p.name for p in inspect.signature(f).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                           p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return
    if len(required) > 1:
        example = ("lambda p: forward_backward_prop(data, labels, p, dimensions)"
                   if getattr(f, "__name__", "") == "forward_backward_prop" else
                   f"lambda x: {getattr(f, '__name__', 'f')}(..., x, ...)")
        raise TypeError(f"{name} calls f(x) with x alone, but f takes {len(required)} "
                        f"arguments ({', '.join(required)}): wrap it in a function of x, "
                        f"e.g. {example}")


def split_output(out, need_grad, shape=None):
    """(cost as a float, grad) from what f returned; a bare cost where grad is optional."""
    if type(out) is tuple and len(out) == 2 and type(out[0]) is float and shape is None:
        return out  # the common case, at every call: nothing to convert
    if isinstance(out, (tuple, list)) and len(out) == 2:
        cost, grad = out
        if (shape is not None and isinstance(grad, (float, int, np.number))
                and np.shape(cost) == tuple(shape) and np.size(cost) > 1):
            raise TypeError("f returned (grad, cost); return (cost, grad), the cost first")
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
        raise ValueError(f"f must return a scalar cost, got an array of shape {value.shape}: "
                         f"sum it (a cost over N rows is their sum)")
    return float(value.reshape(())), grad


def grad_vector(point, grad):
    """f's grad as one flat float64 vector; for a dict x, from {name: grad}."""
    if point.keys is None:
        return _grad_array(grad, point.shape, "grad")
    if not isinstance(grad, dict):
        raise TypeError(f"x is a dict, so f must return (cost, {{name: grad}}), got grad of "
                        f"type {type(grad).__name__}")
    missing = [k for k in point.keys if k not in grad]
    extra = [k for k in grad if k not in point.argument]
    if missing or extra:
        raise ValueError(f"f's grad must have the keys of x, {point.keys}; "
                         + "; ".join(([f"missing {missing}"] if missing else [])
                                     + ([f"extra {extra}"] if extra else [])))
    return np.concatenate([_grad_array(grad[k], a.shape, f"grad[{k!r}]")
                           for k, a in zip(point.keys, point.arrays)])


def _grad_array(grad, shape, what):
    if grad is None:
        raise TypeError(f"f returned {what} None; it must return (cost, grad) with grad of "
                        f"x's shape {tuple(shape)}")
    if isinstance(grad, (tuple, list)) and len(grad) > 1 and all(
            isinstance(g, np.ndarray) for g in grad):
        raise TypeError(f"f returned {what} as {len(grad)} arrays; it must be one array of "
                        f"x's shape {tuple(shape)}: lay the blocks out as one vector (for the "
                        f"network, pack_params(W1, b1, W2, b2))")
    grad = np.asarray(grad)
    if grad.dtype.kind not in "biuf":
        raise TypeError(f"f returned {what} of dtype {grad.dtype}, expected a real array")
    if grad.shape != tuple(shape):
        raise ValueError(f"f returned {what} of shape {grad.shape}, expected x's shape "
                         f"{tuple(shape)}")
    return grad.astype(np.float64).reshape(-1)


def output_array(out, shape):
    """f's output as an array of df's shape (numerical_gradient with an upstream gradient)."""
    out = np.asarray(out)
    if out.shape != tuple(shape):
        raise ValueError(f"f returned an output of shape {out.shape}, expected df's shape "
                         f"{tuple(shape)}")
    return out.astype(np.float64)


def blocks_of(point, blocks):
    """The blocks: a dict x's keys, or the caller's `blocks` for a flat x."""
    if point.keys is None:
        return blocks
    if blocks is not None:
        raise ValueError("x is a dict of named arrays, which are the blocks: give blocks= only "
                         "with a flat x")
    return point.blocks()


def settings(h, tol, samples, directions):
    """The step, the tolerance and the mode's count, checked: (h, tol, samples, directions)."""
    h, tol = positive_number("h", h), positive_number("tol", tol)
    samples, directions = count_or_none("samples", samples), count_or_none("directions",
                                                                           directions)
    if samples and directions:
        raise ValueError("samples and directions are two different modes: give one, got both")
    return h, tol, samples, directions


def positive_number(name, value):
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


# Verdicts: a sweep of steps for the worst failing entries -----------------------------------

def sweep_verdict(measured, x0, analytic, cost, h, tol, cost_eps, relative_error):
    """Why one entry fails: (verdict, passing step, one-sided slopes).

    `measured` maps each step factor (h/100 ... 100h) to the centred slope there and what f
    returned: (slope, (cost_up, up, cost_down, down)).
    """
    centred, gaps, slopes, noise = {}, {}, {}, {}
    for factor, (slope, (cost_up, up, cost_down, down)) in measured.items():
        if up == x0 or down == x0:  # the step vanishes on one side (x0 a power of two)
            continue
        centred[factor] = slope
        forward, backward = (cost_up - cost) / (up - x0), (cost - cost_down) / (x0 - down)
        gaps[factor], slopes[factor] = abs(forward - backward), (backward, forward)
        noise[factor] = 4 * cost_eps * max(1.0, abs(cost)) / (up - down)
    if not centred:
        return NO_STEP, None, None
    scale = max(1.0, abs(analytic))
    g, g10 = gaps.get(1.0, 0.0), gaps.get(10.0, 0.0)
    # The one-sided slopes differ by f'' * step for a smooth cost (growing with the step), by
    # noise / step for a cost's rounding noise (shrinking), and by the jump for a kink
    # (whatever the step, once it reaches over the kink): a kink's gap stays from h to 100 h.
    larger = [gaps[k] for k in (10.0, 100.0) if k in gaps]
    if g > 10 * tol * scale and larger and all(0.3 <= gk / g <= 3 for gk in larger):
        return KINK, None, slopes[1.0]
    passing = [k for k, n in centred.items() if k != 1.0 and relative_error(analytic, n) <= tol]
    if passing:
        return FD_ERROR, h * min(passing, key=lambda k: abs(math.log(k))), None
    if x0 + h == x0 - h:
        return NO_STEP, None, None
    if all(noise[k] > tol * scale for k in noise) or (g > 10 * tol * scale and g10 < 0.3 * g):
        return NOISE, None, None
    return WRONG, None, None


# Hints ------------------------------------------------------------------------------------

def verdict_hints(failures, h):
    swept = [e for e in failures if e.verdict]
    hints = []
    fd = [e for e in swept if e.verdict == FD_ERROR]
    if fd:
        steps = [e.passing_step for e in fd]
        step = max(set(steps), key=steps.count)
        cause = ("truncation: the cost curves sharply within h" if step < h else
                 "rounding: at this size of x or of the cost, a small step loses its digits")
        hints.append(f"{len(fd)} of {len(swept)} failing "
                     f"{'entry is' if len(fd) == 1 else 'entries are'} {FD_ERROR}: at h = "
                     f"{step:g} {'it passes' if len(fd) == 1 else 'they pass'}; the gradient "
                     f"is right ({cause})")
    kinks = [e for e in swept if e.verdict == KINK]
    if kinks:
        places = _join([e.place for e in kinks[:5]] + ([f"{len(kinks) - 5} more"]
                                                        if len(kinks) > 5 else []))
        low, high = sorted(kinks[0].slopes)
        at = "" if len(kinks) == 1 else f"at {kinks[0].place}, "
        hints.append(f"{places} {'sits' if len(kinks) == 1 else 'sit'} on a kink of the cost "
                     f"({at}one-sided slopes {low:.4g} and {high:.4g}): any value between "
                     f"them is a valid subgradient; check at a point away from the kink")
    noisy = [e for e in swept if e.verdict == NOISE]
    if noisy:
        hints.append(f"{len(noisy)} failing {'entry is' if len(noisy) == 1 else 'entries are'}"
                     f" {NOISE}: the cost's rounding error swamps the change a step of h/100 "
                     f"to 100 h makes, so the numeric slope is noise, not a verdict on the "
                     f"gradient; compute the cost in float64, or check where it is smaller")
    if any(e.verdict == NO_STEP for e in swept):
        hints.append("where x + h == x - h no step can be taken: x is too large for h there; "
                     "use a larger h, or rescale x")
    return hints


def block_hints(found, failed_blocks, layout):
    """Name each block's hint; say which blocks fail and which pass when only some fail."""
    names = [name for name, _, lo, hi in layout.ranges() if hi > lo]
    every = layout.named and len(failed_blocks) == len(names) > 1
    if every and len(found) == len(names) and len(set(found.values())) == 1:
        return [_named(next(iter(found.values())), "every block")]
    hints = [_named(hint, name) if layout.named else hint for name, hint in found.items()]
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


def _factor_name(r):
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


def pattern_hint(analytic, numeric, shape):
    """Name the usual cause when the pattern of one block's errors points to it."""
    if np.all(numeric == 0) and np.any(analytic != 0):
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


def untested_cause(untested, saved, layout):
    """Say what makes the untested blocks' gradients vanish, where x shows it."""
    zero = [name for name, _, lo, hi in layout.ranges()
            if hi > lo and not np.any(saved[lo:hi]) and name not in untested]
    if not layout.named:
        return "x is all zeros: check at a random point" if not np.any(saved) else ""
    if zero:
        return (f"{_join(zero)} {'is' if len(zero) == 1 else 'are'} all zeros, so no gradient "
                f"reaches {_join(untested)}: check at a random point")
    return "check at a random point, where the gradient is not zero"


# The report -------------------------------------------------------------------------------

def headline(result):
    if result.could_not_check:
        return f"Could not be checked: {result.problem}"
    what = (f"{result.n_directions} random directions" if result.mode == "directional"
            else f"{result.n_checked} entries")
    if result.passed:
        line = f"Gradient check passed: all {what} within tol {result.tol:g}"
        if result.worst is not None:
            line += f" (worst rel. error {result.worst.rel_error:.1e} at {result.worst.place})"
        return line
    failed = (f"{result.n_directions_failed} of {what}" if result.mode == "directional"
              else f"{result.n_failed} of {what}")
    return f"Gradient check failed: {failed} failed (tol {result.tol:g}, h {result.h:g})"


def report_text(result, layout_named):
    lines = [headline(result)]
    if result.problem and not result.could_not_check:
        lines.append(f"Problem: {result.problem}")
    if result.untested:
        lines.append(f"Not tested at this x: {_join(result.untested)} (every gradient there "
                     f"is zero)")
    lines += [f"Note: {note}" for note in result.notes]
    if result.failures:
        worst = result.failures[:5]
        width = max(len(e.place) for e in worst) + 2
        lines.append(f"{'place':<{width}}{'analytic':>14}{'numeric':>14}"
                     f"{'abs. error':>12}{'rel. error':>12}  verdict")
        for e in worst:
            lines.append(f"{e.place:<{width}}{e.analytic:>14.6g}{e.numeric:>14.6g}"
                         f"{e.abs_error:>12.2e}{e.rel_error:>12.2e}  {e.verdict}".rstrip())
        if len(result.failures) > 5:
            lines.append(f"... and {len(result.failures) - 5} more")
    if layout_named and result.n_checked:
        lines.append("Per block:")
        width = max(len(s.name) for s in result.blocks.values()) + 2
        lines += [f"  {s.name:<{width}}{f'{s.n_failed}/{s.n_checked} failed':>14}   "
                  f"worst rel. error {s.worst.rel_error:.1e} at {s.worst.place}"
                  + ("   not tested" if s.name in result.untested else "")
                  for s in result.blocks.values() if s.worst]
    lines += [f"Hint: {hint}" for hint in result.hints]
    return "\n".join(lines)


def report_html(result):
    e = html.escape
    color = "#1a7f37" if result.passed else "#cf222e"
    parts = [f"<p><b style='color:{color}'>{e(headline(result))}</b></p>"]
    if result.problem and not result.could_not_check:
        parts.append(f"<p><b>Problem:</b> {e(result.problem)}</p>")
    if result.untested:
        parts.append(f"<p><b>Not tested at this x:</b> {e(_join(result.untested))}</p>")
    if len(result.blocks) > 1:
        rows = "".join(
            f"<tr><td>{e(b.name)}</td><td>{b.n_checked}</td><td>{b.n_failed}</td>"
            f"<td>{e(b.worst.place) if b.worst else ''}</td>"
            f"<td>{f'{b.worst.rel_error:.1e}' if b.worst else ''}</td>"
            f"<td>{'not tested' if b.name in result.untested else 'fail' if b.n_failed else 'pass'}"
            f"</td></tr>" for b in result.blocks.values())
        parts.append("<table><tr><th>block</th><th>checked</th><th>failed</th><th>worst entry"
                     "</th><th>rel. error</th><th>verdict</th></tr>" + rows + "</table>")
    if result.failures:
        rows = "".join(f"<tr><td>{e(f.place)}</td><td>{f.analytic:.6g}</td>"
                       f"<td>{f.numeric:.6g}</td><td>{f.rel_error:.2e}</td>"
                       f"<td>{e(f.verdict)}</td></tr>" for f in result.failures[:5])
        more = (f"<p>... and {len(result.failures) - 5} more</p>"
                if len(result.failures) > 5 else "")
        parts.append("<p>Worst entries:</p><table><tr><th>place</th><th>analytic</th>"
                     "<th>numeric</th><th>rel. error</th><th>verdict</th></tr>"
                     f"{rows}</table>{more}")
    parts += [f"<p><b>Hint:</b> {e(hint)}</p>" for hint in result.hints]
    return "".join(parts)


def print_classic(result, gradient_text, report=True):
    """The classic messages (CS224n 2017's, or with a gradient_text the 2019+ starters'),
    then the report on failure."""
    result._printed = True
    if result.passed:
        line = (f"Gradient check passed! ({gradient_text})" if gradient_text else
                "Gradient check passed!")
        if result.untested:
            verb = "was" if len(result.untested) == 1 else "were"
            line += (f" But {_join(result.untested)} {verb} not tested: every gradient there "
                     f"is zero at this x.")
        print(line)
        return
    print(f"Gradient check failed for {gradient_text}." if gradient_text else
          "Gradient check failed.")
    first = result.first_failure
    if first is not None:
        where = " in the vector of gradients" if gradient_text else ""
        print(f"First gradient error found at index {first.place}{where}")
        print(f"Your gradient: {first.analytic:f} \t Numerical gradient: {first.numeric:f}")
    if report:
        print(result.report)


class Progress:
    """For a long check in verbose mode: an estimate on stderr, then a progress line."""

    def __init__(self, planned, size):
        self.planned, self.size = planned, size
        self.start = time.perf_counter()
        self.line = None

    def tick(self, calls):
        if calls == 5:  # long enough to estimate, soon enough to say so at once
            estimate = (time.perf_counter() - self.start) / calls * self.planned
            if estimate > 5:
                print(f"gradcheck_naive: about {estimate:.0f} s for {self.planned} calls of f "
                      f"({self.size} entries); samples=K or directions=True check a part of x "
                      f"in a fraction of that", file=sys.stderr, flush=True)
                self.line = ProgressLine(self.planned, "call")
                self.line.start = self.start
        if self.line is not None:
            self.line.update(min(calls, self.planned))

    def done(self):
        if self.line is not None:
            self.line.close()
