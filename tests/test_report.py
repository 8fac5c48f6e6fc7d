"""A finished run as a one-page HTML report: complete, readable offline, every name from the run escaped, in
either language, written by the command line and offered on the Train screen."""

import base64
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from plotly.offline import get_plotlyjs
from streamlit.testing.v1 import AppTest

from cnnviz import evaluate, i18n, report, runs
from cnnviz.loaded import LoadedRun
from cnnviz.cli import main
from cnnviz.train import config_for, run_training

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOSTILE = "<script>alert(1)</script>"


def without_plotlyjs(page: str) -> str:
    """The page less its one copy of plotly.js (whose code holds link texts such as its own "https://plotly.com/",
    shown only by map charts and the logo, which the report turns off)."""
    assert page.count(get_plotlyjs()) == 1
    return page.replace(get_plotlyjs(), "")


def json_text(text: str) -> str:
    """`text` as Plotly writes it inside a figure's JSON (non-ASCII may be escaped)."""
    return json.dumps(text)[1:-1]


def test_the_report_holds_the_run_on_one_offline_page():
    run = run_training(config_for("lenet5", epochs=1, batch_size=256))
    page = report.report(run.run_id)
    ev = LoadedRun.open(run.run_id).evaluate()

    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert f"<h1>Run report: {run.run_id}</h1>" in page
    assert f"<tr><th>Test accuracy</th><td>{run.test_accuracy:.2%}</td></tr>" in page
    assert "<tr><th>Network</th><td>LeNet-5</td></tr>" in page and "<th>PyTorch</th>" in page
    # the sections in order, each figure a Plotly div, plotly.js once
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    assert headings == [
        "Training curves",
        "First-layer kernels",
        "Confusion matrix",
        "Accuracy per class",
        "Misclassified test images",
    ]
    rest = without_plotlyjs(page)
    assert rest.count('class="plotly-graph-div"') == 4 and "conv1 after training" in rest

    # per class: 10 rows whose right answers add up to the evaluation's
    body = re.search(r'<table class="classes">.*?<tbody>(.*?)</tbody>', page).group(1)
    rows = re.findall(
        r'<tr><td>(.*?)</td><td class="n">([\d,]+)</td><td class="n">([\d,]+)</td>'
        r'<td class="n">(.*?)</td></tr>',
        body,
    )
    assert [r[0] for r in rows] == list(ev.class_names) and len(rows) == 10
    assert sum(int(r[1].replace(",", "")) for r in rows) == ev.n_test
    assert sum(int(r[2].replace(",", "")) for r in rows) == ev.n_test - ev.n_wrong
    assert [r[3] for r in rows] == [f"{a:.2%}" for a in ev.per_class_accuracy]

    # the most confident mistakes as PNG images inside the page, with their captions
    uris = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(uris) == min(16, ev.n_wrong) > 0
    assert Image.open(io.BytesIO(base64.b64decode(uris[0]))).size == (28, 28)
    first = evaluate.mistakes(ev, limit=1)[0]
    assert (
        f"<figcaption>true {ev.class_names[ev.labels[first]]} → {ev.class_names[ev.predictions[first]]} "
        f"({ev.confidence[first]:.0%})</figcaption>"
    ) in page

    # offline: nothing is fetched from anywhere
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", rest, re.I)
    assert "http://" not in rest and "https://" not in rest and "<link" not in rest


def test_names_from_the_run_are_escaped_and_chinese_is_chinese():
    run = run_training(config_for("mlp", epochs=1, batch_size=512))
    meta = runs.read_run(run.run_id).meta
    runs.update_meta(
        run.run_id,
        classes=[HOSTILE, *meta["classes"][1:]],
        preset=None,
        spec={**meta["spec"], "name": '<img src=x onerror="alert(2)">'},
    )
    page = report.report(run.run_id, lang="zh")

    assert HOSTILE not in page and "<img src=x" not in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page  # the per-class table
    assert "<td>&lt;img src=x onerror=&quot;alert(2)&quot;&gt;</td>" in page  # the network's name
    assert '<html lang="zh">' in page and "<h2>混淆矩阵</h2>" in page and "<h2>各类别准确率</h2>" in page
    assert "<th>测试准确率</th>" in page
    assert json_text("预测类别") in page  # the figures' axes in Chinese too...
    assert i18n.current_language() == "en"  # ...and only while the report was made
    assert page.count('class="plotly-graph-div"') == 3  # an MLP has no kernels: a sentence instead
    assert re.search(r"<h2>第一层卷积核</h2>\n<p>[^<]+</p>\n<h2>", page)


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_writes_the_report_and_refuses_what_it_cannot(capsys, tmp_path):
    run = run_training(config_for("mlp", epochs=1, batch_size=512))
    path, script = tmp_path / "run.html", tmp_path / "run.py"
    code, out, _ = run_cli(capsys, "export", run.run_id, "--report", str(path), "--script", str(script), "--json")
    assert code == 0 and json.loads(out)["report"] == str(path) and json.loads(out)["script"] == str(script)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") and script.is_file()

    path.write_text("mine")
    code, _, err = run_cli(capsys, "export", run.run_id, "--report", str(path))
    assert code == 2 and err == f"cnnviz: error: {path} already exists (add --force to overwrite it)\n"
    assert path.read_text() == "mine"
    code, out, _ = run_cli(capsys, "export", run.run_id, "--report", str(path), "--force", "--lang", "zh")
    assert code == 0 and out.startswith(f"wrote {path}") and '<html lang="zh">' in path.read_text(encoding="utf-8")

    code, _, err = run_cli(capsys, "export", run.run_id)
    assert code == 2 and err == "cnnviz: error: give --script PATH, --report PATH or both\n"
    code, _, err = run_cli(capsys, "export", "no-such-run", "--report", str(tmp_path / "x.html"))
    assert code == 2 and err.startswith("cnnviz: error: no run 'no-such-run'") and err.count("\n") == 1
    runs.update_meta(run.run_id, status="stopped")
    code, _, err = run_cli(capsys, "export", run.run_id, "--report", str(tmp_path / "x.html"))
    assert code == 2 and err == (f"cnnviz: error: run {run.run_id} is stopped: only a finished run can be exported\n")
    assert not (tmp_path / "x.html").exists()


def test_the_train_screen_offers_the_report_and_makes_it_only_when_clicked(monkeypatch):
    run = run_training(config_for("mlp", epochs=1, batch_size=512))
    monkeypatch.setattr(report, "report", lambda *a, **k: pytest.fail("the report was made while drawing the page"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception and at.session_state["watch_run"] == run.run_id
    script, page = at.get("download_button")
    assert script.proto.label == "Download as a PyTorch script"
    assert page.proto.label == "Download the run report (HTML)" and "no internet connection" in page.proto.help
    assert page.proto.deferred_file_id and not page.proto.url  # made on the click, on a thread of its own
