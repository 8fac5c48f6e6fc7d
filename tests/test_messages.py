"""Errors of the compute modules are Messages: English as str(e), translated where a screen shows them."""

import ast
import json
import pickle
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import arch, data, i18n, record, runs

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PACKAGE = Path(i18n.__file__).parent

# a stand-in catalogue: the mechanism is tested apart from the wording of zh.json
TABLE = {
    "{where}: padding must be 0 or more, got {got!r}": "{where}：填充必须大于或等于 0，实际为 {got!r}",
    "input": "输入",
    "run {run_id} is damaged: {reason}": "运行 {run_id} 已损坏：{reason}",
    "run.json {problem}": "run.json {problem}",
    "has no valid status (got {got!r})": "没有有效的状态（实际为 {got!r}）",
    "{n:,} images of {name}": "{name} 的 {n:,} 张图像",
    "a cat": "一只猫",
}


@pytest.fixture
def table(monkeypatch):
    monkeypatch.setattr(i18n, "catalog", lambda lang: TABLE if lang == "zh" else {})


def _bad_padding():
    spec = arch.ArchSpec((1, 28, 28), (arch.Conv(4, 3, padding=-1),))
    with pytest.raises(arch.SpecError, match=r"conv1: padding must be 0 or more, got -1") as caught:
        arch.infer_shapes(spec)
    return caught.value


def test_a_spec_error_is_english_as_str_and_chinese_from_the_catalogue(table):
    e = _bad_padding()
    assert isinstance(e, ValueError) and str(e) == "conv1: padding must be 0 or more, got -1"
    assert i18n.message_text(e, "zh") == "conv1：填充必须大于或等于 0，实际为 -1"
    assert i18n.message_text(e, "en") == str(e)


def test_a_nested_message_is_translated_inside_the_other_and_format_specs_still_work(table):
    inner = i18n.Message("a cat")
    outer = i18n.Message("{n:,} images of {name}", n=12345, name=inner)
    assert outer == "12,345 images of a cat" and isinstance(outer, str)
    assert outer.text("zh") == "一只猫 的 12,345 张图像"
    error = runs.RunError(
        "run {run_id} is damaged: {reason}",
        run_id="r1",
        reason=i18n.Message("run.json {problem}", problem=record.meta_problem({"status": "bogus"})),
    )
    assert str(error) == "run r1 is damaged: run.json has no valid status (got 'bogus')"
    assert i18n.message_text(error, "zh") == "运行 r1 已损坏：run.json 没有有效的状态（实际为 'bogus'）"


def test_an_exception_as_a_value_brings_its_translation(table):
    e = _bad_padding()
    wrapped = data.DatasetError("run {run_id} is damaged: {reason}", run_id="r2", reason=e)
    assert i18n.message_text(wrapped, "zh") == "运行 r2 已损坏：conv1：填充必须大于或等于 0，实际为 -1"
    foreign = data.DatasetError("run {run_id} is damaged: {reason}", run_id="r3", reason=OSError("disk full"))
    assert i18n.message_text(foreign, "zh") == "运行 r3 已损坏：disk full"


def test_old_style_and_foreign_errors_come_back_as_they_are(table):
    assert (
        i18n.message_text(arch.SpecError("a sentence built the old way {not a field}"), "zh")
        == "a sentence built the old way {not a field}"
    )
    assert i18n.message_text(KeyError("x"), "zh") == "'x'"
    assert i18n.message_text("plain text", "zh") == "plain text"
    assert i18n.message_text(i18n.Message("input"), "zh") == "输入"


def test_a_message_survives_pickling_with_its_translation(table):
    e = pickle.loads(pickle.dumps(_bad_padding()))
    assert str(e) == "conv1: padding must be 0 or more, got -1"
    assert i18n.message_text(e, "zh") == "conv1：填充必须大于或等于 0，实际为 -1"


def test_templates_are_collected_for_translation(tmp_path):
    source = tmp_path / "x.py"
    source.write_text(
        'raise SpecError("{where}: bad {x}", where=w, x=1)\nm = i18n.Message("layer {i}", i=2)\n'
        'raise ValueError("not collected")\n'
    )
    assert set(i18n.source_strings([source])) == {"{where}: bad {x}", "layer {i}"}


def test_no_message_is_built_from_an_f_string():
    """An f-string template would be translated never (its text changes with every value)."""
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and node.args
                and isinstance(node.args[0], ast.JoinedStr)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) in i18n.MESSAGE_CALLS
            ):
                found.append(f"{path.name}:{node.lineno}")
    assert not found, found


def test_a_damaged_run_is_explained_in_chinese_on_the_home_screen():
    """Needs zh.json's entries for the damaged reasons (see helper_zh.json)."""
    path = runs.runs_root() / "20000101-000000-damaged-status"
    path.mkdir(parents=True)
    (path / "run.json").write_text(json.dumps({"status": "bogus"}))
    assert runs.read_run(path.name).damaged == "run.json has no valid status (got 'bogus')"
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error).replace("\\", "")
    assert "已损坏：run.json 没有有效的状态（实际为 'bogus'）" in shown, shown
