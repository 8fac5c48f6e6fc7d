"""Kernels, the first layer applied to an image: a test image or an upload, and one feature map per kernel."""

from __future__ import annotations

import streamlit as st

from ... import ui
from ..cache import figures
from ..text import t


def first_layer_applied(loaded, first: str, at: int | None) -> None:
    """The first conv layer (`first`) slid over a picked image, at the moment of training `at`."""
    st.subheader(t("What the first-layer kernels highlight"))
    st.markdown(
        t(
            "As in the book chapter, the network's own first-layer filters are slid over an image: "
            "each output map shows where the image matches one filter (an edge of some direction, a stroke, "
            "a blob). Blue means the image matches the filter there, red that it matches the opposite pattern."
        )
    )
    source_col = st.container()
    pick_col, index_col = st.columns(2)
    picked = ui.pick_input(
        "kn",
        loaded,
        where=pick_col,
        index_where=index_col,
        source_where=source_col,
        sources=("test", "upload"),
        url=True,
    )
    if picked is None:
        return
    try:
        maps = ui.first_layer_maps(loaded, picked, ui.whole_network(loaded, at))
    except ValueError as e:
        st.error(ui.reason(e))
        return
    left, right = st.columns([1, 3])
    ui.show_input(left, picked, key="kn_input")
    cols = -(-len(maps) // 2) if len(maps) <= 8 else 8  # a few maps: two rows of large ones
    ui.chart(
        right,
        figures.feature_map_grid(
            maps, max_cols=cols, title=t("{layer} kernels applied (before the activation)", layer=first)
        ),
        key="kn_applied",
        help=t(
            "Each picture is one channel's feature map: it lights up where that channel found its "
            "pattern in the image. If no value is negative the maps are grey (black low, white "
            "high); otherwise blue is positive, red negative and white zero. Every map has its own "
            "colour range, given in brackets, so compare where maps light up, not how bright they "
            "are."
        ),
    )
    st.caption(
        t(
            "{n} maps of {h}×{w}, one per first-layer kernel; each has its own colour range (in brackets).",
            n=maps.shape[0],
            h=maps.shape[1],
            w=maps.shape[2],
        )
    )
