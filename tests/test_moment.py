"""Time travel (AppTest): one moment-of-training control moves every inspection screen to what the snapshot at
that step computes, kept in the URL and across screens; a large run says which views cannot travel."""

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from streamlit.testing.v1 import AppTest

from pagetest import APP, array, chart, open_page, tiles

from cnnviz import attribution, evaluate, hooks, runs
from cnnviz.loaded import LoadedRun


@pytest.fixture
def run_id(use_run):
    return use_run("lenet5-b128")  # 4 snapshots


def _travel(at: AppTest, run_id: str, index) -> AppTest:
    at.session_state["run_id"] = run_id
    at.select_slider(key="moment").set_value(index).run()
    assert not at.exception, at.exception
    return at


def test_the_control_offers_every_snapshot_then_the_end(run_id):
    loaded = LoadedRun.open(run_id)
    at = open_page("pages/feature_maps.py", run_id)
    moment = at.select_slider(key="moment")
    # the last snapshot is taken at the final step: it is the end of training, offered once
    assert loaded.snapshots[-1].step == loaded.record.steps_done
    assert moment.options == [f"step {s.step:,} · epoch {s.epoch:.2f}" for s in loaded.snapshots[:-1]] + [
        "end of training"
    ]
    assert moment.value is None and at.query_params["at"] == "end"


def test_feature_maps_and_prediction_follow_the_moment(run_id):
    loaded = LoadedRun.open(run_id)
    x = loaded.test_inputs()[0].numpy()  # the picker's first test image: class 0, index 0
    at = _travel(open_page("pages/feature_maps.py", run_id), run_id, 1)
    want = hooks.activations(loaded.model_at(1), x)
    np.testing.assert_allclose(np.stack(tiles(chart(at, "fm_maps"))), want["conv1"], rtol=1e-6, atol=1e-7)
    probs = array(chart(at, "fm_probs")["data"][0]["x"]).astype(np.float64)
    np.testing.assert_allclose(probs, want["softmax"], rtol=1e-5, atol=1e-7)
    final = hooks.activations(loaded.model, x)["softmax"]
    assert not np.allclose(want["softmax"], final, atol=1e-3)  # the moment really changed what is shown


def test_the_confusion_matrix_and_mistakes_follow_the_moment(run_id):
    loaded = LoadedRun.open(run_id)
    at = _travel(open_page("pages/evaluation.py", run_id), run_id, 0)
    want = evaluate.evaluate(loaded.model_at(0), loaded.split, loaded.classes)
    z = array(chart(at, "ev_confusion")["data"][0]["z"]).astype(np.int64)
    np.testing.assert_array_equal(z, want.confusion)
    assert any(f"{want.accuracy:.2%}" == m.value for m in at.metric)
    assert any("at step 0" in c.value for c in at.caption)
    shown = evaluate.mistakes(want, limit=24)
    assert len(tiles(chart(at, "ev_mistakes"))) == len(shown)


def test_attribution_follows_the_moment(run_id):
    loaded = LoadedRun.open(run_id)
    at = open_page("pages/explain.py", run_id)
    at.radio(key="ex_method").set_value("saliency")
    at = _travel(at, run_id, 2)
    x = loaded.test_inputs()[0].numpy()
    model = loaded.model_at(2)
    target = int(evaluate.predict(model, x).argmax())
    want = attribution.saliency(model, x, target)
    np.testing.assert_allclose(
        array(chart(at, "ex_overlay")["data"][1]["z"]).astype(np.float64), want.heat, rtol=1e-5, atol=1e-6
    )


def test_the_moment_is_kept_across_screens_and_in_a_copied_link(run_id):
    loaded = LoadedRun.open(run_id)
    at = _travel(open_page("pages/kernels.py", run_id), run_id, 1)
    step = loaded.snapshots[1].step
    assert at.query_params["at"] == str(step)
    at.switch_page("pages/evaluation.py").run()
    assert at.select_slider(key="moment").value == 1  # the same snapshot on the next screen
    linked = AppTest.from_file(APP, default_timeout=60)
    linked.query_params["at"] = str(step)
    linked.session_state["run_id"] = run_id
    linked.run()
    linked.switch_page("pages/kernels.py").run()
    assert linked.select_slider(key="moment").value == 1


def test_a_run_whose_snapshots_keep_only_kernels_says_which_views_travel(run_id, forget_loaded_runs):
    for path in (runs.run_path(run_id) / "snapshots").glob("*.safetensors"):
        with safe_open(str(path), "pt") as f:
            metadata = f.metadata()
        state = load_file(str(path))  # what training keeps for networks over 500,000 parameters: the kernels
        save_file({k: v for k, v in state.items() if v.ndim == 4}, str(path), metadata=metadata)
    at = _travel(open_page("pages/kernels.py", run_id), run_id, 0)
    first = load_file(str(runs.run_path(run_id) / "snapshots" / "000.safetensors"))["conv1.weight"]
    np.testing.assert_array_equal(np.stack(tiles(chart(at, "kn_final"))), first[:, 0].numpy())  # kernels travel
    at.switch_page("pages/evaluation.py").run()
    assert any("snapshots keep only the convolution kernels" in i.value for i in at.info)  # the rest says so
    loaded = LoadedRun.open(run_id)
    z = array(chart(at, "ev_confusion")["data"][0]["z"]).astype(np.int64)
    np.testing.assert_array_equal(z, evaluate.evaluate(loaded.model, loaded.split, loaded.classes).confusion)
