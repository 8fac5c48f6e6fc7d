"""How close the builder's cost estimate comes to real trainings: `python -m cnnviz bench --estimate`.

The estimate (`cost`) is read off a calibration of this machine's layers; here a fresh calibration is taken in a
throwaway CNNVIZ_HOME and each preset's estimated seconds per epoch is set against its measured ones.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import torch

from . import data, runs
from . import train as T
from .bench_machine import machine, say, temporary_home
from .fits import split_sizes

if TYPE_CHECKING:
    from collections.abc import Sequence

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
                n_train, n_val = split_sizes(len(split.x_train))
                measured: dict[str, list[float]] = {p: [] for p in presets}
                for _ in range(repeats):
                    for preset in presets:
                        config = T.config_for(preset, name, epochs=epochs, batch_size=batch_size)
                        done = T.run_training(config, split)
                        measured[preset].append(runs.read_run(done.run_id).record.active_seconds / epochs)
                        say(f"estimate: {preset} on {name}: {measured[preset][-1]:.2f} s per epoch")
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
