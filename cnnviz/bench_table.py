"""The results of `python -m cnnviz bench` as a readable table: metric, value, goal (and whether it is met), notes.

One function per part of the bench writes its rows, in the order the bench measures them; BENCHMARKS.md shows
the table and defines each number.
"""

from __future__ import annotations

import statistics


class _Table:
    """The table's lines so far, and the goals met (`bench.goals_met`) that give each row its verdict."""

    def __init__(self, lines: list[str], met: dict) -> None:
        self.lines, self.met = lines, met

    def row(self, name, value, key=None, goal="", note=""):
        verdict = "" if key not in self.met else (" ok" if self.met[key] else " MISSED")
        self.lines.append(f"{name:<40} {value:>11}  {goal + verdict:<14} {note}".rstrip())


def format_table(result: dict) -> str:
    """The results as a readable table: metric, value, goal (and whether it is met), notes."""
    m = result["machine"]
    table = _Table(
        [
            f"{result['command']}: {result['data']}, {result['bench_seconds']} s",
            f"machine: {m['cpu']}, {m['cores']} cores, torch {m['torch']}, torch threads {m['threads']} "
            f"(interop {m['interop_threads']}), python {m['python']}; 1-min load {m['load_avg_1min']} at the start, "
            f"{m['load_avg_1min_end']} at the end",
            "",
            f"{'metric':<40} {'value':>11}  {'goal':<14} notes",
            "-" * 100,
        ],
        result["goals_met"],
    )
    _throughput_rows(table, result)
    _browser_rows(table, result)
    _inspection_rows(table, result)
    _page_rows(table, result)
    _screen_rows(table, result)
    _memory_and_accuracy_rows(table, result)
    for key, reason in result["skipped"].items():
        table.row(key, "-", note=f"skipped: {reason}")
    return "\n".join(table.lines)


def _throughput_rows(table: _Table, result: dict) -> None:
    for p, v in result["train_throughput_ratio"].items():
        d = result["train_detail"][p]
        table.row(
            f"train_throughput_ratio {p}",
            f"{v:.3f}",
            f"train_throughput_ratio.{p}",
            ">= 0.95",
            f"{d['cnnviz_images_per_second']:,} vs {d['bare_images_per_second']:,} img/s; "
            f"{d['quiet_pairs']} of {d['pairs']} pairs quiet",
        )


def _browser_rows(table: _Table, result: dict) -> None:
    """The app in a real browser (`appbench`): training ratio, click latency, queue, moment of training."""
    for p, v in result.get("app_train_ratio", {}).items():
        d = result["app_detail"][p]
        table.row(
            f"app_train_ratio {p}",
            f"{v:.3f}",
            f"app_train_ratio.{p}",
            ">= 0.9",
            f"CLI {statistics.median(d['cli_train_seconds']):.2f} s vs app "
            f"{statistics.median(d['app_train_seconds']):.2f}"
            f" s of training, {d['epochs']} epochs; ETA error at 10%: {d['eta_error_at_10pct']}",
        )
    for screen, v in result.get("app_click_latency_ms", {}).items():
        table.row(
            f"app_click_latency_ms {screen}",
            f"{v:,.0f}",
            f"app_click_latency_ms.{screen}",
            "< 1000",
            f"while deep-cnn trains; all: {result['click_detail']['all_ms'][screen]}",
        )
    if q := result.get("queue"):
        table.row(
            "queue ratio",
            f"{q['ratio']:.3f}",
            "queue.ratio",
            "< 1.1",
            f"{q['requested']} from {q['sessions']} sessions: {q['finished']} finished, {q['lost']} lost, "
            f"peak {q['peak_running']} running (cap {q['cap']}); {q['queue_seconds']} s vs "
            f"{q['back_to_back_seconds']} s back to back",
        )
    for key, v in result.get("moment_ms", {}).items():
        table.row(
            f"moment_ms {key}",
            f"{v:,.0f}",
            f"moment_ms.{key}",
            "< 300",
            f"a move seen before; first time {result['moment_detail']['new_ms'][key]:,} ms",
        )


def _inspection_rows(table: _Table, result: dict) -> None:
    for p, times in result["inspect_ms"].items():
        for k, v in times.items():
            if isinstance(v, float):
                key = f"inspect_ms.{p}.{k}"
                table.row(
                    f"inspect_ms {p} {k}",
                    f"{v:,.1f}",
                    key,
                    "< 50" if key in table.met else "",
                    f"{times['test_images']:,} test images"
                    if k == "evaluate_test"
                    else f"layer {times['layer']}"
                    if k in ("kernels", "kernel_grid", "feature_map_grid")
                    else "",
                )


def _page_rows(table: _Table, result: dict) -> None:
    """Each screen's script run, the Train screen on a long history, and the screens that failed."""
    for page, v in result.get("page_ms", {}).items():
        table.row(
            f"page_ms {page}",
            f"{v:,.1f}",
            f"page_ms.{page}",
            "< 500",
            f"first run {result['page_first_ms'].get(page, 0):,.0f} ms",
        )
    if h := result.get("long_history_ms"):
        table.row(
            "long_history_ms train_page",
            f"{h['train_page']:,.0f}",
            "long_history_ms.train_page",
            "< 1000",
            f"{h['megabytes']} MB metrics.jsonl, {h['step_records']:,} steps, first open; curves alone "
            f"{h['curves']:,.0f}"
            f" ms" + (f"; error: {h['error'][:60]}" if h["error"] else ""),
        )
    for page, error in result.get("page_errors", {}).items():
        table.row(f"page_error {page}", "error", note=error[:100])


def _screen_rows(table: _Table, result: dict) -> None:
    """Every screen in the browser (`appbench_screens`): first visit, then each widget change seen before."""
    detail = result.get("screen_detail", {})
    for screen, v in result.get("screen_first_ms", {}).items():
        table.row(f"screen_first_ms {screen}", f"{v:,.0f}", f"screen_first_ms.{screen}", "< 2000", "from a fresh link")
    for key, v in result.get("screen_change_ms", {}).items():
        screen, change = key.split(".", 1)
        new = detail[screen]["changes"][change]["new_ms"]
        table.row(f"screen_change_ms {key}", f"{v:,.0f}", f"screen_change_ms.{key}", "< 300", f"first time {new:,} ms")
    for screen, d in detail.items():
        problems = [f"{screen}: {d['error']}"] if "error" in d else []
        problems += [f"{screen}.{n}: {c['error']}" for n, c in d.get("changes", {}).items() if "error" in c]
        for problem in problems:
            table.row("screen_error", "-", note=problem)


def _memory_and_accuracy_rows(table: _Table, result: dict) -> None:
    """The peak memory of a training process, and the time to accuracy (full MNIST only)."""
    if "peak_rss_mb" in result:
        table.row("peak_rss_mb", f"{result['peak_rss_mb']:,.0f}", "peak_rss_mb", "< 1500", result["peak_rss_label"])
    for p, t in result.get("time_to_accuracy", {}).items():
        value = f"{t['seconds']:.1f} s" if t["seconds"] is not None else "not reached"
        table.row(
            f"time_to_accuracy {p} {t['target']:.1%}",
            value,
            f"time_to_accuracy.{p}" if p == "fast" else None,
            "< 20 s" if p == "fast" else "",
            f"epoch {t['at_epoch']} of {t['settings'].get('epochs')}, batch "
            f"{t['settings'].get('batch_size')}; best {t['best_accuracy']:.2%}",
        )
