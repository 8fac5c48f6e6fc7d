"""Widgets every screen uses the same way: a chart with its reading help, and choices kept valid and in the URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from .text import t

if TYPE_CHECKING:
    from collections.abc import Iterable

    import plotly.graph_objects as go
    from streamlit.delta_generator import DeltaGenerator


def chart(container: DeltaGenerator, fig: go.Figure, *, help: str, key: str | None = None, **kwargs) -> object:  # noqa: A002 (help=, as Streamlit's)
    """A Plotly figure with a "How to read this chart" note under it: the one way pages draw a chart.

    Args: container: where to draw (`st`, a column, an expander, an `st.empty()` slot); fig: the figure;
        help: 1-3 sentences of Markdown saying what the chart shows and how to read it, already translated
        (pages pass `t("...")`, so the translation scan finds the English); key and every other keyword
        (height, width, config, on_select, ...) go to `plotly_chart` unchanged.
    Returns: what `plotly_chart` returns (the selection event when `on_select` is set).
    Every chart downloads from its toolbar's camera button as PNG or SVG (the sidebar's choice), by Plotly itself.
    The figure and its note share one small container: an `st.empty()` slot keeps both, and in a row of
    columns the note's compact button sits right under its own chart.
    """
    box = container.container(gap="xxsmall")
    # the camera button of Plotly's own toolbar downloads the chart in the format chosen in the sidebar
    image_format = st.session_state.get("chart_format") or "png"  # None once its choice is clicked off
    download = {"format": image_format, "filename": key or "cnnviz-chart", "scale": 2 if image_format == "png" else 1}
    kwargs["config"] = {"displaylogo": False, "toImageButtonOptions": download, **kwargs.get("config", {})}
    event = box.plotly_chart(fig, key=key, **kwargs)
    box.popover(t("How to read this chart"), icon=":material/help:", type="tertiary").markdown(help)
    return event


def keep_valid(key: str, options: Iterable[object], default: object, url: str | None = None) -> None:
    """Forget a remembered choice that is no longer offered (another run or network was picked).

    With `url`, the choice is also shared through the address bar: a link carrying `?<url>=<value>`
    opens with that choice (once per session), and the current choice is written back to the URL.
    Call it before the widget with the same `key` is drawn.
    """
    options = list(options)
    if url:
        seeded = st.session_state.setdefault("_seeded_from_url", set())
        wanted = st.query_params.get(url)
        if key not in seeded:  # only a link's first visit: afterwards the widget leads and the URL follows
            seeded.add(key)
            match = [o for o in options if str(o) == wanted]
            if match:
                st.session_state[key] = match[0]
    if st.session_state.get(key) not in options:
        st.session_state[key] = default
    if url and st.query_params.get(url) != str(st.session_state[key]):
        st.query_params[url] = str(st.session_state[key])
