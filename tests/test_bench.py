"""The benchmarks in their shortened (smoke) mode: every number is reported and sane. Nothing here is timed."""

import json
import os
import sys
from pathlib import Path

import pytest
import torch

from cnnviz import bench, bench_table, cli, data, runs

ROOT = Path(__file__).resolve().parents[1]
INSPECT_KEYS = {"activations", "kernels", "kernel_grid", "feature_map_grid", "evaluate_test", "confusion_figure"}


def test_smoke_bench_reports_every_number_and_leaves_no_runs(isolated_home):
    result = bench.run_bench(quick=True, settings=bench.SMOKE)
    assert result["mode"] == "quick" and result["data"] == "mnist-sample" and result["skipped"] == {}
    machine = result["machine"]
    assert machine["threads"] == torch.get_num_threads() and machine["cores"] >= 1
    assert machine["torch"] == torch.__version__ and machine["cpu"]
    assert set(result["train_throughput_ratio"]) == {"lenet5", "deep-cnn"}
    for preset, ratio in result["train_throughput_ratio"].items():
        detail = result["train_detail"][preset]
        assert ratio > 0 and detail["cnnviz_images_per_second"] > 0 and detail["bare_images_per_second"] > 0
        assert detail["steps"] == 4 and detail["train_images"] == 256 and detail["batch_size"] == 64
    # the app in a real browser: one app/CLI pair, two clicks while training, two one-click runs queued
    assert result["app_train_ratio"]["lenet5"] > 0
    detail = result["app_detail"]["lenet5"]
    assert len(detail["app_train_seconds"]) == len(detail["cli_train_seconds"]) == 1
    assert set(result["app_click_latency_ms"]) == {"Kernels", "Evaluation"}
    assert all(ms > 0 for ms in result["app_click_latency_ms"].values())
    assert result["click_detail"]["training_throughout"]
    queue = result["queue"]
    assert queue["requested"] == queue["finished"] == 2 and queue["lost"] == 0
    assert queue["peak_running"] <= queue["cap"] and queue["ratio"] > 0
    screens = {f"lenet5.{s}" for s in ("kernels", "feature_maps", "evaluation", "explain")}
    assert set(result["moment_ms"]) == set(result["moment_detail"]["new_ms"]) == screens  # one move each way
    assert all(ms > 0 for ms in result["moment_ms"].values())
    assert all(len(moves["new"]) == len(moves["seen"]) == 1 for moves in result["moment_detail"]["all_ms"].values())
    # every screen in the browser: the smoke bench opens Kernels, changes its layer and moves its slider
    assert set(result["screen_first_ms"]) == {"kernels"} and result["screen_first_ms"]["kernels"] > 0
    changes = result["screen_detail"]["kernels"]["changes"]
    assert set(changes) == {"select Layer", "slider Moment of training"}, changes  # each measured, none failed
    assert all(c["new_ms"] > 0 and c["seen_ms"] > 0 for c in changes.values())
    assert set(result["screen_change_ms"]) == {f"kernels.{name}" for name in changes}
    for preset in ("lenet5", "deep-cnn"):
        times = result["inspect_ms"][preset]
        assert all(times[k] > 0 for k in INSPECT_KEYS)
        assert times["test_images"] == 1000 and times["layer"] == "conv1"
    assert "home" in result["page_ms"] or "home" in result["page_errors"]
    assert all(ms > 0 for ms in result["page_ms"].values())
    history = result["long_history_ms"]
    assert history["error"] is None and history["train_page"] > 0 and history["curves"] > 0
    assert history["megabytes"] == 5 and history["step_records"] > 10_000  # long enough to be read thinned
    assert result["peak_rss_mb"] > 50 and "mnist-sample" in result["peak_rss_label"]
    assert "time_to_accuracy" not in result  # full MNIST only
    assert set(result["goals_met"]) >= {
        "train_throughput_ratio.lenet5",
        "train_throughput_ratio.deep-cnn",
        "app_train_ratio.lenet5",
        "app_click_latency_ms.Kernels",
        "queue.ratio",
        "moment_ms.lenet5.kernels",
        "screen_first_ms.kernels",
        "screen_change_ms.kernels.select Layer",
        "peak_rss_mb",
        "inspect_ms.deep-cnn.activations",
        "inspect_ms.deep-cnn.kernel_grid",
    }
    json.dumps(result)  # JSON-ready as it is
    # the bench trained in a temporary home, removed afterwards; the configured home is untouched
    assert os.environ["CNNVIZ_HOME"] == str(isolated_home) and runs.list_runs() == []

    result["skipped"]["time_to_accuracy"] = "MNIST is not in the data folder"
    table = bench_table.format_table(result)
    assert "train_throughput_ratio deep-cnn" in table and "inspect_ms deep-cnn kernel_grid" in table
    assert "long_history_ms train_page" in table and "5 MB metrics.jsonl" in table
    assert "app_train_ratio lenet5" in table and "app_click_latency_ms Kernels" in table and "queue ratio" in table
    assert "moment_ms lenet5.evaluation" in table
    assert "screen_first_ms kernels" in table and "screen_change_ms kernels.select Layer" in table
    assert f"torch threads {machine['threads']}" in table
    assert "skipped: MNIST is not in the data folder" in table


def test_cli_bench_quick_json_prints_one_object_on_the_last_line(monkeypatch, capsys):
    """The command's wiring: its options reach run_bench, progress stays on stderr and the result is one JSON
    object on the last line (what it measures is the smoke test above: a second whole bench would add minutes)."""
    asked = []

    def measured(quick, presets):
        asked.append((quick, presets))
        print("training throughput (lenet5): ...", file=sys.stderr)
        return {"mode": "quick", "train_throughput_ratio": {"lenet5": 0.93}, "data_dir": Path("/data")}

    monkeypatch.setattr(bench, "run_bench", measured)
    assert cli.main(["bench", "--quick", "--json", "--presets", "lenet5"]) == 0
    out, err = capsys.readouterr()
    assert asked == [(True, ["lenet5"])] and "training throughput" in err
    last = json.loads(out.strip().splitlines()[-1])
    assert last == {"mode": "quick", "train_throughput_ratio": {"lenet5": 0.93}, "data_dir": "/data"}
    assert cli.main(["bench", "--full", "--json"]) == 0 and asked[-1] == (False, None)


def test_the_smoke_setting_shortens_either_mode(monkeypatch):
    monkeypatch.delenv("CNNVIZ_BENCH_SMOKE", raising=False)
    assert bench.settings_for(True) is bench.QUICK and bench.settings_for(False) is bench.FULL
    monkeypatch.setenv("CNNVIZ_BENCH_SMOKE", "1")
    assert bench.settings_for(True) is bench.SMOKE and bench.settings_for(False) is bench.SMOKE


def test_unknown_preset_is_refused_before_anything_runs():
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        bench.run_bench(presets=["nope"], settings=bench.SMOKE)


def test_full_mode_without_mnist_gives_the_reason(monkeypatch):
    real_load = data.load

    def load(name, *args, **kwargs):
        if name == "mnist":
            raise data.DatasetError("MNIST is not in the data folder")
        return real_load(name, *args, **kwargs)

    monkeypatch.setattr(bench.data, "load", load)
    assert bench.load_full() == (None, "MNIST is not in the data folder")


def test_goals_are_checked_against_the_measured_numbers():
    met = bench.goals_met(
        {
            "train_throughput_ratio": {"lenet5": 0.97, "deep-cnn": 0.93},
            "app_train_ratio": {"lenet5": 0.85},
            "app_click_latency_ms": {"Kernels": 420.0},
            "queue": {"ratio": 1.04},
            "inspect_ms": {"deep-cnn": {"activations": 3.0, "kernel_grid": 80.0}},
            "page_ms": {"home": 120.0},
            "peak_rss_mb": 900.0,
            "time_to_accuracy": {"fast": {"seconds": None}},
        }
    )
    assert met == {
        "train_throughput_ratio.lenet5": True,
        "train_throughput_ratio.deep-cnn": False,
        "app_train_ratio.lenet5": False,
        "app_click_latency_ms.Kernels": True,
        "queue.ratio": True,
        "inspect_ms.deep-cnn.activations": True,
        "inspect_ms.deep-cnn.kernel_grid": False,
        "page_ms.home": True,
        "peak_rss_mb": True,
        "time_to_accuracy.fast": False,
    }
    assert bench.goals_met({"time_to_accuracy": {"fast": {"seconds": 12.5}}}) == {"time_to_accuracy.fast": True}
    assert bench.goals_met({"peak_rss_mb": 1500.0}) == {"peak_rss_mb": False}
