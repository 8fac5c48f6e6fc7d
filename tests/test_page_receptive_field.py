"""AppTest of the receptive-field page: presets without any run, a trained run's own network, the checks it offers."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pagetest import figure

from cnnviz import train

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/receptive_field.py").run()
    assert not at.exception
    return at


def texts(at):
    return " ".join(m.value for m in at.markdown) + " " + " ".join(c.value for c in at.caption)


def picture(at):
    return figure(at.get("plotly_chart")[0])


def table(at):
    return at.dataframe[0].value.set_index("layer")


def test_presets_work_without_a_run():
    at = open_page()
    assert at.radio(key="rf_source").options == ["a preset"]
    assert at.selectbox(key="rf_preset").value == "lenet5"
    assert at.selectbox(key="rf_layer").value == "pool2"  # the deepest spatial layer first
    assert "sees a **16×16** patch" in texts(at) and "test image 0 of MNIST sample" in texts(at)
    rows = table(at)
    assert rows.loc["conv1", "FLOPs"] == 172_800 and rows.loc["conv1", "receptive field"] == "5×5"
    assert rows.loc["pool2", "jump"] == "4" and rows.loc["dense1", "receptive field"] == "whole input"
    assert [m.value for m in at.metric][0] == "44,426"

    before = picture(at)
    at.slider(key="rf_row").set_value(3).run()
    assert "Input rows 12–27, columns 0–15" in texts(at) and picture(at) != before
    at.selectbox(key="rf_layer").set_value("conv1").run()
    assert "sees a **5×5** patch" in texts(at)
    assert at.slider(key="rf_row").max == 23 and at.slider(key="rf_row").value == 3
    at.button(key="rf_check").click().run()
    assert not at.exception
    assert "exactly these 25 pixels" in at.success[0].value


def test_padding_and_other_presets():
    at = open_page()
    at.selectbox(key="rf_preset").set_value("tiny-cnn").run()
    at.selectbox(key="rf_layer").set_value("conv1").run()
    at.slider(key="rf_row").set_value(0).run()
    at.slider(key="rf_col").set_value(0).run()
    assert not at.exception
    assert "Input rows −1 to 1, columns −1 to 1" in texts(at) and "the rest is padding" in texts(at)
    assert "grey frame: zero padding (1 px)" in texts(at)

    at.selectbox(key="rf_preset").set_value("vgg16").run()
    assert not at.exception
    assert at.selectbox(key="rf_layer").value == "conv1"  # the chosen layer stays when the new network has it
    at.selectbox(key="rf_layer").set_value("pool5").run()
    assert "sees a **212×212** patch" in texts(at) and "blank 224×224 canvas" in texts(at)
    assert table(at).loc["conv13", "receptive field"] == "196×196"

    at.selectbox(key="rf_preset").set_value("mlp").run()
    assert not at.exception
    assert "no convolution or pooling layer" in at.info[0].value
    assert len(at.dataframe) == 1


@pytest.fixture
def lenet_run():
    event = train.run_training(train.config_for("lenet5", epochs=1, batch_size=256))
    assert event.status == "finished"
    return event.run_id


def test_the_selected_runs_network(lenet_run):
    at = open_page()
    assert at.radio(key="rf_source").value == "run"
    assert f"Run **{lenet_run}**" in texts(at)
    assert table(at).loc["conv2", "receptive field"] == "14×14"
    at.selectbox(key="rf_layer").set_value("pool1").run()
    at.number_input(key="rf_image").set_value(7).run()
    assert not at.exception and "test image 7 of MNIST sample" in texts(at)
    at.radio(key="rf_source").set_value("preset").run()
    at.selectbox(key="rf_preset").set_value("deep-cnn").run()
    assert not at.exception and table(at).loc["conv3", "receptive field"] == "12×12"
