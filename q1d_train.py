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
from _q1_progress import ProgressLine
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
        Show progress as tqdm does (percentage, elapsed time, time left, rate, loss): one
        line redrawn in place in a notebook or on a terminal, otherwise five plain lines on
        stderr. On Ctrl-C the line ends and "interrupted at epoch N of M" follows.

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
    progress = ProgressLine(epochs, "epoch") if verbose else None
    initial_loss = q1c_neural._forward_backward(data, k, None, dims, *blocks)[0] / len(data)

    def diverged(epoch, loss):
        return TrainingDivergedError(
            f"training diverged at epoch {epoch}: the mean loss per row became {loss:.3g} "
            f"(it started at {initial_loss:.3g}); try a smaller learning rate than "
            f"{learning_rate:g}, say {learning_rate / 10:g}")

    epoch = 0
    try:
        for epoch in range(1, epochs + 1):
            total, correct = 0.0, 0
            order = rng.permutation(len(data))
            for start in range(0, len(data), batch_size):
                batch = order[start:start + batch_size]
                cost, grad, scores = q1c_neural._forward_backward(data[batch], k[batch], None,
                                                                  dims, *blocks)
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
                progress.update(epoch, f"loss {history['loss'][-1]:.4f} accuracy "
                                       f"{history['accuracy'][-1]:.1%}")
    except KeyboardInterrupt:
        if progress:
            progress.close(f"interrupted at epoch {epoch} of {epochs}")
        raise
    if progress:
        progress.close()
    return params, history


# Okabe and Ito's palette, told apart with every common colour-vision deficiency.
CLASS_COLOURS = ["#0072B2", "#E69F00", "#CC79A7", "#009E73", "#56B4E9", "#D55E00", "#F0E442",
                 "#000000"]
PLOT_DPI = 160


def save_plot(data, labels, params, dimensions, history, path=None, *, held_out=None):
    """Draw the learning curve and the learned decision regions; return the figure.

    Parameters
    ----------
    data, labels : the training rows (N, 2) and their class indices (N,)
    params, dimensions, history : as `train` returns and takes them
    path : str or Path, optional
        Also save the figure there, at 160 dpi; the format follows the suffix, and a path
        without one gets ``.png``.
    held_out : (data, labels), optional
        A second set, drawn as hollow markers and scored in the title.

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot: the notebook's backend and pyplot's current figure are left as
        they were, and a notebook shows the returned figure inline.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    fig = Figure(figsize=(11, 4.8), layout="constrained")
    curve, regions = fig.subplots(1, 2)
    epochs = np.arange(1, len(history["loss"]) + 1)
    loss_line, = curve.plot(epochs, history["loss"], color=CLASS_COLOURS[0])
    curve.set(xlabel="epoch", ylabel="mean cross-entropy per row (log scale)", yscale="log")
    twin = curve.twinx()
    accuracy_line, = twin.plot(epochs, history["accuracy"], color=CLASS_COLOURS[1])
    twin.set(ylim=(0, 1), ylabel="training accuracy (over the epoch's batches)")
    # One legend for both axes, above the plot and off the data.
    curve.legend([loss_line, accuracy_line], ["loss", "accuracy"], loc="lower center",
                 bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)

    n_classes = dimensions[2]
    colours = ListedColormap(CLASS_COLOURS[:n_classes])
    lo, hi = data.min(axis=0) - 0.2, data.max(axis=0) + 0.2
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
    grid_classes = predict(np.column_stack([gx.ravel(), gy.ravel()]), params, dimensions)
    regions.contourf(gx, gy, grid_classes.reshape(gx.shape), levels=np.arange(n_classes + 1) - 0.5,
                     cmap=colours, alpha=0.25)
    regions.scatter(data[:, 0], data[:, 1], c=labels, cmap=colours, vmin=-0.5,
                    vmax=n_classes - 0.5, s=14, edgecolors="k", linewidths=0.3)
    title = f"training accuracy {accuracy(data, labels, params, dimensions):.1%}"
    markers = [Line2D([], [], ls="", marker="o", color=CLASS_COLOURS[k], markeredgecolor="k",
                      label=f"class {k}") for k in range(n_classes)]
    if held_out is not None:
        held_data, held_labels = held_out
        regions.scatter(held_data[:, 0], held_data[:, 1], s=18, facecolors="none",
                        edgecolors=[CLASS_COLOURS[k] for k in held_labels], linewidths=0.9)
        title += (f", held-out accuracy "
                  f"{accuracy(held_data, held_labels, params, dimensions):.1%}")
        markers.append(Line2D([], [], ls="", marker="o", markerfacecolor="none",
                              color="0.3", label="held-out (hollow)"))
    regions.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    regions.legend(handles=markers, loc="center left", bbox_to_anchor=(1.02, 0.5),
                   frameon=False, title="true class")
    fig.suptitle(f"H = {dimensions[1]} hidden units: {title}")
    if path is not None:
        path = Path(path)
        fig.savefig(path if path.suffix else path.with_suffix(".png"), dpi=PLOT_DPI)
    return fig


def _plot_path(value):
    """argparse type of --plot: a path in an existing folder, in a format matplotlib writes."""
    path = Path(value)
    path = path if path.suffix else path.with_suffix(".png")
    if not path.resolve().parent.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {path.parent} does not exist; create it or "
                                         f"choose another path (nothing was trained)")
    try:
        import matplotlib  # noqa: F401
    except ModuleNotFoundError as error:
        if error.name != "matplotlib":
            raise  # installed, but something it needs is missing: its own error says what
        raise argparse.ArgumentTypeError("needs matplotlib: pip install matplotlib (or pip "
                                         "install '.[plot]')") from None
    from matplotlib.figure import Figure  # if an installed matplotlib is broken: its error

    formats = Figure().canvas.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise argparse.ArgumentTypeError(f"matplotlib cannot write {path.suffix!r} files; "
                                         f"use one of {', '.join(sorted(formats))}")
    return path


def _at_least(low, kind, name):
    """argparse type: a number of `kind` that is at least `low` (and finite)."""
    def parse(value):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {name}, got {value!r}") from None
        if not (number >= low and np.isfinite(number)) or (kind is float and number == 0):
            raise argparse.ArgumentTypeError(f"expected {name}, got {value!r}")
        return number
    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--hidden", type=_at_least(1, int, "a positive integer"),
                        default=HIDDEN, help="hidden units H")
    parser.add_argument("--epochs", type=_at_least(1, int, "a positive integer"),
                        default=EPOCHS, help="passes over the data")
    parser.add_argument("--batch-size", type=_at_least(1, int, "a positive integer"),
                        default=BATCH_SIZE, help="rows per step")
    parser.add_argument("--lr", type=_at_least(0, float, "a positive finite number"),
                        default=LEARNING_RATE, help="learning rate, on the batch's mean gradient")
    parser.add_argument("--seed", type=_at_least(0, int, "an integer >= 0"), default=0,
                        help="seed of the training spiral and of the training run; the "
                        "held-out spiral uses seed + 1")
    parser.add_argument("--plot", metavar="FILE.png", type=_plot_path,
                        help="save the learning curve and the decision regions (needs "
                        "matplotlib)")
    args = parser.parse_args(argv)
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
    except KeyboardInterrupt:
        return 130  # the progress line said where it stopped; no traceback
    print(f"training accuracy {accuracy(data, labels, params, dimensions):.1%}, held-out "
          f"accuracy {accuracy(held_out, held_out_labels, params, dimensions):.1%} (a second "
          f"spiral, seed {args.seed + 1})")
    if args.plot:
        save_plot(data, labels, params, dimensions, history, args.plot,  # suffixed: _plot_path
                  held_out=(held_out, held_out_labels))
        print(f"saved the learning curve and decision regions to {args.plot}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
