"""The benchmarks in their shortened (smoke) mode: every number is reported and sane. Nothing here is timed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from cnnviz import bench, data, runs, train

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
        "peak_rss_mb",
        "inspect_ms.deep-cnn.activations",
        "inspect_ms.deep-cnn.kernel_grid",
    }
    json.dumps(result)  # JSON-ready as it is
    # the bench trained in a temporary home, removed afterwards; the configured home is untouched
    assert os.environ["CNNVIZ_HOME"] == str(isolated_home) and runs.list_runs() == []

    result["skipped"]["time_to_accuracy"] = "MNIST is not in the data folder"
    table = bench.format_table(result)
    assert "train_throughput_ratio deep-cnn" in table and "inspect_ms deep-cnn kernel_grid" in table
    assert "long_history_ms train_page" in table and "5 MB metrics.jsonl" in table
    assert "app_train_ratio lenet5" in table and "app_click_latency_ms Kernels" in table and "queue ratio" in table
    assert "moment_ms lenet5.evaluation" in table
    assert f"torch threads {machine['threads']}" in table
    assert "skipped: MNIST is not in the data folder" in table


def test_cli_bench_quick_json_prints_one_object_on_the_last_line(tmp_path):
    env = {
        **os.environ,
        "CNNVIZ_BENCH_SMOKE": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "cnnviz", "bench", "--quick", "--json", "--presets", "lenet5"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["mode"] == "quick" and list(result["train_throughput_ratio"]) == ["lenet5"]
    assert result["train_throughput_ratio"]["lenet5"] > 0 and result["app_train_ratio"]["lenet5"] > 0
    assert result["inspect_ms"]["lenet5"]["activations"] > 0 and result["peak_rss_mb"] > 0
    assert result["machine"]["threads"] >= 1


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


def test_sized_split_gives_exactly_the_training_images_asked_for():
    split = data.load("mnist-sample")
    for n_train in (64, 3_600, 9_600, 25_600):
        sized = bench.sized_split(split, n_train)
        train_idx, _ = train.split_validation(len(sized.x_train), 0.1, 0)
        assert len(train_idx) == n_train
    sized = bench.sized_split(split, 9_600)
    assert len(sized.x_train) == 10_667  # 10,667 - round(1,066.7) = 9,600
    assert torch.equal(sized.x_train[4_000:4_010], split.x_train[:10])  # the real digits, repeated
    assert torch.equal(sized.y_train[4_000:4_010], split.y_train[:10]) and sized.x_test is split.x_test


def test_time_to_accuracy_stops_at_the_first_check_that_reaches_the_target():
    split = data.load("mnist-sample")
    result = bench.time_to_accuracy(split, "lenet5", 0.5, epochs=2, batch_size=100)
    checks = result["checks"]
    assert result["seconds"] == checks[-1][0] > 0 and result["accuracy"] == checks[-1][2] >= 0.5
    assert all(acc < 0.5 for _, _, acc in checks[:-1])
    assert [c[0] for c in checks] == sorted(c[0] for c in checks)
    assert [c[1] for c in checks] == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75][: len(checks)]
    assert result["at_epoch"] == round(checks[-1][1] / 40, 2)  # 4,000 training images (no validation split) / 100
    assert runs.list_runs()[0].status == "stopped"


def test_time_to_accuracy_checks_every_snapshot_when_the_target_is_out_of_reach():
    split = data.load("mnist-sample")
    result = bench.time_to_accuracy(split, "lenet5", 1.01, epochs=1, batch_size=100)
    assert result["seconds"] is None and result["accuracy"] is None and result["at_epoch"] is None
    assert [c[1] for c in result["checks"]] == [5, 10, 15, 20, 25, 30, 35, 40]  # 8 per epoch, the last one too
    assert result["best_accuracy"] == max(c[2] for c in result["checks"]) > 0.5
    assert result["settings"] == {"epochs": 1, "batch_size": 100}
    assert runs.list_runs()[0].status == "finished"


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
