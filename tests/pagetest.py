"""Helpers shared by the AppTest page tests: open a screen, find a chart by key, decode Plotly arrays."""
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


def find_chart(at: AppTest, key: str) -> dict | None:
    """The Plotly spec of the chart drawn with `key`, or None when the screen has none."""
    charts = [c for c in at.get("plotly_chart") if getattr(c, "key", None) == key]
    return json.loads(charts[0].proto.spec) if charts else None


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


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)
