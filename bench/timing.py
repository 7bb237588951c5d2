"""Timing shared by the bench scripts: per-round ratios, candidates interleaved, medians."""
import statistics
import time


def per_call(f, seconds):
    """How many calls of f fill about `seconds`, at least 1."""
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        f()
        n += 1
    return max(n, 1)


def interleaved(funcs, rounds=9, seconds=0.02):
    """Seconds per call of each function: the median over `rounds`, the functions interleaved.

    Each round times a loop of every function in turn, so the machine's drift falls on all of
    them alike. Returns ``(medians, rounds_table)``: ``rounds_table[name]`` lists the per-call
    times of each round, from which `ratio` takes per-round ratios.
    """
    loops = {name: per_call(f, seconds) for name, f in funcs.items()}
    table = {name: [] for name in funcs}
    for _ in range(rounds):
        for name, f in funcs.items():
            start = time.perf_counter()
            for _ in range(loops[name]):
                f()
            table[name].append((time.perf_counter() - start) / loops[name])
    return {name: statistics.median(t) for name, t in table.items()}, table


def ratio(table, mine, theirs):
    """The median over rounds of mine / theirs, each ratio taken within one round."""
    return statistics.median(a / b for a, b in zip(table[mine], table[theirs]))


def verdict(value, target):
    return f"{value:6.3f}x  (at most {target}x: {'met' if value <= target else 'MISSED'})"
