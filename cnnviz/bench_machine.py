"""Measuring on a machine others share: what the machine is, a throwaway CNNVIZ_HOME, progress lines, and
ratios of two throughputs taken in alternating pairs, leaving out the pairs during which other processes were
busy on the CPUs.

Shared by the parts of `python -m cnnviz bench` (`bench`, `bench_training`, `bench_estimate`).
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from collections.abc import Callable


MAX_OTHERS = 0.05  # a pair is "quiet" when other processes used at most this share of all CPUs meanwhile


def say(message: str) -> None:
    """A progress line on stderr (the table, or the JSON, goes to stdout)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    """The CPU, core count, torch version and thread settings the numbers were taken on."""
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "python": platform.python_version(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }


@contextmanager
def temporary_home() -> Iterator[Path]:
    """A throwaway CNNVIZ_HOME for the bench's runs, removed afterwards (the user's run store is never touched)."""
    old = os.environ.get("CNNVIZ_HOME")
    path = tempfile.mkdtemp(prefix="cnnviz-bench-")
    os.environ["CNNVIZ_HOME"] = path
    try:
        yield Path(path)
    finally:
        if old is None:
            os.environ.pop("CNNVIZ_HOME", None)
        else:
            os.environ["CNNVIZ_HOME"] = old
        shutil.rmtree(path, ignore_errors=True)


def _cpu_ticks() -> tuple[int, int, int]:
    """(busy ticks of all CPUs, all ticks, this process's ticks) from /proc; zeros where there is none."""
    try:
        with open("/proc/stat") as f:
            t = [int(v) for v in f.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(t) - t[3] - t[4], sum(t), int(fields[11]) + int(fields[12])  # utime + stime, all threads
    except (OSError, ValueError, IndexError):
        return 0, 0, 0


class _Others:
    """Measures the share of all CPUs that other processes used during a `with` block."""

    share = 0.0

    def __enter__(self):
        self._start = _cpu_ticks()
        return self

    def __exit__(self, *exc):
        (b0, t0, o0), (b1, t1, o1) = self._start, _cpu_ticks()
        self.share = max(0.0, (b1 - b0 - (o1 - o0)) / (t1 - t0)) if t1 > t0 else 0.0


def alternate(
    ours: Callable[[], float], baseline: Callable[[], float], repeats: int, budget_s: float, label: str
) -> dict:
    """Median ratio ours() / baseline() of two throughputs measured in turn (B A, A B, B A, ...).

    Pairs during which other processes used more than MAX_OTHERS of the CPUs are kept out of the median
    (when any quiet pair exists): on a shared machine they mostly measure the neighbours. Pairs are taken
    until `repeats` are quiet, `budget_s` has passed (after at least `repeats`), or 2 x `repeats` were taken.
    """
    pairs, deadline = [], time.perf_counter() + budget_s
    while True:
        say(f"{label}: pair {len(pairs) + 1}")
        with _Others() as others:
            if len(pairs) % 2 == 0:
                b, a = baseline(), ours()
            else:
                a, b = ours(), baseline()
        pairs.append((a, b, others.share))
        quiet = [p for p in pairs if p[2] <= MAX_OTHERS]
        if (
            len(quiet) >= repeats
            or len(pairs) >= 2 * repeats
            or (len(pairs) >= repeats and time.perf_counter() > deadline)
        ):
            break
    used = quiet or pairs
    return {
        "ratio": round(statistics.median(a / b for a, b, _ in used), 3),
        "ours": round(statistics.median(a for a, _, _ in used), 1),
        "baseline": round(statistics.median(b for _, b, _ in used), 1),
        "pairs": len(pairs),
        "quiet_pairs": len(quiet),
        "pair_ratios": [round(a / b, 3) for a, b, _ in pairs],
        "others_cpu_share": [round(o, 3) for _, _, o in pairs],
    }
