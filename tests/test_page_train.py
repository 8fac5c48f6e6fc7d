"""AppTest of the Train page: settings, starting a background run, the live view, pause/stop, outcomes."""

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from pagetest import tiles

from cnnviz import arch, i18n, jobs, metrics, runs, train

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def open_train(monkeypatch):
    """Opens the whole app (sidebar included; pages run inside app.py's navigation) on the page."""

    def open_page(**state):
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        for key, value in state.items():
            at.session_state[key] = value
        at.switch_page("pages/train.py").run()
        assert not at.exception
        return at

    return open_page


def wait_for_metrics(run_id: str, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not metrics.read_metrics(run_id) and time.time() < deadline:
        time.sleep(0.05)


def test_without_runs_the_page_explains_what_to_do(open_train):
    at = open_train()
    assert at.title[0].value == "Train"
    assert any("No runs yet" in i.value for i in at.info)
    assert at.selectbox(key="train_dataset").value == "mnist-sample"
    assert at.selectbox(key="train_arch").value == "lenet5"
    assert any("44,426 parameters" in c.value for c in at.caption)
    assert not at.button(key="train_start").disabled


@pytest.mark.parametrize(
    "text, message",
    [
        ("0", "the learning rate must be a positive number such as 0.001, got 0"),
        ("fast", "must be a positive number such as 0.001, got fast"),
        ("1e-0x", "got 1e-0x"),
    ],
)
def test_a_bad_learning_rate_is_refused_and_nothing_starts(open_train, text, message):
    at = open_train()
    at.text_input(key="train_lr").set_value(text)
    at.button(key="train_start").click().run()
    assert message in at.error[0].value
    assert runs.list_runs() == []
    assert "watch_run" not in at.session_state or at.session_state["watch_run"] is None
    assert not at.exception


def test_a_batch_larger_than_the_data_is_refused(open_train):
    at = open_train()
    at.number_input(key="train_batch").set_value(4096)
    at.button(key="train_start").click().run()
    assert "the batch size 4096 is larger than the 3,600 training images" in at.error[0].value
    assert runs.list_runs() == [] and not at.exception


def test_a_started_run_shows_curves_kernels_and_its_test_accuracy(open_train, calibrated, use_run):
    earlier = use_run("mlp")
    at = open_train()
    assert at.selectbox(key="run_id").value == earlier  # the sidebar shows the older run
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_batch").set_value(256)
    at.button(key="train_start").click().run()
    assert not at.error and not at.exception
    run_id = at.session_state["watch_run"]
    assert run_id != earlier and runs.read_run(run_id).record.preset == "lenet5"

    jobs.wait(run_id, 120)
    at.run()
    assert not at.exception
    run = runs.read_run(run_id)
    assert run.status == "finished" and run.meta["pid"] != os.getpid()  # trained in a process of its own
    [success] = at.success
    assert f"test accuracy {run.test_accuracy:.2%}" in success.value
    record = run.record
    estimate, took = record.estimated_seconds_per_epoch, record.active_seconds / record.epochs_done
    assert estimate > 0 and took > 0  # the builder's estimate, made before training, beside what it took
    assert f"Time per epoch: estimated {estimate:.1f} s before training, took {took:.1f} s." in [
        c.value for c in at.caption
    ]
    assert at.session_state["run_id"] == run_id  # selected in the sidebar for the inspection pages
    assert at.selectbox(key="run_id").value == run_id
    assert [link.proto.page for link in at.get("page_link")] == ["kernels", "feature_maps", "evaluation"]
    [bar] = at.get("progress")
    assert bar.proto.value == 100 and bar.proto.text == "Step 14 of 14 · epoch 1.00 of 1"
    numbers = {m.label: m.value for m in at.metric}
    assert numbers["Images per second"] == f"{record.images_per_second:,.0f}"
    assert numbers["Training time"] == i18n.duration(record.train_seconds, lambda text, **v: text.format(**v))
    curves, kernels = (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
    assert {trace["name"] for trace in curves["data"]} == {"train", "validation"}
    assert [tr["type"] for tr in kernels["data"]] == ["heatmap"]  # one tiled trace
    assert [k.shape for k in tiles(kernels)] == [(5, 5)] * 6  # conv1's six 5x5 kernels
    # 3,600 training images / batch 256 = 14 steps: the final snapshot
    assert kernels["layout"]["title"]["text"] == "conv1 kernels at step 14 (epoch 1.00)"
    assert numbers["Validation accuracy"] == f"{record.val_accuracy:.2%}"


def wait_for_steps(run_id: str, more_than: int = 0, timeout: float = 60.0) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        last = metrics.last_step(run_id)
        if last and last["step"] > more_than:
            return last["step"]
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} logged no step past {more_than}")


def test_pause_learning_rate_and_stop_control_the_training_process(open_train):
    at = open_train()
    at.number_input(key="train_epochs").set_value(200)
    at.button(key="train_start").click().run()
    run_id = at.session_state["watch_run"]
    wait_for_steps(run_id)
    at.run()
    assert any("Step" in p.proto.text for p in at.get("progress"))
    assert at.query_params["watch"] in (run_id, [run_id])  # a reload keeps watching this run

    at.button(key="train_pause").click().run()
    assert runs.read_control(run_id)["paused"]
    assert at.button(key="train_resume")  # the pause button turned into resume
    time.sleep(0.5)
    paused_at = metrics.last_step(run_id)["step"]
    time.sleep(0.8)
    assert metrics.last_step(run_id)["step"] == paused_at  # the process really waits

    other = AppTest.from_file(APP, default_timeout=60)  # another tab sees it paused too
    other.run()
    other.session_state["watch_run"] = run_id
    other.switch_page("pages/train.py").run()
    assert other.button(key="train_resume") and not other.get("button") == []
    assert "train_pause" not in [b.key for b in other.button]

    at.text_input(key="train_new_lr").set_value("-0.5")
    at.button(key="train_set_lr").click().run()
    assert "got -0.5" in at.error[0].value  # the number as typed
    at.text_input(key="train_new_lr").set_value("0.002")
    at.button(key="train_set_lr").click().run()
    assert runs.read_control(run_id)["lr"] == 0.002
    at.button(key="train_resume").click().run()
    wait_for_steps(run_id, paused_at + 2)
    assert metrics.last_step(run_id)["lr"] == 0.002

    at.button(key="train_stop").click().run()
    jobs.wait(run_id, 60)
    at.run()
    run = runs.read_run(run_id)
    assert run.status == "stopped" and run.has_weights
    assert any("Stopped: stopped by the user at step" in w.value for w in at.warning)
    assert at.session_state["run_id"] == run_id
    assert not at.exception


def test_runs_wait_in_the_queue_and_are_listed(open_train, monkeypatch):
    monkeypatch.setenv("CNNVIZ_MAX_TRAININGS", "1")
    at = open_train()
    at.number_input(key="train_epochs").set_value(200)
    at.button(key="train_start").click().run()
    first = at.session_state["watch_run"]
    at.button(key="train_start").click().run()  # the form stays usable while a run trains
    second = at.session_state["watch_run"]
    assert first != second and runs.read_run(second).status == "queued"
    assert "**Training now**: 1 running, 1 waiting (at most 1 at a time)" in [m.value for m in at.markdown]
    assert any("Waiting in the queue: number 1 in line" in i.value for i in at.info)
    at.button(key="train_start").click().run()  # a third: past this session's limit of two
    assert "Not started: you already have 2 trainings waiting or running" in at.warning[0].value
    assert len(runs.list_runs()) == 2

    at.button(key="train_cancel").click().run()  # cancel the waiting one
    assert not runs.run_path(second).exists()
    at.button(key=f"train_watch_{first}").click().run()  # watch the other one
    assert at.session_state["watch_run"] == first
    assert at.selectbox(key="train_watch").value == first
    assert not at.exception


def test_a_failed_run_shows_why(open_train):
    failed = train.run_training(train.config_for("mlp", epochs=1, optimizer="sgd", lr=1e10))
    assert failed.status == "failed"
    at = open_train()
    assert at.session_state["watch_run"] == failed.run_id
    assert "Training failed: the loss became nan" in at.error[0].value
    assert not at.get("page_link")


def test_the_builder_design_is_offered_and_a_shape_mismatch_is_explained(open_train):
    spec = arch.ArchSpec((1, 28, 28), (arch.Flatten(), arch.Dense(10, "none")), "logistic")
    at = open_train(builder_spec=spec.to_dict(), train_use_builder=True)
    assert at.selectbox(key="train_arch").value == "__builder__"
    assert any("7,850 parameters" in c.value for c in at.caption)
    at.selectbox(key="train_dataset").set_value("cifar10").run()
    assert at.warning[0].value == "Cannot start: the network expects inputs 1×28×28 but cifar10 gives 3×32×32"
    assert at.button(key="train_start").disabled


def test_an_image_folder_is_checked_as_it_is_typed(open_train, tmp_path):
    at = open_train()
    at.selectbox(key="train_dataset").set_value("__folder__").run()
    at.text_input(key="train_folder").set_value(str(tmp_path / "nowhere")).run()
    assert "image folder not found" in at.error[0].value
    assert at.button(key="train_start").disabled
    at.text_input(key="train_folder").set_value("/").run()  # the whole disk: never
    assert f"the app reads image folders only inside {tmp_path}" in at.error[0].value.replace("\\", "")
    assert "/ is outside" in at.error[0].value.replace("\\", "")
    for name, colour in (("cats", 40), ("dogs", 200)):
        (tmp_path / "pets" / name).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(np.full((8, 8), colour + i, np.uint8)).save(tmp_path / "pets" / name / f"{i}.png")
    at.text_input(key="train_folder").set_value(str(tmp_path / "pets")).run()
    assert not at.error
    assert any("2 classes: cats, dogs · images 1×8×8" in c.value for c in at.caption)
    assert at.selectbox(key="train_arch").value == "lenet5"
    assert "conv2: kernel 5x5 is larger than its padded input 2x2" in at.warning[0].value  # 8 -> 4 -> 2
    assert at.button(key="train_start").disabled
