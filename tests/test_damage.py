"""Damage stays contained: each kind of bad run among healthy ones is listed with its reason, never blocks a
reader, and never breaks a screen or `cnnviz runs` for the healthy runs."""

import json
import os
import shutil
import threading

import pytest

from cnnviz import metrics, runs, train
from cnnviz.cli import main
from pagetest import open_page

PAGES = (
    "pages/home.py",
    "pages/train.py",
    "pages/kernels.py",
    "pages/feature_maps.py",
    "pages/evaluation.py",
    "pages/explain.py",
    "pages/receptive_field.py",
    "pages/experiment.py",
)


def _edit(field, value):
    def plant(path):
        meta = json.loads((path / "run.json").read_text())
        meta[field] = value
        (path / "run.json").write_text(json.dumps(meta))

    return plant


def _drop(field):
    def plant(path):
        meta = json.loads((path / "run.json").read_text())
        del meta[field]
        (path / "run.json").write_text(json.dumps(meta))

    return plant


def _raw(text):
    def plant(path):
        (path / "run.json").write_text(text)

    return plant


def _spec(change):
    def plant(path):
        meta = json.loads((path / "run.json").read_text())
        change(meta["spec"])
        (path / "run.json").write_text(json.dumps(meta))

    return plant


def _fifo(name):
    def plant(path):
        (path / name).unlink()
        os.mkfifo(path / name)

    return plant


def _link_outside(name):
    def plant(path):
        outside = path.parent.parent / f"outside-{name}"
        outside.write_bytes((path / name).read_bytes())
        (path / name).unlink()
        (path / name).symlink_to(outside)

    return plant


# kind -> (how to plant it, what the reason says)
DAMAGE = {
    "accuracy-text": (_edit("test_accuracy", "high"), "invalid 'test_accuracy'"),
    "weights-bytes-missing": (_drop("weights_bytes"), "a weights checksum but no weights size"),
    "weights-bytes-text": (_edit("weights_bytes", "many"), "invalid 'weights_bytes'"),
    "huge-integer": (_raw('{"status": "finished", "params": ' + "9" * 5000 + "}"), "run.json cannot be read"),
    "config-list": (_edit("config", [1, 2]), "invalid 'config'"),
    "classes-int": (_edit("classes", 10), "no valid list of class names"),
    "spec-10000-layers": (
        _spec(lambda s: s.update(layers=[{"type": "dropout", "p": 0.1}] * 10_000)),
        "10000 layers is more than this explorer builds",
    ),
    "spec-huge-input": (_spec(lambda s: s.update(input_shape=[1, 10**12, 10**12])), "cannot be used"),
    "nested-deep": (_raw("[" * 100_000 + "]" * 100_000), "nested too deeply"),
    "run-json-fifo": (_fifo("run.json"), "run.json cannot be read: run.json is not a regular file"),
    "run-json-link": (_link_outside("run.json"), "run.json cannot be read"),
    "metrics-fifo": (_fifo("metrics.jsonl"), "metrics.jsonl is missing or not a regular file"),
    "weights-fifo": (_fifo("weights.safetensors"), "the weights file is missing or not a regular file"),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Two healthy runs, one copy per kind of damage, one with odd metrics lines and a FIFO lock and snapshot."""
    home = tmp_path_factory.mktemp("damage-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CNNVIZ_HOME", str(home))
        healthy = [train.run_training(train.config_for("mlp", epochs=1, seed=s)).run_id for s in (0, 1)]
        source = runs.run_path(healthy[0])
        damaged = {}
        for kind, (plant, _) in DAMAGE.items():
            run_id = f"20000101-000000-damaged-{kind}"
            shutil.copytree(source, runs.runs_root() / run_id)
            plant(runs.run_path(run_id))
            damaged[kind] = run_id
        odd = runs.run_path(healthy[1])
        with open(odd / "metrics.jsonl", "a") as f:
            f.write('1\nnull\n"text"\n{"kind": "step", "step": "x"}\n{"kind": "step", "step": 9, "train_loss": "a"}\n')
        _fifo(".lock")(odd)
        snapshot = sorted((odd / "snapshots").iterdir())[0]
        snapshot.unlink()
        os.mkfifo(snapshot)
        yield home, healthy, damaged


@pytest.fixture
def in_store(store, monkeypatch):
    home, healthy, damaged = store
    monkeypatch.setenv("CNNVIZ_HOME", str(home))
    return healthy, damaged


def within(seconds, fn):
    """fn() run in a thread; fails (instead of hanging the suite) when it blocks."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{fn} blocked for more than {seconds} s"
    return result["value"]


def test_every_damaged_run_is_listed_with_its_reason_and_nothing_blocks(in_store):
    healthy, damaged = in_store
    listing = {r.run_id: r for r in within(30, runs.list_runs)}
    for run_id in healthy:
        assert listing[run_id].damaged is None and listing[run_id].status == "finished"
    for kind, run_id in damaged.items():
        assert listing[run_id].damaged, kind
        assert DAMAGE[kind][1] in listing[run_id].damaged, (kind, listing[run_id].damaged)


def test_odd_metrics_lines_are_skipped_and_odd_files_are_not_opened(in_store):
    healthy, _ = in_store
    records = within(10, lambda: metrics.read_metrics(healthy[1]))
    clean = metrics.read_metrics(healthy[0])
    assert len(records) == len(clean) and all(isinstance(r, dict) for r in records)
    assert metrics.history(records)["step"] == metrics.history(clean)["step"]
    assert within(10, lambda: metrics.last_step(healthy[1]))["step"] == metrics.last_step(healthy[0])["step"]
    snapshots = within(10, lambda: runs.list_snapshots(healthy[1]))
    assert len(snapshots) == len(runs.list_snapshots(healthy[0])) - 1  # the FIFO one is left out
    assert runs.read_run(healthy[1]).status == "finished"  # a FIFO .lock is not "held"


def test_cnnviz_runs_lists_healthy_and_damaged(in_store, capsys):
    healthy, damaged = in_store
    assert within(60, lambda: main(["runs", "--json"])) == 0
    rows = {r["run_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert all(rows[run_id]["status"] == "finished" for run_id in healthy)
    for kind, run_id in damaged.items():
        assert rows[run_id]["status"] == "damaged" and DAMAGE[kind][1] in rows[run_id]["damaged"]


@pytest.mark.parametrize("page", PAGES)
def test_every_screen_works_for_a_healthy_run_beside_damaged_ones(in_store, page):
    healthy, damaged = in_store
    at = within(120, lambda: open_page(page, healthy[1]))
    assert not at.exception
    if page == "pages/home.py":
        shown = " ".join(e.value for e in at.error).replace("\\", "")  # names are shown escaped
        assert all(DAMAGE[kind][1] in shown for kind in damaged)
