"""The default training run of q1d_train: its time, its accuracies, and its cost against the
textbook NumPy loop.

Run: python bench/bench_train.py

Targets: with the default epochs, batch size and learning rate and 100 hidden
units, at least 97% training accuracy and at least 95% on a held-out spiral (another seed),
in under 5 seconds on this machine; the same seed gives the same result bit for bit; and
train() takes at most 1.0x the time of the textbook loop (the same epochs, batches, rate and
H, with the textbook network of bench_core.py), as the median of per-round ratios,
interleaved.
"""
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from bench_core import plain_network  # noqa: E402
from timing import interleaved, ratio, verdict  # noqa: E402

from q1c_neural import init_params  # noqa: E402
from q1d_train import BATCH_SIZE, EPOCHS, HIDDEN, LEARNING_RATE, accuracy, make_spiral, train  # noqa: E402,E501


def textbook_train(data, labels, dims, seed=0):
    """The loop a student writes: shuffle, slice a batch, one-hot labels, step on the mean."""
    params = init_params(dims, seed=seed)
    one_hot = np.eye(dims[2])[labels]
    rng = np.random.default_rng(seed)
    for _ in range(EPOCHS):
        order = rng.permutation(len(data))
        for start in range(0, len(data), BATCH_SIZE):
            batch = order[start:start + BATCH_SIZE]
            _, grad = plain_network(data[batch], one_hot[batch], params, dims)
            params -= (LEARNING_RATE / len(batch)) * grad
    return params


def main():
    data, labels = make_spiral(seed=0)
    dims = (2, HIDDEN, 3)
    print(f"spiral 3 x 100 points; {EPOCHS} epochs, batch {BATCH_SIZE}, learning rate "
          f"{LEARNING_RATE}, H = {HIDDEN}")
    for seed in range(3):
        start = time.perf_counter()
        params, _ = train(data, labels, dims, seed=seed, verbose=False)
        seconds = time.perf_counter() - start
        again, _ = train(data, labels, dims, seed=seed, verbose=False)
        train_acc = accuracy(data, labels, params, dims)
        held = [accuracy(*make_spiral(seed=s), params, dims) for s in (1, 2, 3)]
        ok = seconds < 5 and train_acc >= 0.97 and min(held) >= 0.95
        print(f"  training seed {seed}: {seconds:.2f} s, training accuracy {train_acc:.1%}, "
              f"held-out spirals (seeds 1-3) {', '.join(f'{a:.1%}' for a in held)}, "
              f"same seed bit-identical: {np.array_equal(params, again)} "
              f"-> {'met' if ok else 'MISSED'}")
    medians, table = interleaved({
        "train": lambda: train(data, labels, dims, verbose=False),
        "textbook": lambda: textbook_train(data, labels, dims)}, rounds=5, seconds=0)
    print(f"train() {medians['train']:.2f} s, textbook loop {medians['textbook']:.2f} s")
    print(f"  train() / textbook loop                     "
          f"{verdict(ratio(table, 'train', 'textbook'), 1.0)}")


if __name__ == "__main__":
    main()
