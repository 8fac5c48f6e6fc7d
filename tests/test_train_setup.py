"""A training prepared before its first step: the model, the data split and normalised on the device, the
optimiser, the step plan, and the run folder opened with what is known by then."""

import json
import math
import platform
import re

import pytest
import torch

import cnnviz
from cnnviz import arch, cost, data, fits, presets, runs, train, train_setup
from cnnviz.train import config_for, run_training
from cnnviz.train_config import TrainConfig


@pytest.fixture(scope="module")
def split_1000() -> data.DataSplit:
    """The first 1,000 training digits of the sample (and all its test digits)."""
    full = data.load("mnist-sample")
    return data.DataSplit(full.info, full.x_train[:1000], full.y_train[:1000], full.x_test, full.y_test)


def test_versions_name_cnnviz_torch_and_python():
    assert train_setup.versions() == {
        "cnnviz": cnnviz.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
    }


def test_the_step_plan(split_1000):
    config = config_for("mlp", epochs=2, batch_size=10, snapshots=5, seed=4)
    s = train_setup.prepare(config, split_1000)
    assert (len(s.x_train), len(s.x_val)) == (900, 100)  # a tenth held back for validation
    assert s.steps_per_epoch == 90 and s.total_steps == 180
    assert s.log_every == 4  # about 20 log points an epoch: 90 // 20
    assert s.snapshot_steps == {0, 45, 90, 135, 180}  # evenly spaced, the first and the last included
    # the ragged last batch is dropped
    plan = train_setup.prepare(config_for("mlp", epochs=1, batch_size=64, snapshots=3), split_1000)
    assert (plan.steps_per_epoch, plan.total_steps, plan.log_every, plan.snapshot_steps) == (14, 14, 1, {0, 7, 14})


def test_the_data_is_normalised_once_and_split_by_the_seed(split_1000):
    s = train_setup.prepare(config_for("mlp", seed=4), split_1000)
    train_idx, val_idx = fits.split_validation(1000, 0.1, 4)
    x = data.normalize(split_1000.x_train, split_1000.info)
    assert s.device == torch.device("cpu") and s.x_train.dtype == torch.float32
    assert torch.equal(s.x_train, x[train_idx]) and torch.equal(s.y_train, split_1000.y_train[train_idx])
    assert torch.equal(s.x_val, x[val_idx]) and torch.equal(s.y_val, split_1000.y_train[val_idx])
    assert s.augment is None


def test_the_same_seed_builds_the_same_network(split_1000):
    a = train_setup.prepare(config_for("lenet5", seed=1), split_1000).model.state_dict()
    b = train_setup.prepare(config_for("lenet5", seed=1), split_1000).model.state_dict()
    c = train_setup.prepare(config_for("lenet5", seed=2), split_1000).model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["conv1.weight"], c["conv1.weight"])


def test_the_optimiser_gets_the_learning_weights_at_the_configured_rate(split_1000):
    s = train_setup.prepare(config_for("lenet5", optimizer="sgd", lr=0.05), split_1000)
    assert type(s.optimizer) is torch.optim.SGD and s.optimizer.defaults["lr"] == 0.05
    assert sum(len(g["params"]) for g in s.optimizer.param_groups) == 10  # weight and bias of 5 layers

    fixed = train_setup.prepare(config_for("lenet5", first_layer="handcrafted"), split_1000)
    learning = [p for g in fixed.optimizer.param_groups for p in g["params"]]
    assert len(learning) == 8 and all(p.requires_grad for p in learning)
    assert not fixed.model.conv1.weight.requires_grad and not fixed.model.conv1.bias.requires_grad
    assert type(fixed.optimizer) is torch.optim.Adam


def test_augmentation_gets_a_generator_of_its_own(split_1000):
    s = train_setup.prepare(config_for("mlp", seed=5, augment=True), split_1000)
    assert isinstance(s.augment, torch.Generator) and s.augment.initial_seed() == 7  # seed + 2


def open_and_read(config, split, params=101_770):
    s = train_setup.prepare(config, split)
    writer = train_setup.open_run(config, split.info, s, params, None, None)
    try:
        return s, writer, json.loads((writer.path / "run.json").read_text())
    finally:
        writer.close()


def test_a_run_is_opened_with_everything_known_before_its_first_step(split_1000):
    config = config_for("mlp", epochs=3, batch_size=50, seed=9)
    s, writer, meta = open_and_read(config, split_1000)
    assert writer.path == runs.run_path(writer.run_id) and "-mlp-" in writer.run_id
    assert meta["status"] == "running" and meta["preset"] == "mlp"
    assert meta["spec"] == presets.preset_spec("mlp").to_dict() and meta["config"] == config.to_dict()
    assert (meta["dataset"], meta["dataset_title"]) == ("mnist-sample", "MNIST sample (offline, 5,000 digits)")
    assert meta["classes"] == list(data.DIGITS) and meta["input_shape"] == [1, 28, 28]
    assert meta["params"] == 101_770 and meta["device"] == "cpu"
    assert meta["versions"] == train_setup.versions()
    assert (meta["train_images"], meta["val_images"]) == (900, 100)
    assert (meta["steps_per_epoch"], meta["total_steps"]) == (18, 54)
    assert meta["threads"] == torch.get_num_threads()
    assert meta["estimated_seconds_per_epoch"] is None  # this machine is not calibrated in this store


def test_a_run_opened_on_a_calibrated_machine_records_the_estimate(split_1000, calibrated):
    config = config_for("mlp", batch_size=50)
    _, _, meta = open_and_read(config, split_1000)
    cal = cost.cached_calibration(torch.get_num_threads())
    expected = round(cost.epoch_seconds(config.spec, 900, 100, 50, cal), 3)
    assert meta["estimated_seconds_per_epoch"] == expected > 0


def test_a_run_is_named_after_its_network_when_it_has_no_preset(split_1000):
    spec = arch.ArchSpec((1, 28, 28), (arch.Flatten(), arch.Dense(10, "none")), "my net")
    _, writer, meta = open_and_read(TrainConfig(spec=spec), split_1000, params=7_850)
    assert meta["preset"] is None and meta["params"] == 7_850
    assert re.fullmatch(r"\d{8}-\d{6}-my-net-[0-9a-f]{4}", writer.run_id)  # "my net" made safe for a folder


# ---------------------------------------------------------------- moved here from test_train.py and test_cost.py


def test_run_json_records_versions_and_config():
    final = run_training(config_for("mlp", epochs=1, seed=7))
    meta = json.loads((runs.run_path(final.run_id) / "run.json").read_text())
    assert meta["config"]["seed"] == 7 and meta["config"]["lr"] == 6e-3
    assert meta["versions"]["torch"] == torch.__version__
    assert meta["spec"]["layers"][0] == {"type": "flatten"}


def test_a_run_records_the_estimate_beside_what_it_took(calibrated):
    import torch

    done = train.run_training(train.config_for("mlp", epochs=1))
    meta = runs.read_run(done.run_id).meta
    cal = cost.cached_calibration(torch.get_num_threads())
    expected = cost.epoch_seconds(presets.preset_spec("mlp"), meta["train_images"], meta["val_images"], 64, cal)
    assert meta["estimated_seconds_per_epoch"] == pytest.approx(expected, abs=1e-3)
    assert meta["threads"] == torch.get_num_threads()
    assert meta["active_seconds"] >= meta["train_seconds"] > 0
    assert math.isfinite(meta["active_seconds"])


def test_without_a_calibration_a_run_records_no_estimate():
    done = train.run_training(train.config_for("mlp", epochs=1))
    assert runs.read_run(done.run_id).meta["estimated_seconds_per_epoch"] is None
