"""Tests for cnnviz.record: run.json read once into a typed record, and a record that cannot be made is damage."""

import json

import pytest

from cnnviz import presets, runs
from cnnviz.record import RunRecord
from cnnviz.train_config import TrainConfig


def test_a_trained_run_reads_as_a_typed_record(use_run):
    run_id = use_run("lenet5-b256")
    info = runs.read_run(run_id)
    record = info.record
    assert isinstance(record, RunRecord) and record.run_id == run_id and record.status == "finished"
    assert record.spec == presets.preset_spec("lenet5") and isinstance(record.config, TrainConfig)
    assert (record.config.batch_size, record.config.epochs, record.epochs) == (256, 1, 1)
    assert record.classes == tuple(str(d) for d in range(10)) and record.dataset == "mnist-sample"
    assert record.params == 44_426 and record.name == "lenet5" and record.first_layer == "learned"
    assert record.test_accuracy == info.meta["test_accuracy"] and record.has_weights
    assert record.versions["torch"] and record.device == "cpu"


def _plant(rid: str, **changes) -> None:
    path = runs.run_path(rid) / "run.json"
    meta = json.loads(path.read_text())
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(meta.get(key), dict):
            meta[key] = {**meta[key], **value}
        else:
            meta[key] = value
    path.write_text(json.dumps(meta))


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"config": {"epochs": "three"}}, "invalid training settings: 'epochs' is 'three'"),
        ({"config": {"batch_size": 0}}, "invalid training settings: 'batch_size' is '0'"),
        ({"config": {"first_layer": "painted"}}, "'first_layer' is 'painted'"),
        ({"config": {"spec": "lenet"}}, "training settings that cannot be read"),
        ({"threads": -1}, "invalid 'threads'"),
        ({"owner": 7}, "invalid 'owner'"),
    ],
)
def test_settings_that_cannot_be_read_make_the_run_damaged(use_run, changes, reason):
    run_id = use_run("mlp")
    _plant(run_id, **changes)
    info = runs.read_run(run_id)
    assert info.record is None and reason in str(info.damaged)
    assert [r.run_id for r in runs.list_runs() if r.damaged] == [run_id]  # listed, never fatal


def test_the_record_takes_its_id_from_the_folder(use_run):
    run_id = use_run("mlp")
    _plant(run_id, run_id="somebody-else")
    assert runs.read_run(run_id).record.run_id == run_id
