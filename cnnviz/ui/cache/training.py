"""The Train screen's figures, built once per snapshot, metrics version and language: a conv layer's kernels at
one snapshot and a run's training curves (the live view polls them every few seconds).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from safetensors import SafetensorError

from ... import figures, i18n, kernels, metrics, runs


# ------------------------------------------------ train: live view and the new-run form


@st.cache_data(max_entries=64, show_spinner=False)
def _snapshot_kernels(run_id: str, index: int, step: int, layer: str, max_cols: int, title: str, lang: str):
    k = kernels.of_layer(runs.load_snapshot(run_id, index), layer)  # (out, in, kh, kw)
    fig = (
        figures.kernel_grid_rgb(k, title=title, max_cols=max_cols)
        if k.shape[1] == 3
        else figures.kernel_grid(k[:, 0], title=title, max_cols=max_cols)
    )
    return fig, k.shape[1]


def snapshot_kernels_figure(
    run_id: str, snapshot: dict, layer: str, max_cols: int, title: str
) -> tuple[go.Figure, int] | None:
    """The kernel grid of a conv layer at one snapshot (`runs.list_snapshots` gives them) and its input channels,
    built once per snapshot and language; None when the snapshot cannot be read (the newest one may still be being
    written)."""
    try:  # `step` keys the cache too, so a snapshot index listed again for another step is never stale
        return _snapshot_kernels(
            run_id, snapshot["index"], snapshot["step"], layer, max_cols, title, i18n.current_language()
        )
    except (runs.RunError, ValueError, OSError, SafetensorError):
        return None


@st.cache_data(max_entries=32, show_spinner=False)
def _curves(run_id: str, metrics_version: tuple[int, int] | None, title: str, lang: str) -> go.Figure:
    return figures.training_curves(metrics.read_history(run_id), title=title)


def training_curves_figure(run_id: str, title: str) -> go.Figure:
    """A run's loss and accuracy curves, built again only when its metrics.jsonl has changed."""
    return _curves(run_id, metrics.metrics_version(run_id), title, i18n.current_language())
