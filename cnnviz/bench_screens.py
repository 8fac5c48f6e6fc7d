"""Benchmarks of what the screens compute: the inspection of a trained run, each page's script run in AppTest,
and the Train screen opening a long metrics history.

Run by `python -m cnnviz bench`; BENCHMARKS.md defines each number.
"""

from __future__ import annotations

import json
import logging
import shutil
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import data, evaluate, hooks, kernels, metrics, runs
from .loaded import LoadedRun

if TYPE_CHECKING:
    from collections.abc import Sequence


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm-up: first calls fill caches and pick kernels
    times = []
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 2)


# ---------------------------------------------------------------- inspecting a trained run


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


# ---------------------------------------------------------------- page script-run times


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
