"""The Home screen (AppTest): first training, the run list, damaged and running runs."""

import json
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from cnnviz import jobs, metrics, runs
from cnnviz.train import config_for, run_training

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = [
    "pages/home.py",
    "pages/kernels.py",
    "pages/feature_maps.py",
    "pages/evaluation.py",
    "pages/explain.py",
    "pages/experiment.py",
    "pages/train.py",
]


def _home() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def test_first_visit_offers_the_one_click_training_and_it_trains():
    at = _home()
    assert any("No runs yet" in i.value for i in at.info)
    at.button(key="quick_start_home").click().run()
    listing = runs.list_runs()
    assert len(listing) == 1 and listing[0].record.preset == "lenet5"
    assert listing[0].record.dataset == "mnist-sample"
    assert jobs.wait(listing[0].run_id, 120).status == "finished"


def test_damaged_runs_are_listed_with_the_reason_deletable_and_break_no_screen(use_run):
    good = use_run("lenet5")
    broken = use_run("mlp")
    (runs.run_path(broken) / "run.json").write_text("{ edited by hand")
    truncated = run_training(config_for("mlp", epochs=1, seed=1)).run_id
    weights = runs.run_path(truncated) / runs.WEIGHTS
    weights.write_bytes(weights.read_bytes()[:64])
    killed = run_training(config_for("mlp", epochs=1, seed=2)).run_id
    meta = json.loads((runs.run_path(killed) / "run.json").read_text())
    for key in ("weights_sha256", "weights_bytes", "test_accuracy"):  # as a process killed mid-training leaves it
        meta.pop(key)
    (runs.run_path(killed) / "run.json").write_text(json.dumps({**meta, "status": "running"}))
    (runs.run_path(killed) / runs.WEIGHTS).unlink()
    missing_metrics = run_training(config_for("mlp", epochs=1, seed=4)).run_id
    (runs.run_path(missing_metrics) / "metrics.jsonl").unlink()

    at = _home()
    errors = " ".join(e.value for e in at.error)
    assert "run.json cannot be read" in errors and "the weights file has 64 bytes" in errors
    assert "metrics.jsonl is missing" in errors
    texts = " ".join(m.value for m in at.markdown)
    assert "interrupted" in texts
    # the sidebar offers only usable runs, and every screen works beside the damaged ones
    assert at.selectbox(key="run_id").options == [
        f"{good} · mnist-sample · finished · {runs.read_run(good).test_accuracy:.2%}"
    ]
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
    at.switch_page("pages/home.py").run()
    for run_id in (broken, truncated, killed, missing_metrics):
        at.button(key=f"delete_{run_id}").click().run()
        assert not at.exception
    assert [r.run_id for r in runs.list_runs()] == [good]


def test_a_running_run_can_be_stopped_from_home_and_keeps_what_it_learned(monkeypatch):
    monkeypatch.setenv("CNNVIZ_MAX_TRAININGS", "1")
    run_id = jobs.submit(config_for("lenet5", epochs=200, batch_size=32))
    waiting = jobs.submit(config_for("lenet5", epochs=200, batch_size=32, seed=1))
    deadline = time.time() + 60
    while not metrics.last_step(run_id):
        assert time.time() < deadline
        time.sleep(0.05)
    at = _home()
    assert "number 1 in line" in [c.value for c in at.caption]
    at.button(key=f"stop_{waiting}").click().run()  # cancel the waiting one: it goes
    assert not runs.run_path(waiting).exists()
    at.button(key=f"stop_{run_id}").click().run()
    assert not at.exception
    info = jobs.wait(run_id, 60)
    assert info.status == "stopped" and info.has_weights
    runs.load_model(run_id)


def test_a_link_to_a_run_that_is_not_here_says_so(use_run):
    older, done = use_run("mlp"), use_run("lenet5-b256")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["run"] = ":red[gone]-run"
    at.run()
    assert not at.exception
    [warning] = at.sidebar.warning
    shown = at.session_state["run_id"]
    assert shown in (older, done)  # the newest (both may carry the same second)
    assert warning.value.replace("\\", "") == (
        f"The link names run :red[gone]-run, which is not in this run store or "
        f"has no weights to inspect. Showing {shown} instead."
    )
    assert ":red\\[gone\\]" in warning.value  # escaped: shown as typed, not as red text
    other = older if shown == done else done
    at.selectbox(key="run_id").set_value(other).run()
    assert not at.sidebar.warning  # picking a run dismisses it


def test_dataset_titles_follow_the_language():
    from cnnviz import data, i18n

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "zh"
    at.run()
    zh = i18n.translate(data.DATASETS["mnist-sample"].title, "zh")
    assert zh != data.DATASETS["mnist-sample"].title
    assert zh in at.sidebar.selectbox(key="dataset").options
