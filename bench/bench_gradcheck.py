"""gradcheck_naive's own overhead over the calls of f it needs, and its modes.

Run: python bench/bench_gradcheck.py [--quick]

Figures are medians over rounds of ratios taken within one round, the candidates
interleaved (the machines are shared and noisy). Targets:
- full check / the bare 2P + 1 in-place calls of f, for an f that draws nothing: at most
  1.10x on the sanity network (P = 115) and on a (100, 50, 10) network with N = 20
  (P = 5560), where the cost must stay linear in P;
- for an f that draws from np.random (dropout-style): full check / the bare calls each made
  after resetting both global random states, at most 1.10x;
- directional mode with the default K / full check, at most 0.2x.
Where PyTorch is installed (pip install torch==2.13.0), torch.autograd.gradcheck on the same
network in float64 is timed too; the goal is at most 1.0x of torch's time.
"""
import pathlib
import random
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from timing import interleaved, ratio, verdict  # noqa: E402  (bench/ itself is on sys.path)

from q1_gradcheck import DEFAULT_DIRECTIONS, gradcheck_naive  # noqa: E402
from q1c_neural import forward_backward_prop, n_params, param_blocks  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

H_STEP = 1e-4


def bare_calls(f, params, reset_random=False):
    """The 2P + 1 in-place calls of f a full check makes, and nothing else."""
    py_state, np_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    x = params
    f(x)
    for i in range(x.size):
        saved = x[i]
        for value in (saved + H_STEP, saved - H_STEP):
            x[i] = value
            if reset_random:
                random.setstate(py_state)
                np.random.set_state(np_state)  # noqa: NPY002
            f(x)
        x[i] = saved


def network(N, dims, seed=0):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((N, dims[0]))
    labels = np.eye(dims[2])[rng.integers(0, dims[2], N)]
    params = rng.standard_normal(n_params(dims))
    return data, labels, params


def torch_check(data, labels, params, dims):
    Dx, H, Dy = dims
    cuts = tuple(np.cumsum([Dx * H, H, H * Dy]))
    t_data, t_labels = torch.from_numpy(data), torch.from_numpy(labels.argmax(axis=1))

    def cost(p):
        W1, b1, W2, b2 = torch.tensor_split(p, cuts)
        hidden = torch.sigmoid(t_data @ W1.reshape(Dx, H) + b1)
        return torch.nn.functional.cross_entropy(hidden @ W2.reshape(H, Dy) + b2, t_labels,
                                                 reduction="sum")

    t_params = torch.from_numpy(params.copy()).requires_grad_()
    return lambda: torch.autograd.gradcheck(cost, (t_params,))


def overhead(N, dims, rounds, with_torch):
    data, labels, params = network(N, dims)
    blocks = param_blocks(dims)

    def f(p):
        return forward_backward_prop(data, labels, p, dims)

    def dropout_f(p):
        keep = np.random.rand(N, 1) < 0.9  # noqa: NPY002 -- drops rows, as dropout would
        return forward_backward_prop(data[keep[:, 0]], labels[keep[:, 0]], p, dims)

    funcs = {"bare": lambda: bare_calls(f, params),
             "check": lambda: gradcheck_naive(f, params, blocks=blocks, verbose=False),
             "bare with resets": lambda: bare_calls(dropout_f, params, reset_random=True),
             "dropout check": lambda: gradcheck_naive(dropout_f, params, blocks=blocks,
                                                      verbose=False),
             "directional": lambda: gradcheck_naive(f, params, blocks=blocks, directions=True,
                                                    verbose=False)}
    if with_torch and torch is not None:
        funcs["torch"] = torch_check(data, labels, params, dims)
    assert gradcheck_naive(f, params, blocks=blocks, verbose=False)
    medians, table = interleaved(funcs, rounds, seconds=0)
    P = params.size
    print(f"network N = {N}, dims {dims}, P = {P}: bare calls {medians['bare'] * 1e3:.1f} ms")
    print(f"  full check / bare 2P+1 in-place calls       {verdict(ratio(table, 'check', 'bare'), 1.10)}")  # noqa: E501
    print(f"  dropout f: check / bare calls after resets  "
          f"{verdict(ratio(table, 'dropout check', 'bare with resets'), 1.10)}")
    print(f"  directional (K = {DEFAULT_DIRECTIONS}) / full check            "
          f"{verdict(ratio(table, 'directional', 'check'), 0.2)}")
    if "torch" in funcs:
        print(f"  full check / torch.autograd.gradcheck      "
              f"{verdict(ratio(table, 'check', 'torch'), 1.0)}")


def main():
    quick = "--quick" in sys.argv
    print(f"NumPy {np.__version__}" + (f", torch {torch.__version__}" if torch else
                                       " (torch not installed: its comparison is skipped)"))
    overhead(20, (10, 5, 10), 3 if quick else 15, with_torch=True)
    overhead(20, (100, 50, 10), 1 if quick else 5, with_torch=not quick)


if __name__ == "__main__":
    main()
