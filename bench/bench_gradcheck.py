"""gradcheck_naive's own overhead, and its random-direction mode, on the sanity-size network.

Run: python bench/bench_gradcheck.py

Targets (issue 3), as ratios measured in one run: the full check of the 115-parameter network
at most 1.15x the time of the same 2P + 1 calls of f made bare; directional mode with its
default K at most 0.2x the full check. Where PyTorch is installed (pip install torch==2.13.0),
torch.autograd.gradcheck on the same network (default and fast_mode=True) is timed too.
"""
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from timing import best_of  # noqa: E402  (bench/ itself is on sys.path)

from q1_gradcheck import DEFAULT_DIRECTIONS, gradcheck_naive  # noqa: E402
from q1c_neural import forward_backward_prop, param_blocks  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

N, DIMS = 20, (10, 5, 10)
H_STEP = 1e-4


def main():
    rng = np.random.default_rng(0)
    data = rng.standard_normal((N, DIMS[0]))
    labels = np.zeros((N, DIMS[2]))
    labels[np.arange(N), rng.integers(0, DIMS[2], N)] = 1
    params = rng.standard_normal((DIMS[0] + 1) * DIMS[1] + (DIMS[1] + 1) * DIMS[2])
    P = params.size

    def f(p):
        return forward_backward_prop(data, labels, p, DIMS)

    def bare_calls():
        """The 2P + 1 calls of f that a full check needs, and nothing else."""
        x = params.copy()
        f(x)
        for i in range(P):
            saved = x[i]
            x[i] = saved + H_STEP
            f(x)
            x[i] = saved - H_STEP
            f(x)
            x[i] = saved

    def bare_calls_resetting_rng():
        """The same calls with np.random's state reset before each, as a naive checker does."""
        state = np.random.get_state()  # noqa: NPY002
        x = params.copy()
        for i in range(P):
            saved = x[i]
            for value in (saved + H_STEP, saved - H_STEP):
                x[i] = value
                np.random.set_state(state)  # noqa: NPY002
                f(x)
            x[i] = saved

    blocks = param_blocks(DIMS)
    funcs = {
        "bare 2P+1 calls": bare_calls,
        "gradcheck_naive full": lambda: gradcheck_naive(f, params, blocks=blocks,
                                                        verbose=False),
        "gradcheck_naive directional": lambda: gradcheck_naive(
            f, params, blocks=blocks, directions=True, verbose=False),
        "bare calls + set_state each": bare_calls_resetting_rng,
    }
    if torch is not None:
        t_data = torch.from_numpy(data)
        t_labels = torch.from_numpy(labels.argmax(axis=1))

        Dx, H, Dy = DIMS
        cuts = np.cumsum([Dx * H, H, H * Dy])

        def torch_cost(p):
            W1, b1, W2, b2 = torch.tensor_split(p, tuple(cuts))
            W1, W2 = W1.reshape(Dx, H), W2.reshape(H, Dy)
            hidden = torch.sigmoid(t_data @ W1 + b1)
            return torch.nn.functional.cross_entropy(hidden @ W2 + b2, t_labels,
                                                     reduction="sum")

        t_params = torch.from_numpy(params.copy()).requires_grad_()
        funcs["torch gradcheck"] = lambda: torch.autograd.gradcheck(torch_cost, (t_params,))
        funcs["torch gradcheck fast_mode"] = lambda: torch.autograd.gradcheck(
            torch_cost, (t_params,), fast_mode=True)

    assert gradcheck_naive(f, params, blocks=blocks, verbose=False)
    result = gradcheck_naive(f, params, blocks=blocks, directions=True, verbose=False)
    t = best_of(funcs, 7)
    print(f"network N = {N}, dimensions {DIMS}, P = {P}; best of 7 interleaved runs")
    for name, seconds in t.items():
        print(f"  {name:<30} {seconds * 1e3:8.2f} ms")
    overhead = t["gradcheck_naive full"] / t["bare 2P+1 calls"]
    directional = t["gradcheck_naive directional"] / t["gradcheck_naive full"]
    print(f"full check / bare calls:          {overhead:.3f}x "
          f"(target <= 1.15x: {'met' if overhead <= 1.15 else 'MISSED'})")
    print(f"directional (K = {DEFAULT_DIRECTIONS}, {result.n_calls} calls) / full: "
          f"{directional:.3f}x (target <= 0.2x: {'met' if directional <= 0.2 else 'MISSED'})")
    print(f"bare calls with set_state before each / bare calls: "
          f"{t['bare calls + set_state each'] / t['bare 2P+1 calls']:.2f}x")
    if torch is not None:
        for name in ("torch gradcheck", "torch gradcheck fast_mode"):
            print(f"{name} / gradcheck_naive full: "
                  f"{t[name] / t['gradcheck_naive full']:.2f}x")
    else:
        print("torch is not installed: its comparison is skipped")


if __name__ == "__main__":
    main()
