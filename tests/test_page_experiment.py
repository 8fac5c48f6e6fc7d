"""AppTest of pages/experiment.py: every tab with and without a run, its main widget driven, no exceptions."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from pagetest import array, chart_with_id, has_text

from cnnviz import jobs, runs, safe_files, ui

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TABS = ("Compare", "Timeline", "Robustness", "Health", "Learned vs handcrafted", "Edit and see")


@pytest.fixture
def run_id(use_run):
    """The session's short LeNet-5 run, copied into this test's own (otherwise empty) run store."""
    return use_run("lenet5")


def open_tab(at: AppTest, tab: str, run_id: str | None = None) -> AppTest:
    """Run the page with `tab` open (AppTest runs the page alone, so the sidebar's run is set by hand)."""
    at.session_state["exp_tab"] = tab
    if run_id:
        at.session_state["run_id"] = run_id
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page(run_id: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/experiment.py")
    return open_tab(at, "Compare", run_id)


def chart(at: AppTest, key: str) -> dict:
    """The decoded Plotly figure of the chart drawn with `key`."""
    return chart_with_id(at, key)


def z_values(fig: dict) -> np.ndarray:
    """The z array of a chart's first trace."""
    return array(fig["data"][0]["z"])


def test_every_tab_without_a_run_shows_guidance():
    at = page()
    assert [t.label for t in at.tabs] == list(TABS)
    assert at.button(key="exp_quick_start") and "no finished run" in at.info[0].value
    for tab in TABS[1:]:
        open_tab(at, tab)
        assert at.button(key="quick_start_empty"), tab
        assert not at.get("plotly_chart")


def test_compare_tab(run_id, isolated_home):
    other = "20990101-000000-lenet5-copy"  # a second run to compare with
    shutil.copytree(isolated_home / "runs" / run_id, isolated_home / "runs" / other)
    at = page(run_id)
    assert at.multiselect(key="exp_cmp_runs").value == [run_id, other]
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 2
    before = chart(at, "exp_cmp_curves")
    at.segmented_control(key="exp_cmp_metric").set_value("train_loss")
    open_tab(at, "Compare", run_id)
    assert chart(at, "exp_cmp_curves") != before and has_text(chart(at, "exp_cmp_curves"), "training loss")
    diff = z_values(chart(at, "exp_cmp_diff"))
    assert diff.size == 100 and not diff.any()  # the same network twice: no difference
    assert "exp_cmp_timeline_fig" in " ".join(c.proto.id for c in at.get("plotly_chart"))
    at.multiselect(key="exp_cmp_runs").set_value([other])
    open_tab(at, "Compare", run_id)
    assert "Only one run is picked" in " ".join(i.value for i in at.info)


def test_timeline_tab_replays_the_kernels(run_id):
    at = open_tab(page(run_id), "Timeline", run_id)
    last = chart(at, "exp_tl_change")
    at.select_slider(key="moment").set_value(0)
    open_tab(at, "Timeline", run_id)
    assert chart(at, "exp_tl_change") != last and has_text(chart(at, "exp_tl_change"), "step 0 minus step 0")
    at.selectbox(key="exp_tl_wlayer").set_value("dense1")
    open_tab(at, "Timeline", run_id)
    assert has_text(chart(at, "exp_tl_weights"), "dense1 weights")


def test_robustness_tab_reacts_to_the_sliders(run_id):
    at = open_tab(page(run_id), "Robustness", run_id)
    image = chart(at, "exp_rb_image")
    occlusion = chart(at, "exp_rb_drops")
    at.slider(key="exp_rb_dx").set_value(6)
    at.slider(key="exp_rb_angle").set_value(45)
    open_tab(at, "Robustness", run_id)
    assert chart(at, "exp_rb_image") != image and chart(at, "exp_rb_drops") != occlusion
    at.toggle(key="exp_rb_occlude").set_value(True)
    open_tab(at, "Robustness", run_id)
    at.button(key="exp_rb_reset").click()
    open_tab(at, "Robustness", run_id)
    assert at.slider(key="exp_rb_dx").value == 0 and chart(at, "exp_rb_image") == image


def test_health_tab_speaks_plainly(run_id):
    at = open_tab(page(run_id), "Health", run_id)
    text = " ".join(m.value for m in at.markdown)
    assert "filters in conv1" in text and "units in dense1" in text and "conv1: gradient norm" in text
    at.selectbox(key="exp_hl_layer").set_value("dense2")
    open_tab(at, "Health", run_id)
    assert len(at.dataframe) == 1 and "exp_hl_grads" in " ".join(c.proto.id for c in at.get("plotly_chart"))


def test_edit_tab_changes_the_output_but_never_the_run(run_id):
    info = runs.read_run(run_id)
    sha = safe_files.sha256(info.path / runs.WEIGHTS)
    at = open_tab(page(run_id), "Edit and see", run_id)
    cached = ui.loaded_run(info).model  # the shared network every page uses
    before = {k: v.clone() for k, v in cached.state_dict().items()}
    assert "no change yet" in " ".join(m.value for m in at.markdown)
    probs = chart(at, "exp_ed_probs_after")
    at.selectbox(key="exp_ed_out").set_value(3)
    at.button(key="exp_ed_zero").click()
    open_tab(at, "Edit and see", run_id)
    assert "no change yet" not in " ".join(m.value for m in at.markdown)
    assert chart(at, "exp_ed_probs_after") != probs and chart(at, "exp_ed_delta")
    at.selectbox(key="exp_ed_load").set_value("sobel_vertical")
    open_tab(at, "Edit and see", run_id)
    assert at.selectbox(key="exp_ed_load").value == ""
    assert np.allclose(at.data_editor[0].value.to_numpy()[:, 2], 0)  # Sobel's middle column is zero
    at.button(key="exp_ed_reset").click()
    open_tab(at, "Edit and see", run_id)
    assert "no change yet" in " ".join(m.value for m in at.markdown)
    assert safe_files.sha256(info.path / runs.WEIGHTS) == sha
    assert all(torch.equal(before[k], v) for k, v in cached.state_dict().items())


def test_handcrafted_tab_trains_and_compares_a_twin(run_id):
    at = open_tab(page(run_id), "Learned vs handcrafted", run_id)
    assert "kernels correlate at 0.7 or more" in " ".join(m.value for m in at.markdown)
    try:
        at.button(key="exp_hc_train").click()
        open_tab(at, "Learned vs handcrafted", run_id)
        twin = [r.run_id for r in runs.list_runs() if r.run_id != run_id]
        assert len(twin) == 1
        jobs.wait(twin[0], timeout=120)
        open_tab(at, "Learned vs handcrafted", run_id)
        assert [m.label for m in at.metric][-1] == "twin minus this run"
        assert has_text(chart(at, "exp_hc_curves"), "handcrafted conv1")
    finally:
        jobs.stop_all()


def test_a_network_without_convolutions_gets_explanations_not_errors(use_run):
    rid = use_run("mlp")
    at = page(rid)
    for tab in TABS[1:]:
        open_tab(at, tab, rid)
    text = " ".join(i.value for i in at.info)
    assert "no convolution layers" in text
    open_tab(at, "Learned vs handcrafted", rid)
    assert "no convolution layers" in " ".join(i.value for i in at.info)
