"""The training benchmarks' parts: a split of exactly the size asked for, and the time to an accuracy."""

import torch

from cnnviz import bench_training, data, fits, runs


def test_sized_split_gives_exactly_the_training_images_asked_for():
    split = data.load("mnist-sample")
    for n_train in (64, 3_600, 9_600, 25_600):
        sized = bench_training.sized_split(split, n_train)
        train_idx, _ = fits.split_validation(len(sized.x_train), 0.1, 0)
        assert len(train_idx) == n_train
    sized = bench_training.sized_split(split, 9_600)
    assert len(sized.x_train) == 10_667  # 10,667 - round(1,066.7) = 9,600
    assert torch.equal(sized.x_train[4_000:4_010], split.x_train[:10])  # the real digits, repeated
    assert torch.equal(sized.y_train[4_000:4_010], split.y_train[:10]) and sized.x_test is split.x_test


def test_time_to_accuracy_stops_at_the_first_check_that_reaches_the_target():
    split = data.load("mnist-sample")
    result = bench_training.time_to_accuracy(split, "lenet5", 0.5, epochs=2, batch_size=100)
    checks = result["checks"]
    assert result["seconds"] == checks[-1][0] > 0 and result["accuracy"] == checks[-1][2] >= 0.5
    assert all(acc < 0.5 for _, _, acc in checks[:-1])
    assert [c[0] for c in checks] == sorted(c[0] for c in checks)
    assert [c[1] for c in checks] == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75][: len(checks)]
    assert result["at_epoch"] == round(checks[-1][1] / 40, 2)  # 4,000 training images (no validation split) / 100
    assert runs.list_runs()[0].status == "stopped"


def test_time_to_accuracy_checks_every_snapshot_when_the_target_is_out_of_reach():
    split = data.load("mnist-sample")
    result = bench_training.time_to_accuracy(split, "lenet5", 1.01, epochs=1, batch_size=100)
    assert result["seconds"] is None and result["accuracy"] is None and result["at_epoch"] is None
    assert [c[1] for c in result["checks"]] == [5, 10, 15, 20, 25, 30, 35, 40]  # 8 per epoch, the last one too
    assert result["best_accuracy"] == max(c[2] for c in result["checks"]) > 0.5
    assert result["settings"] == {"epochs": 1, "batch_size": 100}
    assert runs.list_runs()[0].status == "finished"
