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


# The classic contract -------------------------------------------------------------------

@pytest.mark.parametrize("x", [np.array(123.456), RNG.standard_normal(3),
                               RNG.standard_normal((4, 5)), RNG.standard_normal((2, 3, 4))])
def test_correct_gradients_pass_and_print_the_classic_line(x, capsys):
    result = gradcheck_naive(quad, x)
    assert result and result.passed
    assert capsys.readouterr().out == "Gradient check passed!\n"
    assert result.n_checked == x.size and result.n_failed == 0
    assert result.n_calls == 2 * x.size + 1


def test_failure_prints_the_classic_lines_then_the_report(capsys):
    x = RNG.standard_normal((4, 5))
    result = gradcheck_naive(lambda x: (np.sum(x ** 2), x), x)
    out = capsys.readouterr().out.splitlines()
    assert not result
    assert out[0] == "Gradient check failed."
    assert out[1] == "First gradient error found at index (0, 0)"
    assert out[2] == f"Your gradient: {x[0, 0]:f} \t Numerical gradient: {2 * x[0, 0]:f}"
    assert "20 of 20 entries failed" in out[3]
    assert "\n".join(out[3:]) == result.report


def test_result_carries_the_worst_entry_counts_and_settings():
    result = gradcheck_naive(lambda t: model(t, "entry"), THETA, h=1e-5, tol=1e-6,
                             blocks=BLOCKS, verbose=False)
    assert not result
    assert (result.h, result.tol, result.mode) == (1e-5, 1e-6, "full")
    assert (result.n_checked, result.n_failed, result.n_calls) == (12, 1, 25)
    worst = result.worst
    assert worst.place == "W[1, 2]" and result.first_failure == worst
    assert worst.abs_error == pytest.approx(1e-3, rel=1e-4)
    assert worst.analytic == pytest.approx(model(THETA)[1][5] + 1e-3, rel=1e-12)
    assert worst.numeric == pytest.approx(model(THETA)[1][5], rel=1e-7)
    assert result.blocks["W"].n_failed == 1 and result.blocks["b"].n_failed == 0
    assert result.blocks["W"].worst == worst


def test_quiet_and_raising_modes(capsys):
    bad = lambda x: (np.sum(x ** 2), x)  # noqa: E731
    assert not gradcheck_naive(bad, np.ones(3), verbose=False)
    assert capsys.readouterr().out == ""
    with pytest.raises(GradcheckError, match="3 of 3 entries failed") as info:
        gradcheck_naive(bad, np.ones(3), verbose=False, raise_exception=True)
    assert isinstance(info.value, AssertionError)
    assert gradcheck_naive(quad, np.ones(3), verbose=False, raise_exception=True)


def test_numerical_gradient_for_comparing_by_eye():
    x = RNG.standard_normal((2, 3))
    numeric = numerical_gradient(lambda x: (np.sum(np.sin(x)), None), x)
    assert numeric.shape == x.shape
    np.testing.assert_allclose(numeric, np.cos(x), rtol=1e-8)


# Planted mistakes are caught in every mode -------------------------------------------------

BUGS = ["entry", "scale2", "mean", "sign", "transpose", "zero"]


@pytest.mark.parametrize("bug", BUGS)
def test_planted_bugs_fail_in_full_mode(bug):
    assert gradcheck_naive(lambda t: model(t), THETA, blocks=BLOCKS, verbose=False)
    result = gradcheck_naive(lambda t: model(t, bug), THETA, blocks=BLOCKS, verbose=False)
    assert not result and result.n_failed >= 1


@pytest.mark.parametrize("bug", ["scale2", "mean", "sign", "transpose", "zero"])
@pytest.mark.parametrize("seed", range(5))
def test_planted_block_bugs_fail_in_sampled_mode(bug, seed):
    result = gradcheck_naive(lambda t: model(t, bug), THETA, blocks=BLOCKS, samples=2,
                             seed=seed, verbose=False)
    assert not result
    assert result.n_checked == 4 and result.n_calls == 9


def test_sampled_mode_covers_every_block_and_catches_a_sampled_entry():
    result = gradcheck_naive(lambda t: model(t, "entry"), THETA, blocks=BLOCKS, samples=9,
                             verbose=False)
    assert not result and result.worst.place == "W[1, 2]"
    result = gradcheck_naive(quad, np.ones(50), blocks=[("big", (49,)), ("tiny", (1,))],
                             samples=3, verbose=False)
    assert result.blocks["tiny"].n_checked == 1 and result.blocks["big"].n_checked == 3


@pytest.mark.parametrize("bug", ["scale2", "mean", "sign", "transpose", "zero"])
def test_directional_mode_catches_block_bugs_for_99_percent_of_seeds(bug):
    caught = sum(not gradcheck_naive(lambda t: model(t, bug), THETA, blocks=BLOCKS,
                                     directions=True, seed=seed, verbose=False)
                 for seed in range(200))
    assert caught >= 198


def test_directional_flag_on_a_single_entry_is_always_localised():
    flagged = 0
    for seed in range(200):
        result = gradcheck_naive(lambda t: model(t, "entry"), THETA, blocks=BLOCKS,
                                 directions=True, seed=seed, verbose=False)
        if result.n_directions_failed:
            flagged += 1
            assert [e.place for e in result.failures] == ["W[1, 2]"]
    assert flagged >= 100  # and the flag itself is not rare


def test_directional_mode_costs_2k_plus_1_calls_when_it_passes():
    result = gradcheck_naive(quad, RNG.standard_normal(1000), directions=True, verbose=False)
    assert result and result.n_calls == 2 * DEFAULT_DIRECTIONS + 1
    assert result.n_directions == DEFAULT_DIRECTIONS


def test_directional_without_blocks_localises_over_all_of_x():
    result = gradcheck_naive(lambda t: model(t, "sign"), THETA, directions=4, verbose=False)
    assert not result and {e.place for e in result.failures} == {"(9,)", "(10,)", "(11,)"}


def test_directional_failure_spread_too_thin_to_localise_says_so():
    # Gradients of +-100 and every entry off by 9e-4: 9e-6 relative each, below tol, but a
    # direction in which the true derivative nearly cancels sees the summed error.
    s = np.resize([100.0, -100.0], 400)
    result = gradcheck_naive(lambda x: (s @ x, s + 9e-4), np.ones(400), directions=5,
                             verbose=False)
    assert not result and result.n_directions_failed >= 1
    assert result.n_checked == 400 and result.n_failed == 0
    assert "no single entry exceeds the tolerance" in result.report


# Hints --------------------------------------------------------------------------------------

@pytest.mark.parametrize("bug, hint", [
    ("scale2", "every checked entry of W is off by one factor: analytic = 2 x numeric"),
    ("mean", f"analytic = 1/{N} x numeric (if {N} is the batch size N"),
    ("sign", "b is off by one factor: analytic = -1 x numeric (a flipped sign)"),
    ("transpose", "looks transposed"),
    ("zero", "analytic gradient is all zero"),
])
def test_hints_name_the_usual_cause(bug, hint):
    result = gradcheck_naive(lambda t: model(t, bug), THETA, blocks=BLOCKS, verbose=False)
    assert hint in result.report


def test_hint_for_a_step_below_the_resolution_of_x():
    result = gradcheck_naive(quad, np.full(3, 1e20), verbose=False)
    assert not result and "every numeric value is zero" in result.report


def test_report_table_is_aligned_and_names_blocks():
    result = gradcheck_naive(lambda t: model(t, "scale2"), THETA, blocks=BLOCKS, verbose=False)
    table = result.report.splitlines()[1:7]
    assert table[0].split() == ["place", "analytic", "numeric", "abs.", "error", "rel.", "error"]
    assert all(len(line) == len(table[0]) for line in table)
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

    gradcheck_naive(f, x, verbose=False)
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
        gradcheck_naive(f, x, verbose=False)
    assert x.tobytes() == before


def test_f_that_modifies_x_is_reported():
    def f(v):
        v *= 1.0000001
        return quad(v)

    result = gradcheck_naive(f, np.ones(3), verbose=False)
    assert not result and "f modified its input x" in result.report


@pytest.mark.parametrize("f, error, message", [
    (lambda x: (np.sum(x), np.ones(3)), ValueError, r"grad of shape \(3,\), expected \(4, 5\)"),
    (lambda x: (x, x), ValueError, r"scalar cost, got an array of shape \(4, 5\)"),
    (lambda x: np.sum(x), TypeError, "must return a pair"),
])
def test_broken_contract_is_an_error(f, error, message):
    with pytest.raises(error, match=message):
        gradcheck_naive(f, np.ones((4, 5)), verbose=False)


@pytest.mark.parametrize("f, message", [
    (lambda x: (np.nan, 2 * x), "non-finite cost nan"),
    (lambda x: (np.sum(x ** 2), np.full_like(x, np.inf)), "non-finite gradient"),
    (lambda x: (np.sum(x ** 2) if x[0] < 1 else np.inf, 2 * x), "non-finite cost (inf)"),
])
def test_non_finite_values_never_pass(f, message):
    result = gradcheck_naive(f, np.array([1.0 - 1e-4 / 2, 2.0]), verbose=False)
    assert not result and message in result.report


def test_blocks_that_do_not_tile_x():
    with pytest.raises(ValueError, match=r"cover 10 entries, x has 12 \(2 short\)"):
        gradcheck_naive(quad, THETA, blocks=[("W", (3, 3)), ("b", (1,))])
    with pytest.raises(ValueError, match=r"\(1 too many\)"):
        gradcheck_naive(quad, THETA, blocks=[("W", (3, 3)), ("b", (4,))])


def test_bad_settings():
    with pytest.raises(ValueError, match="give one, got both"):
        gradcheck_naive(quad, THETA, samples=2, directions=2)
    with pytest.raises(ValueError, match="positive integer or None, got 0"):
        gradcheck_naive(quad, THETA, samples=0)
    with pytest.raises(TypeError, match="got dtype complex128"):
        gradcheck_naive(quad, np.ones(2, dtype=complex))


# Precision ----------------------------------------------------------------------------------

def test_float32_x_is_checked_in_float64_with_one_warning():
    xs = np.random.default_rng(3).standard_normal((20, 5)).astype(np.float32)
    for x in xs:
        with pytest.warns(UserWarning, match="float32; checking on a float64 copy") as record:
            assert gradcheck_naive(quad, x, verbose=False)
        assert len(record) == 1


def test_integer_x_is_checked_as_float64():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck_naive(lambda x: (np.sum(x ** 3), 3 * x ** 2), np.arange(4),
                               verbose=False)


# Randomness inside the cost ---------------------------------------------------------------

def dropout_model(theta):
    """A cost with built-in randomness from both global generators (dropout, a noise term)."""
    keep = np.random.rand(theta.size) < 0.5  # noqa: NPY002 (the legacy state is the point)
    noise = random.random()
    return np.sum((theta * keep) ** 2) * (1 + noise), 2 * theta * keep * (1 + noise)


def test_costs_with_randomness_pass_and_the_global_state_is_left_as_found():
    np.random.seed(1)  # noqa: NPY002
    random.seed(1)
    first, second = dropout_model(THETA)[0], dropout_model(THETA)[0]
    assert first != second  # so a checker without the reset would fail
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    assert gradcheck_naive(dropout_model, THETA, verbose=False)
    assert gradcheck_naive(dropout_model, THETA, directions=True, verbose=False)
    assert random.getstate() == py_state
    after = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(after[1], np_state[1]) and after[2:] == np_state[2:]


def test_cached_gaussian_at_entry_still_resets_every_call():
    np.random.seed(2)  # noqa: NPY002
    np.random.randn(1)  # noqa: NPY002 -- leaves one cached Gaussian behind

    def f(theta):
        scale = 1 + np.random.randn() ** 2  # noqa: NPY002
        return scale * np.sum(theta ** 2), scale * 2 * theta

    assert gradcheck_naive(f, THETA, verbose=False)


def test_deterministic_f_pays_no_state_restores(monkeypatch):
    np.random.seed(0)  # noqa: NPY002 -- no cached Gaussian: the state can be watched in place
    restores = []
    real = np.random.set_state
    monkeypatch.setattr(np.random, "set_state", lambda s: (restores.append(1), real(s)))
    assert gradcheck_naive(quad, THETA, verbose=False)
    assert restores == []
    assert gradcheck_naive(dropout_model, THETA, verbose=False)
    assert len(restores) == 2 * THETA.size + 1  # every call after the first, and once at the end


# The script ---------------------------------------------------------------------------------

def test_script_runs_the_sanity_checks_and_the_planted_bug():
    run = subprocess.run([sys.executable, "q1_gradcheck.py"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("Gradient check passed!") == 3
    assert "Gradient check failed." in run.stdout and "Hint:" in run.stdout
