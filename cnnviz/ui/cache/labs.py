"""The labs' caches: a run's accuracy under shifts, turns and scalings and how alike its maps stay (invariance),
and the watermarked run against its control (shortcut learning, measured in a process of its own).
"""

from __future__ import annotations

import streamlit as st

from ... import invariance, runs, shortcut, shortcut_apart
from ...loaded import LoadedRun


# ------------------------------------------------ labs: invariance (shifted, turned and scaled test images)


@st.cache_data(max_entries=16, show_spinner=False)
def _invariance_curves(run_id: str, sha: str, _loaded: LoadedRun) -> invariance.Curves:
    return invariance.curves(_loaded.model, _loaded.split)


def invariance_curves(loaded: LoadedRun) -> invariance.Curves:
    """A run's test accuracy with every test image shifted, turned or scaled by each amount (see `invariance`)."""
    return _invariance_curves(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _map_similarity(run_id: str, sha: str, _loaded: LoadedRun) -> dict:
    return invariance.map_similarity(_loaded.model, _loaded.split)


def map_similarity(loaded: LoadedRun) -> dict:
    """How alike each conv and pooling layer's maps stay as the test images shift ({layer: (n_shifts,)})."""
    return _map_similarity(loaded.run_id, loaded.sha, loaded)


# ------------------------------------------------ labs: shortcut learning (a watermark on one class)


@st.cache_data(max_entries=8, show_spinner=False)
def _shortcut(marked_id: str, marked_sha: str, control_id: str, control_sha: str, marked_class: int):
    return shortcut_apart.measure_apart(marked_id, control_id, marked_class)


def shortcut_result(marked: runs.RunInfo, control: runs.RunInfo, marked_class: int) -> shortcut.Result:
    """The watermarked run and its control on every test variant, and where Grad-CAM looks (see `shortcut`),
    measured in a process of its own (in the server's interpreter it took ten times as long)."""
    return _shortcut(
        marked.run_id, marked.record.weights_sha256, control.run_id, control.record.weights_sha256, marked_class
    )
