"""Tests of q1_gradcheck: correct gradients pass, planted mistakes fail, x is never changed."""
import random
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from q1_gradcheck import (
    DEFAULT_DIRECTIONS,
    GradcheckError,
    gradcheck_naive,
    numerical_gradient,
)

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(7)
N = 6  # rows of the model's batch
X = RNG.standard_normal((N, 3))
C = RNG.standard_normal((N, 3))
BLOCKS = [("W", (3, 3)), ("b", (1, 3))]


def model(theta, bug=None):
    """cost = sum(C * tanh(X W + b)) over the N rows, with its gradient; `bug` plants a mistake."""
    W, b = theta[:9].reshape(3, 3), theta[9:]
    t = np.tanh(X @ W + b)
    delta = C * (1 - t ** 2)
    grad_W, grad_b = X.T @ delta, delta.sum(axis=0)
    if bug == "entry":
        grad_W[1, 2] += 1e-3
    elif bug == "scale2":
        grad_W = 2 * grad_W
    elif bug == "mean":  # the cost sums over the rows, the gradient averages
        grad_W, grad_b = grad_W / N, grad_b / N
    elif bug == "sign":
        grad_b = -grad_b
    elif bug == "transpose":
        grad_W = grad_W.T
    elif bug == "zero":
        grad_b = np.zeros(3)
    return np.sum(C * t), np.concatenate([grad_W.ravel(), grad_b])


THETA = RNG.standard_normal(12)


def quad(x):
    return np.sum(x ** 2), 2 * x


def quiet(f, x, *args, **kwargs):
    """gradcheck_naive returning the falsy result of a failing check instead of raising."""
    kwargs.setdefault("raise_exception", False)
    return gradcheck_naive(f, x, *args, **kwargs)


# The classic contract -------------------------------------------------------------------

@pytest.mark.parametrize("x", [np.array(123.456), RNG.standard_normal(3),
                               RNG.standard_normal((4, 5)), RNG.standard_normal((2, 3, 4))])
def test_correct_gradients_pass_and_print_the_classic_line(x, capsys):
    result = quiet(quad, x)
    assert result and result.passed
    assert capsys.readouterr().out == "Gradient check passed!\n"
    assert result.n_checked == x.size and result.n_failed == 0
    assert result.n_calls <= 2 * x.size + 2  # the centred differences and one extra call


def test_failure_prints_the_classic_lines_then_the_report(capsys):
    x = RNG.standard_normal((4, 5))
    result = quiet(lambda x: (np.sum(x ** 2), x), x)
    out = capsys.readouterr().out.splitlines()
    assert not result
    assert out[0] == "Gradient check failed."
    assert out[1] == "First gradient error found at index (0, 0)"
    assert out[2] == f"Your gradient: {x[0, 0]:f} \t Numerical gradient: {2 * x[0, 0]:f}"
    assert "20 of 20 entries failed" in out[3]
    assert "\n".join(out[3:]) == result.report


def test_result_carries_the_worst_entry_counts_and_settings():
    result = quiet(lambda t: model(t, "entry"), THETA, h=1e-5, tol=1e-6,
                             blocks=BLOCKS, verbose=False)
    assert not result
    assert (result.h, result.tol, result.mode) == (1e-5, 1e-6, "full")
    # 2P + 1 calls, then 10 for the step sweep of the failing entry
    assert (result.n_checked, result.n_failed) == (12, 1)
    assert result.worst.verdict == "wrong gradient"
    worst = result.worst
    assert worst.place == "W[1, 2]" and result.first_failure == worst
    assert worst.abs_error == pytest.approx(1e-3, rel=1e-4)
    assert worst.analytic == pytest.approx(model(THETA)[1][5] + 1e-3, rel=1e-12)
    assert worst.numeric == pytest.approx(model(THETA)[1][5], rel=1e-7)
    assert result.blocks["W"].n_failed == 1 and result.blocks["b"].n_failed == 0
    assert result.blocks["W"].worst == worst


def test_quiet_and_raising_modes(capsys):
    bad = lambda x: (np.sum(x ** 2), x)  # noqa: E731
    assert not quiet(bad, np.ones(3), verbose=False)
    assert capsys.readouterr().out == ""
    with pytest.raises(GradcheckError, match="3 of 3 entries failed") as info:
        quiet(bad, np.ones(3), verbose=False, raise_exception=True)
    assert isinstance(info.value, AssertionError)
    assert quiet(quad, np.ones(3), verbose=False, raise_exception=True)


def test_numerical_gradient_for_comparing_by_eye():
    x = RNG.standard_normal((2, 3))
    numeric = numerical_gradient(lambda x: (np.sum(np.sin(x)), None), x)
    assert numeric.shape == x.shape
    np.testing.assert_allclose(numeric, np.cos(x), rtol=1e-8)


# Planted mistakes are caught in every mode -------------------------------------------------

BUGS = ["entry", "scale2", "mean", "sign", "transpose", "zero"]


@pytest.mark.parametrize("bug", BUGS)
def test_planted_bugs_fail_in_full_mode(bug):
    assert quiet(lambda t: model(t), THETA, blocks=BLOCKS, verbose=False)
    result = quiet(lambda t: model(t, bug), THETA, blocks=BLOCKS, verbose=False)
    assert not result and result.n_failed >= 1


@pytest.mark.parametrize("bug", ["scale2", "mean", "sign", "transpose", "zero"])
@pytest.mark.parametrize("seed", range(5))
def test_planted_block_bugs_fail_in_sampled_mode(bug, seed):
    result = quiet(lambda t: model(t, bug), THETA, blocks=BLOCKS, samples=2,
                             seed=seed, verbose=False)
    assert not result
    assert result.n_checked == 4


def test_sampled_mode_covers_every_block_and_catches_a_sampled_entry():
    result = quiet(lambda t: model(t, "entry"), THETA, blocks=BLOCKS, samples=9,
                             verbose=False)
    assert not result and result.worst.place == "W[1, 2]"
    result = quiet(quad, np.ones(50), blocks=[("big", (49,)), ("tiny", (1,))],
                             samples=3, verbose=False)
    assert result.blocks["tiny"].n_checked == 1 and result.blocks["big"].n_checked == 3


@pytest.mark.parametrize("bug", ["scale2", "mean", "sign", "transpose", "zero"])
def test_directional_mode_catches_block_bugs_for_99_percent_of_seeds(bug):
    caught = sum(not quiet(lambda t: model(t, bug), THETA, blocks=BLOCKS,
                                     directions=True, seed=seed, verbose=False)
                 for seed in range(200))
    assert caught >= 198


def test_directional_flag_on_a_single_entry_is_always_localised():
    flagged = 0
    for seed in range(200):
        result = quiet(lambda t: model(t, "entry"), THETA, blocks=BLOCKS,
                                 directions=True, seed=seed, verbose=False)
        if result.n_directions_failed:
            flagged += 1
            assert [e.place for e in result.failures] == ["W[1, 2]"]
    assert flagged >= 100  # and the flag itself is not rare


def test_directional_mode_costs_2k_plus_1_calls_when_it_passes():
    result = quiet(quad, RNG.standard_normal(1000), directions=True, verbose=False)
    assert result and result.n_calls <= 2 * DEFAULT_DIRECTIONS + 2
    assert result.n_directions == DEFAULT_DIRECTIONS


def test_directional_without_blocks_localises_over_all_of_x():
    result = quiet(lambda t: model(t, "sign"), THETA, directions=4, verbose=False)
    assert not result and {e.place for e in result.failures} == {"(9,)", "(10,)", "(11,)"}


def test_directional_failure_spread_too_thin_to_localise_says_so():
    # Gradients of +-100 and every entry off by 9e-4: 9e-6 relative each, below tol, but a
    # direction in which the true derivative nearly cancels sees the summed error.
    s = np.resize([100.0, -100.0], 400)
    result = quiet(lambda x: (s @ x, s + 9e-4), np.ones(400), directions=5,
                             verbose=False)
    assert not result and result.n_directions_failed >= 1
    assert result.n_checked == 400 and result.n_failed == 0
    assert "no single entry exceeds the tolerance" in result.report


# Hints --------------------------------------------------------------------------------------

@pytest.mark.parametrize("bug, hint", [
    ("scale2", "every checked entry of W is off by one factor: analytic = 2 x numeric"),
    ("mean", f"analytic = 1/{N} x numeric (a factor {N} missing, or, if {N} is the batch size N"),
    ("sign", "b is off by one factor: analytic = -1 x numeric (a flipped sign)"),
    ("transpose", "looks transposed"),
    ("zero", "analytic gradient is all zero"),
])
def test_hints_name_the_usual_cause(bug, hint):
    result = quiet(lambda t: model(t, bug), THETA, blocks=BLOCKS, verbose=False)
    assert hint in result.report


def test_hint_for_a_step_below_the_resolution_of_x():
    result = quiet(quad, np.full(3, 1e20), verbose=False)
    assert not result and {e.verdict for e in result.failures} == {"no step possible"}
    assert "where x + h == x - h no step can be taken" in result.report


def test_report_table_is_aligned_and_names_blocks():
    result = quiet(lambda t: model(t, "scale2"), THETA, blocks=BLOCKS, verbose=False)
    table = result.report.splitlines()[1:7]
    assert table[0].split() == ["place", "analytic", "numeric", "abs.", "error", "rel.", "error",
                                "verdict"]
    assert all(line.index("wrong gradient") == table[0].index("verdict") for line in table[1:])
    assert all(line.startswith("W[") for line in table[1:])
    assert "Per block:" in result.report


# x is never changed; f's contract -----------------------------------------------------------

def test_caller_x_is_bit_identical_and_f_sees_exact_restores():
    x = np.array([0.1, 1e-300, -0.0, 3e7, 0.7])
    before = x.tobytes()
    seen = []

    def f(v):
        seen.append(v.copy())
        return quad(v)

    quiet(f, x, verbose=False)
    assert x.tobytes() == before
    for v in seen:  # at most the perturbed entry differs, every other one is bit-exact
        assert np.sum(v.view(np.int64) != x.view(np.int64)) <= 1


def test_x_is_intact_when_f_raises():
    x = RNG.standard_normal((3, 2))
    before = x.tobytes()
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("boom")
        return quad(v)

    with pytest.raises(RuntimeError, match="boom"):
        quiet(f, x, verbose=False)
    assert x.tobytes() == before


def test_f_that_modifies_x_is_reported():
    def f(v):
        v *= 1.0000001
        return quad(v)

    result = quiet(f, np.ones(3), verbose=False)
    assert not result and "f modified its input x" in result.report


@pytest.mark.parametrize("f, error, message", [
    (lambda x: (np.sum(x), np.ones(3)), ValueError,
     r"grad of shape \(3,\), expected x's shape \(4, 5\)"),
    (lambda x: (x, x), ValueError, r"scalar cost, got an array of shape \(4, 5\)"),
    (lambda x: np.sum(x), TypeError, "must return a pair"),
])
def test_broken_contract_is_an_error(f, error, message):
    with pytest.raises(error, match=message):
        quiet(f, np.ones((4, 5)), verbose=False)


@pytest.mark.parametrize("f, message", [
    (lambda x: (np.nan, 2 * x), "non-finite cost nan"),
    (lambda x: (np.sum(x ** 2), np.full_like(x, np.inf)), "non-finite gradient"),
    (lambda x: (np.sum(x ** 2) if x[0] < 1 else np.inf, 2 * x), "non-finite cost (inf)"),
])
def test_non_finite_values_never_pass(f, message):
    result = quiet(f, np.array([1.0 - 1e-4 / 2, 2.0]), verbose=False)
    assert not result and message in result.report


def test_blocks_that_do_not_tile_x():
    with pytest.raises(ValueError, match=r"cover 10 entries, x has 12 \(2 short\)"):
        quiet(quad, THETA, blocks=[("W", (3, 3)), ("b", (1,))])
    with pytest.raises(ValueError, match=r"\(1 too many\)"):
        quiet(quad, THETA, blocks=[("W", (3, 3)), ("b", (4,))])


def test_bad_settings():
    with pytest.raises(ValueError, match="give one, got both"):
        quiet(quad, THETA, samples=2, directions=2)
    with pytest.raises(ValueError, match="positive integer or None, got 0"):
        quiet(quad, THETA, samples=0)
    with pytest.raises(TypeError, match="got dtype complex128"):
        quiet(quad, np.ones(2, dtype=complex))


# Precision ----------------------------------------------------------------------------------

def test_float32_x_is_checked_in_float64_with_one_warning():
    xs = np.random.default_rng(3).standard_normal((20, 5)).astype(np.float32)
    for x in xs:
        with pytest.warns(UserWarning, match="float32; checking on a float64 copy") as record:
            assert quiet(quad, x, verbose=False)
        assert len(record) == 1


def test_integer_x_is_checked_as_float64():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert quiet(lambda x: (np.sum(x ** 3), 3 * x ** 2), np.arange(4),
                               verbose=False)


# Randomness inside the cost ---------------------------------------------------------------

def dropout_model(theta):
    """A cost with built-in randomness from both global generators (dropout, a noise term)."""
    keep = np.random.rand(theta.size) < 0.5  # noqa: NPY002 (the legacy state is the point)
    noise = random.random()
    return np.sum((theta * keep) ** 2) * (1 + noise), 2 * theta * keep * (1 + noise)


def classic_reference(f, x):
    """The classic contract, minimal (after CS224n's q2_gradcheck.py, written here): both
    global states set to their entry values before every call of f, nothing after.
    Returns the states it ends with."""
    py_entry, np_entry = random.getstate(), np.random.get_state()  # noqa: NPY002
    x = np.array(x, dtype=float)
    for i in [None, *range(x.size)]:
        for step in ((0.0,) if i is None else (1e-4, -1e-4)):
            random.setstate(py_entry)
            np.random.set_state(np_entry)  # noqa: NPY002
            y = x.copy()
            if i is not None:
                y.flat[i] += step
            f(y)
    return random.getstate(), np.random.get_state()  # noqa: NPY002


def reseeding_model(theta):
    random.seed(3)
    np.random.seed([3, 1])  # noqa: NPY002
    return dropout_model(theta)


def gaussian_model(theta):
    scale = 1 + np.random.randn() ** 2 + random.gauss(0, 1) ** 2  # noqa: NPY002
    return scale * np.sum(theta ** 2), scale * 2 * theta


def python_only_model(theta):
    noise = random.random()
    return np.sum(theta ** 2) * (1 + noise), 2 * theta * (1 + noise)


@pytest.mark.parametrize("f", [dropout_model, reseeding_model, gaussian_model,
                               python_only_model, quad])
@pytest.mark.parametrize("cached_gaussian", [False, True])
def test_random_states_end_where_the_classic_contract_leaves_them(f, cached_gaussian):
    np.random.seed(1)  # noqa: NPY002
    random.seed(1)
    if cached_gaussian:
        np.random.randn(1)  # noqa: NPY002 -- leaves one cached Gaussian behind
        random.gauss(0, 1)
    entry = random.getstate(), np.random.get_state()  # noqa: NPY002
    expected_py, expected_np = classic_reference(f, THETA)
    random.setstate(entry[0])
    np.random.set_state(entry[1])  # noqa: NPY002
    assert quiet(f, THETA.copy(), verbose=False)
    assert random.getstate() == expected_py
    after = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(after[1], expected_np[1]) and after[2:] == expected_np[2:]


def test_an_f_that_starts_drawing_late_is_checked_again_with_resets():
    calls = []

    def late(theta):
        calls.append(1)
        noise = random.random() if len(calls) > 10 else 0.5
        return np.sum(theta ** 2) * (1 + noise), 2 * theta * (1 + noise)

    random.seed(5)
    result = quiet(late, THETA.copy(), verbose=False)
    assert not result  # its cost changes from call 11 on: the grad of call 1 is off
    assert result.n_calls > 2 * THETA.size + 1  # the pass was made again, resetting


def test_deterministic_f_pays_no_state_restores(monkeypatch):
    restores = []
    real_np, real_py = np.random.set_state, random.setstate
    monkeypatch.setattr(np.random, "set_state", lambda s: (restores.append("np"), real_np(s)))
    monkeypatch.setattr(random, "setstate", lambda s: (restores.append("py"), real_py(s)))
    assert quiet(quad, THETA.copy(), verbose=False)
    assert restores == []
    assert quiet(dropout_model, THETA.copy(), verbose=False)
    assert "np" in restores and "py" in restores  # it draws from both: both are reset


# In place, and the callers' call forms ------------------------------------------------------

def test_f_receives_the_callers_array_so_a_closure_sees_each_nudge():
    # cs231n's idiom: f ignores its argument and reads the parameters through a closure.
    params = {"W": THETA.copy()}
    before = params["W"].copy()
    result = quiet(lambda _: (np.sum(params["W"] ** 2), 2 * params["W"]),
                             params["W"], verbose=False)
    assert result
    assert params["W"].tobytes() == before.tobytes()


def test_x_is_restored_bit_for_bit_when_f_raises_midway():
    x = THETA.copy()
    before = x.tobytes()
    calls = []

    def f(theta):
        calls.append(1)
        if len(calls) == 8:
            raise RuntimeError("boom")
        return quad(theta)

    with pytest.raises(RuntimeError, match="boom"):
        quiet(f, x, verbose=False)
    assert x.tobytes() == before


CTRL_C = """
import os, signal, time, numpy as np
from q1_gradcheck import gradcheck_naive
x = np.random.default_rng(0).standard_normal(50)
before = x.tobytes()
calls = []
def f(theta):
    calls.append(1)
    if len(calls) == 20:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # the handler raises KeyboardInterrupt here, inside f, not later
    return float(np.sum(theta ** 2)), 2 * theta
try:
    gradcheck_naive(f, x, verbose=False)
except KeyboardInterrupt:
    raise SystemExit(0 if x.tobytes() == before else 4)
raise SystemExit(5)
"""


def test_ctrl_c_leaves_x_as_it_was():
    run = subprocess.run([sys.executable, "-c", CTRL_C], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_three_argument_form_prints_the_2019_messages(capsys):
    # CS224n 2019+ starters call gradcheck_naive(f, x, gradientText).
    assert quiet(quad, THETA.copy(), "quad gradient")
    assert "Gradient check passed! (quad gradient)" in capsys.readouterr().out
    assert not quiet(lambda t: model(t, "entry"), THETA.copy(), "model gradient")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Gradient check failed for model gradient."
    assert out[1] == "First gradient error found at index (5,) in the vector of gradients"
    assert out[2].startswith("Your gradient: ") and " \t Numerical gradient: " in out[2]


def test_repr_is_one_short_line_and_str_is_the_report():
    result = quiet(lambda t: model(t, "scale2"), THETA.copy(), blocks=BLOCKS,
                             verbose=False)
    assert repr(result).startswith("GradcheckResult(failed: 9 of 12 entries, worst W[")
    assert "\n" not in repr(result) and len(repr(result)) < 100
    assert str(result) == result.report
    assert "Attributes" in type(result).__doc__ and "first_failure" in type(result).__doc__


def test_numerical_gradient_takes_a_bare_cost_or_a_pair():
    x = np.array([1.0, 2.0])
    bare = numerical_gradient(lambda v: np.sum(v ** 3), x)
    pair = numerical_gradient(lambda v: [np.sum(v ** 3), None], x)
    np.testing.assert_allclose(bare, [3, 12], rtol=1e-7)
    assert np.array_equal(bare, pair)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(h=0), ValueError, "h must be a positive finite number, got 0"),
    (dict(h=np.nan), ValueError, "h must be a positive finite number, got nan"),
    (dict(h=np.inf), ValueError, "h must be a positive finite number, got inf"),
    (dict(h="1e-4"), TypeError, "h must be a positive finite number, got '1e-4'"),
    (dict(h=None), TypeError, "h must be a positive finite number, got None"),
    (dict(tol=np.inf), ValueError, "tol must be a positive finite number, got inf"),
    (dict(tol="x"), TypeError, "tol must be a positive finite number"),
])
def test_bad_settings_name_the_parameter(kwargs, error, message):
    with pytest.raises(error, match=message):
        quiet(quad, THETA.copy(), verbose=False, **kwargs)
    if "h" in kwargs:
        with pytest.raises(error, match=message):
            numerical_gradient(quad, THETA.copy(), **kwargs)


@pytest.mark.parametrize("cost, error, message", [
    (None, TypeError, "real scalar cost, got cost None"),
    ("1.0", TypeError, "real scalar cost, got cost '1.0'"),
])
def test_a_cost_that_is_not_a_number_is_named(cost, error, message):
    with pytest.raises(error, match=message):
        quiet(lambda t: (cost, 2 * t), THETA.copy(), verbose=False)


@pytest.mark.parametrize("blocks, message", [
    ([("W", (3, -3)), ("b", (1, 3))],
     r"shape of 'W' must hold non-negative integers, got \[3, -3\]"),
    ([("W", (3, 2.5)), ("b", (1, 3))], r"shape of 'W' must hold non-negative integers"),
])
def test_bad_block_shapes(blocks, message):
    with pytest.raises(ValueError, match=message):
        quiet(quad, THETA.copy(), blocks=blocks, verbose=False)


def test_accepted_forms_numpy_integers_dict_blocks_nan_and_plain_places():
    assert quiet(quad, THETA.copy(), samples=np.int64(3), verbose=False)
    assert quiet(quad, THETA.copy(), directions=np.int32(4), verbose=False)
    result = quiet(lambda t: model(t, "sign"), THETA.copy(),
                             blocks={"W": (3, 3), "b": (1, 3)}, verbose=False)
    assert list(result.blocks) == ["W", "b"] and result.worst.place.startswith("b[")
    x = THETA.copy()
    x[0] = np.nan
    result = quiet(quad, x, verbose=False)
    assert "modified" not in result.problem and "non-finite" in result.problem
    result = quiet(lambda t: (np.sum(t ** 2), -2 * t), np.ones(2), verbose=False)
    assert result.worst.place == "(0,)"


def test_progress_for_a_long_check_goes_to_stderr_only_when_verbose(capsys):
    import time

    def slow(theta):
        time.sleep(0.03)
        return quad(theta)

    x = np.ones(100)  # 201 calls of about 0.03 s: over 5 s estimated
    quiet(slow, x, samples=3, verbose=True)  # 7 calls: no message
    assert capsys.readouterr().err == ""
    calls = []

    def stop_after_the_estimate(theta):
        calls.append(1)
        if len(calls) == 8:
            raise KeyboardInterrupt
        return slow(theta)

    with pytest.raises(KeyboardInterrupt):
        quiet(stop_after_the_estimate, x, verbose=True)
    err = capsys.readouterr().err
    assert "gradcheck_naive: about" in err and "samples=K or directions=True" in err
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        quiet(stop_after_the_estimate, x, verbose=False)
    assert capsys.readouterr().err == ""


# The script ---------------------------------------------------------------------------------

def test_script_runs_the_sanity_checks_and_the_planted_bug():
    run = subprocess.run([sys.executable, "q1_gradcheck.py"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("Gradient check passed!") == 3
    assert "Gradient check failed." in run.stdout and "Hint:" in run.stdout
    assert "verdict" in run.stdout and "finite-difference error" in run.stdout
    assert run.stdout.rstrip().endswith("All checks behaved as expected: 3 of 3 right "
                                        "gradients passed, the planted bug was caught, and "
                                        "the too-coarse step was diagnosed.")


# Verdicts: why each failing entry fails ----------------------------------------------------

def relu_cost(x, grad_at_zero=0.0):
    return float(np.sum(np.maximum(x, 0))), np.where(x > 0, 1.0, np.where(x == 0,
                                                                           grad_at_zero, 0.0))


@pytest.mark.parametrize("f, x, verdict", [
    # High curvature: exp(100 x) at 0; the centred error 100**3 h**2 / 6 exceeds tol at h.
    (lambda x: (float(np.sum(np.exp(100 * x))), 100 * np.exp(100 * x)), np.zeros(3),
     "finite-difference error"),
    # Rounding: sum(x**2) at 1e8, where the cost's last bit is worth 2 and h = 1e-4.
    (lambda x: (float(np.sum(x ** 2)), 2 * x), np.full(3, 1e8), "finite-difference error"),
    # One entry off by 1e-3, and every entry off by a factor of 1.01.
    (lambda x: (float(np.sum(x ** 3)), 3 * x ** 2 + np.eye(3)[1] * 1e-3), np.ones(3),
     "wrong gradient"),
    (lambda x: (float(np.sum(x ** 3)), 1.01 * 3 * x ** 2), np.ones(3), "wrong gradient"),
    # A ReLU at its kink, and 5e-5 from it: within a step h = 1e-4 of it.
    (relu_cost, np.zeros(3), "kink"),
    (lambda x: relu_cost(x), np.full(3, 5e-5), "kink"),
])
def test_each_failing_entry_gets_its_verdict(f, x, verdict):
    result = quiet(f, x, verbose=False)
    assert not result  # the classic pass/fail rule is unchanged
    assert {e.verdict for e in result.failures} == {verdict}


def test_verdict_hints_say_the_step_that_passes_and_the_subgradient_range():
    curvy = quiet(lambda x: (float(np.sum(np.exp(100 * x))), 100 * np.exp(100 * x)),
                            np.zeros(3), verbose=False)
    assert curvy.hints[0] == ("3 of 3 failing entries are finite-difference error: at h = "
                              "1e-05 they pass; the gradient is right (truncation: the cost "
                              "curves sharply within h)")
    assert all(e.passing_step == 1e-5 for e in curvy.failures)
    rounding = quiet(lambda x: (float(np.sum(x ** 2)), 2 * x), np.full(3, 1e8),
                               verbose=False)
    assert all(e.passing_step > 1e-4 for e in rounding.failures)
    assert rounding.hints[0].endswith("(rounding: at this size of x or of the cost, a small "
                                      "step loses its digits)")
    kink = quiet(relu_cost, np.zeros(1), verbose=False)
    assert kink.hints == ["(0,) sits on a kink of the cost (one-sided slopes 0 and 1): any "
                          "value between them is a valid subgradient; check at a point away "
                          "from the kink"]
    two = quiet(relu_cost, np.zeros(2), verbose=False)  # one hint for both, not two
    assert two.hints == ["(0,) and (1,) sit on a kink of the cost (at (0,), one-sided slopes 0 "
                         "and 1): any value between them is a valid subgradient; check at a "
                         "point away from the kink"]
    assert kink.failures[0].slopes == (0.0, 1.0)


def test_a_passing_check_makes_one_extra_call_at_most_and_the_sweep_is_capped():
    assert quiet(quad, THETA.copy(), verbose=False).n_calls <= 2 * THETA.size + 2
    x = np.ones(30)
    result = quiet(lambda t: (float(np.sum(t ** 2)), 3 * t), x, verbose=False)
    assert result.n_failed == 30
    assert sum(bool(e.verdict) for e in result.failures) == 20  # the worst 20 are swept


# Block patterns ---------------------------------------------------------------------------

def student_network(data, labels, params, dims, bug=None):
    """A student's forward/backward pass written from the CS224n 2017 q2_neural.py starter's
    comments (our own code), with one planted slip."""
    Dx, H, Dy = dims
    W1 = params[:Dx * H].reshape(Dx, H)
    b1 = params[Dx * H:Dx * H + H].reshape(1, H)
    W2 = params[Dx * H + H:Dx * H + H + H * Dy].reshape(H, Dy)
    b2 = params[Dx * H + H + H * Dy:].reshape(1, Dy)
    z1 = data @ W1 + b1
    h = 1 / (1 + np.exp(-z1))
    scores = h @ W2 + b2
    y_hat = np.exp(scores - scores.max(axis=1, keepdims=True))
    y_hat /= y_hat.sum(axis=1, keepdims=True)
    cost = -np.sum(labels * np.log(y_hat))
    delta2 = y_hat - labels
    grad_W2, grad_b2 = h.T @ delta2, delta2.sum(axis=0)
    delta1 = delta2 @ W2.T * (z1 * (1 - z1) if bug == "sigmoid_grad(z)" else h * (1 - h))
    grad_W1, grad_b1 = data.T @ delta1, delta1.sum(axis=0)
    if bug == "first layer / N":
        grad_W1, grad_b1 = grad_W1 / len(data), grad_b1 / len(data)
    if bug == "zero b1":
        grad_b1 = np.zeros(H)
    return cost, np.concatenate([grad_W1.ravel(), grad_b1, grad_W2.ravel(), grad_b2])


NET_DIMS = (4, 3, 2)  # not square: a transposed block cannot pass


def net_problem(N=5, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((N, NET_DIMS[0]))
    labels = np.eye(NET_DIMS[2])[rng.integers(0, NET_DIMS[2], N)]
    params = rng.standard_normal((4 + 1) * 3 + (3 + 1) * 2)
    return data, labels, params


@pytest.mark.parametrize("bug, failing, hint", [
    ("sigmoid_grad(z)", ["W1", "b1"], None),
    ("first layer / N", ["W1", "b1"], "every checked entry of W1 is off by one factor: "
                                      "analytic = 1/5 x numeric"),
    ("zero b1", ["b1"], "b1: the analytic gradient is all zero here"),
])
def test_block_patterns_name_the_failing_blocks_and_the_passing_ones(bug, failing, hint):
    data, labels, params = net_problem()
    blocks = [("W1", (4, 3)), ("b1", (1, 3)), ("W2", (3, 2)), ("b2", (1, 2))]
    result = quiet(lambda p: student_network(data, labels, p, NET_DIMS, bug), params,
                             blocks=blocks, verbose=False)
    assert not result
    assert [name for name, b in result.blocks.items() if b.n_failed] == failing
    passing = [name for name in ("W1", "b1", "W2", "b2") if name not in failing]
    pattern = (f"{' and '.join(failing)} fail{'s' if len(failing) == 1 else ''}, while "
               f"{', '.join(passing[:-1])} and {passing[-1]} pass: look at the code that "
               f"computes the failing block{'s' if len(failing) > 1 else ''}")
    assert pattern in result.hints
    assert not any("every block" in h for h in result.hints)
    if hint:
        assert any(h.startswith(hint) for h in result.hints)


def test_every_block_only_when_every_block_fails():
    data, labels, params = net_problem()

    def mean_cost(p):
        cost, grad = student_network(data, labels, p, NET_DIMS)
        return cost / 5, grad

    result = quiet(mean_cost, params, blocks={"W1": (4, 3), "b1": (1, 3),
                                                        "W2": (3, 2), "b2": (1, 2)},
                             verbose=False)
    assert any(h.startswith("every checked entry of every block is off by one factor")
               for h in result.hints)


def test_an_f_that_ignores_its_argument_is_told_so():
    frozen = THETA.copy()  # f closes over a copy, not the array it is given
    result = quiet(lambda _: (float(np.sum(frozen ** 2)), 2 * frozen), THETA.copy(),
                             blocks=BLOCKS, verbose=False)
    assert not result
    assert any(h.startswith("every block: the cost did not change when f's argument changed, "
                            "so f may be computing from another array than the one it was "
                            "given") for h in result.hints)


def test_a_step_below_the_resolution_of_x_is_told_apart():
    result = quiet(quad, np.full(3, 1e13), h=1e-4, verbose=False)
    assert any("x + h == x - h" in h for h in result.hints)
    assert {e.verdict for e in result.failures} == {"no step possible"}


# Dicts of named arrays ----------------------------------------------------------------------

def dict_model(params, bug=None):
    W, b = params["W"], params["b"]
    t = np.tanh(X @ W + b)
    delta = C * (1 - t ** 2)
    grad = {"W": X.T @ delta, "b": delta.sum(axis=0)}
    if bug:
        grad["b"] = grad["b"] * 2
    return float(np.sum(C * t)), grad


def test_a_dict_of_named_arrays_passes_and_the_arrays_are_bit_exact_after():
    params = {"W": THETA[:9].reshape(3, 3).copy(), "b": THETA[9:].copy()}
    before = {k: v.tobytes() for k, v in params.items()}
    seen = []
    result = quiet(lambda p: (seen.append(p["W"] is params["W"]), dict_model(p))[1],
                             params, verbose=False)
    assert result and all(seen)  # f received the caller's own arrays
    assert list(result.blocks) == ["W", "b"]
    assert {k: v.tobytes() for k, v in params.items()} == before


def test_a_dict_failure_names_the_key_and_summarises_per_key():
    params = {"W": THETA[:9].reshape(3, 3).copy(), "b": THETA[9:].copy()}
    result = quiet(lambda p: dict_model(p, bug=True), params, verbose=False)
    assert not result and result.worst.place.startswith("b[")
    assert result.blocks["W"].n_failed == 0 and result.blocks["b"].n_failed == 3
    assert any(h.startswith("every checked entry of b is off by one factor: analytic = 2")
               for h in result.hints)


@pytest.mark.parametrize("grad, error, message", [
    ({"W": np.zeros((3, 3))}, ValueError, r"keys of x, \['W', 'b'\]; missing \['b'\]"),
    ({"W": np.zeros((3, 3)), "b": np.zeros(3), "c": 1}, ValueError, r"extra \['c'\]"),
    ({"W": np.zeros((3, 3)), "b": np.zeros(4)}, ValueError,
     r"grad\['b'\] of shape \(4,\), expected x's shape \(3,\)"),
    (np.zeros(12), TypeError, "f must return \\(cost, \\{name: grad\\}\\)"),
])
def test_dict_grads_of_the_wrong_form_are_clear_errors(grad, error, message):
    params = {"W": np.zeros((3, 3)), "b": np.zeros(3)}
    with pytest.raises(error, match=message):
        quiet(lambda p: (0.0, grad), params, verbose=False)


def test_notebook_display_is_a_table_per_block_and_the_worst_entries():
    result = quiet(lambda t: model(t, "sign"), THETA.copy(), blocks=BLOCKS,
                             verbose=False)
    page = result._repr_html_()
    assert page.startswith("<p><b style='color:#cf222e'>Gradient check failed: 3 of 12")
    assert "<th>block</th><th>checked</th><th>failed</th>" in page
    assert "<tr><td>W</td><td>9</td><td>0</td>" in page
    assert "<tr><td>b</td><td>3</td><td>3</td><td>b[0, " in page and "wrong gradient" in page
    assert "Worst entries:" in page and "Hint:</b> b: every checked entry" not in page
    assert "every checked entry of b is off by one factor: analytic = -1 x numeric" in page
    assert "Gradient check passed" in quiet(quad, THETA.copy(),
                                                      verbose=False)._repr_html_()


# Fail loudly --------------------------------------------------------------------------------

def test_a_failing_check_raises_by_default_after_the_classic_lines(capsys):
    with pytest.raises(GradcheckError) as info:
        gradcheck_naive(lambda x: (np.sum(x ** 2), x), np.ones(3))
    out = capsys.readouterr().out
    assert out.startswith("Gradient check failed.\nFirst gradient error found at index (0,)")
    assert len(out.splitlines()) == 3  # the report travels in the exception, not twice
    error = info.value
    assert isinstance(error, AssertionError) and not error.result
    assert str(error) == error.result.report and "3 of 3 entries failed" in str(error)


def test_a_test_that_asserts_nothing_still_fails_on_a_wrong_gradient():
    # The Tel Aviv starter's test_word2vec_basic style: call the checker, assert nothing.
    def student_test():
        gradcheck_naive(lambda x: (np.sum(x ** 3), 2 * x), np.ones(4), "cube gradient")

    with pytest.raises(AssertionError):
        student_test()


# Determinism: found, named, held fixed ------------------------------------------------------

def own_generator_dropout(seed=0):
    """A dropout cost that draws its mask from its own generator, the NumPy 1.17+ idiom."""
    rng = np.random.default_rng(seed)

    def f(theta):
        keep = rng.random(theta.size) < 0.5
        return float(np.sum((theta * keep) ** 2)), 2 * theta * keep

    return f, rng


def test_an_f_with_its_own_generator_is_named_not_blamed():
    f, _ = own_generator_dropout()
    result = quiet(f, np.arange(1.0, 9.0), verbose=False)
    assert not result and result.failures == []  # no per-entry verdicts for such an f
    assert result.problem.startswith("f is not deterministic: two calls at the same x returned "
                                     "costs ")
    assert "rng (Generator, in f)" in result.problem and "rngs=[rng]" in result.problem
    assert result.report.startswith("Could not be checked: f is not deterministic")
    assert "wrong gradient" not in result.report and "kink" not in result.report


@pytest.mark.parametrize("kind", ["Generator", "RandomState", "Random"])
def test_rngs_hold_a_generator_to_the_classic_contract(kind):
    make = {"Generator": np.random.default_rng, "RandomState": np.random.RandomState,
            "Random": random.Random}[kind]
    rng, twin = make(3), make(3)
    draw = {"Generator": lambda g: g.random(8), "RandomState": lambda g: g.random_sample(8),
            "Random": lambda g: np.array([g.random() for _ in range(8)])}[kind]

    def f(theta):
        keep = draw(rng) < 0.5
        return float(np.sum((theta * keep) ** 2)), 2 * theta * keep

    assert quiet(f, np.arange(1.0, 9.0), verbose=False, rngs=[rng])
    draw(twin)  # where one call of f leaves the generator
    assert draw(rng).tolist() == draw(twin).tolist()


def test_differences_far_below_what_the_check_resolves_are_noted_not_failed():
    # MKL without conditional reproducibility can sum in another order from call to call.
    calls = []

    def f(theta):
        calls.append(1)
        wobble = 1e-15 if len(calls) % 2 else 0.0
        return float(np.sum(theta ** 2)) + wobble, 2 * theta

    result = quiet(f, np.arange(1.0, 4.0), verbose=False)
    assert result and any("differ slightly" in note for note in result.notes)


def test_the_random_state_retry_holds_an_f_that_draws_only_at_nudged_points():
    x0 = np.arange(1.0, 6.0)

    def f(theta):
        noise = random.random() if not np.array_equal(theta, x0) else 0.0  # nudged only
        return float(np.sum(theta ** 2)) + noise, 2 * theta

    random.seed(11)
    entry = random.getstate()
    # Without a reset before every call, up and down see different noise: every slope is off.
    assert quiet(f, x0.copy(), verbose=False)
    random.setstate(entry)
    random.random()
    assert random.getstate() != entry
    random.setstate(entry)
    quiet(f, x0.copy(), verbose=False)
    after = random.getstate()
    random.setstate(entry)
    random.random()  # one call of f at a nudged point draws once
    assert after == random.getstate()


# No vacuous pass ---------------------------------------------------------------------------

NET_BLOCKS = [("W1", (4, 3)), ("b1", (1, 3)), ("W2", (3, 2)), ("b2", (1, 2))]


def test_a_zero_second_layer_passes_but_says_the_first_layer_was_not_tested(capsys):
    data, labels, params = net_problem()
    params[15:21] = 0.0  # W2 = 0, a common initialisation
    f = lambda p: student_network(data, labels, p, NET_DIMS, "sigmoid_grad(z)")  # noqa: E731
    with pytest.warns(UserWarning, match=r"W1 and b1 not tested at this x.*W2 is all zeros, so "
                                         r"no gradient reaches W1 and b1: check at a random "
                                         r"point"):
        result = gradcheck_naive(f, params, blocks=NET_BLOCKS)
    assert result  # the classic rule is unchanged
    assert result.untested == ["W1", "b1"]
    line = capsys.readouterr().out.splitlines()[0]
    assert line == ("Gradient check passed! But W1 and b1 were not tested: every gradient "
                    "there is zero at this x.")
    assert "Not tested at this x: W1 and b1" in result.report
    result._printed = False  # as a notebook shows a result that was not printed
    assert "not tested" in result._repr_html_()
    assert "not tested: W1, b1" in repr(result)
    # At a random point the same slip fails.
    assert not quiet(f, net_problem()[2], blocks=NET_BLOCKS, verbose=False)


def test_a_zero_point_without_blocks_says_so():
    with pytest.warns(UserWarning, match="x is all zeros: check at a random point"):
        result = quiet(lambda v: (float(np.sum(v ** 4)), 4 * v ** 3), np.zeros(4),
                       verbose=False)
    assert result and result.untested == ["x"]


def test_the_sanity_check_point_tests_every_block():
    from q1c_neural import sanity_check

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sanity_check(verbose=False)
    assert result and result.untested == []


# Honest verdicts ---------------------------------------------------------------------------

def float32_cost(x):
    """A smooth cost computed in float32, returned as np.float32, with the right gradient;
    its constant 1000 makes its rounding (about 6e-5) swamp a slope at every step tried."""
    x32 = x.astype(np.float32)
    return np.float32(1000) + np.sum(x32 ** 2), 2 * x


@pytest.mark.parametrize("f", [float32_cost, lambda x: (float(float32_cost(x)[0]),
                                                        float32_cost(x)[1])])
def test_a_float32_cost_gets_rounding_noise_not_kink_or_wrong(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "not tested": true, and beside the point
        result = quiet(f, np.linspace(0.5, 2.0, 6), verbose=False)
    assert not result
    verdicts = {e.verdict for e in result.failures}
    assert "kink" not in verdicts and "wrong gradient" not in verdicts
    assert "rounding noise" in verdicts
    assert any("rounding noise" in h for h in result.hints)
    if f is float32_cost:  # arriving as np.float32, it is named at once
        assert "f returns its cost as float32" in result.report


def test_a_large_cost_with_a_tiny_step_is_rounding_noise():
    with pytest.warns(UserWarning, match=r"x not tested at this x: every gradient there, "
                                         r"analytic and numeric, is zero or below 8.9e\+03, too "
                                         r"small to tell from the cost's rounding"):
        result = quiet(lambda v: (1e12 + float(np.sum(v ** 2)), 2 * v), np.linspace(1, 2, 4),
                       h=1e-7, verbose=False)
    assert not result
    assert {e.verdict for e in result.failures} <= {"rounding noise", "finite-difference error"}


@pytest.mark.parametrize("x", [2.0 ** 34, 2.0 ** 20])
def test_a_failing_entry_at_a_power_of_two_does_not_crash_the_sweep(x):
    h = 1e-4 if x > 2 ** 30 else 1e-8
    result = quiet(lambda v: (float(np.sum(v ** 2)), 3 * v), np.array([x]), h=h, verbose=False)
    assert not result and result.failures[0].verdict and "1 of 1 entries failed" in result.report


def test_no_step_possible_is_its_own_verdict_and_numerical_gradient_refuses():
    result = quiet(quad, np.array([1e20]), verbose=False)
    assert not result and result.failures[0].verdict == "no step possible"
    with pytest.raises(ValueError, match=r"no step is possible at \(0,\) = 1e\+20"):
        numerical_gradient(lambda v: np.sum(v ** 2), np.array([1e20]))


def test_tied_arrays_in_a_dict_and_duplicate_block_names_are_errors():
    W = np.ones((2, 2))
    with pytest.raises(ValueError, match=r"x\['W_out'\] and x\['W_in'\] share memory"):
        quiet(lambda p: (0.0, {k: np.zeros((2, 2)) for k in p}), {"W_in": W, "W_out": W})
    with pytest.raises(ValueError, match=r"the name 'W' is given twice"):
        quiet(quad, np.ones(4), blocks=[("W", (2,)), ("W", (2,))])


def test_numerical_gradient_nudges_a_float32_array_that_f_reads_through_a_closure():
    W = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)  # cs231n's nets default to it
    before = W.tobytes()
    numeric = numerical_gradient(lambda _: float(np.sum(W.astype(np.float64) ** 2)), W, h=1e-2)
    assert W.tobytes() == before
    np.testing.assert_allclose(numeric, 2 * W, rtol=1e-6)


# One layer with an upstream gradient --------------------------------------------------------

def test_df_differences_the_outputs_first_for_an_affine_layer_and_a_relu():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((10, 6)), rng.standard_normal((6, 5))
    dout = rng.standard_normal((10, 5))
    before = x.tobytes()
    numeric = numerical_gradient(lambda v: v @ w, x, h=1e-5, df=dout)
    np.testing.assert_allclose(numeric, dout @ w.T, rtol=1e-9)
    assert x.tobytes() == before
    # cs231n's relu cell: relu_forward(x) = max(0, x), its backward dout * (x > 0).
    x, dout = rng.standard_normal((10, 10)), rng.standard_normal((10, 10))
    numeric = numerical_gradient(lambda v: np.maximum(0, v), x, h=1e-5, df=dout)
    np.testing.assert_allclose(numeric, dout * (x > 0), rtol=1e-11, atol=1e-11)


def test_df_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"df must have the shape of f's output, \(1, 2\), got "
                                         r"df of shape \(2,\)"):
        numerical_gradient(lambda v: v * 2, np.ones((1, 2)), df=np.ones(2))


# Messages for the usual mistakes -----------------------------------------------------------

def test_the_usual_mistakes_are_named():
    from q1c_neural import forward_backward_prop

    x = np.ones(3)
    with pytest.raises(TypeError, match=r"got a tuple \(the value of f\(x\)\?\): pass f, not "
                                        r"f\(x\)"):
        gradcheck_naive(quad(x), x)
    with pytest.raises(TypeError, match=r"f takes 4 arguments \(data, labels, params, "
                                        r"dimensions\).*lambda p: forward_backward_prop\(data, "
                                        r"labels, p, dimensions\)"):
        gradcheck_naive(forward_backward_prop, x)
    with pytest.raises(TypeError, match=r"x is a list of 2 arrays.*pass a dict"):
        gradcheck_naive(quad, [np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match=r"got an array of shape \(3,\): sum it"):
        gradcheck_naive(lambda v: (v ** 2, 2 * v), x)
    with pytest.raises(TypeError, match=r"f returned \(grad, cost\); return \(cost, grad\)"):
        gradcheck_naive(lambda v: (2 * v, float(np.sum(v ** 2))), x)
    with pytest.raises(TypeError, match=r"f returned grad None"):
        gradcheck_naive(lambda v: (float(np.sum(v ** 2)), None), x)
    with pytest.raises(TypeError, match=r"grad as 2 arrays.*pack_params"):
        gradcheck_naive(lambda v: (float(np.sum(v ** 2)), (np.ones(2), np.ones(1))), x)


def test_nothing_checked_says_why_and_a_directional_pass_counts_directions():
    result = quiet(lambda v: (np.nan, 2 * v), np.ones(3), verbose=False)
    assert result.report.startswith("Could not be checked: f returned a non-finite cost nan")
    assert "0 of 0" not in result.report and "0 of 0" not in result._repr_html_()
    passed = quiet(quad, np.ones(50), directions=4, verbose=False)
    assert repr(passed).startswith("GradcheckResult(passed: all 4 directions")
    assert "all 4 random directions" in passed.report


def test_in_a_notebook_a_printed_report_is_not_shown_again_as_html(capsys):
    printed = quiet(lambda t: model(t, "sign"), THETA.copy(), blocks=BLOCKS)
    assert "Gradient check failed" in capsys.readouterr().out
    assert printed._repr_html_() is None  # IPython falls back to the one-line repr
    quiet_one = quiet(lambda t: model(t, "sign"), THETA.copy(), blocks=BLOCKS, verbose=False)
    assert quiet_one._repr_html_().startswith("<p><b")


def test_a_passing_report_gives_the_worst_error_and_each_block_row_its_verdict():
    passed = quiet(quad, THETA.copy(), verbose=False)
    assert passed.report.startswith("Gradient check passed: all 12 entries within tol 1e-05 "
                                    "(worst rel. error")
    failed = quiet(lambda t: model(t, "sign"), THETA.copy(), blocks=BLOCKS, verbose=False)
    page = failed._repr_html_()
    assert "<td>pass</td></tr>" in page and "<td>fail</td></tr>" in page


def test_the_worst_entries_say_how_many_more_there_are():
    result = quiet(lambda v: (float(np.sum(v ** 2)), 3 * v), np.ones(8), verbose=False)
    assert "... and 3 more" in result.report and "... and 3 more" in result._repr_html_()
