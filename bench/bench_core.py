"""softmax, log_softmax, sigmoid and forward_backward_prop against what a student would write.

Run: python bench/bench_core.py [--quick]

Every figure is the median over rounds of (project's time / one-liner's time), each ratio taken
within one round with the candidates interleaved: the machines are shared and noisy. The
one-liners are the straightforward versions below; the targets are the project's promise that
the careful versions cost about what the plain ones do at the sizes users call. At 4096 x 4096
also shown, for reference: scipy.special (where installed) and np.exp alone, the floor.
For the network, jax.jit(jax.value_and_grad(...)) and torch autograd are timed where installed
(pip install jax jaxlib; pip install torch==2.13.0); neither is a dependency.
"""
import pathlib
import sys
import tracemalloc

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from timing import interleaved, ratio, verdict  # noqa: E402  (bench/ itself is on sys.path)

from q1_sigmoid import sigmoid  # noqa: E402
from q1_softmax import log_softmax, softmax  # noqa: E402
from q1c_neural import forward_backward_prop, init_params, n_params  # noqa: E402

try:
    import scipy.special as sps
except ImportError:
    sps = None


def plain_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def plain_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def plain_log_softmax(x):
    z = x - x.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def plain_network(data, labels, params, dims):
    """The textbook version: slices of params, naive softmax, -sum(y log y_hat), concatenate."""
    Dx, H, Dy = dims
    W1 = params[:Dx * H].reshape(Dx, H)
    b1 = params[Dx * H:Dx * H + H]
    W2 = params[Dx * H + H:Dx * H + H + H * Dy].reshape(H, Dy)
    b2 = params[Dx * H + H + H * Dy:]
    h = 1 / (1 + np.exp(-(data @ W1 + b1)))
    y_hat = plain_softmax(h @ W2 + b2)
    cost = -np.sum(labels * np.log(y_hat))
    delta2 = y_hat - labels
    delta1 = delta2 @ W2.T * h * (1 - h)
    return cost, np.concatenate([(data.T @ delta1).ravel(), delta1.sum(axis=0),
                                 (h.T @ delta2).ravel(), delta2.sum(axis=0)])


def row(label, value, target):
    print(f"  {label:<44}{verdict(value, target)}")


def activations(rng, rounds):
    print("activations: project / one-liner")
    cases = [("sigmoid", "NumPy scalar", np.float64(0.3), sigmoid, plain_sigmoid, 1.0),
             ("sigmoid", "1-D of 11", rng.standard_normal(11), sigmoid, plain_sigmoid, 1.3),
             ("sigmoid", "20 x 10", rng.standard_normal((20, 10)), sigmoid, plain_sigmoid, 1.3),
             ("softmax", "1-D of 5", rng.standard_normal(5), softmax, plain_softmax, 1.5),
             ("softmax", "20 x 10", rng.standard_normal((20, 10)), softmax, plain_softmax, 1.5),
             ("softmax", "256 x 10", rng.standard_normal((256, 10)), softmax, plain_softmax,
              1.2),
             ("log_softmax", "20 x 10", rng.standard_normal((20, 10)), log_softmax,
              plain_log_softmax, 1.6)]
    for name, size, x, mine, plain, target in cases:
        _, table = interleaved({"mine": lambda m=mine, v=x: m(v),
                                "plain": lambda p=plain, v=x: p(v)}, rounds)
        row(f"{name} of {size}", ratio(table, "mine", "plain"), target)


def large(rng, rounds):
    x = rng.standard_normal((4096, 4096)) * 10
    funcs = {"softmax": lambda: softmax(x), "plain softmax": lambda: plain_softmax(x),
             "sigmoid": lambda: sigmoid(x), "plain sigmoid": lambda: plain_sigmoid(x),
             "exp alone": lambda: np.exp(x)}
    if sps is not None:
        funcs["scipy softmax"] = lambda: sps.softmax(x, axis=-1)
        funcs["scipy expit"] = lambda: sps.expit(x)
    medians, table = interleaved(funcs, rounds, seconds=0)
    print("4096 x 4096 float64: project / one-liner")
    row("softmax", ratio(table, "softmax", "plain softmax"), 1.0)
    row("sigmoid", ratio(table, "sigmoid", "plain sigmoid"), 1.1)
    print("  for reference: " + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in medians.items()))
    for name, func in (("softmax", softmax), ("log_softmax", log_softmax), ("sigmoid", sigmoid)):
        tracemalloc.start()
        out = func(x)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        row(f"{name} peak memory / output size", peak / out.nbytes, 1.1)
        del out


def peers(data, labels, params, dims):
    """jax.jit(value_and_grad) and torch autograd on the same network, where installed."""
    funcs = {}
    Dx, H, Dy = dims
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def cost(p, x, y):
            W1 = p[:Dx * H].reshape(Dx, H)
            b1 = p[Dx * H:Dx * H + H]
            W2 = p[Dx * H + H:Dx * H + H + H * Dy].reshape(H, Dy)
            b2 = p[Dx * H + H + H * Dy:]
            scores = jax.nn.sigmoid(x @ W1 + b1) @ W2 + b2
            return -jnp.sum(y * jax.nn.log_softmax(scores))

        step = jax.jit(jax.value_and_grad(cost))
        jp, jx, jy = jnp.asarray(params), jnp.asarray(data), jnp.asarray(labels)
        step(jp, jx, jy)[1].block_until_ready()
        funcs["jax.jit"] = lambda: step(jp, jx, jy)[1].block_until_ready()
    except ImportError:
        pass
    try:
        import torch
        tp = torch.from_numpy(params.copy()).requires_grad_()
        tx, ty = torch.from_numpy(data), torch.from_numpy(labels.argmax(axis=1))

        def torch_step():
            tp.grad = None
            W1 = tp[:Dx * H].view(Dx, H)
            b1 = tp[Dx * H:Dx * H + H]
            W2 = tp[Dx * H + H:Dx * H + H + H * Dy].view(H, Dy)
            b2 = tp[Dx * H + H + H * Dy:]
            scores = torch.sigmoid(tx @ W1 + b1) @ W2 + b2
            torch.nn.functional.cross_entropy(scores, ty, reduction="sum").backward()

        funcs["torch autograd"] = torch_step
    except ImportError:
        pass
    return funcs


def network(rng, rounds):
    print("forward_backward_prop: project / textbook version (one-hot labels)")
    for N, dims, target in [(20, (10, 5, 10), 1.3), (16, (2, 100, 3), 1.3),
                            (256, (784, 512, 10), 1.02)]:
        data = rng.standard_normal((N, dims[0]))
        labels = np.eye(dims[2])[rng.integers(0, dims[2], N)]
        params = init_params(dims, seed=0)
        assert n_params(dims) == params.size
        args = (data, labels, params, dims)
        seconds = 0.02 if N < 100 else 0.05
        funcs = {"mine": lambda a=args: forward_backward_prop(*a),
                 "plain": lambda a=args: plain_network(*a)}
        medians, table = interleaved(funcs, rounds, seconds)
        row(f"N = {N}, dims {dims}", ratio(table, "mine", "plain"), target)
        # The peers in a group of their own: torch's worker threads spin for a while after
        # each call and would slow whatever runs next.
        others = peers(data, labels, params, dims)
        line = f"    {medians['mine'] * 1e6:.1f} us per call"
        if others:
            _, table = interleaved({"mine": funcs["mine"], **others}, rounds, seconds)
            line += "".join(f"; project / {k} = {ratio(table, 'mine', k):.2f}x" for k in others)
        print(line)


def main():
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(0)
    print(f"NumPy {np.__version__}; medians of per-round ratios, candidates interleaved")
    activations(rng, 5 if quick else 15)
    network(rng, 5 if quick else 11)
    if not quick:
        large(rng, 5)


if __name__ == "__main__":
    main()
