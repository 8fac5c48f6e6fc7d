"""A finished run exported as a plain PyTorch script: no cnnviz in it, the same network, data and settings, and
trained again from scratch it scores what the run scored."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnnviz import data, export, optim, runs, train_config
from cnnviz.arch import ArchSpec, BatchNorm, Conv, Dense, Dropout, Flatten, Pool
from cnnviz.cli import main
from cnnviz.train import config_for, run_training
from cnnviz.train_config import TrainConfig

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def script_namespace(text: str) -> dict:
    """The script's functions and settings, without running its training (`main` runs only as __main__)."""
    namespace = {"__name__": "exported_run"}
    exec(compile(text, "exported_run.py", "exec"), namespace)
    return namespace


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_script_trains_the_run_again_without_cnnviz(tmp_path):
    run = run_training(config_for("lenet5", epochs=1, batch_size=256))
    text = export.script(run.run_id)
    imports = [line for line in text.splitlines() if line.lstrip().startswith(("import ", "from "))]
    assert imports and not [line for line in imports if "cnnviz" in line]
    compile(text, "run.py", "exec")
    assert f"DATA = {str((data.ASSETS / 'mnist_sample.npz').resolve())!r}" in text  # the package's own file
    assert f"test accuracy {run.test_accuracy}" in text  # the header says what to expect

    # the same layer names and shapes as the run's weights
    model = script_namespace(text)["build_model"]()
    weights = runs.load_weights(run.run_id)
    assert {k: v.shape for k, v in model.state_dict().items()} == {k: v.shape for k, v in weights.items()}

    # trained again in a process of its own that cannot import cnnviz
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "run.py").write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "run.py"], cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("test_accuracy=")
    again = float(last.removeprefix("test_accuracy="))
    print(f"run {run.test_accuracy}, script {again}")
    assert abs(again - run.test_accuracy) <= 0.03
    assert "epoch 1/1: training loss" in done.stdout and "validation accuracy" in done.stdout


def test_batch_norm_dropout_and_a_handcrafted_first_layer_load_and_score_exactly():
    spec = ArchSpec(
        (1, 28, 28),
        (
            Conv(8, 3, padding=1),
            BatchNorm(),
            Pool("max"),
            Dropout(0.25),
            Conv(8, 3, activation="tanh"),
            Pool("avg"),
            Flatten(),
            Dense(32, "sigmoid"),
            BatchNorm(),
            Dropout(0.5),
            Dense(10, "none"),
        ),
        'my "mixed" net\\',
    )
    run = run_training(
        TrainConfig(spec, epochs=1, batch_size=256, optimizer="sgd", schedule="constant", first_layer="handcrafted")
    )
    assert run.status == "finished"
    ns = script_namespace(export.script(run.run_id))  # a name with quotes and a backslash still compiles
    assert ns["__doc__"].count('my "mixed" net\\') == 1
    model = ns["build_model"]()
    assert isinstance(model.batchnorm1, torch.nn.BatchNorm2d) and isinstance(model.batchnorm2, torch.nn.BatchNorm1d)
    model.load_state_dict(runs.load_weights(run.run_id), strict=True)

    x_train, y_train, x_test, y_test = ns["load_data"](ns["DATA"])
    split = data.load("mnist-sample")
    assert torch.equal(x_train, split.x_train) and torch.equal(y_test, split.y_test)
    assert torch.equal(ns["normalize"](x_test), data.normalize(split.x_test, split.info))
    _, accuracy = ns["evaluate"](model, ns["normalize"](x_test), y_test)
    assert accuracy == pytest.approx(run.test_accuracy, abs=1e-6)

    # the frozen first layer: the script installs exactly the kernels the run kept
    fresh = ns["build_model"]()
    ns["fix_first_layer"](fresh)
    assert torch.equal(fresh.conv1.weight, runs.load_weights(run.run_id)["conv1.weight"])
    assert not fresh.conv1.weight.requires_grad and fresh.conv2.weight.requires_grad


def test_every_optimiser_and_schedule_is_written_as_the_trainer_uses_it():
    run = run_training(config_for("mlp", epochs=1, batch_size=512))
    config = runs.read_run(run.run_id).meta["config"]
    for optimizer in train_config.OPTIMIZERS:
        for schedule in train_config.SCHEDULES:
            runs.update_meta(run.run_id, config={**config, "optimizer": optimizer, "schedule": schedule, "lr": 0.02})
            ns = script_namespace(export.script(run.run_id))
            params = [torch.nn.Parameter(torch.zeros(3))]
            ours, theirs = ns["make_optimizer"](params), optim.make_optimizer(optimizer, params, 0.02)
            assert type(ours) is type(theirs) and ours.defaults == theirs.defaults
            expected = [optim.one_cycle_lr(0.02, s, 70) if schedule == "onecycle" else 0.02 for s in range(70)]
            assert [ns["learning_rate"](s, 70) for s in range(70)] == expected


@pytest.mark.parametrize("parts", [("",), ("train", "test")])  # every fifth image held out, or a test/ folder
def test_an_image_folder_is_read_as_cnnviz_reads_it(tmp_path, parts):
    rng = np.random.default_rng(0)
    for part in parts:
        for name in ("cats", "dogs", ".hidden"):
            (tmp_path / "pets" / part / name / "more").mkdir(parents=True)
            for i in range(12):
                where = tmp_path / "pets" / part / name / ("more" if i % 3 == 0 else "")
                Image.fromarray(rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)).save(where / f"{i}.png")
    dataset = f"folder:{tmp_path / 'pets'}?size=8&channels=3"
    spec = ArchSpec((3, 8, 8), (Flatten(), Dense(2, "none")), "tiny")
    run = run_training(TrainConfig(spec, dataset=dataset, epochs=1, batch_size=4))
    text = export.script(run.run_id)
    ns = script_namespace(text)
    assert ns["DATA"] == str((tmp_path / "pets").resolve()) and ns["CLASSES"] == ["cats", "dogs"]
    split = data.load(data.get_info(dataset).name)
    for ours, theirs in zip(ns["load_data"](ns["DATA"]), (split.x_train, split.y_train, split.x_test, split.y_test)):
        assert torch.equal(ours, theirs)
    assert ns["MEAN"] == (0.5, 0.5, 0.5) and ns["STD"] == (0.25, 0.25, 0.25)


def test_mnist_and_cifar_are_read_with_torchvision_from_the_data_root(mnist_root, monkeypatch):
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(mnist_root))
    run = run_training(config_for("mlp", epochs=1, batch_size=512))
    # the same run as if trained on full MNIST: only the loader and its default path change
    runs.update_meta(run.run_id, dataset="mnist")
    ns = script_namespace(export.script(run.run_id))
    assert ns["DATA"] == str(mnist_root.resolve())
    split = data.load("mnist")
    for ours, theirs in zip(ns["load_data"](ns["DATA"]), (split.x_train, split.y_train, split.x_test, split.y_test)):
        assert torch.equal(ours, theirs)
    runs.update_meta(run.run_id, dataset="cifar10")
    text = export.script(run.run_id)
    assert "datasets.CIFAR10(path, train=True, download=False)" in text and "MEAN = (0.4914, 0.4822, 0.4465)" in text
    compile(text, "run.py", "exec")


def test_the_command_line_writes_the_script_and_refuses_what_it_cannot(capsys, tmp_path):
    run = run_training(config_for("mlp", epochs=1, batch_size=512))
    path = tmp_path / "run.py"
    code, out, _ = run_cli(capsys, "export", run.run_id, "--script", str(path), "--json")
    assert code == 0 and json.loads(out)["script"] == str(path)
    assert path.read_text() == export.script(run.run_id)

    path.write_text("# mine")
    code, _, err = run_cli(capsys, "export", run.run_id, "--script", str(path))
    assert code == 2 and err == f"cnnviz: error: {path} already exists (add --force to overwrite it)\n"
    assert path.read_text() == "# mine"
    code, out, _ = run_cli(capsys, "export", run.run_id, "--script", str(path), "--force")
    assert code == 0 and out.startswith(f"wrote {path}") and path.read_text().startswith('"""Run ')

    code, _, err = run_cli(capsys, "export", "no-such-run", "--script", str(tmp_path / "x.py"))
    assert code == 2 and err.startswith("cnnviz: error: no run 'no-such-run'") and err.count("\n") == 1
    runs.update_meta(run.run_id, status="stopped")
    code, _, err = run_cli(capsys, "export", run.run_id, "--script", str(tmp_path / "x.py"))
    assert code == 2 and err == (f"cnnviz: error: run {run.run_id} is stopped: only a finished run can be exported\n")
    runs.update_meta(run.run_id, status="finished")
    (runs.run_path(run.run_id) / runs.WEIGHTS).unlink()
    code, _, err = run_cli(capsys, "export", run.run_id, "--script", str(tmp_path / "x.py"))
    assert code == 2 and "is damaged: the weights file is missing" in err and err.count("\n") == 1
    assert not (tmp_path / "x.py").exists()


def test_the_train_screen_offers_a_finished_run_as_a_script():
    run = run_training(config_for("mlp", epochs=1, batch_size=512))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception and at.session_state["watch_run"] == run.run_id
    button, _ = at.get("download_button")  # the second, the run's report, is tested in test_report.py
    assert button.proto.label == "Download as a PyTorch script"
    assert "plain PyTorch" in button.proto.help
