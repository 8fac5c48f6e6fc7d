"""The Evaluation page (AppTest): accuracy, confusion cells and their images, mistakes, two runs compared."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from pagetest import array, find_chart, open_page, tiles

from cnnviz import evaluate, figures, metrics, runs, train
from cnnviz.loaded import LoadedRun

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/evaluation.py"
SHOWN = 24  # the page's gallery size before "show more"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    home = tmp_path_factory.mktemp("evaluation-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNVIZ_HOME", str(home))
        mp.setenv("CNNVIZ_DATA_DIR", str(home / "data"))
        lenet = train.run_training(train.config_for("lenet5", epochs=1, batch_size=256)).run_id
        mlp = train.run_training(train.config_for("mlp", epochs=1)).run_id
    return home, lenet, mlp


@pytest.fixture
def ids(store, monkeypatch):
    home, lenet, mlp = store
    monkeypatch.setenv("CNNVIZ_HOME", str(home))
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(home / "data"))
    return lenet, mlp


def test_empty_store_shows_the_quick_start():
    at = open_page(PAGE, None)
    assert any("there is none yet" in i.value for i in at.info)
    assert at.button(key="quick_start_empty")


def test_shows_the_runs_exact_accuracy_and_report(ids):
    lenet, _ = ids
    meta = runs.read_run(lenet).meta
    ev = LoadedRun.open(lenet).evaluate()
    at = open_page(PAGE, lenet)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test accuracy"] == f"{meta['test_accuracy']:.2%}" == f"{ev.accuracy:.2%}"
    assert metrics["Misclassified"] == f"{ev.n_wrong:,} / {ev.n_test:,}"
    assert any(m.value == evaluate.report(ev) for m in at.markdown)
    np.testing.assert_array_equal(array(find_chart(at, "ev_confusion")["data"][0]["z"]), ev.confusion)
    at.toggle(key="ev_normalize").set_value(True).run()
    z = array(find_chart(at, "ev_confusion")["data"][0]["z"])
    np.testing.assert_allclose(z.sum(1), 1.0)
    per_class = find_chart(at, "ev_per_class")["data"][0]
    np.testing.assert_allclose(array(per_class["y"]), ev.per_class_accuracy)
    assert f"Worst: **{ev.class_names[ev.worst_class]}**" in "\n".join(m.value for m in at.markdown)


def test_confusion_cell_shows_its_images(ids):
    lenet, _ = ids
    ev = LoadedRun.open(lenet).evaluate()
    cm = ev.confusion
    at = open_page(PAGE, lenet)
    off = cm.copy()
    np.fill_diagonal(off, 0)
    worst = np.unravel_index(int(off.argmax()), off.shape)
    assert (at.selectbox(key="ev_true").value, at.selectbox(key="ev_pred").value) == worst  # the default cell

    cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(off))][:3] + [tuple(int(v) for v in worst)]
    for i, j in cells:
        at.selectbox(key="ev_true").set_value(i)
        at.selectbox(key="ev_pred").set_value(j).run()
        assert not at.exception
        fig = find_chart(at, "ev_cell_gallery")
        assert len(tiles(fig)) == min(int(cm[i, j]), SHOWN)
        first = evaluate.mistakes(ev, true_class=i, predicted_class=j)[0]
        assert (
            fig["layout"]["annotations"][0]["text"]
            == f"true {ev.class_names[i]} → {ev.class_names[j]} ({ev.confidence[first]:.0%})"
        )
        assert f"**{cm[i, j]}** images of **{ev.class_names[i]}**" in "\n".join(m.value for m in at.markdown)

    empty = next(((i, j) for i in range(10) for j in range(10) if i != j and cm[i, j] == 0), None)
    if empty:
        at.selectbox(key="ev_true").set_value(empty[0])
        at.selectbox(key="ev_pred").set_value(empty[1]).run()
        assert find_chart(at, "ev_cell_gallery") is None and not at.exception
    at.selectbox(key="ev_pred").set_value(at.selectbox(key="ev_true").value).run()  # the diagonal: no mistakes
    assert any("classified correctly" in i.value for i in at.info)


def test_mistakes_gallery_is_sorted_and_shows_more(ids):
    lenet, _ = ids
    ev = LoadedRun.open(lenet).evaluate()
    assert ev.n_wrong > SHOWN  # the test needs more than one page of mistakes
    at = open_page(PAGE, lenet)
    fig = find_chart(at, "ev_mistakes")
    assert len(fig["data"]) == 1 and len(tiles(fig)) == SHOWN  # one tiled trace
    top = evaluate.mistakes(ev, limit=SHOWN)
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert texts == [
        f"true {ev.class_names[ev.labels[g]]} → {ev.class_names[ev.predictions[g]]} ({ev.confidence[g]:.0%})"
        for g in top
    ]
    at.button(key="ev_more").click().run()
    assert not at.exception
    assert len(tiles(find_chart(at, "ev_mistakes"))) == min(2 * SHOWN, ev.n_wrong)


def test_compares_two_runs(ids):
    lenet, mlp = ids
    at = open_page(PAGE, lenet)
    assert at.selectbox(key="ev_other").value == mlp
    table = at.table[0].value
    assert list(table.columns) == [lenet, mlp]
    assert table.loc["test accuracy", mlp] == f"{runs.read_run(mlp).meta['test_accuracy']:.2%}"
    assert table.loc["parameters", lenet] == f"{runs.read_run(lenet).meta['params']:,}"
    curves = find_chart(at, "ev_compare")
    assert {t["name"] for t in curves["data"]} == {lenet, mlp}
    at.selectbox(key="ev_metric").set_value("train_loss").run()
    assert not at.exception
    curves = find_chart(at, "ev_compare")
    mlp_trace = next(t for t in curves["data"] if t["name"] == mlp)
    steps = [r for r in metrics.read_metrics(mlp) if r["kind"] == "step"]
    np.testing.assert_allclose(array(mlp_trace["y"]), [r["train_loss"] for r in steps])


def test_single_run_explains_how_to_compare(ids, monkeypatch, tmp_path):
    lenet, _ = ids
    single = tmp_path / "single"
    shutil.copytree(runs.run_path(lenet), single / "runs" / lenet)  # a store holding only this run
    monkeypatch.setenv("CNNVIZ_HOME", str(single))
    at = open_page(PAGE, lenet)
    assert any("no other trained run" in i.value for i in at.info)


def test_history_aligns_step_and_epoch_records():
    history = metrics.history(
        [
            {"kind": "step", "step": 5, "epoch": 0.5, "train_loss": 1.5, "train_acc": 0.5, "lr": 0.1},
            {"kind": "step", "step": 10, "epoch": 1.0, "train_loss": 1.0, "train_acc": 0.7},
            {"kind": "epoch", "step": 10, "epoch": 1, "val_loss": 0.9, "val_acc": 0.75},
            {"kind": "note"},
        ]
    )
    assert history == {
        "step": [5, 10, 10],
        "epoch": [0.5, 1.0, 1],
        "train_loss": [1.5, 1.0, None],
        "train_acc": [0.5, 0.7, None],
        "val_loss": [None, None, 0.9],
        "val_acc": [None, None, 0.75],
    }
    fig = figures.compare_curves({"a": history}, "val_acc")
    assert list(fig.data[0].y) == [0.75]
