"""The CS224n 2021 assignment-2 harness, `test_word2vec`, run with the project's functions.

Run: python bench/bench_word2vec.py PATH/TO/a2

PATH/TO/a2 is a completed copy of the 2021 assignment's a2 folder (word2vec.py and utils/, as
in the public repository Banana-zero/cs224n-2021-winter): nothing of it is part of this
project. The harness runs twice per round, interleaved: once as it is, and once with
word2vec's sigmoid, softmax and gradcheck_naive replaced by q1_sigmoid.sigmoid,
q1_softmax.softmax and q1_gradcheck.gradcheck_naive. The figure is the median over rounds of
the ratio of the two times (target: at most 1.05x). The harness's own assertions, expected
values included, must hold with the project's functions in place.
"""
import contextlib
import io
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from timing import verdict  # noqa: E402

from q1_gradcheck import gradcheck_naive  # noqa: E402
from q1_sigmoid import sigmoid  # noqa: E402
from q1_softmax import softmax  # noqa: E402


def run(word2vec, functions):
    """One run of test_word2vec with the given sigmoid, softmax and checker; (seconds, output)."""
    saved = {name: getattr(word2vec, name) for name in functions}
    for name, f in functions.items():
        setattr(word2vec, name, f)
    out = io.StringIO()
    try:
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            word2vec.test_word2vec()
        return time.perf_counter() - start, out.getvalue()
    finally:
        for name, f in saved.items():
            setattr(word2vec, name, f)


def main():
    if len(sys.argv) < 2:
        print("not measured: pass the path of a completed CS224n 2021 a2 folder")
        return 2
    sys.path.insert(0, str(pathlib.Path(sys.argv[1]).resolve()))
    import word2vec

    theirs = {name: getattr(word2vec, name) for name in ("sigmoid", "softmax", "gradcheck_naive")}
    ours = {"sigmoid": sigmoid, "softmax": softmax, "gradcheck_naive": gradcheck_naive}
    _, their_output = run(word2vec, theirs)
    _, our_output = run(word2vec, ours)  # raises if an assertion of the harness fails
    print(f"harness with the project's functions: {our_output.count('passed')} 'passed' lines, "
          f"{our_output.count('failed')} 'failed' (with its own: "
          f"{their_output.count('passed')} and {their_output.count('failed')})")
    times = {"theirs": [], "ours": []}
    for _ in range(7):
        times["theirs"].append(run(word2vec, theirs)[0])
        times["ours"].append(run(word2vec, ours)[0])
    ratio = statistics.median(o / t for o, t in zip(times["ours"], times["theirs"]))
    print(f"test_word2vec: {statistics.median(times['ours']):.2f} s with the project's "
          f"functions, {statistics.median(times['theirs']):.2f} s with its own")
    print(f"  project / its own                           {verdict(ratio, 1.05)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
