"""The commands of `python -m cnnviz`, called directly with parsed arguments (test_cli.py runs them through the
parser): their tables, their JSON, and the mistakes they refuse."""

import argparse
import json

import pytest

from cnnviz import arch, bench, commands, data, evaluate, jobs, presets, runs
from cnnviz.loaded import LoadedRun


def args(**values) -> argparse.Namespace:
    return argparse.Namespace(**values)


def test_datasets_as_a_table(capsys):
    commands.cmd_datasets(args(json=False))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "mnist-sample   1x28x28   MNIST sample (offline, 5,000 digits)"
    assert [line.split()[0] for line in lines[:-1]] == ["mnist-sample", "mnist", "fashion-mnist", "cifar10"]
    assert lines[3].startswith("cifar10        3x32x32   ")
    assert lines[-1] == "folder:<path>  your own images, one sub-folder per class (optional ?size=32&channels=3)"


def test_datasets_as_json(capsys):
    commands.cmd_datasets(args(json=True))
    listed = json.loads(capsys.readouterr().out)
    assert listed[0] == {
        "name": "mnist-sample",
        "title": "MNIST sample (offline, 5,000 digits)",
        "classes": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        "input_shape": [1, 28, 28],
    }
    assert listed[3]["name"] == "cifar10" and listed[3]["input_shape"] == [3, 32, 32]
    assert listed[3]["classes"][:2] == ["airplane", "automobile"]


def test_presets_as_a_table_and_as_json(capsys):
    commands.cmd_presets(args(json=False))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "lenet5          44,426  The classic: two 5x5 conv + average-pool stages, then 120-84-10 dense."
        "  [the video lesson, after LeCun et al. 1998]"
    )
    assert len(lines) == len(presets.PRESETS)
    commands.cmd_presets(args(json=True))
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["mlp"] == {
        "id": "mlp",
        "title": "MLP baseline",
        "description": "No convolution at all: flatten, 128 hidden units, output. The baseline CNNs beat.",
        "source": "the TensorFlow article",
        "params_mnist": 101_770,  # 784 x 128 + 128, then 128 x 10 + 10
    }


def test_a_spec_comes_from_a_preset_adapted_to_the_dataset_or_from_a_file(tmp_path):
    assert commands._spec_for("lenet5", None, "mnist-sample") == presets.preset_spec("lenet5")
    assert commands._spec_for("lenet5", None, "cifar10").input_shape == (3, 32, 32)
    path = tmp_path / "net.json"
    path.write_text(presets.preset_spec("tiny-cnn").to_json())
    assert commands._spec_for(None, str(path), "mnist-sample") == presets.preset_spec("tiny-cnn")


def test_a_spec_file_must_exist_fit_the_dataset_and_work(tmp_path):
    with pytest.raises(ValueError, match=f"^spec file not found: {tmp_path / 'none.json'}$"):
        commands._spec_for(None, str(tmp_path / "none.json"), "mnist-sample")
    path = tmp_path / "net.json"
    path.write_text(presets.preset_spec("lenet5").to_json())
    with pytest.raises(ValueError) as e:
        commands._spec_for(None, str(path), "cifar10")
    assert str(e.value) == "the spec's input_shape [1, 28, 28] does not match cifar10's [3, 32, 32]"
    broken = arch.ArchSpec((1, 28, 28), (arch.Conv(2, 30),))
    path.write_text(broken.to_json())
    with pytest.raises(arch.SpecError, match="conv1: kernel 30x30 is larger than its padded input 28x28"):
        commands._spec_for(None, str(path), "mnist-sample")


def test_runs_of_an_empty_store(capsys):
    commands.cmd_runs(args(json=False))
    assert capsys.readouterr().out == (
        f"no runs yet in {runs.runs_root()} (try: python -m cnnviz train --preset lenet5)\n"
    )
    commands.cmd_runs(args(json=True))
    assert json.loads(capsys.readouterr().out) == []


def test_runs_lists_a_finished_run_and_a_damaged_one(capsys, use_run):
    run_id = use_run("mlp")
    (runs.runs_root() / "20000101-000000-broken").mkdir()  # no run.json: damaged
    record = runs.read_run(run_id).record
    commands.cmd_runs(args(json=True))
    rows = {r["run_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {run_id, "20000101-000000-broken"}
    assert rows["20000101-000000-broken"] == {
        "run_id": "20000101-000000-broken",
        "status": "damaged",
        "damaged": "run.json is missing",
        "preset": None,
        "dataset": None,
        "test_accuracy": None,
        "params": None,
        "epochs": None,
        "train_seconds": None,
        "created": None,
    }
    mine = rows[run_id]
    assert (mine["status"], mine["damaged"], mine["preset"], mine["dataset"]) == (
        "finished",
        None,
        "mlp",
        "mnist-sample",
    )
    assert (mine["params"], mine["epochs"], mine["test_accuracy"]) == (101_770, 1, record.test_accuracy)

    commands.cmd_runs(args(json=False))
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    acc = f"{record.test_accuracy:.2%}"
    assert lines[run_id] == f"{run_id:<40} finished     mnist-sample   mlp          {acc:>8}"
    assert lines["20000101-000000-broken"].split() == [
        "20000101-000000-broken",
        "damaged",
        "None",
        "None",
        "-",
        "(run.json",
        "is",
        "missing)",
    ]


def test_evaluate_prints_the_report_and_every_class(capsys, use_run):
    run_id = use_run("mlp")
    loaded = LoadedRun.open(run_id)
    ev = evaluate.evaluate(loaded.model, loaded.split, loaded.classes)
    commands.cmd_evaluate(args(run=run_id, json=False))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == evaluate.report(ev)
    assert lines[1:] == [f"  {d}  {a:7.2%}" for d, a in zip(data.DIGITS, ev.per_class_accuracy)]
    commands.cmd_evaluate(args(run=run_id, json=True))
    result = json.loads(capsys.readouterr().out)
    assert result["run_id"] == run_id and result["n_test"] == 1_000 and result["class_names"] == list(data.DIGITS)
    assert result["accuracy"] == ev.accuracy == runs.read_run(run_id).record.test_accuracy
    assert sum(map(sum, result["confusion_matrix"])) == 1_000
    assert sum(sum(row) - row[i] for i, row in enumerate(result["confusion_matrix"])) == result["n_wrong"]


def test_export_refuses_before_reading_the_run_or_writing_anything(tmp_path):
    base = dict(run="no-such-run", script=None, report=None, force=False, lang="en", json=False)
    with pytest.raises(ValueError, match="^give --script PATH, --report PATH or both$"):
        commands.cmd_export(args(**base))
    (tmp_path / "sub").mkdir()
    same = dict(script=str(tmp_path / "out.txt"), report=f"{tmp_path}/sub/../out.txt")  # one file, two spellings
    with pytest.raises(ValueError, match="^--script and --report name the same file$"):
        commands.cmd_export(args(**base | same))
    (tmp_path / "mine.html").write_text("mine")
    with pytest.raises(ValueError, match="mine.html already exists \\(add --force to overwrite it\\)$"):
        commands.cmd_export(args(**base | dict(script=str(tmp_path / "run.py"), report=str(tmp_path / "mine.html"))))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.html", "sub"]  # the script was not written either
    assert (tmp_path / "mine.html").read_text() == "mine"


def test_export_writes_the_script_and_says_how_to_run_it(capsys, use_run, tmp_path):
    from cnnviz import export

    run_id = use_run("mlp")
    path = tmp_path / "run.py"
    commands.cmd_export(args(run=run_id, script=str(path), report=None, force=False, lang="en", json=True))
    text = export.script(run_id)
    assert json.loads(capsys.readouterr().out) == {"run_id": run_id, "script": str(path), "bytes": len(text.encode())}
    assert path.read_text() == text
    commands.cmd_export(args(run=run_id, script=str(path), report=None, force=True, lang="en", json=False))
    assert capsys.readouterr().out == f"wrote {path}: python {path} trains {run_id} again with plain PyTorch\n"


def test_delete_removes_the_run(capsys, use_run):
    run_id = use_run("mlp")
    commands.cmd_delete(args(run=run_id))
    assert capsys.readouterr().out == f"deleted {run_id}\n"
    assert runs.list_runs() == []
    with pytest.raises(runs.RunError, match=f"no run '{run_id}'"):
        commands.cmd_delete(args(run=run_id))


def test_worker_exits_with_the_status_of_the_work(monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "work", lambda run_id, lock_fd: calls.append((run_id, lock_fd)) or 3)
    with pytest.raises(SystemExit) as e:
        commands.cmd_worker(args(run="20260101-000000-x-abcd", lock_fd=7))
    assert e.value.code == 3 and calls == [("20260101-000000-x-abcd", 7)]


def test_bench_passes_its_options_on(monkeypatch):
    calls = []
    monkeypatch.setattr(bench, "main", lambda **kwargs: calls.append(kwargs))
    commands.cmd_bench(args(full=False, json=True, presets=["mlp"], estimate=False))
    commands.cmd_bench(args(full=True, json=False, presets=None, estimate=True))
    assert calls == [
        {"quick": True, "as_json": True, "presets": ["mlp"], "estimate": False},
        {"quick": False, "as_json": False, "presets": None, "estimate": True},
    ]
