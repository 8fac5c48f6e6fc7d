"""Benchmarks of training itself: cnnviz's throughput against a bare PyTorch loop, the peak memory of a training
process, and the time a training takes to reach a test accuracy (full MNIST).

Run by `python -m cnnviz bench`; BENCHMARKS.md defines each number.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from . import arch, data, optim, runs
from . import train as T
from .bench_machine import alternate
from .fits import split_validation
from .train_config import TrainConfig

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .bench import Settings

# time to accuracy: the target, and the training settings that reach it soonest (tuned on this kind of CPU)
TTA_TARGETS = {"lenet5": 0.984, "deep-cnn": 0.992, "fast": 0.990}
TTA_SETTINGS = {
    "lenet5": dict(epochs=2, batch_size=128),
    "deep-cnn": dict(epochs=3, batch_size=128),
    "fast": dict(epochs=2, batch_size=128),
}
CHECKS_PER_EPOCH = 8  # test-set evaluations per epoch while timing accuracy (off the clock)


def sized_split(split: data.DataSplit, n_train: int, val_fraction: float = 0.1) -> data.DataSplit:
    """`split` with its training images cut or repeated so that exactly `n_train` remain for training."""
    n = math.ceil(n_train / (1 - val_fraction))
    while n - round(n * val_fraction) > n_train:
        n -= 1
    while n - round(n * val_fraction) < n_train:
        n += 1
    idx = torch.arange(n) % len(split.x_train)  # real digits, repeated when the sample is too small
    return data.DataSplit(split.info, split.x_train[idx], split.y_train[idx], split.x_test, split.y_test)


# ---------------------------------------------------------------- training throughput against a bare loop


def bare_images_per_second(config: TrainConfig, split: data.DataSplit) -> float:
    """A plain PyTorch loop: the same model, optimiser, batch size, epochs and in-memory data as `train`."""
    train_idx, _ = split_validation(len(split.x_train), config.val_fraction, config.seed)
    x = data.normalize(split.x_train, split.info)[train_idx]  # (N, C, H, W)
    y = split.y_train[train_idx]
    torch.manual_seed(config.seed)
    model = arch.build(config.spec).train()
    optimizer = optim.make_optimizer(config.optimizer, model.parameters(), config.learning_rate)
    gen = torch.Generator().manual_seed(config.seed)
    bs, steps = config.batch_size, len(x) // config.batch_size
    t0 = time.perf_counter()
    for _ in range(config.epochs):
        order = torch.randperm(len(x), generator=gen)
        for b in range(steps):
            idx = order[b * bs : (b + 1) * bs]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return config.epochs * steps * bs / (time.perf_counter() - t0)


def cnnviz_images_per_second(config: TrainConfig, split: data.DataSplit) -> tuple[float, str]:
    """`train` as the app and CLI run it, timed from its 'start' event to the event of its last step.

    What follows the last step once per run (the test evaluation, saving the weights) is left out, as
    the bare loop does none of it. Returns (images per second, run id).
    """
    t0 = t1 = None
    steps = run_id = 0
    for event in T.train(config, split):
        if event.kind == "start":
            t0, run_id = time.perf_counter(), event.run_id
        elif event.kind == "step" and event.step == event.total_steps:
            t1, steps = time.perf_counter(), event.step
        elif event.kind == "done" and event.status != "finished":
            raise RuntimeError(f"bench training ended {event.status}: {event.message}")
    return steps * config.batch_size / (t1 - t0), run_id


def train_throughput(split: data.DataSplit, presets: Sequence[str], s: Settings) -> tuple[dict, dict]:
    """Per preset: the median ratio of cnnviz's images/s to the bare loop's, and the details.

    Both train `s.train_epochs` epochs on `s.train_images` images (default: all of `split`'s) with the app's
    defaults (batch 64, Adam, one-cycle, 20 snapshots, 20 logged points per epoch), except that no
    validation split is held out, so that no validation pass falls inside the timing.
    """
    ratios, details = {}, {}
    for preset in presets:
        config = T.config_for(preset, split.info.name, epochs=s.train_epochs, val_fraction=0.0)
        sized = sized_split(split, s.train_images or len(split.x_train), 0.0)
        warm_config = T.with_settings(config, epochs=1)
        warm = sized_split(split, 10 * config.batch_size, 0.0)
        bare_images_per_second(warm_config, warm)
        cnnviz_images_per_second(warm_config, warm)
        last = {}

        def ours():
            ips, last["run_id"] = cnnviz_images_per_second(config, sized)
            return ips

        stats = alternate(
            ours, lambda: bare_images_per_second(config, sized), s.repeats, s.budget_s, f"throughput {preset}"
        )
        ratios[preset] = stats.pop("ratio")
        details[preset] = {
            "cnnviz_images_per_second": round(stats.pop("ours")),
            "bare_images_per_second": round(stats.pop("baseline")),
            **stats,
            "train_images": len(sized.x_train),
            "epochs": config.epochs,
            "steps": config.epochs * (len(sized.x_train) // config.batch_size),
            "batch_size": config.batch_size,
            "run_id": last["run_id"],
        }
    return ratios, details


# ---------------------------------------------------------------- peak memory of a training process


# Runs the CLI and, at exit, prints the child's own peak (VmHWM). The rusage of a child is no good here: Linux
# folds the parent's peak into a vforked child's ru_maxrss at exec, so a large bench process would be measured.
_PEAK_OF_CLI = """
import atexit, runpy, sys
def report():
    with open("/proc/self/status") as f:
        kib = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    sys.stderr.write(f"\\nbench-peak-kib {kib}\\n")
atexit.register(report)
sys.argv = ["cnnviz", *sys.argv[1:]]
runpy.run_module("cnnviz", run_name="__main__", alter_sys=True)
"""


def peak_rss_mb(dataset: str, epochs: int) -> float:
    """Peak resident memory (MB) of `python -m cnnviz train --preset deep-cnn` in a child process."""
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    args = ["train", "--preset", "deep-cnn", "--dataset", dataset, "--epochs", str(epochs), "--json"]
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK_OF_CLI, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    marks = [line.split()[1] for line in proc.stderr.splitlines() if line.startswith("bench-peak-kib ")]
    if proc.returncode != 0 or not marks:
        raise RuntimeError(f"python -m cnnviz {' '.join(args)} failed: {proc.stderr[-500:]}")
    return round(int(marks[-1]) / 1024, 1)


# ---------------------------------------------------------------- time to accuracy (full MNIST)


class _Probe(T.Control):
    """A Control that calls `check(steps done)` at the start of every step and reports its time as paused.

    `train` leaves paused time out of its own timings, and the bench leaves it out of its clock.
    """

    def __init__(self, check):
        super().__init__()
        self.check = check
        self.seconds = 0.0
        self.steps_done = -1

    def wait_while_paused(self) -> float:
        waited = super().wait_while_paused()
        t0 = time.perf_counter()
        self.steps_done += 1
        self.check(self.steps_done)
        spent = time.perf_counter() - t0
        self.seconds += spent
        return waited + spent


def time_to_accuracy(split: data.DataSplit, preset: str, target: float, **settings) -> dict:
    """Training seconds until the test accuracy first reaches `target`, checked at every snapshot.

    The run trains on all training images (no validation split) with `settings` (epochs, batch_size, ...),
    taking CHECKS_PER_EPOCH snapshots per epoch; each is scored on the whole test set as soon as it is
    written, off the clock, and the run is stopped at the first that reaches the target.
    Returns:
        {"seconds", "accuracy", "at_epoch"} at the target (None when never reached), "best_accuracy",
        "checks" [[seconds, step, accuracy], ...], and the settings.
    """
    config = T.config_for(preset, split.info.name, val_fraction=0.0, **settings)
    config = T.with_settings(config, snapshots=CHECKS_PER_EPOCH * config.epochs + 1)
    model = arch.build(config.spec)
    x_test, y_test = data.normalize(split.x_test, split.info), split.y_test  # (N, C, H, W), (N,)
    state = {"t0": 0.0, "run": None, "next": 1, "checks": []}  # snapshot 0 is the untrained network

    def score(step: int, now: float) -> None:
        clock = now - state["t0"] - probe.seconds
        path = runs.run_path(state["run"]) / "snapshots" / f"{state['next']:03d}.safetensors"
        if path.is_file() and not probe.stop_requested.is_set():  # written at the end of the previous step
            model.load_state_dict(load_file(str(path)))
            _, acc = optim.evaluate(model, x_test, y_test)
            state["checks"].append([round(clock, 2), step, round(acc, 4)])
            state["next"] += 1
            if acc >= target:
                probe.stop()

    probe = _Probe(lambda steps: score(steps, time.perf_counter()))
    steps_per_epoch = 1
    for event in T.train(config, split, probe):
        if event.kind == "start":
            state["t0"], state["run"] = time.perf_counter(), event.run_id
            steps_per_epoch = event.total_steps // config.epochs
        elif event.kind == "epoch" and event.step == event.total_steps:  # no step follows the last snapshot
            score(event.step, time.perf_counter())
    reached = next((c for c in state["checks"] if c[2] >= target), None)
    return {
        "target": target,
        "seconds": reached[0] if reached else None,
        "accuracy": reached[2] if reached else None,
        "at_epoch": round(reached[1] / steps_per_epoch, 2) if reached else None,
        "best_accuracy": max((c[2] for c in state["checks"]), default=0.0),
        "checks": state["checks"],
        "checks_per_epoch": CHECKS_PER_EPOCH,
        "settings": settings,
    }
