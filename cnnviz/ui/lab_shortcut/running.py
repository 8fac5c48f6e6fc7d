"""Shortcut lab, running the experiment: the runs found for the digit or trained by a button, in a process of their
own, and both measured on the four test sets (the page stops while there is nothing to show)."""

from __future__ import annotations

import streamlit as st

from ... import data, folders, runs, shortcut, shortcut_apart, ui
from ..text import t


def _run(digit: int, found: tuple[str, str, int] | None) -> None:
    """Train both runs with a progress bar, keep what that process measured, and draw the page again."""
    bar = st.progress(0.0, text=t("Preparing the images…"))
    try:
        # measured by the same process: kept for the next script run, which would otherwise measure it again
        st.session_state["sc_measured"] = shortcut_apart.run_apart(
            digit, shortcut.next_seed(found), lambda f, message: bar.progress(f, text=ui.reason(message))
        )
    except (ValueError, OSError) as e:
        bar.empty()
        st.error(t("The experiment could not run: {reason}", reason=ui.reason(e)))
        st.stop()
    st.rerun()  # drawn again with the new runs found, and the button now offering to run again


def experiment_runs(digit: int) -> tuple[str, str]:
    """The button that runs the experiment (or runs it again); returns (watermarked run id, control run id)."""
    try:  # the runs must open on the other screens, which read image folders only where the server allows
        folders.check_folder_allowed(shortcut.dataset_name(digit))
    except data.DatasetError as e:
        st.error(t("The experiment could not run: {reason}", reason=ui.reason(e)))
        st.stop()
    found = shortcut.find_experiment(digit)
    if found is None:
        st.info(
            t(
                "No experiment with the digit {digit} marked yet. It writes the images as files once, then trains "
                "two small networks in a process of their own: under a minute.",
                digit=digit,
            ),
            icon=":material/science:",
        )
        clicked = st.button(t("Run the experiment"), type="primary", icon=":material/play_arrow:", key="sc_run")
    else:
        clicked = st.button(t("Run again from new random weights"), icon=":material/replay:", key="sc_run")
    if clicked:
        _run(digit, found)
    if found is None:
        st.stop()
    marked_id, control_id, _ = found
    return marked_id, control_id


def measured(digit: int, marked_id: str, control_id: str) -> shortcut.Result:
    """Both runs on the four test sets and Grad-CAM: what the last run measured, else measured now (cached)."""
    ids, result = st.session_state.get("sc_measured", (None, None))
    if ids != (marked_id, control_id):
        with st.spinner(t("Testing both networks on the four test sets and computing Grad-CAM…")):
            try:
                result = ui.shortcut_result(runs.read_run(marked_id), runs.read_run(control_id), digit)
            except (ValueError, OSError) as e:
                st.error(t("The experiment could not run: {reason}", reason=ui.reason(e)))
                st.stop()
    return result
