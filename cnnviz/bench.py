"""Benchmarks: cnnviz's training against a bare PyTorch loop, the app in a real browser, inspection, pages, memory,
accuracy.

`python -m cnnviz bench [--quick|--full] [--json]`. Ratios are measured in one process after a warm-up,
alternating the two sides (A B A B ...) with a fixed amount of work each; the median of the per-pair ratios
is reported, leaving out pairs during which other processes were busy on the CPUs. Every run goes into a
temporary CNNVIZ_HOME that is removed afterwards. BENCHMARKS.md defines each number.

This module holds the settings, the runner and the goals; the measurements are in `bench_training`,
`appbench` (the browser), `bench_screens` and `bench_estimate`, the table in `bench_table`.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from . import appbench, appbench_screens, data
from .bench_estimate import ESTIMATE_PRESETS, estimate_accuracy, format_estimate_table
from .bench_machine import machine, say, temporary_home
from .bench_screens import inspect_times, long_history_ms, page_times
from .bench_table import format_table
from .bench_training import TTA_SETTINGS, TTA_TARGETS, peak_rss_mb, time_to_accuracy, train_throughput
from .presets import get_preset

if TYPE_CHECKING:
    from collections.abc import Sequence


PRESETS = ("lenet5", "deep-cnn")
PAGES = ("home", "convolution", "architecture", "train", "kernels", "feature_maps", "evaluation")
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
    "screen_first_ms": ("<", 2000),
    "screen_change_ms": ("<", 300),
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
    screens: tuple[str, ...] | None = None  # screens opened in the browser, first visit and changes (None: all)


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
    screens=("kernels",),
)


# ---------------------------------------------------------------- the app, in a real browser


def app_rows(s: Settings) -> dict:
    """app_train_ratio, app_click_latency_ms, queue and moment_ms (see appbench), or why they were skipped."""
    reason = appbench.available()
    if reason:
        return {"skipped": {row: reason for row in ("app_train_ratio", "app_click_latency_ms", "queue", "moment_ms")}}
    out = {}
    say(f"the app in Chromium: {', '.join(s.app_presets)} trained from the app vs the CLI")
    out["app_train_ratio"], out["app_detail"] = appbench.app_train_ratio(s.app_presets, s.app_epochs, s.app_pairs)
    say("the app in Chromium: opening screens while a training runs")
    clicks = appbench.click_latency(repeats=s.click_repeats)
    out["app_click_latency_ms"], out["click_detail"] = clicks.pop("ms"), clicks
    say(
        f"the app in Chromium: {s.queue_sessions * s.queue_per_session} trainings from {s.queue_sessions} "
        f"session(s) at once, then back to back"
    )
    out["queue"] = appbench.queue(s.queue_sessions, s.queue_per_session)
    say("the app in Chromium: moving the moment of training on Kernels, Feature maps, Evaluation and Explain")
    moment = appbench.moment_latency(s.app_presets, moves=s.moment_moves)
    out["moment_ms"], out["moment_detail"] = moment.pop("seen_ms"), moment  # the budget is after the first visit
    return out


def screen_rows(run_id: str, s: Settings) -> dict:
    """screen_first_ms and screen_change_ms (see appbench_screens) for `run_id`, or why they were skipped."""
    reason = appbench.available()
    if reason:
        return {"skipped": {"screen_first_ms": reason, "screen_change_ms": reason}}
    say("the app in Chromium: every screen's first visit from a fresh link, then its widget changes")
    detail = appbench_screens.screen_times(run_id, s.screens)
    first = {screen: d["first_ms"] for screen, d in detail.items() if "first_ms" in d}
    changes = {  # the budget is for a change already seen: a new one asks for new work, shown in the detail
        f"{screen}.{name}": c["seen_ms"]
        for screen, d in detail.items()
        for name, c in d.get("changes", {}).items()
        if "seen_ms" in c
    }
    return {"screen_first_ms": first, "screen_change_ms": changes, "screen_detail": detail}


# ---------------------------------------------------------------- the whole bench


def load_full() -> tuple[data.DataSplit | None, str | None]:
    """Full MNIST from the configured data root, or (None, the reason it is not there)."""
    try:
        return data.load("mnist"), None
    except data.DatasetError as e:
        return None, str(e)


def settings_for(quick: bool) -> Settings:
    """QUICK or FULL, or SMOKE in either mode when CNNVIZ_BENCH_SMOKE is set (the tests' shortened bench)."""
    return SMOKE if os.environ.get("CNNVIZ_BENCH_SMOKE") else QUICK if quick else FULL


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
    s = settings or settings_for(quick)
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
        say(f"skipped: {reason}")
    split = full or data.load("mnist-sample")
    result["data"] = split.info.name if full is None else f"{split.info.name} from {data.data_dir()}"
    with temporary_home():
        say(f"training throughput ({', '.join(presets)}): alternating pairs until {s.repeats} are quiet")
        result["train_throughput_ratio"], result["train_detail"] = train_throughput(split, presets, s)
        app = app_rows(s)
        result["skipped"].update(app.pop("skipped", {}))
        result.update(app)
        run_ids = {p: d["run_id"] for p, d in result["train_detail"].items()}
        say("inspection")
        result["inspect_ms"] = {p: inspect_times(r, s.inspect_repeats) for p, r in run_ids.items()}
        say("page script runs (AppTest)")
        pick = run_ids.get("deep-cnn") or next(iter(run_ids.values()))
        result["page_ms"], result["page_first_ms"], result["page_errors"] = page_times(pick, s.pages, s.page_repeats)
        screens = screen_rows(pick, s)
        result["skipped"].update(screens.pop("skipped", {}))
        result.update(screens)
        say(f"the Train screen on a {s.long_history_mb} MB metrics history")
        result["long_history_ms"] = long_history_ms(pick, s.long_history_mb)
        if quick or full is not None:
            say("peak memory of a deep-cnn training process")
            peaks = [peak_rss_mb(split.info.name, s.rss_epochs) for _ in range(s.rss_runs)]
            result["peak_rss_mb"], result["peak_rss_runs_mb"] = max(peaks), peaks
            result["peak_rss_label"] = (
                f"deep-cnn on {split.info.name}, {s.rss_epochs} epoch(s), the CLI in a child "
                f"process; largest of {len(peaks)}"
            )
        if full is not None:
            result["time_to_accuracy"] = {}
            for preset, target in TTA_TARGETS.items():
                say(f"time to {target:.1%} test accuracy with {preset}")
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


def main(quick: bool = True, as_json: bool = False, presets: list[str] | None = None, estimate: bool = False) -> None:
    """Entry point of `python -m cnnviz bench`: prints a table, or one JSON object on the last line."""
    if estimate:
        result = estimate_accuracy(presets=tuple(presets or ESTIMATE_PRESETS))
        print(json.dumps(result, default=str) if as_json else format_estimate_table(result))
        return
    result = run_bench(quick, presets)
    print(json.dumps(result, default=str) if as_json else format_table(result))
