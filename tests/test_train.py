import math

import pytest
import torch

from cnnviz import data, metrics, presets, runs
from cnnviz.control import Control
from cnnviz.optim import evaluate
from cnnviz.train import config_for, run_training, train
from cnnviz.train_config import TrainConfig


def test_lenet5_learns_the_mnist_sample_in_two_epochs():
    final = run_training(config_for("lenet5", epochs=2))
    assert final.status == "finished"
    assert final.test_accuracy >= 0.90
    info = runs.read_run(final.run_id)
    assert info.damaged is None and info.status == "finished"
    assert info.meta["params"] == 44_426 and info.meta["test_accuracy"] == final.test_accuracy


def test_events_and_files_of_a_run():
    events = list(train(config_for("tiny-cnn", epochs=1, batch_size=100, snapshots=5)))
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and "epoch" in kinds
    steps = [e for e in events if e.kind == "step"]
    assert len(steps) == 36  # 3,600 training images / 100, logged every step (36 // 20 = 1)
    assert all(e.loss > 0 and 0 <= e.train_acc <= 1 and e.images_per_second > 0 for e in steps)
    run_id = events[0].run_id
    records = metrics.read_metrics(run_id)
    assert [r["kind"] for r in records].count("epoch") == 1
    assert records[-1]["val_acc"] == events[-1].val_acc
    snaps = runs.list_snapshots(run_id)
    assert [s["step"] for s in snaps] == [0, 9, 18, 27, 36]
    assert snaps[-1]["epoch"] == 1.0
    first, last = runs.load_snapshot(run_id, 0), runs.load_snapshot(run_id, 4)
    assert not torch.equal(first["conv1.weight"], last["conv1.weight"])  # the kernels moved
    assert torch.equal(last["conv1.weight"], runs.load_weights(run_id)["conv1.weight"])


def test_same_seed_same_metrics():
    a = run_training(config_for("lenet5", epochs=1, seed=3))
    b = run_training(config_for("lenet5", epochs=1, seed=3))

    def strip(rows):  # the timings differ from run to run; everything else must not
        return [
            {k: v for k, v in r.items() if k not in ("images_per_second", "elapsed", "active", "eta")} for r in rows
        ]

    assert strip(metrics.read_metrics(a.run_id)) == strip(metrics.read_metrics(b.run_id))
    assert a.test_accuracy == b.test_accuracy


def test_the_saved_weights_are_the_ones_the_run_was_scored_with():
    """The trainer scores its in-memory model on the test set, then saves it: reloaded from the file, the same
    network on the same images must give exactly the run's own test loss and accuracy (a wrong or stale weights
    file, or one saved before the last step, would not)."""
    split = data.load("mnist-sample")
    final = run_training(config_for("lenet5", epochs=1), split)
    _, model = runs.load_model(final.run_id)
    loss, acc = evaluate(model, data.normalize(split.x_test, split.info), split.y_test)
    meta = runs.read_run(final.run_id).meta
    assert acc == final.test_accuracy == meta["test_accuracy"] and loss == meta["test_loss"]
    first = runs.load_snapshot(final.run_id, 0)  # the untrained network scores differently: the check can fail
    model.load_state_dict({**model.state_dict(), **first})
    assert evaluate(model, data.normalize(split.x_test, split.info), split.y_test)[1] != acc


def test_stop_request_ends_within_one_batch_and_keeps_a_usable_run():
    control = Control()
    seen = []
    for event in train(config_for("lenet5", epochs=3, batch_size=32), control=control):
        seen.append(event)
        if event.kind == "step" and event.step >= 10:
            control.stop()
    done = seen[-1]
    assert done.status == "stopped" and done.step == seen[-2].step  # no batch after the request
    info = runs.read_run(done.run_id)
    assert info.status == "stopped" and info.has_weights
    runs.load_model(done.run_id)


def test_learning_rate_can_change_while_training():
    control = Control()
    lrs = []
    for event in train(config_for("lenet5", epochs=1, batch_size=100), control=control):
        if event.kind == "step":
            lrs.append(event.lr)
            if event.step == 5:
                control.set_lr(0.0123)
    assert lrs[-1] == 0.0123 and lrs[0] != 0.0123


def test_exploding_loss_fails_the_run_with_a_message():
    final = run_training(config_for("lenet5", epochs=1, optimizer="sgd", lr=1e6, schedule="constant"))
    assert final.status == "failed"
    assert "learning rate" in final.message and "too large" in final.message
    info = runs.read_run(final.run_id)
    assert info.status == "failed" and not info.has_weights and info.damaged is None


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"lr": 0}, "learning rate must be a positive number"),
        ({"lr": -1.0}, "learning rate must be a positive number"),
        ({"lr": math.nan}, "learning rate must be a positive number"),
        ({"batch_size": 0}, "batch size must be at least 1"),
        ({"epochs": 0}, "epochs must be between 1 and 1000"),
        ({"optimizer": "lbfgs"}, "unknown optimizer"),
        ({"val_fraction": 0.9}, "validation fraction"),
    ],
)
def test_bad_settings_are_refused_before_a_run_is_made(settings, message):
    with pytest.raises(ValueError, match=message):
        run_training(config_for("lenet5", **settings))
    assert runs.list_runs() == []


def test_batch_larger_than_the_dataset_is_refused():
    with pytest.raises(ValueError, match="larger than the 3,600 training images"):
        run_training(config_for("lenet5", batch_size=5000))
    assert runs.list_runs() == []


def test_spec_and_dataset_shapes_must_agree():
    config = TrainConfig(spec=presets.preset_spec("lenet5", (3, 32, 32)), dataset="mnist-sample")
    with pytest.raises(ValueError, match="expects inputs"):
        run_training(config)


def test_handcrafted_first_layer_stays_fixed_while_the_rest_learns():
    from cnnviz.kernel_catalogue import handcrafted_bank

    final = run_training(config_for("lenet5", epochs=1, first_layer="handcrafted"))
    weights = runs.load_weights(final.run_id)
    assert torch.equal(weights["conv1.weight"], torch.from_numpy(handcrafted_bank(6, 1, 5)))
    assert torch.count_nonzero(weights["conv1.bias"]) == 0
    first = runs.load_snapshot(final.run_id, 0)
    assert not torch.equal(first["dense1.weight"], weights["dense1.weight"])
    assert final.test_accuracy > 0.6


def test_gradient_norms_are_logged_per_layer():
    final = run_training(config_for("lenet5", epochs=1))
    step = next(r for r in metrics.read_metrics(final.run_id) if r["kind"] == "step")
    assert set(step["grad_norms"]) == {"conv1", "conv2", "dense1", "dense2", "dense3"}
    assert all(v > 0 for v in step["grad_norms"].values())
