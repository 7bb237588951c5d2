"""Train the one-hidden-layer network with minibatch SGD on a spiral, and see how it does.

    python q1d_train.py                      # train on a spiral, test on another one
    python q1d_train.py --plot spiral.png    # also save the learning curve and the regions

The network and its gradients are q1c_neural's; this module only uses them.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

import q1c_neural
from q1c_neural import init_params, predict

__all__ = ["train", "make_spiral", "accuracy", "save_plot", "TrainingDivergedError", "main"]

EPOCHS, BATCH_SIZE, LEARNING_RATE, HIDDEN = 500, 16, 2.0, 100


class TrainingDivergedError(FloatingPointError):
    """The loss blew up: the learning rate is too large for this problem."""


# An epoch whose mean loss exceeds 20 times that of the initial parameters means the steps
# overshoot for good: on the default spiral, learning rates up to 10 peak below 6x and still
# reach 98%; 50 peaks at 23x and stays at chance.
DIVERGENCE_FACTOR = 20.0


def make_spiral(n_per_class=100, n_classes=3, seed=0):
    """Return the classic interleaved spiral: `data` (n_per_class * n_classes, 2), `labels`.

    Class k's points run outward along an arm that turns through 4 radians, starting at angle
    4k, with Gaussian noise of 0.2 radians on the angle; radii go evenly from 0 to 1.

    >>> data, labels = make_spiral(n_per_class=5, n_classes=2)
    >>> data.shape, labels.tolist()
    ((10, 2), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    """
    if n_per_class < 1 or n_classes < 2:
        raise ValueError(f"expected n_per_class >= 1 and n_classes >= 2, got {n_per_class} "
                         f"and {n_classes}")
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.0, 1.0, n_per_class), n_classes)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    angle = 4.0 * (labels + radius) + 0.2 * rng.standard_normal(labels.size)
    return np.column_stack([radius * np.sin(angle), radius * np.cos(angle)]), labels


def accuracy(data, labels, params, dimensions):
    """Return the fraction of rows whose predicted class is the label.

    `labels` are class indices of shape (N,) or one-hot of shape (N, Dy), checked against
    `data` and `dimensions` as `forward_backward_prop` checks them. Zero rows is a ValueError,
    not NaN: an empty split is almost always a mistake, and a NaN accuracy would travel on
    silently into averages and plots.

    >>> dims = (2, 3, 2)
    >>> accuracy(np.zeros((4, 2)), [0, 0, 1, 0], np.zeros(q1c_neural.n_params(dims)), dims)
    0.75
    """
    data, k = q1c_neural._checked(data, labels, params, dimensions, "accuracy")[:2]
    if not len(data):
        raise ValueError("accuracy expects at least one row, got data of shape "
                         f"{data.shape}: the accuracy of no predictions is undefined")
    return float(np.count_nonzero(predict(data, params, dimensions) == k) / len(data))


class _Progress:
    """Training progress, one line: redrawn in place in a notebook (through an IPython display
    handle, on stdout) or on a terminal (with \\r, on stderr); otherwise a few plain lines on
    stderr, as in a log file or a CI job."""

    def __init__(self, epochs):
        self.epochs = epochs
        self.handle = _notebook_display()
        self.live = self.handle is not None or sys.stderr.isatty()
        self.every = max(1, epochs // (20 if self.live else 5))

    def show(self, epoch, loss, acc):
        if epoch % self.every and epoch != self.epochs:
            return
        done = epoch / self.epochs
        bar = "#" * int(24 * done) + "." * (24 - int(24 * done))
        line = (f"epoch {epoch:>{len(str(self.epochs))}}/{self.epochs} [{bar}] loss {loss:.4f}  "
                f"accuracy {acc:.1%}")
        if self.handle is not None:
            self.handle.update({"text/plain": line}, raw=True)
        elif self.live:
            print("\r" + line, end="\n" if epoch == self.epochs else "", file=sys.stderr,
                  flush=True)
        else:
            print(line, file=sys.stderr)


def _notebook_display():
    """A display handle when running inside a Jupyter kernel, else None.

    IPython is only used when it is already the running shell: it is never imported here.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    from IPython.display import display

    return display({"text/plain": "training..."}, raw=True, display_id=True)


def train(data, labels, dimensions=None, *, epochs=EPOCHS, batch_size=BATCH_SIZE,
          learning_rate=LEARNING_RATE, seed=0, verbose=True):
    """Fit the network's parameters with minibatch stochastic gradient descent.

    Parameters
    ----------
    data : array_like, shape (N, Dx)
    labels : array_like, shape (N,) integer classes or (N, Dy) one-hot
    dimensions : (Dx, H, Dy), optional
        Default: Dx from `data`, H = 100 hidden units, Dy from `labels`.
    epochs, batch_size : int, optional
        Passes over the data, and rows per step (the last batch of an epoch may be smaller).
    learning_rate : float, optional
        Step size on the batch's *mean* gradient, so it does not depend on `batch_size`.
    seed : int, optional
        Seeds the initial parameters and the shuffling: the same seed gives the same result,
        bit for bit.
    verbose : bool, optional
        Show progress: one line redrawn in place in a notebook or on a terminal, otherwise
        five plain lines on stderr.

    Returns
    -------
    params : ndarray, shape (P,)
    history : dict
        ``{"loss": [...], "accuracy": [...]}``, one entry per epoch, both taken from the
        forward passes the epoch already made (each batch before its step, as Keras reports
        them): the mean cross-entropy per row, and the fraction of rows predicted right. For
        the accuracy of the final parameters, call `accuracy`.

    Raises
    ------
    ValueError
        For data and labels of the wrong shapes, non-positive epochs or batch size, or a
        learning rate that is not a positive finite number.
    TypeError
        For labels that are not numbers (class names: number them with ``np.unique(labels,
        return_inverse=True)``), or a learning rate that is not a number.
    TrainingDivergedError
        When the loss becomes non-finite, or an epoch's mean loss exceeds DIVERGENCE_FACTOR
        (20) times that of the initial parameters; the message says at which epoch.
    """
    data = np.asarray(data)
    labels = np.asarray(labels)
    if labels.dtype.kind in "USO":
        raise TypeError(f"train expects labels as class indices 0, 1, ... or one-hot rows, got "
                        f"dtype {labels.dtype} (first label {labels.flat[0].item()!r}); number "
                        f"named classes with classes, labels = np.unique(labels, "
                        f"return_inverse=True)")
    if data.ndim != 2 or labels.ndim not in (1, 2) or len(labels) != len(data) or not len(data):
        raise ValueError(f"expected data of shape (N, Dx) with N >= 1 and labels of shape (N,) "
                         f"or (N, Dy), got {data.shape} and {labels.shape}")
    if data.dtype.kind in "biuf" and not np.isfinite(data).all():
        row, column = np.argwhere(~np.isfinite(data))[0]
        raise ValueError(f"data must be finite, got {data[row, column]} at row {row}, column "
                         f"{column}: remove or impute it before training")
    if dimensions is None:
        if labels.ndim == 1 and labels.dtype.kind in "iu" and labels.min() >= 1:
            raise ValueError(f"labels run from {labels.min()} to {labels.max()}, so class 0 "
                             f"never occurs: number the classes from 0 (labels - "
                             f"{labels.min()}), or pass dimensions=(Dx, H, Dy) to keep an "
                             f"empty class 0")
        classes = labels.shape[1] if labels.ndim == 2 else int(labels.max()) + 1
        dimensions = (data.shape[1], HIDDEN, classes)
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.integer,
                                                                         np.floating)):
        raise TypeError(f"learning_rate must be a positive finite number, got "
                        f"{learning_rate!r} of type {type(learning_rate).__name__}")
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be a positive finite number, got "
                         f"{learning_rate!r}")
    params = init_params(dimensions, seed=seed)
    # Validate once; every batch then goes straight to the pass itself, whose W1, b1, W2, b2
    # are views of params, so the in-place steps below reach them.
    data, k, _, dims, *blocks = q1c_neural._checked(data, labels, params, dimensions, "train")
    rng = np.random.default_rng(seed)
    history = {"loss": [], "accuracy": []}
    progress = _Progress(epochs) if verbose else None
    initial_loss = q1c_neural._forward_backward(data, k, None, dims, *blocks)[0] / len(data)

    def diverged(epoch, loss):
        return TrainingDivergedError(
            f"training diverged at epoch {epoch}: the mean loss per row became {loss:.3g} "
            f"(it started at {initial_loss:.3g}); try a smaller learning rate than "
            f"{learning_rate:g}, say {learning_rate / 10:g}")

    for epoch in range(1, epochs + 1):
        total, correct = 0.0, 0
        order = rng.permutation(len(data))
        for start in range(0, len(data), batch_size):
            batch = order[start:start + batch_size]
            cost, grad, scores = q1c_neural._forward_backward(data[batch], k[batch], None, dims,
                                                              *blocks)
            if not np.isfinite(cost):
                raise diverged(epoch, cost / len(batch))
            total += cost
            correct += np.count_nonzero(scores.argmax(axis=1) == k[batch])
            params -= (learning_rate / len(batch)) * grad
        if total / len(data) > DIVERGENCE_FACTOR * initial_loss:
            raise diverged(epoch, total / len(data))
        history["loss"].append(total / len(data))
        history["accuracy"].append(correct / len(data))
        if progress:
            progress.show(epoch, history["loss"][-1], history["accuracy"][-1])
    return params, history


def save_plot(path, data, labels, params, dimensions, history):
    """Save the learning curve and the learned decision regions over the data as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no screen needed
    import matplotlib.pyplot as plt

    fig, (curve, regions) = plt.subplots(1, 2, figsize=(11, 4.5))
    epochs = np.arange(1, len(history["loss"]) + 1)
    curve.plot(epochs, history["loss"], label="mean loss per row")
    curve.set_xlabel("epoch")
    curve.set_ylabel("mean cross-entropy per row (log scale)")
    curve.set_yscale("log")
    twin = curve.twinx()
    twin.plot(epochs, history["accuracy"], color="tab:orange", label="training accuracy")
    twin.set_ylim(0, 1)
    twin.set_ylabel("accuracy")
    curve.set_title("Learning curve")
    curve.legend(loc="center right")
    twin.legend(loc="lower right")
    lo, hi = data.min(axis=0) - 0.2, data.max(axis=0) + 0.2
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
    grid_classes = predict(np.column_stack([gx.ravel(), gy.ravel()]), params, dimensions)
    regions.contourf(gx, gy, grid_classes.reshape(gx.shape), alpha=0.3, cmap="brg")
    regions.scatter(data[:, 0], data[:, 1], c=labels, s=12, cmap="brg", edgecolors="k",
                    linewidths=0.3)
    regions.set_title("Decision regions and training data")
    regions.set_aspect("equal")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--hidden", type=int, default=HIDDEN, help="hidden units H")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="passes over the data")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="rows per step")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE,
                        help="learning rate, on the batch's mean gradient")
    parser.add_argument("--seed", type=int, default=0, help="seed of the training spiral and "
                        "of the training run; the held-out spiral uses seed + 1")
    parser.add_argument("--plot", metavar="FILE.png", help="save the learning curve and the "
                        "decision regions (needs matplotlib)")
    args = parser.parse_args(argv)
    if args.plot and not Path(args.plot).resolve().parent.is_dir():
        print(f"--plot {args.plot}: the folder {Path(args.plot).parent} does not exist; create "
              f"it or choose another path (nothing was trained)", file=sys.stderr)
        return 2
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("--plot needs matplotlib: pip install matplotlib (or pip install '.[plot]')",
                  file=sys.stderr)
            return 2
    data, labels = make_spiral(seed=args.seed)
    held_out, held_out_labels = make_spiral(seed=args.seed + 1)
    dimensions = (2, args.hidden, 3)
    try:
        params, history = train(data, labels, dimensions, epochs=args.epochs,
                                batch_size=args.batch_size, learning_rate=args.lr,
                                seed=args.seed)
    except (ValueError, TrainingDivergedError) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"training accuracy {accuracy(data, labels, params, dimensions):.1%}, held-out "
          f"accuracy {accuracy(held_out, held_out_labels, params, dimensions):.1%} (a second "
          f"spiral, seed {args.seed + 1})")
    if args.plot:
        save_plot(args.plot, data, labels, params, dimensions, history)
        print(f"saved the learning curve and decision regions to {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
