"""Benchmarks: cnnviz's training against a bare PyTorch loop, the app in a real browser, inspection, pages, memory,
accuracy.

`python -m cnnviz bench [--quick|--full] [--json]`. Ratios are measured in one process after a warm-up,
alternating the two sides (A B A B ...) with a fixed amount of work each; the median of the per-pair ratios
is reported, leaving out pairs during which other processes were busy on the CPUs. Every run goes into a
temporary CNNVIZ_HOME that is removed afterwards. BENCHMARKS.md defines each number.
"""

from __future__ import annotations

import json
import logging
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from . import appbench, arch, data, evaluate, hooks, kernels, metrics, runs
from .loaded import LoadedRun
from .presets import get_preset
from . import train as T

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

PRESETS = ("lenet5", "deep-cnn")
PAGES = ("home", "convolution", "architecture", "train", "kernels", "feature_maps", "evaluation")
# time to accuracy: the target, and the training settings that reach it soonest (tuned on this kind of CPU)
TTA_TARGETS = {"lenet5": 0.984, "deep-cnn": 0.992, "fast": 0.990}
TTA_SETTINGS = {
    "lenet5": dict(epochs=2, batch_size=128),
    "deep-cnn": dict(epochs=3, batch_size=128),
    "fast": dict(epochs=2, batch_size=128),
}
CHECKS_PER_EPOCH = 8  # test-set evaluations per epoch while timing accuracy (off the clock)
MAX_OTHERS = 0.05  # a pair is "quiet" when other processes used at most this share of all CPUs meanwhile
GOALS = {
    "train_throughput_ratio": (">=", 0.95),
    "app_train_ratio": (">=", 0.9),
    "app_click_latency_ms": ("<", 1000),
    "queue.ratio": ("<", 1.1),
    "inspect_ms.deep-cnn.activations": ("<", 50),
    "inspect_ms.deep-cnn.kernel_grid": ("<", 50),
    "page_ms": ("<", 500),
    "long_history_ms.train_page": ("<", 1000),
    "peak_rss_mb": ("<", 1500),
    "time_to_accuracy.fast": ("<", 20),
    "moment_ms": ("<", 300),
}


@dataclass(frozen=True)
class Settings:
    """How much each part of the bench measures (quick, full, or the tests' smoke mode)."""

    train_images: int | None = None  # training images per throughput run (None: all of the dataset's)
    train_epochs: int = 3  # epochs per throughput run: the sample's 4,000 images x 3 is the app's quick start
    repeats: int = 5  # quiet alternating pairs wanted per ratio
    budget_s: float = 30.0  # per ratio: stop waiting for quiet pairs after this long (and 2 x repeats pairs)
    app_presets: tuple[str, ...] = ("lenet5", "deep-cnn")  # trained from the app with a browser watching
    app_epochs: int = 3  # on the sample: the one-click run's length
    app_pairs: int = 3  # app run / CLI run pairs per preset
    click_repeats: int = 3
    queue_sessions: int = 4  # browser sessions pressing the one-click training...
    queue_per_session: int = 2  # ...this many times each, all at once
    moment_moves: int = 5  # moves of the moment-of-training slider per screen and preset
    inspect_repeats: int = 15
    page_repeats: int = 3
    rss_epochs: int = 3
    rss_runs: int = 1  # child processes measured; the largest peak is reported
    pages: tuple[str, ...] = PAGES  # screens to time in AppTest
    long_history_mb: int = 100  # the size of the long metrics history the Train screen opens


QUICK = Settings()
FULL = Settings(train_epochs=1, repeats=5, budget_s=240.0, rss_epochs=1, rss_runs=2)
# the tests' shortened mode (CNNVIZ_BENCH_SMOKE=1): every number once, in seconds; none of them meaningful
SMOKE = Settings(
    train_images=256,
    train_epochs=1,
    repeats=1,
    budget_s=0.0,
    app_presets=("lenet5",),
    app_epochs=1,
    app_pairs=1,
    click_repeats=1,
    queue_sessions=1,
    queue_per_session=2,
    moment_moves=1,
    inspect_repeats=1,
    page_repeats=1,
    rss_epochs=1,
    pages=("home",),
    long_history_mb=5,
)


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm-up: first calls fill caches and pick kernels
    times = []
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 2)


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


def sized_split(split: data.DataSplit, n_train: int, val_fraction: float = 0.1) -> data.DataSplit:
    """`split` with its training images cut or repeated so that exactly `n_train` remain for training."""
    n = math.ceil(n_train / (1 - val_fraction))
    while n - round(n * val_fraction) > n_train:
        n -= 1
    while n - round(n * val_fraction) < n_train:
        n += 1
    idx = torch.arange(n) % len(split.x_train)  # real digits, repeated when the sample is too small
    return data.DataSplit(split.info, split.x_train[idx], split.y_train[idx], split.x_test, split.y_test)


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
        _say(f"{label}: pair {len(pairs) + 1}")
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


# ---------------------------------------------------------------- 1. training throughput against a bare loop


def bare_images_per_second(config: T.TrainConfig, split: data.DataSplit) -> float:
    """A plain PyTorch loop: the same model, optimiser, batch size, epochs and in-memory data as `train`."""
    train_idx, _ = T.split_validation(len(split.x_train), config.val_fraction, config.seed)
    x = data.normalize(split.x_train, split.info)[train_idx]  # (N, C, H, W)
    y = split.y_train[train_idx]
    torch.manual_seed(config.seed)
    model = arch.build(config.spec).train()
    optimizer = T.make_optimizer(config.optimizer, model.parameters(), config.learning_rate)
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


def cnnviz_images_per_second(config: T.TrainConfig, split: data.DataSplit) -> tuple[float, str]:
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


# ---------------------------------------------------------------- 2. the app, in a real browser


def app_rows(s: Settings) -> dict:
    """app_train_ratio, app_click_latency_ms, queue and moment_ms (see appbench), or why they were skipped."""
    reason = appbench.available()
    if reason:
        return {"skipped": {row: reason for row in ("app_train_ratio", "app_click_latency_ms", "queue", "moment_ms")}}
    out = {}
    _say(f"the app in Chromium: {', '.join(s.app_presets)} trained from the app vs the CLI")
    out["app_train_ratio"], out["app_detail"] = appbench.app_train_ratio(s.app_presets, s.app_epochs, s.app_pairs)
    _say("the app in Chromium: opening screens while a training runs")
    clicks = appbench.click_latency(repeats=s.click_repeats)
    out["app_click_latency_ms"], out["click_detail"] = clicks.pop("ms"), clicks
    _say(
        f"the app in Chromium: {s.queue_sessions * s.queue_per_session} trainings from {s.queue_sessions} "
        f"session(s) at once, then back to back"
    )
    out["queue"] = appbench.queue(s.queue_sessions, s.queue_per_session)
    _say("the app in Chromium: moving the moment of training on Kernels, Feature maps, Evaluation and Explain")
    moment = appbench.moment_latency(s.app_presets, moves=s.moment_moves)
    out["moment_ms"], out["moment_detail"] = moment.pop("seen_ms"), moment  # the budget is after the first visit
    return out


# ---------------------------------------------------------------- 3. inspecting a trained run


def inspect_times(run_id: str, repeats: int) -> dict:
    """Milliseconds of the inspection a page does on a finished run (median after a warm-up)."""
    from . import figures

    loaded = LoadedRun.open(run_id)
    model, split = loaded.model, loaded.split
    x = data.normalize(split.x_test[:1], split.info)[0]  # (C, H, W)
    layer = kernels.conv_layers(loaded.spec)[0]
    last = len(loaded.snapshots) - 1
    maps = hooks.activations(model, x)[layer]  # (M, H', W')

    def kernel_grid():
        k = kernels.of_layer(loaded.state_at(last), layer)  # (M, C, kh, kw)
        return figures.kernel_grid(k[:, 0])

    def evaluation():
        return evaluate.evaluate(model, split, loaded.classes)

    ev = evaluation()
    return {
        "activations": _median_ms(lambda: hooks.activations(model, x), repeats),
        "kernels": _median_ms(lambda: kernels.of_layer(loaded.state_at(last), layer), repeats),
        "kernel_grid": _median_ms(kernel_grid, repeats),
        "feature_map_grid": _median_ms(lambda: figures.feature_map_grid(maps), repeats),
        "evaluate_test": _median_ms(evaluation, max(1, repeats // 5)),
        "confusion_figure": _median_ms(lambda: figures.confusion_matrix(ev.confusion, ev.class_names), repeats),
        "test_images": ev.n_test,
        "layer": layer,
    }


# ---------------------------------------------------------------- 4. page script-run times


def _no_context_warnings(record: logging.LogRecord) -> bool:
    return "ScriptRunContext" not in record.getMessage() and "without `streamlit run`" not in record.getMessage()


def page_times(run_id: str, pages: Sequence[str], repeats: int) -> tuple[dict, dict, dict]:
    """Milliseconds of each screen's script run in AppTest with `run_id` selected in the sidebar.

    Returns ({page: median of the runs after the first}, {page: the first run}, {page: its error}).
    """
    from streamlit.testing.v1 import AppTest

    app = Path(__file__).resolve().parents[1] / "app.py"
    if not app.is_file():
        return {}, {}, {page: f"{app} not found" for page in pages}
    # AppTest's script runs warn of a "missing ScriptRunContext" on the main thread: noise in a bench's output
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_no_context_warnings)
    logging.getLogger("streamlit.runtime.state.session_state_proxy").addFilter(_no_context_warnings)
    at = AppTest.from_file(str(app), default_timeout=120)
    at.session_state["run_id"] = run_id
    at.run()
    first, later, errors = {}, {page: [] for page in pages}, {}
    for r in range(repeats + 1):
        for page in pages:
            if not (app.parent / "pages" / f"{page}.py").is_file():
                errors[page] = "no such page"
                continue
            t0 = time.perf_counter()
            try:
                at.switch_page(f"pages/{page}.py").run()
            except Exception as e:  # noqa: BLE001 - a page being written may break: report it, go on
                errors[page] = f"{type(e).__name__}: {e}"[:200]
                continue
            ms = round((time.perf_counter() - t0) * 1000, 1)
            if at.exception:
                errors[page] = str(at.exception[0].message)[:200]
            if r == 0:
                first[page] = ms
            else:
                later[page].append(ms)
    return {p: round(statistics.median(v), 1) for p, v in later.items() if v}, first, errors


def long_history_ms(run_id: str, megabytes: int) -> dict:
    """The Train screen opening a run whose metrics.jsonl holds `megabytes` of step records (a copy of `run_id`
    with its history lengthened), every cache cold: its first script run in AppTest, and the curves alone."""
    from streamlit.testing.v1 import AppTest

    from . import figures

    copy = f"{run_id}-long"
    shutil.copytree(runs.run_path(run_id), runs.run_path(copy))
    step = metrics.last_step(run_id) or {"kind": "step", "step": 0, "epoch": 0.0}
    with open(runs.run_path(copy) / "metrics.jsonl", "w") as f:
        records = 0
        while f.tell() < megabytes << 20:
            records += 1
            f.write(json.dumps({**step, "step": records, "epoch": records / 1000}) + "\n")
            if records % 1000 == 0:
                f.write(
                    json.dumps(
                        {"kind": "epoch", "step": records, "epoch": records / 1000, "val_loss": 0.1, "val_acc": 0.97}
                    )
                    + "\n"
                )
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.session_state["run_id"] = copy
    at.run()
    t0 = time.perf_counter()
    at.switch_page("pages/train.py").run()
    page = round((time.perf_counter() - t0) * 1000, 1)
    metrics._THINNED.clear()
    t0 = time.perf_counter()
    figures.training_curves(metrics.read_history(copy))
    curves = round((time.perf_counter() - t0) * 1000, 1)
    return {
        "train_page": page,
        "curves": curves,
        "megabytes": megabytes,
        "step_records": records,
        "error": str(at.exception[0].message)[:200] if at.exception else None,
    }


# ---------------------------------------------------------------- 5. peak memory of a training process


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


# ---------------------------------------------------------------- 6. time to accuracy (full MNIST)


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
            _, acc = T.evaluate(model, x_test, y_test)
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


# ---------------------------------------------------------------- the builder's cost estimate

ESTIMATE_PRESETS = ("lenet5", "deep-cnn", "keras-cnn", "tiny-cnn", "simple-cnn", "chollet-cnn", "mlp")
ESTIMATE_GOAL = 0.35  # the estimate within +-35% of the measured epoch


def estimate_accuracy(
    datasets: Sequence[str] = ("mnist-sample", "mnist"),
    presets: Sequence[str] = ESTIMATE_PRESETS,
    threads: int | None = None,
    batch_size: int = 64,
    repeats: int = 2,
) -> dict:
    """The builder's estimated seconds per epoch against real trainings (`train.train`, as the app's training
    processes run it: `jobs.train_threads()` threads), after a fresh calibration of this machine.

    The calibration keeps the best of its repeated timings, so each training is measured `repeats` times (the
    presets in turn, so a slow spell of a shared machine does not hit one network only) and the best is compared.
    """
    from . import cost, jobs

    threads = threads or jobs.train_threads()
    old_threads = torch.get_num_threads()
    rows, skipped = [], {}
    with temporary_home():
        t0 = time.perf_counter()
        cal = cost.calibration(threads)
        calibration_s = round(time.perf_counter() - t0, 1)
        torch.set_num_threads(threads)
        try:
            for name in datasets:
                try:
                    split = data.load(name)
                except data.DatasetError as e:
                    skipped[name] = str(e)
                    continue
                epochs = 3 if len(split.x_train) <= 10_000 else 1
                n_train, n_val = T.split_sizes(len(split.x_train))
                measured: dict[str, list[float]] = {p: [] for p in presets}
                for _ in range(repeats):
                    for preset in presets:
                        config = T.config_for(preset, name, epochs=epochs, batch_size=batch_size)
                        done = T.run_training(config, split)
                        measured[preset].append(runs.read_run(done.run_id).record.active_seconds / epochs)
                        _say(f"estimate: {preset} on {name}: {measured[preset][-1]:.2f} s per epoch")
                for preset in presets:
                    spec = T.config_for(preset, name).spec
                    estimated = cost.epoch_seconds(spec, n_train, n_val, batch_size, cal)
                    best = min(measured[preset])
                    rows.append(
                        {
                            "preset": preset,
                            "dataset": name,
                            "epochs": epochs,
                            "estimated_s": round(estimated, 3),
                            "measured_s": round(best, 3),
                            "all_measured_s": [round(m, 3) for m in measured[preset]],
                            "error": round(estimated / best - 1, 3),
                        }
                    )
        finally:
            torch.set_num_threads(old_threads)
    worst = max((abs(r["error"]) for r in rows), default=None)
    return {
        "machine": machine(),
        "threads": threads,
        "batch_size": batch_size,
        "calibration_s": calibration_s,
        "rows": rows,
        "worst_error": worst,
        "goal": ESTIMATE_GOAL,
        "met": worst is not None and worst <= ESTIMATE_GOAL,
        "skipped": skipped,
    }


def format_estimate_table(result: dict) -> str:
    lines = [
        f"cost estimate against real trainings: {result['threads']} thread(s), batch {result['batch_size']}, "
        f"calibration {result['calibration_s']} s",
        f"{'network':<13}{'dataset':<14}{'estimated s/epoch':>18}{'measured (best)':>17}{'error':>8}  all measured",
    ]
    for r in result["rows"]:
        lines.append(
            f"{r['preset']:<13}{r['dataset']:<14}{r['estimated_s']:>18.2f}{r['measured_s']:>17.2f}"
            f"{r['error']:>+8.0%}  {', '.join(f'{m:.2f}' for m in r['all_measured_s'])}"
        )
    if result["worst_error"] is not None:
        lines.append(
            f"worst error {result['worst_error']:.0%} (goal: within {result['goal']:.0%}): "
            f"{'met' if result['met'] else 'MISSED'}"
        )
    for name, reason in result["skipped"].items():
        lines.append(f"{name}: skipped: {reason}")
    return "\n".join(lines)


# ---------------------------------------------------------------- the whole bench


def load_full() -> tuple[data.DataSplit | None, str | None]:
    """Full MNIST from the configured data root, or (None, the reason it is not there)."""
    try:
        return data.load("mnist"), None
    except data.DatasetError as e:
        return None, str(e)


def run_bench(quick: bool = True, presets: Sequence[str] | None = None, settings: Settings | None = None) -> dict:
    """Run every benchmark and return the results as one JSON-ready dict (see BENCHMARKS.md).

    Args:
        quick: the MNIST sample, under 3 minutes; else full MNIST from the data root.
        presets: presets for the throughput and inspection rows (default lenet5 and deep-cnn).
        settings: how much to measure (default QUICK or FULL; SMOKE when CNNVIZ_BENCH_SMOKE is set).
    """
    presets = list(presets or PRESETS)
    for preset in presets:
        get_preset(preset)  # an unknown name fails before anything runs
    s = settings or (SMOKE if os.environ.get("CNNVIZ_BENCH_SMOKE") else QUICK if quick else FULL)
    started = time.perf_counter()
    command = f"python -m cnnviz bench --{'quick' if quick else 'full'}" + (
        f" --presets {' '.join(presets)}" if presets != list(PRESETS) else ""
    )
    result = {
        "mode": "quick" if quick else "full",
        "command": command,
        "machine": machine(),
        "settings": asdict(s),
        "skipped": {},
    }
    full, reason = (None, None) if quick else load_full()
    if reason:
        for row in ("peak_rss_mb", "time_to_accuracy"):
            result["skipped"][row] = reason
        _say(f"skipped: {reason}")
    split = full or data.load("mnist-sample")
    result["data"] = split.info.name if full is None else f"{split.info.name} from {data.data_dir()}"
    with temporary_home():
        _say(f"training throughput ({', '.join(presets)}): alternating pairs until {s.repeats} are quiet")
        result["train_throughput_ratio"], result["train_detail"] = train_throughput(split, presets, s)
        app = app_rows(s)
        result["skipped"].update(app.pop("skipped", {}))
        result.update(app)
        run_ids = {p: d["run_id"] for p, d in result["train_detail"].items()}
        _say("inspection")
        result["inspect_ms"] = {p: inspect_times(r, s.inspect_repeats) for p, r in run_ids.items()}
        _say("page script runs (AppTest)")
        pick = run_ids.get("deep-cnn") or next(iter(run_ids.values()))
        result["page_ms"], result["page_first_ms"], result["page_errors"] = page_times(pick, s.pages, s.page_repeats)
        _say(f"the Train screen on a {s.long_history_mb} MB metrics history")
        result["long_history_ms"] = long_history_ms(pick, s.long_history_mb)
        if quick or full is not None:
            _say("peak memory of a deep-cnn training process")
            peaks = [peak_rss_mb(split.info.name, s.rss_epochs) for _ in range(s.rss_runs)]
            result["peak_rss_mb"], result["peak_rss_runs_mb"] = max(peaks), peaks
            result["peak_rss_label"] = (
                f"deep-cnn on {split.info.name}, {s.rss_epochs} epoch(s), the CLI in a child "
                f"process; largest of {len(peaks)}"
            )
        if full is not None:
            result["time_to_accuracy"] = {}
            for preset, target in TTA_TARGETS.items():
                _say(f"time to {target:.1%} test accuracy with {preset}")
                result["time_to_accuracy"][preset] = time_to_accuracy(full, preset, target, **TTA_SETTINGS[preset])
    result["machine"]["load_avg_1min_end"] = round(os.getloadavg()[0], 2)
    result["bench_seconds"] = round(time.perf_counter() - started, 1)
    result["goals_met"] = goals_met(result)
    return result


def _lookup(result: dict, key: str):
    value = result
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def goals_met(result: dict) -> dict:
    """{goal: True/False} for every goal measured; per preset or page where a number is one per preset or page."""
    met = {}
    for key, (op, limit) in GOALS.items():
        value = _lookup(result, key)
        if key.startswith("time_to_accuracy.") and isinstance(value, dict):  # never reached counts as too slow
            value = float("inf") if value.get("seconds") is None else value["seconds"]
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for sub, v in items:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                met[f"{key}.{sub}" if sub else key] = v >= limit if op == ">=" else v < limit
    return met


def format_table(result: dict) -> str:
    """The results as a readable table: metric, value, goal (and whether it is met), notes."""
    m, met = result["machine"], result["goals_met"]
    lines = [
        f"{result['command']}: {result['data']}, {result['bench_seconds']} s",
        f"machine: {m['cpu']}, {m['cores']} cores, torch {m['torch']}, torch threads {m['threads']} "
        f"(interop {m['interop_threads']}), python {m['python']}; 1-min load {m['load_avg_1min']} at the start, "
        f"{m['load_avg_1min_end']} at the end",
        "",
        f"{'metric':<40} {'value':>11}  {'goal':<14} notes",
        "-" * 100,
    ]

    def row(name, value, key=None, goal="", note=""):
        verdict = "" if key not in met else (" ok" if met[key] else " MISSED")
        lines.append(f"{name:<40} {value:>11}  {goal + verdict:<14} {note}".rstrip())

    for p, v in result["train_throughput_ratio"].items():
        d = result["train_detail"][p]
        row(
            f"train_throughput_ratio {p}",
            f"{v:.3f}",
            f"train_throughput_ratio.{p}",
            ">= 0.95",
            f"{d['cnnviz_images_per_second']:,} vs {d['bare_images_per_second']:,} img/s; "
            f"{d['quiet_pairs']} of {d['pairs']} pairs quiet",
        )
    for p, v in result.get("app_train_ratio", {}).items():
        d = result["app_detail"][p]
        row(
            f"app_train_ratio {p}",
            f"{v:.3f}",
            f"app_train_ratio.{p}",
            ">= 0.9",
            f"CLI {statistics.median(d['cli_train_seconds']):.2f} s vs app "
            f"{statistics.median(d['app_train_seconds']):.2f}"
            f" s of training, {d['epochs']} epochs; ETA error at 10%: {d['eta_error_at_10pct']}",
        )
    for screen, v in result.get("app_click_latency_ms", {}).items():
        row(
            f"app_click_latency_ms {screen}",
            f"{v:,.0f}",
            f"app_click_latency_ms.{screen}",
            "< 1000",
            f"while deep-cnn trains; all: {result['click_detail']['all_ms'][screen]}",
        )
    if q := result.get("queue"):
        row(
            "queue ratio",
            f"{q['ratio']:.3f}",
            "queue.ratio",
            "< 1.1",
            f"{q['requested']} from {q['sessions']} sessions: {q['finished']} finished, {q['lost']} lost, "
            f"peak {q['peak_running']} running (cap {q['cap']}); {q['queue_seconds']} s vs "
            f"{q['back_to_back_seconds']} s back to back",
        )
    for key, v in result.get("moment_ms", {}).items():
        row(
            f"moment_ms {key}",
            f"{v:,.0f}",
            f"moment_ms.{key}",
            "< 300",
            f"a move seen before; first time {result['moment_detail']['new_ms'][key]:,} ms",
        )
    for p, times in result["inspect_ms"].items():
        for k, v in times.items():
            if isinstance(v, float):
                key = f"inspect_ms.{p}.{k}"
                row(
                    f"inspect_ms {p} {k}",
                    f"{v:,.1f}",
                    key,
                    "< 50" if key in met else "",
                    f"{times['test_images']:,} test images"
                    if k == "evaluate_test"
                    else f"layer {times['layer']}"
                    if k in ("kernels", "kernel_grid", "feature_map_grid")
                    else "",
                )
    for page, v in result.get("page_ms", {}).items():
        row(
            f"page_ms {page}",
            f"{v:,.1f}",
            f"page_ms.{page}",
            "< 500",
            f"first run {result['page_first_ms'].get(page, 0):,.0f} ms",
        )
    if h := result.get("long_history_ms"):
        row(
            "long_history_ms train_page",
            f"{h['train_page']:,.0f}",
            "long_history_ms.train_page",
            "< 1000",
            f"{h['megabytes']} MB metrics.jsonl, {h['step_records']:,} steps, first open; curves alone "
            f"{h['curves']:,.0f}"
            f" ms" + (f"; error: {h['error'][:60]}" if h["error"] else ""),
        )
    for page, error in result.get("page_errors", {}).items():
        row(f"page_error {page}", "error", note=error[:100])
    if "peak_rss_mb" in result:
        row("peak_rss_mb", f"{result['peak_rss_mb']:,.0f}", "peak_rss_mb", "< 1500", result["peak_rss_label"])
    for p, t in result.get("time_to_accuracy", {}).items():
        value = f"{t['seconds']:.1f} s" if t["seconds"] is not None else "not reached"
        row(
            f"time_to_accuracy {p} {t['target']:.1%}",
            value,
            f"time_to_accuracy.{p}" if p == "fast" else None,
            "< 20 s" if p == "fast" else "",
            f"epoch {t['at_epoch']} of {t['settings'].get('epochs')}, batch "
            f"{t['settings'].get('batch_size')}; best {t['best_accuracy']:.2%}",
        )
    for key, reason in result["skipped"].items():
        row(key, "-", note=f"skipped: {reason}")
    return "\n".join(lines)


def main(quick: bool = True, as_json: bool = False, presets: list[str] | None = None, estimate: bool = False) -> None:
    """Entry point of `python -m cnnviz bench`: prints a table, or one JSON object on the last line."""
    if estimate:
        result = estimate_accuracy(presets=tuple(presets or ESTIMATE_PRESETS))
        print(json.dumps(result, default=str) if as_json else format_estimate_table(result))
        return
    result = run_bench(quick, presets)
    print(json.dumps(result, default=str) if as_json else format_table(result))
