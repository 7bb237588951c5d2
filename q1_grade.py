"""Grade a student's softmax, sigmoid, checker and network against the reference, part by part.

    python q1_grade.py STUDENT [--seed N] [--json results.json]

The idea: draw seeded, non-degenerate cases (non-square dimensions, non-zero parameters), run
the student's functions on them in a separate process that can be stopped, and compare what
comes back with the reference here: the network's cost first, then each gradient block, then
the student's gradient against the student's own cost through the checker. Each part earns
partial credit; the student's feedback says what is right and what is wrong, and where,
without the hidden cases or the reference's numbers; the staff report has all of them.
"""
from __future__ import annotations

import argparse
import contextlib
import html
import importlib
import io
import json
import multiprocessing
import re
import sys
import time
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import q1c_neural
from q1_gradcheck import gradcheck_naive
from q1_sigmoid import sigmoid, sigmoid_grad
from q1_softmax import softmax

__all__ = ["grade", "Grade", "GALLERY", "PARTS", "reference", "main"]

PARTS = {"softmax": 2.0, "sigmoid": 1.0, "sigmoid_grad": 1.0, "gradcheck_naive": 2.0,
         "forward_backward_prop": 4.0}  # part: points
# Agreement with the reference. Two correct float64 implementations differ by a few ulp per
# operation (other summation orders, log_softmax or not): under 1e-12 relative on these
# cases. 1e-8 leaves room for that and for float32 intermediates, while a factor, a
# transposition or a missing term is off by 1e-3 or far more.
RTOL, ATOL = 1e-8, 1e-12


def grade(student, *, seed=0, timeout=10.0):
    """Grade `student`: a dict of functions, a module, or the path of a folder or a .py file.

    Each part found (`PARTS`) is graded on cases drawn from `seed`, in a process of its own
    stopped after `timeout` seconds; a part not found scores 0 as missing.

    >>> g = grade({"softmax": softmax, "sigmoid": sigmoid}, seed=1)
    >>> g.parts["softmax"][:2], g.parts["sigmoid_grad"][:2]
    ((2.0, 2.0), (0.0, 1.0))
    """
    cases = _cases(seed)
    spec = _loader_spec(student)
    parts = {}
    for part, points in PARTS.items():
        start = time.perf_counter()
        status, outputs = _run_in_child(spec, part, cases, timeout)
        seconds = time.perf_counter() - start
        if status == "ok":
            fraction, feedback, staff = _MARKERS[part](outputs, cases)
        else:
            fraction, feedback, staff = 0.0, [_fault(part, status, outputs, timeout)], [status]
        parts[part] = _Part(round(points * fraction, 6), points, feedback, staff, seconds)
    return Grade(seed, cases, parts)


@dataclass
class _Part:
    score: float
    max_score: float
    feedback: list
    staff: list
    seconds: float


@dataclass
class Grade:
    """The grade of one student. `score` is in [0, 1]; `parts` maps each part to (score,
    max_score, feedback); `feedback` is for the student, `report` for staff."""

    seed: int
    cases: dict = field(repr=False)
    details: dict = field(repr=False)

    @property
    def parts(self):
        return {name: (p.score, p.max_score, " ".join(p.feedback))
                for name, p in self.details.items()}

    @property
    def score(self):
        return (sum(p.score for p in self.details.values())
                / sum(p.max_score for p in self.details.values()))

    @property
    def feedback(self):
        return "\n".join(f"{name}: {p.score:g} of {p.max_score:g}. " + " ".join(p.feedback)
                         for name, p in self.details.items())

    @property
    def report(self):
        c = self.cases
        lines = [f"seed {self.seed}: score {self.score:.3f}; network N = {len(c['data'])}, "
                 f"dims {c['dims']}; softmax rows {c['rows'].shape}"]
        for name, p in self.details.items():
            lines.append(f"{name}: {p.score:g}/{p.max_score:g} in {p.seconds:.2f} s")
            lines += [f"  {line}" for line in p.staff]
        return "\n".join(lines)

    def to_gradescope(self):
        """The results.json structure Gradescope's autograder reads."""
        return {"score": round(sum(p.score for p in self.details.values()), 6),
                "tests": [{"name": name, "score": p.score, "max_score": p.max_score,
                           "output": " ".join(p.feedback)} for name, p in self.details.items()]}

    def _repr_html_(self):
        rows = "".join(f"<tr><td>{name}</td><td>{p.score:g} / {p.max_score:g}</td>"
                       f"<td>{html.escape(' '.join(p.feedback))}</td></tr>"
                       for name, p in self.details.items())
        return (f"<p><b>Score {self.score:.0%}</b></p><table><tr><th>part</th><th>score</th>"
                f"<th>feedback</th></tr>{rows}</table>")

    def __repr__(self):
        return f"Grade(score {self.score:.3f}, seed {self.seed})"


# Cases --------------------------------------------------------------------------------------

def _cases(seed):
    """Hidden cases from `seed` alone: never square, never zero, every block tested."""
    rng = np.random.default_rng(seed)
    N, D = int(rng.integers(3, 7)), 0
    D = N + int(rng.integers(1, 4))
    rows = 3 * rng.standard_normal((N, D))
    while True:
        Dx, H, Dy = (int(v) for v in rng.choice(np.arange(2, 8), 3, replace=False))
        n = int(rng.integers(5, 9))
        data = rng.standard_normal((n, Dx))
        labels = np.eye(Dy)[rng.integers(0, Dy, n)]
        params = rng.standard_normal(q1c_neural.n_params((Dx, H, Dy)))
        dims = (Dx, H, Dy)
        check = gradcheck_naive(
            lambda p, d=data, y=labels, dims=dims: q1c_neural.forward_backward_prop(d, y, p, dims),
            params, blocks=q1c_neural.param_blocks(dims), verbose=False, raise_exception=False)
        if check and not check.untested:
            break
    return {"rows": rows, "vector": rng.standard_normal(int(rng.integers(5, 10))),
            "large": 1000 + rng.standard_normal((2, 4)), "small": -1000 - rng.standard_normal(
                (2, 4)), "shift": float(rng.uniform(50, 500)),
            "x": rng.uniform(-30, 30, (N, D)), "far": np.array([-800.0, -40.0, 40.0, 800.0]),
            "s": np.concatenate([sigmoid(3 * rng.standard_normal(D)), [0.0, 1.0]]),
            "data": data, "labels": labels, "params": params, "dims": (Dx, H, Dy),
            "quad_x": rng.standard_normal((3, 4))}


# Running the student's code in a process of its own -----------------------------------------

def _loader_spec(student):
    """What the child needs to find the student's functions: a path, or the functions."""
    if isinstance(student, (str, Path)):
        path = Path(student).resolve()
        if not path.exists():
            raise FileNotFoundError(f"grade expects a dict, a module or a path; {path} does "
                                    f"not exist")
        return ("path", str(path))
    if isinstance(student, types.ModuleType):
        return ("path", student.__file__) if getattr(student, "__file__", None) else \
            ("dict", {k: getattr(student, k) for k in PARTS if hasattr(student, k)})
    if isinstance(student, dict):
        return ("dict", dict(student))
    raise TypeError(f"grade expects a dict of functions, a module or a path, got "
                    f"{type(student).__name__}")


def _run_in_child(spec, part, cases, timeout):
    """Run one part's calls in a child process; ("ok", outputs) or (fault, detail)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, spec, part, cases), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            return "timeout", None
        return receive.recv()
    except EOFError:
        return "crashed", None
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)


def _child(send, spec, part, cases):
    warnings.simplefilter("ignore")  # the student's warnings are not the grader's errors
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            function = _load(spec, part)
            if function is None:
                send.send(("missing", None))
                return
            send.send(("ok", _CALLERS[part](function, cases)))
    except BaseException as error:  # anything the student's code does ends here
        send.send(("raised", f"{type(error).__name__}: {error}"))


def _load(spec, part):
    kind, value = spec
    if kind == "dict":
        return value.get(part)
    path = Path(value)
    # Shallow files first: a part in the top folder wins over one in a subfolder (utils/).
    files = [path] if path.is_file() else sorted(
        (f for f in path.rglob("*.py") if not any(p.startswith(".") or p in ("venv", "tests")
                                                   for p in f.relative_to(path).parts)),
        key=lambda f: (len(f.parts), f.name))
    pattern = re.compile(rf"^def {part}\s*\(", re.MULTILINE)
    for file in files:
        if pattern.search(file.read_text(errors="replace")):
            # Isolation: the student's folder first, and none of the reference modules, so
            # that `from q1_softmax import softmax` in their files finds their own.
            for name in [n for n in sys.modules if n.startswith(("q1", "q2", "q3", "_q1"))
                         or n in {f.stem for f in file.parent.glob("*.py")}]:
                del sys.modules[name]
            sys.path.insert(0, str(file.parent))
            return getattr(importlib.import_module(file.stem), part, None)
    return None


def _call(function, *args):
    """Call with copies (the student may write into them); the result as arrays or an error."""
    try:
        out = function(*[np.array(a) if isinstance(a, np.ndarray) else a for a in args])
        return ("ok", tuple(np.asarray(o, dtype=float) for o in out)
                if isinstance(out, tuple) else np.asarray(out, dtype=float))
    except Exception as error:  # noqa: BLE001 (the student's error is the feedback)
        return ("raised", f"{type(error).__name__}: {error}")


def _call_softmax(f, c):
    return {k: _call(f, v) for k, v in (("rows", c["rows"]), ("vector", c["vector"]),
                                        ("large", c["large"]), ("small", c["small"]),
                                        ("shifted", c["rows"] + c["shift"]))}


def _call_sigmoid(f, c):
    return {"x": _call(f, c["x"]), "far": _call(f, c["far"])}


def _call_sigmoid_grad(f, c):
    return {"s": _call(f, c["s"])}


def _call_network(f, c):
    dims, blocks = c["dims"], q1c_neural.param_blocks(c["dims"])
    out = {"at": _call(f, c["data"], c["labels"], c["params"], dims)}
    if out["at"][0] == "ok":  # the student's gradient against the student's own cost
        check = gradcheck_naive(lambda p: f(c["data"], c["labels"], p, dims),
                                np.array(c["params"]), blocks=blocks, verbose=False,
                                raise_exception=False)
        failed = [name for name, b in check.blocks.items() if b.n_failed]
        if set(failed) == {"W1", "b1"}:
            check.hints.append(q1c_neural.FIRST_LAYER_HINT)
        out["self"] = (bool(check), failed, check.hints, check.problem, check.report)
    return out


def _call_checker(checker, c):
    """The student's checker on right gradients and on each planted bug: its verdicts, and
    whether x came back unchanged."""
    dims = c["dims"]
    net = lambda fbp: lambda p: fbp(c["data"], c["labels"], p, dims)  # noqa: E731
    cases = {"right: sum of squares": (lambda x: (float(np.sum(x ** 2)), 2 * x), c["quad_x"]),
             "right: the network": (net(q1c_neural.forward_backward_prop), c["params"])}
    cases["bug: a gradient missing its factor 2"] = (lambda x: (float(np.sum(x ** 2)), x),
                                                     c["quad_x"])
    for name, (part, bug) in GALLERY.items():
        if part == "forward_backward_prop":
            cases[f"bug: {name}"] = (net(bug), c["params"])
    verdicts = {}
    for name, (f, x) in cases.items():
        x = np.array(x, dtype=float)
        before = x.copy()
        verdict = _verdict_of(checker, f, x)
        # The classic loop (x += h; x -= 2h; x += h) puts x back to rounding, not bit for bit:
        # a last-bit difference is allowed, an entry left at x - h is not.
        kept = bool(np.all(np.abs(x - before) <= 1e-12 * np.maximum(1, np.abs(before))))
        verdicts[name] = (verdict, kept)
    return verdicts


def _verdict_of(checker, f, x):
    """'passed', 'failed' or 'unknown', from what the checker raised, returned or printed."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            try:
                returned = checker(f, x)
            except TypeError as error:
                if "positional argument" not in str(error):
                    raise
                returned = checker(f, x, "grader")  # the 2019+ three-argument form
    except AssertionError:
        return "failed"
    except Exception as error:  # noqa: BLE001
        return f"raised {type(error).__name__}"
    if returned is not None and not isinstance(returned, str):
        return "passed" if returned else "failed"
    text = printed.getvalue().lower()
    if "failed" in text:
        return "failed"
    return "passed" if "passed" in text else "unknown"


_CALLERS = {"softmax": _call_softmax, "sigmoid": _call_sigmoid,
            "sigmoid_grad": _call_sigmoid_grad, "gradcheck_naive": _call_checker,
            "forward_backward_prop": _call_network}


# Marking: (fraction of the points, student feedback, staff lines) ------------------------------

def _compare(got, expected):
    """None when got matches expected within RTOL/ATOL, else what is wrong (no numbers)."""
    status, value = got
    if status != "ok":
        return f"it raised {value}"
    if value.shape != np.shape(expected):
        return "it returned an array of a different shape than expected"
    if not np.all(np.isfinite(value)):
        return "it returned NaN or inf"
    if not np.allclose(value, expected, rtol=RTOL, atol=ATOL):
        return "its values differ from the right ones"
    return None


def _worst(got, expected):
    status, value = got
    if status != "ok" or np.shape(value) != np.shape(expected):
        return str(value)[:80]
    return f"max abs. error {np.max(np.abs(value - expected)):.2e}"


def _mark_softmax(out, c):
    expected = {"rows": softmax(c["rows"]), "vector": softmax(c["vector"]),
                "large": softmax(c["large"]), "small": softmax(c["small"]),
                "shifted": softmax(c["rows"])}
    what = {"rows": "each row of a matrix", "vector": "a vector",
            "large": "large scores such as 1001", "small": "large negative scores such as -1001",
            "shifted": "scores shifted by a constant (the result must not change)"}
    wrong = {k: _compare(out[k], e) for k, e in expected.items()}
    right = [k for k, w in wrong.items() if w is None]
    feedback = [f"Right for {', '.join(what[k] for k in right)}." if right else ""]
    feedback += [f"Wrong for {what[k]}: {w}." for k, w in wrong.items() if w]
    if wrong["large"] and not wrong["rows"]:
        feedback.append("Hint: exp overflows for large scores; subtract each row's maximum "
                        "before exponentiating.")
    if wrong["rows"] and not wrong["vector"] and out["rows"][0] == "ok" and np.isclose(
            out["rows"][1].sum(), 1.0):
        feedback.append("Hint: the whole matrix sums to 1, not each row: normalise each row by "
                        "its own sum (axis=1, keepdims=True).")
    staff = [f"{k}: {_worst(out[k], e)}" for k, e in expected.items()]
    return len(right) / len(expected), [f for f in feedback if f], staff


def _mark_sigmoid(out, c):
    checks = {"values": _compare(out["x"], sigmoid(c["x"])),
              "extremes": _compare(out["far"], sigmoid(c["far"]))}
    feedback = ["Right for ordinary values." if not checks["values"] else
                f"Wrong for ordinary values: {checks['values']}.",
                "Right far from 0 (such as -800 and 800)." if not checks["extremes"] else
                f"Wrong far from 0 (such as -800 and 800): {checks['extremes']}."]
    staff = [f"values: {_worst(out['x'], sigmoid(c['x']))}",
             f"extremes: {_worst(out['far'], sigmoid(c['far']))}"]
    return sum(v is None for v in checks.values()) / 2, feedback, staff


def _mark_sigmoid_grad(out, c):
    s = c["s"]
    wrong = _compare(out["s"], s * (1 - s))
    feedback = ["Right: it computes s (1 - s) from the sigmoid's output s." if not wrong
                else f"Wrong: {wrong}."]
    if wrong and _compare(out["s"], sigmoid(s) * (1 - sigmoid(s))) is None:
        feedback.append("Hint: it treats its argument as x, but it is given s = sigmoid(x): "
                        "return s * (1 - s).")
    return float(not wrong), feedback, [f"s (1 - s): {_worst(out['s'], s * (1 - s))}"]


def _mark_checker(out, c):
    checks = [(name, verdict == ("passed" if name.startswith("right") else "failed"))
              for name, (verdict, _) in out.items()]
    restored = all(kept for _, kept in out.values())
    passed_right = [n for n, ok in checks if ok and n.startswith("right")]
    caught = [n for n, ok in checks if ok and n.startswith("bug")]
    bugs = [n for n, _ in checks if n.startswith("bug")]
    feedback = [f"It passes {len(passed_right)} of 2 right gradients and flags {len(caught)} of "
                f"{len(bugs)} wrong ones."]
    feedback += [f"It did not flag {n[5:]}." for n, ok in checks if n.startswith("bug") and not ok]
    feedback += [f"It failed a right gradient ({n[7:]}); a right gradient must pass." for n, ok
                 in checks if n.startswith("right") and not ok]
    feedback.append("It gives x back (to rounding)." if restored else
                    "It does not give x back unchanged: restore each entry after nudging it.")
    score = (sum(ok for _, ok in checks) + restored) / (len(checks) + 1)
    staff = [f"{name}: {verdict}, x {'kept' if kept else 'CHANGED'}"
             for name, (verdict, kept) in out.items()]
    return score, feedback, staff


def _mark_network(out, c):
    dims = c["dims"]
    cost, grad = q1c_neural.forward_backward_prop(c["data"], c["labels"], c["params"], dims)
    status, value = out["at"]
    if status != "ok":
        return 0.0, [f"It raised {value}."], [str(value)]
    if not (isinstance(value, tuple) and len(value) == 2):
        return 0.0, ["It must return (cost, grad)."], ["not a pair"]
    their_cost, their_grad = value
    feedback, staff, points = [], [], 0.0
    # The cost first: the sum over the N rows, as the assignment asks.
    n = len(c["data"])
    scalar = their_cost.size == 1
    mean = scalar and np.isclose(float(their_cost) * n, cost, rtol=1e-6)
    if scalar and np.isclose(float(their_cost), cost, rtol=RTOL, atol=ATOL):
        points += 1
        feedback.append("The cost is right.")
    elif mean:
        feedback.append("The cost is wrong: it averages over the N rows; the cost is their "
                        "sum.")
    else:
        feedback.append("The cost is wrong.")
    staff.append(f"cost {float(np.ravel(their_cost)[0]) if their_cost.size else 'none'} vs "
                 f"{cost!r}")
    # Then each block of the gradient: the sum's, or the mean's for a cost that averages
    # (one slip, the cost's, is not charged twice).
    if their_grad.shape == grad.shape:
        theirs = q1c_neural.unpack_params(their_grad, dims)
        wrong = []
        for (name, _), block, of_sum in zip(q1c_neural.param_blocks(dims), theirs,
                                            q1c_neural.unpack_params(grad, dims)):
            if not (np.allclose(block, of_sum, rtol=1e-6, atol=1e-9) or (
                    mean and np.allclose(block, of_sum / n, rtol=1e-6, atol=1e-9))):
                wrong.append(name)
        points += 0.5 * (4 - len(wrong))
        feedback.append("The gradient is right in every block." if not wrong else
                        f"The gradient is wrong in {', '.join(wrong)}.")
        staff.append(f"wrong blocks: {wrong}")
    else:
        feedback.append("The gradient has the wrong shape: one flat vector of P entries, "
                        "laid out W1, b1, W2, b2.")
    # Then the student's gradient against the student's own cost.
    consistent, failed, hints, problem, report = out["self"]
    if consistent:
        points += 1
        feedback.append("The gradient matches your own cost.")
    else:
        where = f", in {', '.join(failed)}" if failed else ""
        feedback.append(f"Your gradient does not match your own cost{where}.")
        feedback += [f"Hint: {_student_hint(h, n)}" for h in hints[:2]]
        if problem:
            feedback.append(f"The check says: {_student_hint(problem, n)}")
    staff.append(report.replace("\n", "\n    "))
    return points / 4, feedback, staff


def _student_hint(text, n):
    """A checker hint without the figures it quotes: they come from the hidden case."""
    factor = re.search(r"analytic = (1/)?(\d+) x numeric", text)
    if factor and int(factor.group(2)) == n:
        slip = ("sums while its gradient averages" if factor.group(1) else
                "averages while its gradient sums")
        return f"{text.split(' is off by')[0]} is off by the batch size N: a cost that {slip}"
    text = re.sub(r": it holds the \(\d+, \d+\) transpose", "", text)
    return re.sub(r"(?<![\w.])-?\d+(\.\d+)?(e[+-]?\d+)?", "...", text)


_MARKERS = {"softmax": _mark_softmax, "sigmoid": _mark_sigmoid,
            "sigmoid_grad": _mark_sigmoid_grad, "gradcheck_naive": _mark_checker,
            "forward_backward_prop": _mark_network}


def _fault(part, status, detail, timeout):
    return {"missing": f"No function named {part} was found.",
            "timeout": f"It did not finish within {timeout:g} s.",
            "crashed": "Its process stopped without an answer (a crash, or an exit).",
            "raised": f"It raised {detail}."}[status]


# A gallery of planted bugs, one named wrong implementation per entry -------------------------

def _softmax_without_shift(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_over_the_whole_matrix(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def _sigmoid_grad_given_x(s):
    return sigmoid(s) * (1 - sigmoid(s))


def _network_with(bug, data, labels, params, dims):
    """The reference pass with one slip, written out here so that each slip is visible."""
    W1, b1, W2, b2 = q1c_neural.unpack_params(params, dims)
    z1 = data @ W1 + b1
    h = sigmoid(z1)
    y_hat = softmax(h @ W2 + b2)
    cost = -np.sum(labels * np.log(y_hat))
    delta2 = y_hat - labels
    delta1 = delta2 @ W2.T * (z1 * (1 - z1) if bug == "sigmoid_grad(z)" else h * (1 - h))
    grad_W2 = h.T @ delta2
    if bug == "transposed W2":  # delta2^T h is (Dy, H), laid out flat as if (H, Dy)
        grad_W2 = (delta2.T @ h).reshape(grad_W2.shape)
    grad_b1, grad_b2 = delta1.sum(axis=0), delta2.sum(axis=0)
    if bug == "zero biases":
        grad_b1, grad_b2 = np.zeros_like(grad_b1), np.zeros_like(grad_b2)
    if bug == "averaged cost":
        cost = cost / len(data)
    return cost, q1c_neural.pack_params(data.T @ delta1, grad_b1, grad_W2, grad_b2)


# Module-level, so that they pickle where processes are spawned rather than forked.
def _averaged_cost(data, labels, params, dims):
    return _network_with("averaged cost", data, labels, params, dims)


def _sigmoid_grad_of_z(data, labels, params, dims):
    return _network_with("sigmoid_grad(z)", data, labels, params, dims)


def _transposed_W2(data, labels, params, dims):
    return _network_with("transposed W2", data, labels, params, dims)


def _zero_biases(data, labels, params, dims):
    return _network_with("zero biases", data, labels, params, dims)


def _checker_that_forgets_to_restore(f, x, gradient_text=""):
    """A classic checker whose loop leaves each entry at x - h."""
    fx, grad = f(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + 1e-4
        up = f(x)[0]
        x[ix] = old - 1e-4
        down = f(x)[0]
        if abs((up - down) / 2e-4 - grad[ix]) / max(1, abs(grad[ix])) > 1e-5:
            print("Gradient check failed.")
            return
    print("Gradient check passed!")


GALLERY = {
    "softmax without the max shift": ("softmax", _softmax_without_shift),
    "softmax over the whole matrix": ("softmax", _softmax_over_the_whole_matrix),
    "the sigmoid's derivative given x": ("sigmoid_grad", _sigmoid_grad_given_x),
    "averaged cost": ("forward_backward_prop", _averaged_cost),
    "sigmoid_grad(z) in the backward step": ("forward_backward_prop", _sigmoid_grad_of_z),
    "transposed W2 gradient": ("forward_backward_prop", _transposed_W2),
    "bias gradients left at zero": ("forward_backward_prop", _zero_biases),
    "a checker that forgets to restore x": ("gradcheck_naive",
                                            _checker_that_forgets_to_restore),
}


def reference():
    """The reference implementation of every part, as a dict for `grade`."""
    return {"softmax": softmax, "sigmoid": sigmoid,
            "sigmoid_grad": sigmoid_grad,
            "gradcheck_naive": gradcheck_naive,
            "forward_backward_prop": q1c_neural.forward_backward_prop}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Grade a student's q1 functions against the "
                                                 "reference and print the staff report.")
    parser.add_argument("student", help="a folder or a .py file with the student's functions")
    parser.add_argument("--seed", type=int, default=0, help="seed of the hidden cases")
    parser.add_argument("--json", metavar="results.json", help="also write Gradescope's file")
    args = parser.parse_args(argv)
    result = grade(args.student, seed=args.seed)
    print(result.report)
    if args.json:
        Path(args.json).write_text(json.dumps(result.to_gradescope(), indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
