"""The Explain page in AppTest: empty state, attribution methods, filters, and the embedding map."""

import json

import pytest
from safetensors.torch import load_file, save_file
from streamlit.testing.v1 import AppTest

from pagetest import figure, tiles

PAGE = "pages/explain.py"


def _open(run_id=None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.run()
    at.switch_page(PAGE)
    return _rerun(at, run_id)


def _rerun(at: AppTest, run_id=None) -> AppTest:
    # AppTest runs a switched-to page without app.py's sidebar, so its run picker (a widget) is forgotten
    # after one run: give the run id again each time
    if run_id:
        at.session_state["run_id"] = run_id
    at.run()
    assert not at.exception, at.exception
    return at


def _chart(at: AppTest, key: str) -> dict:
    return figure(at.get("plotly_chart")[_chart_index(at, key)])


def _chart_index(at: AppTest, key: str) -> int:
    charts = at.get("plotly_chart")
    found = [i for i, c in enumerate(charts) if key in c.proto.id]
    assert found, f"no chart {key}"
    return found[0]


@pytest.fixture
def run_id(use_run):
    return use_run("lenet5")


def test_without_a_run_the_page_offers_training():
    at = _open()
    assert any("there is none yet" in i.value for i in at.info)
    assert at.button(key="quick_start_empty")


def test_attribution_methods_targets_and_layers(run_id):
    at = _open(run_id)
    assert [t.label for t in at.tabs] == ["Attribution", "What filters look for", "Embedding map"]
    assert at.radio(key="ex_method").options == ["Gradient saliency", "SmoothGrad", "Integrated Gradients", "Grad-CAM"]
    seen = {}
    for method in ("saliency", "smoothgrad", "integrated_gradients", "gradcam"):
        at.radio(key="ex_method").set_value(method)
        _rerun(at, run_id)
        seen[method] = _chart(at, "ex_overlay")["data"][1]["z"]
        assert any(
            method_caption in c.value
            for c in at.caption
            for method_caption in ("gradient", "Gradients", "feature maps")
        )
    assert len({json.dumps(z) for z in seen.values()}) == 4  # four different heat maps
    assert at.selectbox(key="ex_layer").value == "conv2"
    at.selectbox(key="ex_layer").set_value("conv1")
    _rerun(at, run_id)
    assert _chart(at, "ex_overlay")["data"][1]["z"] != seen["gradcam"]
    before = _chart(at, "ex_overlay")["data"][1]["z"]
    at.selectbox(key="ex_target").set_value(3)
    _rerun(at, run_id)
    assert _chart(at, "ex_overlay")["data"][1]["z"] != before
    assert "for class 3" in _chart(at, "ex_overlay")["layout"]["title"]["text"]
    at.selectbox(key="ex_class").set_value(7)
    _rerun(at, run_id)
    assert "test image" in _chart(at, "ex_input")["layout"]["annotations"][0]["text"]


def test_filters_tab_synthesises_on_demand(run_id):
    at = _open(run_id)
    at.session_state["ex_tab"] = "What filters look for"
    _rerun(at, run_id)
    assert any("Press Synthesise" in i.value for i in at.info)
    top_before = _chart(at, "ex_am_top")
    at.select_slider(key="ex_am_steps").set_value(10)
    at.selectbox(key="ex_am_layer").set_value("conv2")
    _rerun(at, run_id)
    at.button(key="ex_am_run").click()
    _rerun(at, run_id)
    grid = _chart(at, "ex_am_grid")
    assert len(tiles(grid)) == 16  # one picture per conv2 channel
    at.selectbox(key="ex_am_channel").set_value(4)
    _rerun(at, run_id)
    assert _chart(at, "ex_am_top") != top_before
    assert "ch 4" in _chart(at, "ex_am_top")["layout"]["title"]["text"]
    assert len(tiles(_chart(at, "ex_am_grid"))) == 16  # still shown: cached, not recomputed


def test_embedding_tab_scatter_replay_and_pick(run_id):
    at = _open(run_id)
    at.session_state["ex_tab"] = "Embedding map"
    _rerun(at, run_id)
    scatter = _chart(at, "ex_emb_plot")
    assert [d["name"] for d in scatter["data"]] == [str(d) for d in range(10)] + ["mistakes"]
    assert sum(len(d["text"]) for d in scatter["data"][:10]) == 1000  # (x and y travel as typed arrays)
    final = _chart(at, "ex_emb_plot")
    at.select_slider(key="moment").set_value(0)  # the moment of training: the start
    _rerun(at, run_id)
    first = _chart(at, "ex_emb_plot")
    assert first["data"][0]["x"] != final["data"][0]["x"]
    assert any("Snapshot 0 of" in c.value for c in at.caption)
    at.number_input(key="ex_emb_point").set_value(5)
    _rerun(at, run_id)
    assert "image 5" in _chart(at, "ex_emb_image")["layout"]["annotations"][0]["text"]
    assert any(m.value.startswith("True **") for m in at.markdown)


def test_replay_explains_when_snapshots_hold_only_kernels(run_id, isolated_home, forget_loaded_runs):
    rid = run_id
    for path in (isolated_home / "runs" / rid / "snapshots").glob("*.safetensors"):
        state = load_file(str(path))  # what training keeps for networks over 500,000 parameters
        save_file({k: v for k, v in state.items() if v.ndim == 4}, str(path), metadata={"step": "0", "epoch": "0"})
    at = _open(rid)
    at.session_state["ex_tab"] = "Embedding map"
    _rerun(at, rid)
    at.select_slider(key="moment").set_value(0)
    _rerun(at, rid)
    assert any("snapshots keep only the convolution kernels" in i.value for i in at.info)
    assert _chart(at, "ex_emb_plot")["data"]  # the final map is still shown


def test_a_network_without_convolutions(use_run):
    rid = use_run("mlp")
    at = _open(rid)
    assert "Grad-CAM" not in at.radio(key="ex_method").options
    at.radio(key="ex_method").set_value("integrated_gradients")
    _rerun(at, rid)
    assert _chart(at, "ex_overlay")["data"]
    at.session_state["ex_tab"] = "What filters look for"
    _rerun(at, rid)
    assert any("no convolution layers" in i.value for i in at.info)
    at.session_state["ex_tab"] = "Embedding map"
    _rerun(at, rid)
    assert len(_chart(at, "ex_emb_plot")["data"]) == 11
