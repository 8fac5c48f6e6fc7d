"""Helpers shared by the AppTest page tests: open a screen, find a chart by key, decode Plotly arrays and text.

A chart is always read as the decoded figure (a dict), never as the JSON text Streamlit sends: that text
depends on the environment (Plotly writes "×" as "\\u00d7" unless orjson is installed)."""

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(page: str, run_id: str | None) -> AppTest:
    """The app on `page` ("pages/x.py") with `run_id` as the run to inspect; fails on an exception."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["run_id"] = run_id
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def figure(element) -> dict:
    """The Plotly figure (data, layout) of one plotly_chart element, decoded."""
    return json.loads(element.proto.spec)


def find_chart(at: AppTest, key: str) -> dict | None:
    """The Plotly spec of the chart drawn with `key`, or None when the screen has none."""
    charts = [c for c in at.get("plotly_chart") if getattr(c, "key", None) == key]
    return figure(charts[0]) if charts else None


def chart_with_id(at: AppTest, part: str) -> dict:
    """The first chart whose element id contains `part` (a widget key such as "exp_cmp_curves"), decoded."""
    found = [c for c in at.get("plotly_chart") if part in c.proto.id]
    assert found, f"no chart {part!r}"
    return figure(found[0])


def chart(at: AppTest, key: str) -> dict:
    spec = find_chart(at, key)
    assert spec is not None, f"no chart {key!r}; charts: {[getattr(c, 'key', None) for c in at.get('plotly_chart')]}"
    return spec


def array(value) -> np.ndarray:
    """A trace array as numpy, whether Plotly wrote nested lists or typed base64 ('bdata')."""
    if isinstance(value, dict):
        shape = [int(s) for s in str(value["shape"]).split(",")] if "shape" in value else [-1]
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).reshape(shape)
    return np.asarray(value)


def tiles(fig: dict) -> list[np.ndarray]:
    """Each tile's true values in a decoded grid figure (kernel_grid, kernel_grid_rgb, feature_map_grid,
    image_gallery), as figures.tile_values gives them from the figure: (h, w), or (h, w, 3) for colour tiles.

    A grid is one trace with layout.meta["tiles"] = [[row0, col0, h, w], ...]; the true values are its customdata
    where the colours were rescaled, else its z (nested lists, with null for NaN, or typed arrays)."""
    meta = fig.get("layout", {}).get("meta") or {}
    if "tiles" not in meta:
        return []
    (trace,) = fig["data"]
    values = array(trace["customdata"] if trace.get("customdata") is not None else trace["z"])
    if values.dtype == object:  # nested lists holding null (NaN)
        values = np.array(values, dtype=float)
    return [values[r0 : r0 + h, c0 : c0 + w] for r0, c0, h, w in meta["tiles"]]


def strings(value) -> list[str]:
    """Every text in a decoded figure (titles, axis titles, annotations, trace names and labels)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):  # a typed array ("bdata") holds numbers, not text
        return [] if "bdata" in value else [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def has_text(fig: dict, text: str) -> bool:
    """Whether any text of the decoded figure contains `text`."""
    return any(text in s for s in strings(fig))


def title(fig: dict) -> str:
    """The figure's title text ("" when it has none)."""
    t = fig.get("layout", {}).get("title", "")
    return t.get("text", "") if isinstance(t, dict) else str(t)


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)
