"""Tests of q1_sigmoid: classic values, mpmath references, extremes, dtype rules, properties."""
import subprocess
import sys
import warnings
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from q1_sigmoid import sigmoid, sigmoid_grad, test_sigmoid_basic


def mp_sigmoid(x):
    """1 / (1 + exp(-x)) at 50 significant digits (mpmath), rounded once to float64."""
    with mpmath.workdps(50):
        return float(1 / (1 + mpmath.exp(-mpmath.mpf(float(x)))))


def ulp_error(got, x):
    expected = np.array([mp_sigmoid(v) for v in np.ravel(x)]).reshape(np.shape(x))
    return np.abs(got - expected) / np.spacing(expected)


# The classic assignment's sanity values.
def test_classic_sanity_values():
    x = np.array([[1, 2], [-1, -2]])
    f = sigmoid(x)
    np.testing.assert_allclose(f, [[0.73105858, 0.88079708], [0.26894142, 0.11920292]], atol=5e-9)
    np.testing.assert_allclose(sigmoid_grad(f), [[0.19661193, 0.10499359],
                                                 [0.19661193, 0.10499359]], atol=5e-9)


def test_script_check_prints_and_passes(capsys):
    test_sigmoid_basic()
    assert "passed" in capsys.readouterr().out


def test_at_most_4_ulp_on_a_grid():
    x = np.concatenate([np.linspace(-700, 40, 4001), np.linspace(-1, 1, 1001), [1e-300, -5e-324]])
    assert ulp_error(sigmoid(x), x).max() <= 4


@given(st.floats(-700, 1e308))
def test_at_most_4_ulp_for_x_above_minus_700(x):
    assert ulp_error(sigmoid(np.array([x])), [x])[0] <= 4


def test_subnormal_results_below_the_overflow_point_of_exp():
    # exp(-x) overflows below x = -709.78; sigmoid(x) ~ exp(x) is still representable to -745.
    x = np.array([-709.0, -710.0, -720.0, -740.0, -745.0, -746.0, -1000.0])
    got = sigmoid(x)
    expected = [mp_sigmoid(v) for v in x]
    np.testing.assert_allclose(got[:3], expected[:3], rtol=1e-13)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-323)


@pytest.mark.parametrize("x, dtype", [(1000.0, np.float64), (100.0, np.float32),
                                      (60000.0, np.float16), (1e308, np.float64)])
def test_no_overflow_warning_at_extremes(x, dtype):
    v = np.array([-x, x], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = sigmoid(v)
    assert got.dtype == dtype
    assert got[1] == 1 and 0 <= got[0] < np.finfo(dtype).tiny


def test_infinities_and_nan():
    np.testing.assert_array_equal(sigmoid(np.array([np.inf, -np.inf, np.nan])), [1.0, 0.0, np.nan])


@pytest.mark.parametrize("func", [sigmoid, sigmoid_grad])
@pytest.mark.parametrize("dtype, out_dtype", [
    (np.bool_, np.float64), (np.int32, np.float64), (np.uint8, np.float64),
    (np.float16, np.float16), (np.float32, np.float32), (np.float64, np.float64),
])
def test_dtype_rules(func, dtype, out_dtype):
    x = np.array([[0, 1], [1, 0]], dtype=dtype)
    got = func(x)
    assert got.dtype == out_dtype
    np.testing.assert_allclose(got, func(x.astype(np.float64)), rtol=np.finfo(out_dtype).eps)


def test_float16_small_values_are_not_flushed():
    # float16's own exp(12) overflows; the float32 working copy keeps sigmoid(-12) ~ 6.1e-6.
    np.testing.assert_allclose(sigmoid(np.float16(-12.0)), mp_sigmoid(-12.0), rtol=1e-3)


@pytest.mark.parametrize("func", [sigmoid, sigmoid_grad])
@pytest.mark.parametrize("x, dtype_name", [(np.array([1j]), "complex128"),
                                           (np.array([None]), "object"),
                                           (np.array(["1"]), "<U1")])
def test_non_real_input_is_a_type_error_naming_the_dtype(func, x, dtype_name):
    with pytest.raises(TypeError, match=f"expects a real numeric array, got dtype {dtype_name}"):
        func(x)


@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 0, 3)])
def test_shapes_kept(shape):
    x = np.zeros(shape)
    assert sigmoid(x).shape == shape and sigmoid_grad(x).shape == shape


def test_non_contiguous_and_large_inputs():
    x = np.random.default_rng(0).standard_normal((1200, 1000)) * 20
    np.testing.assert_array_equal(sigmoid(x)[::7, 3], sigmoid(x[::7, 3]))
    np.testing.assert_array_equal(sigmoid(x.T)[5], sigmoid(x[:, 5]))


def test_sigmoid_grad_takes_the_output_not_the_input():
    x = np.array([-3.0, -0.5, 0.0, 2.0])
    with mpmath.workdps(40):
        derivative = [float(mpmath.diff(lambda t: 1 / (1 + mpmath.exp(-t)), v)) for v in x]
    np.testing.assert_allclose(sigmoid_grad(sigmoid(x)), derivative, rtol=1e-14)
    # Passing x instead of s is the classic mistake: values outside [0, 1] say so.
    with pytest.raises(ValueError, match=r"got s\[0\] = -3.0: pass the sigmoid's output, "
                                         r"s = sigmoid\(x\), not x"):
        sigmoid_grad(x)


ANY_FLOAT = st.floats(allow_nan=False, width=64)


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=8), elements=ANY_FLOAT))
def test_properties_over_the_whole_float_range(x):
    before = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(x)
        s_neg = sigmoid(-x)
        grad = sigmoid_grad(s)
    np.testing.assert_array_equal(x, before)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s_neg, 1 - s, rtol=0, atol=np.finfo(float).eps)
    assert np.all((grad >= 0) & (grad <= 0.25))


@given(hnp.arrays(np.float32, st.integers(0, 10), elements=st.floats(width=32, allow_nan=False)))
def test_float32_symmetry_and_range(x):
    s = sigmoid(x)
    assert s.dtype == np.float32 and np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(sigmoid(-x), 1 - s, rtol=0, atol=np.finfo(np.float32).eps)


def test_sigmoid_grad_does_not_modify_its_input():
    s = np.array([0.2, 0.5, 0.9])
    before = s.copy()
    sigmoid_grad(s)
    np.testing.assert_array_equal(s, before)


def test_at_most_4_ulp_over_the_whole_range_of_nonzero_results():
    # Below -709 the result is exp(x) itself; it is subnormal from -708.4 and 0 below -745.1,
    # so the error is counted in units of the smallest subnormal there.
    x = np.linspace(-745, 745, 30001)
    expected = np.array([mp_sigmoid(v) for v in x])
    ulps = np.abs(sigmoid(x) - expected) / np.maximum(np.spacing(expected), 5e-324)
    assert ulps.max() <= 4


@given(hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(width=64)),
       st.integers(0, 11))
def test_each_entry_depends_on_itself_alone_to_the_bit(x, i):
    i = i % x.size
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sigmoid(x)[i:i + 1].tobytes() == sigmoid(x[i:i + 1]).tobytes()
        # A Python float goes through math.exp, which may round differently from np.exp.
        np.testing.assert_array_max_ulp(sigmoid(float(x[i])), sigmoid(x)[i], maxulp=2)


def test_a_far_negative_entry_elsewhere_changes_nothing():
    x = np.array([-0.5, 3.0, 700.0])
    alone = sigmoid(x)
    with_tiny = sigmoid(np.append(x, -720.0))  # exp(720) overflows: this entry takes exp(x)
    assert with_tiny[:3].tobytes() == alone.tobytes()
    assert with_tiny[3] == np.exp(-720.0) > 0


@pytest.mark.parametrize("x, expected_type", [
    (0.5, np.float64), (np.float64(0.5), np.float64), (np.float32(0.5), np.float32),
    (np.float16(0.5), np.float16), (np.array(0.5), np.float64), (2, np.float64),
    (np.array(0.5, dtype=np.float32), np.float32),
])
def test_a_scalar_gives_a_numpy_scalar_like_np_exp(x, expected_type):
    got = sigmoid(x)
    assert type(got) is expected_type
    assert type(np.exp(np.asarray(x, dtype=expected_type))) is expected_type
    np.testing.assert_allclose(got, mp_sigmoid(float(x)), rtol=np.finfo(expected_type).eps)


@pytest.mark.parametrize("bad, where, value", [
    (np.array([0.2, -12.0, 3.0]), r"s\[1\]", "-12.0"),
    (np.array([[0.5, 0.5], [0.5, 1.0000001]]), r"s\[1, 1\]", "1.0000001"),
    (np.float64(2.0), "s", "2.0"),
    (np.array([np.nan, 0.5, -12.0]), r"s\[2\]", "-12.0"),  # a NaN does not hide the rest
    (np.array([1.0 + 2 ** -52]), r"s\[0\]", "1.0000000000000002"),
    (np.array([-5e-324]), r"s\[0\]", "-5e-324"),
])
def test_sigmoid_grad_names_the_first_value_outside_0_1(bad, where, value):
    with pytest.raises(ValueError, match=rf"values in \[0, 1\], got {where} = {value}: pass "
                                         r"the sigmoid's output, s = sigmoid\(x\), not x"):
        sigmoid_grad(bad)


def test_sigmoid_grad_lets_nan_and_the_ends_through():
    got = sigmoid_grad(np.array([np.nan, 0.0, 1.0, 0.5]))
    np.testing.assert_array_equal(got, [np.nan, 0.0, 0.0, 0.25])


@pytest.mark.parametrize("dtype", [">f8", "<f8", ">f4", ">i4", "u2", "?", "f2"])
def test_byte_swapped_and_every_real_dtype(dtype):
    x = np.array([-1.0, 0.0, 2.0]).astype(dtype)
    s = sigmoid(x)
    assert s.dtype.isnative
    np.testing.assert_allclose(sigmoid_grad(s), sigmoid_grad(sigmoid(x.astype(np.float64))),
                               rtol=2e-3 if s.dtype == np.float16 else 1e-6)
    np.testing.assert_array_equal(sigmoid(x), sigmoid(x.astype(x.dtype.newbyteorder("="))))


def test_the_modules_sanity_functions_are_not_collected_as_tests():
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider", "q1_softmax.py", "q1_sigmoid.py",
                          "tests/test_softmax.py", "tests/test_sigmoid.py"],
                         cwd=root, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test_softmax_basic" not in run.stdout and "test_sigmoid_basic" not in run.stdout


# 1 / (1 + exp(-x)) rounds monotonically at every step; e / (1 + e) did not, at these points.
@pytest.mark.parametrize("lower, upper", [
    (0.5000000000000002, 0.5000000000000003), (np.float32(2.0), np.float32(2.0000002)),
])
def test_monotone_where_the_quotient_form_was_not(lower, upper):
    x = np.array([lower, upper])
    s = sigmoid(x)
    assert s[0] <= s[1], f"sigmoid({x[0]!r}) = {s[0]!r} > sigmoid({x[1]!r}) = {s[1]!r}"


@pytest.mark.parametrize("dtype, width", [(np.float64, 64), (np.float32, 32)])
@given(data=st.data())
def test_monotone_over_adjacent_floats(dtype, width, data):
    # Most of the action is where the result is neither 0 nor 1 nor exp(x) alone.
    start = data.draw(st.one_of(st.floats(-40, 40, width=width),
                                st.floats(width=width, allow_nan=False, allow_infinity=False)))
    x = np.array([start], dtype=dtype)
    with np.errstate(over="ignore"):  # a run that starts near the largest float ends at inf
        for _ in range(16):  # a run of 17 consecutive floats upward
            x = np.append(x, np.nextafter(x[-1], dtype(np.inf)))
    s = sigmoid(x)
    assert np.all(np.diff(s) >= 0), (x, s)
    # Around the switch to the exp(x) tail, too.
    edge = dtype(-709.0)
    near = np.array([edge], dtype=dtype)
    for step in (-np.inf, np.inf):
        near = np.append(near, np.nextafter(near[-1 if step > 0 else 0], dtype(step)))
    near.sort()
    assert np.all(np.diff(sigmoid(near)) >= 0)


def test_float32_monotone_over_a_million_consecutive_floats():
    # NumPy's float32 exp goes backwards 49 times in this run; sigmoid must not.
    start = np.array([0.4], dtype=np.float32).view(np.int32)[0]
    x = np.arange(start, start + 1_000_000, dtype=np.int32).view(np.float32)
    assert np.count_nonzero(np.diff(sigmoid(x)) < 0) == 0


@pytest.mark.parametrize("dtype, huge", [(np.float16, 300.0), (np.float32, 2e19),
                                         (np.float64, 2e154), (np.float64, -1e308)])
def test_sigmoid_grad_raises_before_any_overflow_warning(dtype, huge):
    s = np.array([0.5, huge], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning first would surface instead
        with pytest.raises(ValueError, match=r"got s\[1\] = .*not x"):
            sigmoid_grad(s)


def test_peak_memory_is_about_the_output():
    import tracemalloc

    x = np.random.default_rng(5).standard_normal((512, 1024)) * 10
    tracemalloc.start()
    try:
        out = sigmoid(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 1.1 * out.nbytes, f"peak {peak / out.nbytes:.2f}x the output"
