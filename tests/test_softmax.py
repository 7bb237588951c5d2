"""Tests of q1_softmax: classic values, mpmath references, non-finite and dtype rules."""
import os
import subprocess
import sys
import tracemalloc
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from q1_softmax import log_softmax, softmax, test_softmax_basic

ROOT = Path(__file__).resolve().parents[1]
REAL_FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)


def mp_softmax(row):
    """Softmax of one row at 50 significant digits (mpmath): the trusted reference."""
    with mpmath.workdps(50):
        e = [mpmath.exp(mpmath.mpf(float(v))) for v in row]
        total = mpmath.fsum(e)
        return np.array([float(v / total) for v in e])


def mp_log_softmax(row):
    with mpmath.workdps(50):
        lse = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(v))) for v in row))
        return np.array([float(mpmath.mpf(float(v)) - lse) for v in row])


# The classic assignment's sanity values.
@pytest.mark.parametrize("x, expected", [
    ([1, 2], [0.26894142, 0.73105858]),
    ([[1001, 1002], [3, 4]], [[0.26894142, 0.73105858], [0.26894142, 0.73105858]]),
    ([[-1001, -1002]], [[0.73105858, 0.26894142]]),
])
def test_classic_sanity_values(x, expected):
    got = softmax(np.array(x))
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-9)


def test_script_check_prints_and_passes(capsys):
    test_softmax_basic()
    out = capsys.readouterr().out
    assert "softmax([1, 2])" in out and "passed" in out


@pytest.mark.parametrize("row", [[1.0, 2.0, 3.0], [-745.0, 0.0, 10.0], [1e-300, -1e-300, 0.0],
                                 [700.0, 709.0, 650.0], [1e308, 1e308 - 2e292, -1e308]])
def test_matches_mpmath(row):
    np.testing.assert_allclose(softmax(np.array(row)), mp_softmax(row), rtol=4e-16, atol=0)
    np.testing.assert_allclose(log_softmax(np.array(row)), mp_log_softmax(row), rtol=4e-16)


@pytest.mark.parametrize("x, expected", [
    ([1001.0, 1002.0], [0.2689414213699951, 0.7310585786300049]),
    ([-1001.0, -1002.0], [0.7310585786300049, 0.2689414213699951]),
    ([0.0, 1e308], [0.0, 1.0]),
    ([-1e308, 1e308], [0.0, 1.0]),
])
def test_extreme_finite_input_without_warnings(x, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(softmax(np.array(x)), expected, rtol=1e-15, atol=0)
        assert np.all(np.isfinite(log_softmax(np.array(x))) | (np.array(expected) == 0))


def test_log_softmax_keeps_what_softmax_underflows():
    np.testing.assert_array_equal(log_softmax(np.array([0.0, -1000.0])), [0.0, -1000.0])
    np.testing.assert_array_equal(softmax(np.array([0.0, -1000.0])), [1.0, 0.0])


@pytest.mark.parametrize("func", [softmax, log_softmax])
@pytest.mark.parametrize("shape", [(5,), (1, 5), (3, 4), (2, 3, 4), (1, 1)])
def test_shape_preserved(func, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    assert func(x).shape == shape


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_axis_0_of_a_square_matrix_is_the_columns(func):
    x = np.random.default_rng(3).standard_normal((4, 4))
    np.testing.assert_allclose(func(x, axis=0), func(x.T).T, rtol=1e-15)
    np.testing.assert_allclose(func(x.T), func(np.ascontiguousarray(x.T)), rtol=1e-15)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_any_axis_matches_slice_by_slice(axis):
    x = np.random.default_rng(1).standard_normal((3, 4, 5)) * 30
    moved = np.moveaxis(x, axis, -1)
    expected = np.moveaxis(np.array([mp_softmax(r) for r in moved.reshape(-1, moved.shape[-1])])
                           .reshape(moved.shape), -1, axis)
    # x - max is rounded (|x - max| < 200): that alone moves exp by up to 200 * eps relative.
    np.testing.assert_allclose(softmax(x, axis=axis), expected, rtol=200 * 2.3e-16, atol=1e-300)
    np.testing.assert_allclose(np.exp(log_softmax(x, axis=axis)), expected, rtol=1e-13)


def test_large_input_matches_one_row_at_a_time():
    x = np.random.default_rng(2).standard_normal((1100, 1000)) * 50
    x[7, 3] = np.inf
    x[900] = -np.inf
    got, log_got = softmax(x), log_softmax(x)
    for i in (0, 7, 15, 549, 900, 1099):
        np.testing.assert_array_equal(got[i], softmax(x[i]))
        np.testing.assert_array_equal(log_got[i], log_softmax(x[i]))
    np.testing.assert_array_equal(got[7], np.eye(1000)[3])
    assert np.isnan(got[900]).all()


@pytest.mark.parametrize("func", [softmax, log_softmax])
@pytest.mark.parametrize("dtype, out_dtype", [
    (np.bool_, np.float64), (np.int8, np.float64), (np.int64, np.float64), (np.uint16, np.float64),
    (np.float16, np.float16), (np.float32, np.float32), (np.float64, np.float64),
])
def test_dtype_rules(func, dtype, out_dtype):
    x = np.array([[1, 0, 1], [0, 0, 1]], dtype=dtype)
    got = func(x)
    assert got.dtype == out_dtype
    reference = func(x.astype(np.float64))
    np.testing.assert_allclose(got, reference, rtol=np.finfo(out_dtype).eps * 4)


@pytest.mark.parametrize("func", [softmax, log_softmax])
@pytest.mark.parametrize("x, dtype_name", [
    (np.array([1 + 2j]), "complex128"), (np.array([1, None]), "object"),
    (np.array(["a", "b"]), "<U1"),
])
def test_non_real_input_is_a_type_error_naming_the_dtype(func, x, dtype_name):
    with pytest.raises(TypeError, match=f"expects a real numeric array, got dtype {dtype_name}"):
        func(x)


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_bad_axis_and_0d_input(func):
    with pytest.raises(ValueError, match=r"axis in \[-2, 2\) for a 2-d array, got axis 2"):
        func(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="integer axis, got 1.0"):
        func(np.ones((2, 3)), axis=1.0)
    with pytest.raises(ValueError, match="at least one dimension, got a 0-d array"):
        func(np.float64(3.0))


INF, NAN = np.inf, np.nan


@pytest.mark.parametrize("x, expected", [
    ([0.0, -INF, 0.0], [0.5, 0.0, 0.5]),           # -inf gets probability 0
    ([1.0, INF, 3.0, INF], [0.0, 0.5, 0.0, 0.5]),  # the limit: +inf entries share the mass
    ([-INF, INF], [0.0, 1.0]),
    ([-INF, -INF], [NAN, NAN]),                     # no finite limit
    ([1.0, NAN, 2.0], [NAN, NAN, NAN]),
    ([INF, NAN], [NAN, NAN]),
])
def test_non_finite_rules_without_warnings(x, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(softmax(np.array(x)), expected)
        with np.errstate(divide="ignore"):
            np.testing.assert_allclose(log_softmax(np.array(x)), np.log(expected), rtol=1e-15)


def test_non_finite_rows_do_not_affect_other_rows():
    x = np.array([[1.0, 2.0], [INF, 0.0], [-INF, -INF], [NAN, 0.0], [2.0, 1.0]])
    got = softmax(x)
    np.testing.assert_allclose(got[0], [0.2689414213699951, 0.7310585786300049], rtol=1e-15)
    np.testing.assert_array_equal(got[1], [1.0, 0.0])
    assert np.isnan(got[2]).all() and np.isnan(got[3]).all()
    np.testing.assert_allclose(got[4], got[0][::-1], rtol=1e-15)


@pytest.mark.parametrize("func", [softmax, log_softmax])
@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 4)])
def test_empty_input_gives_empty_output(func, shape):
    got = func(np.empty(shape, dtype=np.float32))
    assert got.shape == shape and got.dtype == np.float32


def matrices(elements=REAL_FLOATS):
    """Arrays of 1 to 3 dimensions; the last axis (the one normalised) has 2 entries or more,
    unless the array is a single entry."""
    shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=6).filter(
        lambda shape: shape[-1] > 1 or np.prod(shape) == 1)
    return hnp.arrays(np.float64, shapes, elements=elements)


@given(matrices())
def test_rows_are_distributions_over_the_whole_float_range(x):
    before = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(x)
        log_p = log_softmax(x)
    np.testing.assert_array_equal(x, before)  # input not mutated
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=8 * np.finfo(float).eps)
    assert np.all(log_p <= 0)
    np.testing.assert_allclose(np.exp(log_p), p, rtol=1e-12, atol=1e-300)


@given(matrices(st.integers(-10**6, 10**6).map(float)), st.integers(-10**9, 10**9))
def test_shift_invariance(x, shift):
    # Integer-valued floats and shifts keep x + shift exact, so the result must not move at all.
    np.testing.assert_allclose(softmax(x + shift), softmax(x), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(log_softmax(x + shift), log_softmax(x), rtol=1e-15, atol=1e-300)


@given(hnp.arrays(np.float32, st.integers(1, 8), elements=st.floats(width=32, allow_nan=False,
                                                                     allow_infinity=False)))
def test_float32_rows_sum_to_one(x):
    p = softmax(x)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.sum(), 1.0, rtol=0, atol=8 * np.finfo(np.float32).eps)


ROW_VALUES = st.one_of(st.floats(-1e3, 1e3), st.sampled_from([-np.inf, np.inf, 0.0, 745.0]),
                      REAL_FLOATS)


@pytest.mark.parametrize("func", [softmax, log_softmax])
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(2, 40)),
                    elements=ROW_VALUES),
       i=st.integers(0, 39))
def test_a_row_has_the_same_bits_as_alone_whatever_the_other_rows(func, x, i):
    i %= len(x)
    batch = func(x)
    np.testing.assert_array_equal(batch[i], func(x[i]))           # as a 1-D vector
    np.testing.assert_array_equal(batch[i], func(x[i:i + 1])[0])  # as a 1-row matrix


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_every_row_of_a_1000_by_10_matrix_matches_the_row_alone(func):
    x = np.random.default_rng(3).standard_normal((1000, 10)) * 5
    batch = func(x)
    differing = [i for i in range(1000) if not np.array_equal(batch[i], func(x[i]))]
    assert differing == []


@pytest.mark.parametrize("func, ones", [(softmax, "1"), (log_softmax, "0")])
def test_a_column_of_scores_is_an_error_not_all_ones(func, ones):
    with pytest.raises(ValueError, match=rf"at least 2 entries along axis -1, got shape "
                                         rf"\(3, 1\).*always {ones}.*axis=0"):
        func(np.array([[1.0], [2.0], [3.0]]))
    # Along axis 0 the column is a distribution; one entry alone is one too.
    np.testing.assert_allclose(np.exp(log_softmax(np.array([[1.0], [2.0]]), axis=0)),
                               softmax(np.array([[1.0], [2.0]]), axis=0))
    assert func(np.array([[4.0]])).shape == (1, 1) and func(np.array([4.0])).shape == (1,)


@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_peak_memory_is_about_the_output(func):
    x = np.random.default_rng(4).standard_normal((512, 1024))
    tracemalloc.start()
    try:
        out = func(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 1.1 * out.nbytes, f"peak {peak / out.nbytes:.2f}x the output"


# No threads: the earlier process-wide pool hung a forked child and failed at interpreter exit.
FORK_THEN_COMPUTE = """
import os, numpy as np
from q1_softmax import softmax, log_softmax
from q1_sigmoid import sigmoid
x = np.random.default_rng(0).standard_normal((600, 500))
softmax(x); sigmoid(x)
pid = os.fork()
if pid == 0:
    ok = softmax(x).shape == log_softmax(x).shape == sigmoid(x).shape == x.shape
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
raise SystemExit(os.waitstatus_to_exitcode(status))
"""

AT_EXIT = """
import atexit, threading, numpy as np
from q1_softmax import softmax
x = np.random.default_rng(0).standard_normal((600, 500))
atexit.register(lambda: print("atexit", softmax(x).sum().round()))
def late():
    import time; time.sleep(0.2); print("thread", softmax(x).sum().round())
threading.Thread(target=late).start()  # non-daemon: still working when the main thread ends
"""


def run_python(code):
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_computes_large_arrays():
    run = run_python(FORK_THEN_COMPUTE)
    assert run.returncode == 0, run.stderr


def test_large_softmax_at_exit_and_in_a_thread_still_working_at_exit():
    run = run_python(AT_EXIT)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert "thread 600.0" in run.stdout and "atexit 600.0" in run.stdout
