"""Every chart on every screen carries a "How to read this chart" note, in the session's language.

Pages draw figures only through `ui.chart(container, fig, key=..., help=t("..."))`: the note is a translated
literal the translation scan finds, long enough to say what the chart shows and how to read it."""

import ast
from pathlib import Path

import pytest

from pagetest import open_page

from cnnviz import i18n

ROOT = Path(__file__).resolve().parents[1]
# the pages, and the screens laid out in packages of their own (cnnviz/ui/experiment/, cnnviz/ui/lesson/)
PAGES = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "cnnviz" / "ui").glob("*/*.py"))
MIN_HELP = 40  # characters: a sentence, not a label


def _calls(path: Path) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.Call)]


def _name(func: ast.expr) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _is_ui_chart(call: ast.Call) -> bool:
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "chart"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "ui"
    )


def _help_problems(value: ast.expr) -> list[str]:
    """Why a help= value is not a translated note: it must be t("...") with a literal of MIN_HELP characters or
    more, or a conditional choosing between such notes (the kernel grids that may be drawn two ways)."""
    if isinstance(value, ast.IfExp):
        return _help_problems(value.body) + _help_problems(value.orelse)
    if not (
        isinstance(value, ast.Call)
        and _name(value.func) == "t"
        and len(value.args) == 1
        and not value.keywords
        and isinstance(value.args[0], ast.Constant)
        and isinstance(value.args[0].value, str)
    ):
        return [f'not a t("...") call: {ast.unparse(value)[:80]}']
    text = value.args[0].value.strip()
    return [] if len(text) >= MIN_HELP else [f"too short ({len(text)} characters): {text!r}"]


def test_the_pages_are_found():
    assert len(PAGES) >= 10 and any(path.name == "lesson.py" for path in PAGES)
    assert {"health_tab.py", "convolving.py"} <= {path.name for path in PAGES}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_no_page_calls_plotly_chart_itself(path):
    direct = [f"{path.name}:{call.lineno}" for call in _calls(path) if _name(call.func) == "plotly_chart"]
    assert not direct, f"draw charts with ui.chart(..., help=t(...)), not plotly_chart: {direct}"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_chart_has_a_translated_note(path):
    problems = []
    for call in _calls(path):
        if not _is_ui_chart(call):
            continue
        helps = [kw.value for kw in call.keywords if kw.arg == "help"]
        if not helps:
            problems.append(f"{path.name}:{call.lineno}: no help=")
        else:
            problems += [f"{path.name}:{call.lineno}: {p}" for p in _help_problems(helps[0])]
    assert not problems, "\n".join(problems)


def test_every_note_is_in_the_translation_scan():
    found = i18n.source_strings(PAGES)
    notes = {
        kw.value.args[0].value
        for path in PAGES
        for call in _calls(path)
        if _is_ui_chart(call)
        for kw in call.keywords
        if kw.arg == "help" and isinstance(kw.value, ast.Call)
    }
    assert notes and notes <= set(found)
    assert "How to read this chart" in i18n.all_strings()


def test_the_convolution_screen_shows_the_note_under_each_chart():
    at = open_page("pages/convolution.py", None)
    charts = at.get("plotly_chart")
    popovers = [p for p in at.get("popover") if p.proto.popover.label == "How to read this chart"]
    assert charts and len(popovers) == len(charts)
    assert all(p.proto.popover.icon == ":material/help:" for p in popovers)
    notes = [m.value for p in popovers for m in p.markdown]
    assert len(notes) == len(popovers)
    assert any(
        n.startswith("Left the input (black is its darkest value, white its brightest), middle the kernel")
        for n in notes
    )
    assert any("the title gives the sum of the products" in n for n in notes)  # the step-by-step view's note
