"""Tests of q1_grade: the reference scores 1, every planted bug is diagnosed in its part, and
a student's fault stays inside one part."""
import json
import re
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import numpy as np
import pytest

import q1_softmax
from q1_grade import GALLERY, PARTS, grade, reference

ROOT = Path(__file__).resolve().parents[1]


def with_part(part, function):
    funcs = reference()
    funcs[part] = function
    return funcs


def test_the_reference_scores_full_marks_on_every_part():
    result = grade(reference(), seed=3)
    assert result.score == 1.0
    assert {name: (s, m) for name, (s, m, _) in result.parts.items()} == {
        name: (points, points) for name, points in PARTS.items()}


DIAGNOSES = {
    "softmax without the max shift": "subtract each row's maximum",
    "softmax over the whole matrix": "normalise each row by its own sum",
    "the sigmoid's derivative given x": "it is given s = sigmoid(x): return s * (1 - s)",
    "averaged cost": "The cost is wrong: it averages over the N rows",
    "sigmoid_grad(z) in the backward step": "sigmoid_grad given z instead of h",
    "transposed W2 gradient": "W2: the analytic block looks transposed",
    "bias gradients left at zero": "b1: the analytic gradient is all zero here",
    "a checker that forgets to restore x": "does not give x back unchanged",
}


@pytest.mark.parametrize("name", list(GALLERY))
def test_each_planted_bug_costs_part_of_its_part_and_is_diagnosed(name):
    part, bug = GALLERY[name]
    result = grade(with_part(part, bug), seed=1)
    score, max_score, feedback = result.parts[part]
    assert 0 < result.score < 1 and score < max_score
    assert DIAGNOSES[name] in feedback
    others = [p for p in PARTS if p != part]
    assert all(result.parts[p][0] == result.parts[p][1] for p in others)


def test_the_cost_is_graded_first_and_then_each_block_with_partial_credit():
    part, bug = GALLERY["sigmoid_grad(z) in the backward step"]
    feedback = grade(with_part(part, bug)).parts[part]
    assert feedback[0] == 2.0  # the cost and W2, b2 are right: half the part
    assert feedback[2].startswith("The cost is right. The gradient is wrong in W1, b1. Your "
                                  "gradient does not match your own cost, in W1, b1.")


def hangs(x):
    while True:
        time.sleep(0.01)


def returns_nan(x):
    return np.full(np.shape(x), np.nan)


def raises(x):
    raise ValueError("not implemented yet")


@pytest.mark.parametrize("function, says", [
    (hangs, "It did not finish within 1 s."),
    (returns_nan, "it returned NaN or inf"),
    (raises, "it raised ValueError: not implemented yet"),
])
def test_a_fault_stays_inside_its_part(function, says):
    start = time.perf_counter()
    result = grade(with_part("softmax", function), timeout=1.0)
    assert time.perf_counter() - start < 30
    assert result.parts["softmax"][0] == 0 and says in result.parts["softmax"][2]
    assert all(result.parts[p][0] == result.parts[p][1] for p in PARTS if p != "softmax")


def test_a_missing_part_scores_zero_and_says_so():
    funcs = reference()
    del funcs["sigmoid"]
    result = grade(funcs)
    assert result.parts["sigmoid"] == (0.0, 1.0, "No function named sigmoid was found.")


def test_student_feedback_holds_no_reference_numbers_and_the_report_does():
    part, bug = GALLERY["averaged cost"]
    result = grade(with_part(part, bug), seed=2)
    numbers = re.findall(r"\d+\.\d+|\(\d+, \d+\)", result.feedback)
    assert numbers == [], numbers
    N, dims = len(result.cases["data"]), result.cases["dims"]
    assert str(dims) not in result.feedback and f"factor {N}" not in result.feedback
    assert str(dims) in result.report and "cost " in result.report


def global_drawing_softmax(x):
    np.random.rand(5)  # noqa: NPY002 -- a student's stray draw from the global state
    return q1_softmax.softmax(x)


def test_the_same_seed_gives_the_same_grade_whatever_the_student_draws():
    first = grade(with_part("softmax", global_drawing_softmax), seed=4)
    np.random.seed(99)  # noqa: NPY002
    second = grade(with_part("softmax", global_drawing_softmax), seed=4)
    assert first.parts == second.parts and first.score == second.score
    assert all(np.array_equal(first.cases[k], second.cases[k]) for k in first.cases)
    assert not np.array_equal(grade(reference(), seed=5).cases["params"],
                              first.cases["params"])


@pytest.mark.parametrize("seed", range(6))
def test_cases_are_never_degenerate_and_test_every_block(seed):
    from q1_gradcheck import gradcheck_naive
    from q1c_neural import forward_backward_prop, param_blocks

    cases = grade({}, seed=seed).cases
    dims = cases["dims"]
    assert len(set(dims)) == 3 and cases["rows"].shape[0] != cases["rows"].shape[1]
    assert np.all(cases["params"] != 0)
    check = gradcheck_naive(lambda p: forward_backward_prop(cases["data"], cases["labels"], p,
                                                            dims),
                            cases["params"], blocks=param_blocks(dims), verbose=False)
    assert check.untested == []


def cheating_softmax(x):
    import q1_softmax as reference_module

    reference_module.softmax = lambda v: np.zeros_like(v)  # tries to change the reference
    return reference_module.softmax(x)


def test_the_student_cannot_change_the_reference():
    before = q1_softmax.softmax
    grade(with_part("softmax", cheating_softmax))
    assert q1_softmax.softmax is before
    assert grade(reference()).score == 1.0


# A student's own files, in the CS224n layout: the grader imports them in isolation. Written
# for this test after the structure of the CS224n 2017 assignment 1 starter (q1_softmax.py,
# q2_sigmoid.py, q2_gradcheck.py, q2_neural.py importing each other); the bodies are ours.
STUDENT_FILES = {
    "q1_softmax.py": """
        import numpy as np

        def softmax(x):
            orig_shape = x.shape
            if x.ndim > 1:
                x = x - np.max(x, axis=1, keepdims=True)
                x = np.exp(x)
                x = x / np.sum(x, axis=1, keepdims=True)
            else:
                x = np.exp(x - np.max(x))
                x = x / np.sum(x)
            assert x.shape == orig_shape
            return x
        """,
    "q2_sigmoid.py": """
        import numpy as np

        def sigmoid(x):
            return 1.0 / (1.0 + np.exp(-x))

        def sigmoid_grad(s):
            return s * (1 - s)
        """,
    "q2_gradcheck.py": """
        import random
        import numpy as np

        def gradcheck_naive(f, x):
            rndstate = random.getstate()
            random.setstate(rndstate)
            fx, grad = f(x)
            h = 1e-4
            it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
            while not it.finished:
                ix = it.multi_index
                old = x[ix]
                x[ix] = old + h
                random.setstate(rndstate)
                fxh = f(x)[0]
                x[ix] = old - h
                random.setstate(rndstate)
                fxmh = f(x)[0]
                x[ix] = old
                numgrad = (fxh - fxmh) / (2 * h)
                reldiff = abs(numgrad - grad[ix]) / max(1, abs(numgrad), abs(grad[ix]))
                if reldiff > 1e-5:
                    print("Gradient check failed.")
                    return
                it.iternext()
            print("Gradient check passed!")
        """,
    "q2_neural.py": """
        import numpy as np
        from q1_softmax import softmax
        from q2_sigmoid import sigmoid, sigmoid_grad

        def forward_backward_prop(data, labels, params, dimensions):
            ofs = 0
            Dx, H, Dy = (dimensions[0], dimensions[1], dimensions[2])
            W1 = np.reshape(params[ofs:ofs + Dx * H], (Dx, H)); ofs += Dx * H
            b1 = np.reshape(params[ofs:ofs + H], (1, H)); ofs += H
            W2 = np.reshape(params[ofs:ofs + H * Dy], (H, Dy)); ofs += H * Dy
            b2 = np.reshape(params[ofs:ofs + Dy], (1, Dy))
            h = sigmoid(data.dot(W1) + b1)
            y_hat = softmax(h.dot(W2) + b2)
            cost = -np.sum(labels * np.log(y_hat))
            d2 = y_hat - labels
            d1 = d2.dot(W2.T) * sigmoid_grad(h)
            grad = np.concatenate((data.T.dot(d1).flatten(), np.sum(d1, axis=0),
                                   h.T.dot(d2).flatten(), np.sum(d2, axis=0)))
            return cost, grad
        """,
}


@pytest.fixture
def student_folder(tmp_path):
    for name, text in STUDENT_FILES.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


def test_a_students_folder_in_the_cs224n_layout_scores_full_marks(student_folder):
    result = grade(student_folder)
    assert result.score == 1.0, result.feedback


def test_the_students_own_modules_are_used_not_the_reference(student_folder):
    # Their q1_softmax.py without the max shift: the reference q1_softmax must not stand in.
    (student_folder / "q1_softmax.py").write_text("import numpy as np\n\ndef softmax(x):\n"
                                                  "    e = np.exp(x)\n"
                                                  "    return e / e.sum(axis=-1, keepdims=True)\n")
    result = grade(student_folder)
    assert result.parts["softmax"][0] < 2 and "subtract each row's maximum" in result.feedback


def test_a_module_and_a_single_file(student_folder):
    module = types.ModuleType("student")
    module.sigmoid = reference()["sigmoid"]
    assert grade(module).parts["sigmoid"][0] == 1.0
    assert grade(student_folder / "q2_sigmoid.py").parts["sigmoid_grad"][0] == 1.0


def test_gradescope_json_and_the_staff_command_line(student_folder, tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "q1_grade.py", str(student_folder), "--seed", "2",
                          "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert "seed 2: score 1.000" in run.stdout
    results = json.loads(out.read_text())
    assert results["score"] == sum(PARTS.values())
    assert [t["name"] for t in results["tests"]] == list(PARTS)
    assert all(set(t) == {"name", "score", "max_score", "output"} for t in results["tests"])


def test_the_notebook_table():
    page = grade(reference())._repr_html_()
    assert page.startswith("<p><b>Score 100%</b></p><table>") and "forward_backward_prop" in page


def classic_restoring_checker(f, x):
    """The classic loop (x += h; x -= 2h; x += h): x comes back to rounding, not bit for bit."""
    fx, grad = f(x)
    for ix in np.ndindex(x.shape):
        x[ix] += 1e-4
        up = f(x)[0]
        x[ix] -= 2e-4
        down = f(x)[0]
        x[ix] += 1e-4
        if abs((up - down) / 2e-4 - grad[ix]) / max(1, abs(grad[ix])) > 1e-5:
            print("Gradient check failed.")
            return
    print("Gradient check passed!")


def test_the_classic_restore_to_rounding_earns_full_marks():
    result = grade(with_part("gradcheck_naive", classic_restoring_checker))
    assert result.parts["gradcheck_naive"][:2] == (2.0, 2.0)
    assert "It gives x back (to rounding)." in result.parts["gradcheck_naive"][2]


def averaging_network(data, labels, params, dims):
    """Consistent, but against the assignment: the cost and its gradient both averaged."""
    from q1c_neural import forward_backward_prop

    cost, grad = forward_backward_prop(data, labels, params, dims)
    return cost / len(data), grad / len(data)


def test_a_consistently_averaged_network_loses_only_the_cost():
    result = grade(with_part("forward_backward_prop", averaging_network))
    score, _, feedback = result.parts["forward_backward_prop"]
    assert score == 3.0
    assert feedback == ("The cost is wrong: it averages over the N rows; the cost is their "
                        "sum. The gradient is right in every block. The gradient matches your "
                        "own cost.")
