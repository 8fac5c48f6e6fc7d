"""The Home screen (AppTest): first training, the run list, damaged and running runs."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from cnnviz import data, runs
from cnnviz.jobs import JOBS
from cnnviz.train import config_for, run_training

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ["pages/home.py", "pages/kernels.py", "pages/feature_maps.py", "pages/evaluation.py", "pages/explain.py",
         "pages/experiment.py", "pages/train.py"]


def _home() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def test_first_visit_offers_the_one_click_training_and_it_trains():
    at = _home()
    assert any("No runs yet" in i.value for i in at.info)
    at.button(key="quick_start_home").click().run()
    try:
        listing = runs.list_runs()
        assert len(listing) == 1 and listing[0].meta["preset"] == "lenet5"
        assert listing[0].meta["dataset"] == "mnist-sample"
    finally:
        JOBS.shutdown()
    assert runs.read_run(listing[0].run_id).status in ("finished", "stopped")


def test_damaged_runs_are_listed_with_the_reason_deletable_and_break_no_screen():
    good = run_training(config_for("lenet5", epochs=1)).run_id
    broken = run_training(config_for("mlp", epochs=1)).run_id
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
    assert at.selectbox(key="run_id").options == [f"{good} · mnist-sample · finished · "
                                                  f"{runs.read_run(good).test_accuracy:.2%}"]
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
    at.switch_page("pages/home.py").run()
    for run_id in (broken, truncated, killed, missing_metrics):
        at.button(key=f"delete_{run_id}").click().run()
        assert not at.exception
    assert [r.run_id for r in runs.list_runs()] == [good]


def test_a_running_run_can_be_stopped_from_home_and_keeps_what_it_learned():
    job = JOBS.start(config_for("lenet5", epochs=20, batch_size=32), data.load("mnist-sample"))
    try:
        at = _home()
        at.button(key=f"stop_{job.run_id}").click().run()
        assert not at.exception
        JOBS.wait(job.run_id, 60)
        info = runs.read_run(job.run_id)
        assert info.status == "stopped" and info.has_weights
        runs.load_model(job.run_id)
    finally:
        JOBS.shutdown()
