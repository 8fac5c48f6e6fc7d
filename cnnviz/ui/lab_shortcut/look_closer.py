"""Shortcut lab, Look closer: for each run a button per screen that makes it the sidebar's run and opens that
screen."""

from __future__ import annotations

import streamlit as st

from ... import shortcut
from ..text import t
from .common import pct, run_names


def inspect(run_id: str) -> None:
    """A button's callback: the sidebar's run becomes this one (a callback runs before the sidebar is drawn)."""
    st.session_state["run_id"] = run_id


def look_closer(result: shortcut.Result, digit: int, marked_id: str, control_id: str) -> None:
    """A row per run: its name and test accuracy, and a button per screen; then how to use them."""
    whole, names = shortcut.accuracies(result, marked_only=False), run_names()
    for run, run_id in (("watermarked", marked_id), ("control", control_id)):
        row = st.columns([2, 1, 1, 1])
        row[0].markdown(t("**{name}** (test accuracy {acc})", name=names[run], acc=pct(whole[run]["as in training"])))
        for column, (page, label, icon) in zip(
            row[1:],
            (
                ("pages/explain.py", t("Explain a decision"), ":material/psychology:"),
                ("pages/feature_maps.py", t("Feature maps"), ":material/layers:"),
                ("pages/kernels.py", t("Kernels"), ":material/grid_view:"),
            ),
        ):
            if column.button(label, key=f"sc_{run}_{page}", icon=icon, on_click=inspect, args=(run_id,)):
                st.switch_page(page)
    st.caption(
        t(
            "Each button makes that run the sidebar's run to inspect and opens the screen: on Explain a decision, "
            "pick a {digit} and see the map go to the corner.",
            digit=digit,
        )
    )
