"""AppTest of the Train page: settings, starting a background run, the live view, pause/stop, outcomes."""
import json
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnnviz import arch, runs, train
from cnnviz.jobs import JOBS

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

    yield open_page
    JOBS.shutdown()
    JOBS.forget_finished()


def wait_for_metrics(run_id: str, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not runs.read_metrics(run_id) and time.time() < deadline:
        time.sleep(0.05)


def test_without_runs_the_page_explains_what_to_do(open_train):
    at = open_train()
    assert at.title[0].value == "Train"
    assert any("No runs yet" in i.value for i in at.info)
    assert at.selectbox(key="train_dataset").value == "mnist-sample"
    assert at.selectbox(key="train_arch").value == "lenet5"
    assert any("44,426 parameters" in c.value for c in at.caption)
    assert not at.button(key="train_start").disabled


@pytest.mark.parametrize("text, message", [("0", "the learning rate must be a positive number, got 0.0"),
                                           ("fast", "the learning rate must be a number")])
def test_a_bad_learning_rate_is_refused_and_nothing_starts(open_train, text, message):
    at = open_train()
    at.text_input(key="train_lr").set_value(text)
    at.button(key="train_start").click().run()
    assert message in at.error[0].value
    assert runs.list_runs() == [] and JOBS.active() == []
    assert "watch_run" not in at.session_state or at.session_state["watch_run"] is None
    assert not at.exception


def test_a_batch_larger_than_the_data_is_refused(open_train):
    at = open_train()
    at.number_input(key="train_batch").set_value(4096)
    at.button(key="train_start").click().run()
    assert "the batch size 4096 is larger than the 3,600 training images" in at.error[0].value
    assert runs.list_runs() == [] and not at.exception


def test_a_started_run_shows_curves_kernels_and_its_test_accuracy(open_train):
    earlier = train.run_training(train.config_for("mlp", epochs=1, batch_size=256))
    at = open_train()
    assert at.selectbox(key="run_id").value == earlier.run_id  # the sidebar shows the older run
    at.number_input(key="train_epochs").set_value(1)
    at.number_input(key="train_batch").set_value(256)
    at.button(key="train_start").click().run()
    assert not at.error and not at.exception
    run_id = at.session_state["watch_run"]
    assert run_id != earlier.run_id and runs.read_run(run_id).meta["preset"] == "lenet5"

    JOBS.wait(run_id, 60)
    at.run()
    assert not at.exception
    run = runs.read_run(run_id)
    assert run.status == "finished"
    [success] = at.success
    assert f"test accuracy {run.test_accuracy:.2%}" in success.value
    assert at.session_state["run_id"] == run_id  # selected in the sidebar for the inspection pages
    assert at.selectbox(key="run_id").value == run_id
    assert [link.proto.page for link in at.get("page_link")] == ["kernels", "feature_maps", "evaluation"]
    assert at.get("progress")[0].proto.value == 100
    curves, kernels = (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
    assert {trace["name"] for trace in curves["data"]} == {"train", "validation"}
    assert len([tr for tr in kernels["data"] if tr["type"] == "heatmap"]) == 6  # conv1's six 5x5 kernels
    # 3,600 training images / batch 256 = 14 steps: the final snapshot
    assert kernels["layout"]["title"]["text"] == "conv1 kernels at step 14 (epoch 1.00)"
    val = next(m for m in at.metric if m.label == "Validation accuracy")
    assert val.value == f"{run.meta['val_accuracy']:.2%}"


def test_pause_learning_rate_and_stop_control_the_job(open_train):
    at = open_train()
    at.number_input(key="train_epochs").set_value(50)
    at.button(key="train_start").click().run()
    run_id = at.session_state["watch_run"]
    wait_for_metrics(run_id)
    at.run()
    assert any("Step" in p.proto.text for p in at.get("progress"))

    at.button(key="train_pause").click().run()
    job = JOBS.get(run_id)
    assert job.control.paused
    assert at.button(key="train_resume")  # the pause button turned into resume
    at.text_input(key="train_new_lr").set_value("0")
    at.button(key="train_set_lr").click().run()
    assert "the learning rate must be a positive number" in at.error[0].value
    at.text_input(key="train_new_lr").set_value("0.002")
    at.button(key="train_set_lr").click().run()
    assert job.control.lr_override == 0.002

    at.button(key="train_stop").click().run()
    JOBS.wait(run_id, 60)
    at.run()
    run = runs.read_run(run_id)
    assert run.status == "stopped" and run.has_weights
    assert any("Stopped: stopped by the user at step" in w.value for w in at.warning)
    assert at.session_state["run_id"] == run_id
    assert not at.exception


def test_several_runs_train_at_once_and_are_listed(open_train):
    at = open_train()
    at.number_input(key="train_epochs").set_value(50)
    at.button(key="train_start").click().run()
    first = at.session_state["watch_run"]
    at.button(key="train_start").click().run()  # the form stays usable while a run trains
    second = at.session_state["watch_run"]
    assert first != second and {j.run_id for j in JOBS.active()} == {first, second}
    assert "**Training now** (2)" in [m.value for m in at.markdown]
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
    assert "expects 1×28×28 inputs, but CIFAR-10" in at.warning[0].value
    assert at.button(key="train_start").disabled


def test_an_image_folder_is_checked_as_it_is_typed(open_train, tmp_path):
    at = open_train()
    at.selectbox(key="train_dataset").set_value("__folder__").run()
    at.text_input(key="train_folder").set_value(str(tmp_path / "nowhere")).run()
    assert "image folder not found" in at.error[0].value
    assert at.button(key="train_start").disabled
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
