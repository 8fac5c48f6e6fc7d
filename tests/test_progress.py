"""Tests for cnnviz.progress: a run's live and final numbers from its record and its last metric records."""

from dataclasses import replace
from pathlib import Path

import pytest

from cnnviz import metrics, presets, progress, runs
from cnnviz.record import RunRecord
from cnnviz.train_config import TrainConfig

SPEC = presets.preset_spec("mlp")
RUNNING = RunRecord(
    run_id="r",
    status="running",
    dataset="mnist-sample",
    spec=SPEC,
    config=TrainConfig(spec=SPEC, epochs=4),
    steps_per_epoch=50,
    total_steps=200,
)
RECORDS = [
    {"kind": "step", "step": 50, "epoch": 1.0, "train_loss": 0.9, "lr": 0.006, "images_per_second": 800.0, "eta": 30.0},
    {"kind": "epoch", "step": 50, "epoch": 1, "val_loss": 0.5, "val_acc": 0.81},
    {
        "kind": "step",
        "step": 60,
        "epoch": 1.2,
        "train_loss": 0.7,
        "lr": 0.005,
        "images_per_second": 1000.0,
        "eta": 28.0,
    },
    {
        "kind": "step",
        "step": 70,
        "epoch": 1.4,
        "train_loss": 0.6,
        "lr": 0.004,
        "images_per_second": 1200.0,
        "eta": 26.0,
    },
]


def test_a_live_run_counts_its_last_logged_step():
    p = progress.of_run(RUNNING, RECORDS, live=True)
    assert (p.step, p.total_steps, p.epochs) == (70, 200, 4)
    assert p.epoch == 70 / 50 and p.fraction == 70 / 200
    # the newest step record's window, and the newest epoch's validation
    assert (p.images_per_second, p.seconds_left, p.train_loss, p.lr) == (1200.0, 26.0, 0.6, 0.004)
    assert p.val_acc == 0.81 and p.train_seconds is None


def test_an_ended_run_counts_the_steps_its_record_says_and_its_average_speed():
    ended = replace(RUNNING, status="stopped", steps_done=75, images_per_second=950.5, train_seconds=12.25)
    p = progress.of_run(ended, RECORDS, live=False)
    assert (p.step, p.epoch, p.fraction) == (75, 1.5, 0.375)  # 75 / 50 epochs, 75 / 200 of the steps
    assert (p.images_per_second, p.train_seconds, p.seconds_left) == (950.5, 12.25, None)
    assert (p.train_loss, p.val_acc, p.lr) == (0.6, 0.81, 0.004)
    # a record written without steps_done counts the last logged step
    assert progress.of_run(replace(ended, steps_done=None), RECORDS, live=False).step == 70


def test_before_the_first_record_everything_is_unknown_or_zero():
    queued = RunRecord(run_id="q", status="queued", dataset="mnist-sample", spec=SPEC)  # no plan, no settings
    p = progress.of_run(queued, [], live=True)
    assert (p.step, p.total_steps, p.epoch, p.fraction, p.epochs) == (0, 0, 0.0, 0.0, None)
    assert (p.images_per_second, p.seconds_left, p.train_loss, p.val_acc, p.lr) == (None,) * 5


def test_the_fraction_never_passes_one():
    assert progress.of_run(replace(RUNNING, total_steps=60), RECORDS, live=True).fraction == 1.0


@pytest.mark.parametrize(
    "fields, expected",
    [
        (dict(estimated_seconds_per_epoch=2.5, active_seconds=9.0, epochs_done=3.0), (2.5, 3.0)),
        (dict(estimated_seconds_per_epoch=None, active_seconds=9.0, epochs_done=3.0), None),  # no calibration
        (dict(estimated_seconds_per_epoch=2.5, active_seconds=9.0, epochs_done=0.0), None),  # stopped at once
        (dict(estimated_seconds_per_epoch=2.5, active_seconds=None, epochs_done=1.0), None),
    ],
)
def test_epoch_seconds_sets_the_estimate_beside_what_an_epoch_took(fields, expected):
    assert progress.epoch_seconds(replace(RUNNING, **fields)) == expected


def test_live_runs_are_the_queued_and_training_ones_oldest_first():
    listing = [
        runs.RunInfo(name, Path(name), status, damaged=damaged)
        for name, status, damaged in (
            ("c-run", "running", None),
            ("d-run", "finished", None),
            ("a-run", "queued", None),
            ("b-run", "starting", None),
            ("e-run", "damaged", "run.json cannot be read"),
            ("f-run", "interrupted", None),
        )
    ]
    assert [r.run_id for r in progress.live_runs(listing)] == ["a-run", "b-run", "c-run"]


def test_a_trained_run_reads_as_finished_and_whole(use_run):
    run_id = use_run("lenet5-b256")
    run = runs.read_run(run_id)
    p = progress.of_run(run.record, metrics.last_records(run_id), live=False)
    # 3,600 training images / batch 256 = 14 steps, one epoch
    assert (p.step, p.total_steps, p.epoch, p.fraction, p.epochs) == (14, 14, 1.0, 1.0, 1)
    assert p.val_acc == run.record.val_accuracy and p.images_per_second == run.record.images_per_second
