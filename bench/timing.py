"""Timing shared by the bench scripts: best-of-N with the candidates interleaved."""
import time


def best_of(funcs, rounds):
    """Return the best seconds of each function over `rounds`, the calls interleaved.

    Interleaving spreads the machine's drift over every candidate, so ratios taken from one
    call of this function compare like with like.
    """
    best = dict.fromkeys(funcs, float("inf"))
    for _ in range(rounds):
        for name, f in funcs.items():
            start = time.perf_counter()
            f()
            best[name] = min(best[name], time.perf_counter() - start)
    return best
