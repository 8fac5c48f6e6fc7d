"""The Experiment screen's caches, keyed like every other on the run and its weights: the comparison rows and
curves, per-class accuracy and histograms over training, the kernels replayed, the network's health, a kernel
edited by hand and occlusion.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ... import compare, handcrafted, health, hooks, metrics, robustness, timeline
from ...loaded import LoadedRun
from ...record import RunRecord

if TYPE_CHECKING:
    from ..inputs import Picked


# ------------------------------------------------ experiment: compare, timeline, robustness, health, handcrafted


@st.cache_data(max_entries=32, show_spinner=False)
def _summary(run_id: str, sha: str | None, _record: RunRecord) -> compare.RunSummary:
    return compare.summarise(_record)


def run_summary(record: RunRecord) -> compare.RunSummary:
    """A run's row of the comparison table (see `compare.summarise`)."""
    return _summary(record.run_id, record.weights_sha256, record)


@st.cache_data(max_entries=32, show_spinner=False)
def _history(run_id: str, sha: str | None) -> dict:
    return metrics.read_history(run_id)


def run_history(record: RunRecord) -> dict:
    """A finished run's training curves as `metrics.history` lists (its metrics are read once per weights)."""
    return _history(record.run_id, record.weights_sha256)


@st.cache_data(max_entries=8, show_spinner=False)
def _class_timeline(run_id: str, sha: str, _loaded: LoadedRun) -> timeline.ClassTimeline:
    return timeline.per_class_over_training(_loaded, max_images=1000)


def class_timeline(loaded: LoadedRun) -> timeline.ClassTimeline:
    """Per-class accuracy at every snapshot, on the first 1,000 test images."""
    return _class_timeline(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _weight_layers(run_id: str, sha: str, _loaded: LoadedRun) -> list[str]:
    return timeline.weight_layers(_loaded)


def weight_layers(loaded: LoadedRun) -> list[str]:
    """The layers whose weights the snapshots hold (see `timeline.weight_layers`)."""
    return _weight_layers(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _weight_timeline(run_id: str, sha: str, layer: str, _loaded: LoadedRun):
    return timeline.weight_timeline(_loaded, layer)


def weight_timeline(loaded: LoadedRun, layer: str) -> tuple[list[np.ndarray], list[int]]:
    """One layer's flattened weights at every snapshot, and the snapshot steps."""
    return _weight_timeline(loaded.run_id, loaded.sha, layer, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _activation_timeline(run_id: str, sha: str, layer: str, _loaded: LoadedRun):
    probe = _loaded.test_inputs(timeline.PROBE_IMAGES)  # the same images at every snapshot
    return timeline.activation_timeline(_loaded, layer, probe)


def activation_timeline(loaded: LoadedRun, layer: str) -> tuple[list[np.ndarray], list[int]]:
    """One layer's outputs on the first `timeline.PROBE_IMAGES` test images at every snapshot, and the steps."""
    return _activation_timeline(loaded.run_id, loaded.sha, layer, loaded)


@st.cache_data(max_entries=64, show_spinner=False)
def _replay(run_id: str, sha: str, layer: str, index: int, _loaded: LoadedRun):
    return timeline.kernel_replay(_loaded, layer, index)


def kernel_replay(loaded: LoadedRun, layer: str, index: int) -> tuple[np.ndarray, np.ndarray]:
    """A conv layer's kernels at snapshot `index` and their change since snapshot 0 (out, in, kh, kw) each."""
    return _replay(loaded.run_id, loaded.sha, layer, index, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _health(run_id: str, sha: str, _loaded: LoadedRun) -> health.HealthReport:
    return health.check(_loaded.model, _loaded.test_inputs(health.MAX_IMAGES))


def health_report(loaded: LoadedRun) -> health.HealthReport:
    """Dead units and sparsity of the final network's ReLUs on (up to 10,000 of) the test images."""
    return _health(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _gradients(run_id: str, sha: str) -> health.GradientHistory:
    return health.gradient_history(metrics.read_metrics(run_id, max_steps=metrics.HISTORY_POINTS))


def gradient_history(loaded: LoadedRun) -> health.GradientHistory:
    """The per-layer gradient norms the run logged while training."""
    return _gradients(loaded.run_id, loaded.sha)


@st.cache_data(max_entries=128, show_spinner=False)
def _edited_activations(
    run_id: str,
    sha: str,
    input_key: str,
    layer: str,
    out_ch: int,
    in_ch: int,
    kernel_key: str,
    _loaded: LoadedRun,
    _x,
    _kernel,
) -> dict:
    return hooks.activations(handcrafted.with_kernel(_loaded.model, layer, out_ch, in_ch, _kernel), _x)


def edited_activations(
    loaded: LoadedRun, picked: Picked, layer: str, out_ch: int, in_ch: int, kernel: np.ndarray
) -> dict:
    """Every layer's output for a picked input through a copy of the network with kernel slice [out_ch, in_ch] of
    `layer` replaced by `kernel` (kh, kw) (see `handcrafted.with_kernel`; the run's network is never touched).

    Raises: Invalid for a kernel that cannot be used (`handcrafted.checked_kernel` says why, before any work).
    """
    kernel = handcrafted.checked_kernel(loaded.model, layer, out_ch, in_ch, kernel)
    key = hashlib.sha1(kernel.tobytes()).hexdigest()
    return _edited_activations(
        loaded.run_id, loaded.sha, picked.key, layer, out_ch, in_ch, key, loaded, picked.x, kernel
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _occlusion(
    run_id: str, sha: str, input_key: str, target: int, patch: int, stride: int, _loaded: LoadedRun, _x
) -> np.ndarray:
    return robustness.occlusion_map(_loaded.model, _x, target, patch, stride, robustness.fill_value(_loaded.info))


def occlusion(loaded: LoadedRun, picked: Picked, target: int, patch: int, stride: int) -> np.ndarray:
    """How much hiding each black patch of a picked input lowers p(target): (H', W') (see `robustness`)."""
    return _occlusion(loaded.run_id, loaded.sha, picked.key, target, patch, stride, loaded, picked.x)
