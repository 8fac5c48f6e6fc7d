import json
import subprocess
import sys

import pytest

from cnnviz import arch, cost, presets, runs
from cnnviz.cli import main


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_json(capsys, calibrated):
    code, out, _ = run_cli(capsys, "summary", "lenet5", "--json")
    result = json.loads(out)
    assert code == 0 and result["total_params"] == 44_426
    assert result["layers"][0] == {"name": "conv1", "type": "conv", "output_shape": [6, 24, 24], "params": 156}
    spec = presets.preset_spec("lenet5")
    assert result["macs_per_image"] == 281_640
    assert result["batch_size"] == 64
    assert result["peak_memory_mb"] == round(cost.peak_memory_bytes(spec, 64) / 2**20, 2)
    cal = cost.cached_calibration(result["threads"])
    assert result["estimated_seconds_per_epoch"] == round(cost.epoch_seconds(spec, 3_600, 400, 64, cal), 2) > 0

    code, out, _ = run_cli(capsys, "summary", "lenet5", "--dataset", "mnist", "--batch-size", "256", "--json")
    bigger = json.loads(out)
    assert bigger["estimated_seconds_per_epoch"] == round(cost.epoch_seconds(spec, 54_000, 6_000, 256, cal), 2)
    assert bigger["peak_memory_mb"] > result["peak_memory_mb"]


def test_summary_text_shows_the_cost_and_measures_the_machine_once(capsys):
    code, out, err = run_cli(capsys, "summary", "mlp")
    assert code == 0 and "total parameters: 101,770" in out
    assert "multiply-adds per image: 101,632" in out  # 784 x 128 + 128 x 10
    assert "training memory at batch size 64: about" in out
    assert "estimated time per epoch on mnist-sample here" in out
    assert "measuring this machine" in err  # the progress bar of the calibration
    code, out, err = run_cli(capsys, "summary", "mlp")
    assert "measuring" not in err  # cached


def test_summary_of_a_spec_file(capsys, calibrated, tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(presets.preset_spec("tiny-cnn").to_json())
    code, out, _ = run_cli(capsys, "summary", "--spec", str(path), "--json")
    assert code == 0 and json.loads(out)["total_params"] == arch.total_params(presets.preset_spec("tiny-cnn"))
    code, _, err = run_cli(capsys, "summary")
    assert code == 2 and "give a PRESET or --spec FILE.json" in err


def test_summary_of_cifar_preset_on_cifar(capsys, calibrated):
    code, out, _ = run_cli(capsys, "summary", "cifar-cnn", "--dataset", "cifar10", "--json")
    assert json.loads(out)["total_params"] == 387_778


def test_datasets_and_presets_list(capsys):
    _, out, _ = run_cli(capsys, "datasets", "--json")
    assert [d["name"] for d in json.loads(out)][0] == "mnist-sample"
    _, out, _ = run_cli(capsys, "presets", "--json")
    assert {p["id"] for p in json.loads(out)} >= {"lenet5", "deep-cnn", "mlp", "cifar-cnn"}


def test_a_made_dataset_is_listed_and_trains_with_augmentation(capsys):
    from cnnviz import own_import

    own_import.example_set()
    _, out, _ = run_cli(capsys, "datasets", "--json")
    made = [d for d in json.loads(out) if d["name"] == "mine:three-digits"]
    assert made == [
        {
            "name": "mine:three-digits",
            "title": "Three digits (example)",
            "classes": ["3", "5", "8"],
            "input_shape": [1, 28, 28],
        }
    ]
    code, out, _ = run_cli(
        capsys,
        "train",
        "--preset",
        "lenet5",
        "--dataset",
        "mine:three-digits",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--augment",
        "--json",
    )
    assert code == 0 and json.loads(out)["status"] == "finished"
    assert runs.read_run(json.loads(out)["run_id"]).record.config.augment is True


def test_train_runs_evaluate_delete(capsys):
    code, out, err = run_cli(capsys, "train", "--preset", "mlp", "--epochs", "1", "--json")
    result = json.loads(out)
    assert code == 0 and result["status"] == "finished" and result["test_accuracy"] > 0.7
    assert set(result) >= {
        "run_id",
        "status",
        "test_accuracy",
        "epochs",
        "batch_size",
        "train_seconds",
        "images_per_second",
    }
    assert "step" in err  # the progress bar went to stderr
    code, out, _ = run_cli(capsys, "runs", "--json")
    listed = json.loads(out)
    assert [r["run_id"] for r in listed] == [result["run_id"]] and listed[0]["preset"] == "mlp"
    code, out, _ = run_cli(capsys, "evaluate", result["run_id"], "--json")
    ev = json.loads(out)
    assert ev["accuracy"] == pytest.approx(result["test_accuracy"])
    assert sum(map(sum, ev["confusion_matrix"])) == 1000 and len(ev["per_class_accuracy"]) == 10
    code, out, _ = run_cli(capsys, "delete", result["run_id"])
    assert code == 0 and json.loads(run_cli(capsys, "runs", "--json")[1]) == []


def test_train_from_a_spec_file(capsys, tmp_path):
    spec = {
        "input_shape": [1, 28, 28],
        "layers": [
            {"type": "conv", "filters": 4, "kernel_size": 5, "stride": 2},
            {"type": "flatten"},
            {"type": "dense", "units": 10, "activation": "none"},
        ],
    }
    (tmp_path / "net.json").write_text(json.dumps(spec))
    code, out, _ = run_cli(capsys, "train", "--spec", str(tmp_path / "net.json"), "--epochs", "1", "--json")
    assert code == 0 and json.loads(out)["status"] == "finished"


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "--preset", "alexnet"], "invalid choice: 'alexnet'"),
        (["train", "--preset", "lenet5", "--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["train", "--preset", "lenet5", "--lr", "0"], "must be a positive number"),
        (["train", "--preset", "lenet5", "--lr", "-0.1"], "must be a positive number"),
        (["train", "--preset", "lenet5", "--epochs", "0"], "must be at least 1"),
        (["train", "--preset", "lenet5", "--batch-size", "0"], "must be at least 1"),
        (["train", "--preset", "lenet5", "--batch-size", "5000"], "larger than the 3,600 training images"),
        (
            ["train", "--preset", "lenet5", "--batch-size", "99999"],
            "at batch size 99999 needs about 8,223 MB, more than the 4,096 MB",
        ),
        (["train", "--preset", "lenet5", "--dataset", "folder:/no/such/folder"], "image folder not found"),
        (["train"], "give --preset NAME or --spec FILE.json"),
        (["train", "--spec", "/no/such.json"], "spec file not found"),
        (["evaluate", "../../etc"], "invalid run id"),
        (["evaluate", "nope"], "no run 'nope'"),
        (["summary", "lenet5", "--dataset", "nope"], "unknown dataset"),
    ],
)
def test_bad_arguments_exit_nonzero_with_one_line(capsys, args, message):
    try:
        code = main(args)
    except SystemExit as e:  # argparse's own refusals
        code = e.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_impossible_spec_file_is_a_clean_error(capsys, tmp_path):
    (tmp_path / "bad.json").write_text(
        json.dumps({"input_shape": [1, 28, 28], "layers": [{"type": "conv", "filters": 2, "kernel_size": 30}]})
    )
    code, _, err = run_cli(capsys, "train", "--spec", str(tmp_path / "bad.json"))
    assert code == 2 and "conv1: kernel 30x30 is larger than its padded input 28x28" in err


def test_a_spec_without_one_output_per_class_is_a_clean_error(capsys, tmp_path):
    (tmp_path / "short.json").write_text(
        json.dumps(
            {
                "input_shape": [1, 28, 28],
                "layers": [{"type": "flatten"}, {"type": "dense", "units": 7, "activation": "none"}],
            }
        )
    )
    code, _, err = run_cli(capsys, "train", "--spec", str(tmp_path / "short.json"))
    assert (
        code == 2 and "must end in a dense layer of 10 units, one per class of mnist-sample, but its output is 7" in err
    )


def test_module_entry_point_runs_as_a_subprocess(calibrated):
    out = subprocess.run(
        [sys.executable, "-m", "cnnviz", "summary", "mlp", "--json"], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out)["total_params"] == 101_770
