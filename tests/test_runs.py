import json

import pytest
import torch

from cnnviz import metrics, runs
from cnnviz.train import config_for, run_training


@pytest.fixture
def finished_run():
    return run_training(config_for("mlp", epochs=1, snapshots=3)).run_id


@pytest.mark.parametrize("bad", ["../../etc", "..", "a/b", "/etc/passwd", "", ".hidden", "x" * 200, "run..id"])
def test_run_ids_that_could_leave_the_store_are_refused(bad):
    with pytest.raises(runs.RunError, match="invalid run id"):
        runs.run_path(bad)
    with pytest.raises(runs.RunError):
        runs.delete_run(bad)


def test_listing_an_empty_store():
    assert runs.list_runs() == []


def test_weights_are_checked_against_their_checksum(finished_run):
    path = runs.run_path(finished_run) / runs.WEIGHTS
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # same size, one flipped byte
    path.write_bytes(bytes(data))
    with pytest.raises(runs.RunError, match="does not match its checksum"):
        runs.load_weights(finished_run)


@pytest.mark.parametrize(
    "damage,reason",
    [
        (lambda p: (p / "run.json").unlink(), "run.json is missing"),
        (lambda p: (p / "run.json").write_text("{ not json"), "run.json cannot be read"),
        (lambda p: (p / "run.json").write_text('{"status": "bogus"}'), "has no valid status"),
        (lambda p: (p / "metrics.jsonl").unlink(), "metrics.jsonl is missing"),
        (lambda p: (p / runs.WEIGHTS).unlink(), "weights file is missing or not a regular file"),
        (lambda p: (p / runs.WEIGHTS).write_bytes((p / runs.WEIGHTS).read_bytes()[:100]), "weights file has 100 bytes"),
    ],
)
def test_damaged_runs_are_listed_with_the_reason_and_can_be_deleted(finished_run, damage, reason):
    healthy = run_training(config_for("mlp", epochs=1)).run_id
    damage(runs.run_path(finished_run))
    listing = {r.run_id: r for r in runs.list_runs()}
    assert reason in listing[finished_run].damaged
    assert listing[healthy].damaged is None and listing[healthy].status == "finished"
    with pytest.raises(runs.RunError, match="damaged"):
        runs.load_model(finished_run)
    runs.delete_run(finished_run)
    assert [r.run_id for r in runs.list_runs()] == [healthy]


def test_a_running_run_without_its_process_is_interrupted(finished_run):
    path = runs.run_path(finished_run)
    meta = json.loads((path / "run.json").read_text())
    meta["status"] = "running"
    (path / "run.json").write_text(json.dumps(meta))
    assert runs.read_run(finished_run).status == "interrupted"


def test_torn_metrics_line_is_ignored(finished_run):
    path = runs.run_path(finished_run) / "metrics.jsonl"
    n = len(metrics.read_metrics(finished_run))
    with open(path, "a") as f:
        f.write('{"kind": "step", "ste')
    assert len(metrics.read_metrics(finished_run)) == n


def test_snapshots_and_out_of_range_index(finished_run):
    snaps = runs.list_snapshots(finished_run)
    assert len(snaps) == 3 and snaps[0]["step"] == 0
    assert set(runs.load_snapshot(finished_run, 1)) == set(runs.load_weights(finished_run))
    with pytest.raises(runs.RunError, match="has 3 snapshots"):
        runs.load_snapshot(finished_run, 3)
    assert isinstance(runs.load_snapshot(finished_run, 2)["dense1.weight"], torch.Tensor)


def test_a_stop_file_stops_a_run_trained_elsewhere():
    from cnnviz.train import train

    events = []
    for event in train(config_for("lenet5", epochs=2, batch_size=32)):
        events.append(event)
        if event.kind == "step" and len(events) == 3:
            runs.request_stop(event.run_id)
    assert events[-1].status == "stopped" and events[-1].step < events[-1].total_steps
    with pytest.raises(runs.RunError, match="is not training"):
        runs.request_stop(events[-1].run_id)


def test_metrics_are_read_incrementally_and_a_long_history_is_thinned(finished_run):
    path = runs.run_path(finished_run) / "metrics.jsonl"
    before = metrics.read_metrics(finished_run)
    with open(path, "a") as f:
        # the second line is still being written
        f.write('{"kind": "step", "step": 1000, "train_loss": 0.5}\n{"kind": "step", "st')
    after = metrics.read_metrics(finished_run)
    assert after[: len(before)] == before and after[-1] == {"kind": "step", "step": 1000, "train_loss": 0.5}
    with open(path, "a") as f:
        f.write('ep": 1001, "train_loss": 0.4}\n')  # ...and now it is complete
    assert metrics.read_metrics(finished_run)[-1]["step"] == 1001
    path.write_text('{"kind": "epoch", "step": 5, "epoch": 1, "val_acc": 0.9}\n')  # rewritten: read afresh
    assert metrics.read_metrics(finished_run) == [{"kind": "epoch", "step": 5, "epoch": 1, "val_acc": 0.9}]

    records = [{"kind": "step", "step": i, "epoch": i / 1000, "train_loss": 1 / (i + 1)} for i in range(1, 10_001)]
    records[4_999:4_999] = [{"kind": "epoch", "step": 5_000, "epoch": 5.0, "val_acc": 0.9}]
    shown = metrics.history(records, max_points=1_000)
    assert len(shown["step"]) == 1_001  # every 10th step record, plus the epoch record
    assert shown["step"][-1] == 10_000 and 5_000 in shown["step"] and shown["val_acc"].count(0.9) == 1
    assert metrics.history(records[:500])["step"] == [r["step"] for r in records[:500]]  # short ones are whole


def test_a_long_metrics_file_is_thinned_before_parsing_with_the_same_curves(finished_run, monkeypatch):
    path = runs.run_path(finished_run) / "metrics.jsonl"
    records = [{"kind": "step", "step": i, "epoch": i / 1000, "train_loss": 1 / (i + 1)} for i in range(1, 10_001)]
    for e in range(1, 11):
        records.insert(e * 1001 - 1, {"kind": "epoch", "step": e * 1000, "epoch": float(e), "val_acc": 0.9 + e / 100})
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    monkeypatch.setattr(metrics, "THIN_FROM_BYTES", 1_000)
    shown = metrics.read_history(finished_run, max_points=1_000)
    steps = [s for s, acc in zip(shown["step"], shown["val_acc"]) if acc is None]
    assert 990 <= len(steps) <= 1_000 and steps[-1] == 10_000  # evenly spaced through the file, the last one kept
    assert all(8 <= b - a <= 12 for a, b in zip(steps, steps[1:]))
    assert [a for a in shown["val_acc"] if a is not None] == [0.9 + e / 100 for e in range(1, 11)]  # every epoch
    assert shown["step"] == sorted(shown["step"]) and shown["train_loss"][-2:] == [1 / 10_001, None]
    with open(path, "a") as f:
        f.write(json.dumps({"kind": "step", "step": 10_001, "train_loss": 0.1}) + "\n")
    assert metrics.read_history(finished_run, max_points=1_000)["step"][-1] == 10_001  # a grown file is read again
