"""What the inspection screens compute from a loaded run and one input or test image: every layer's output, the
first layer's maps, the adversarial nudge, the sanity cascade, and what the moment of training needs precomputed
(one kernel colour scale over training, the story of a mistake).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ... import adversarial, hooks, kernels, mistake, sanity
from ...loaded import LoadedRun
from ..text import t

if TYPE_CHECKING:
    from ..inputs import Picked


@st.cache_data(max_entries=128, show_spinner=False)
def _activations(run_id: str, sha: str, at: int | None, input_key: str, _loaded: LoadedRun, _x) -> dict:
    return hooks.activations(_loaded.model_at(at), _x)


def activations(loaded: LoadedRun, picked: Picked, at: int | None = None) -> dict:
    """Every layer's output for a picked input ({layer: array without the batch dimension, ..., "softmax"}), at
    snapshot `at` (None: the final weights)."""
    return _activations(loaded.run_id, loaded.sha, at, picked.key, loaded, picked.x)


@st.cache_data(max_entries=32, show_spinner=False)
def _first_layer_maps(run_id: str, sha: str, at: int | None, input_key: str, _loaded: LoadedRun, _x):
    return kernels.apply_first_layer(_loaded.model_at(at), _x)


def first_layer_maps(loaded: LoadedRun, picked: Picked, at: int | None = None) -> np.ndarray:
    """The first conv layer's kernels slid over a picked input (before the activation): (M, H', W')."""
    return _first_layer_maps(loaded.run_id, loaded.sha, at, picked.key, loaded, picked.x)


@st.cache_data(max_entries=8, show_spinner=False)
def _flips(run_id: str, sha: str, count: int, _loaded: LoadedRun):
    return adversarial.flips(_loaded.model, _loaded.split, count)


def adversarial_flips(loaded: LoadedRun, count: int) -> np.ndarray:
    """The smallest nudge, in grey levels, that flips each of the first `count` test images it gets right."""
    return _flips(loaded.run_id, loaded.sha, count, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _cascade(run_id: str, sha: str, index: int, _loaded: LoadedRun):
    x = _loaded.test_inputs()[index].numpy()  # (C, H, W) as in training
    return sanity.cascade(_loaded.model, x, int(_loaded.split.y_test[index]))


def sanity_cascade(loaded: LoadedRun, index: int) -> sanity.Cascade:
    """The attribution maps of test image `index` as the network is randomised layer by layer (see `sanity`)."""
    return _cascade(loaded.run_id, loaded.sha, index, loaded)


# ------------------------------------------------ moment of training: what time travel needs precomputed


@st.cache_data(max_entries=32, show_spinner=False)
def _kernel_range(run_id: str, sha: str, layer: str, _loaded: LoadedRun) -> float:
    states = [_loaded.model.state_dict()] + [_loaded.state_at(s.index) for s in _loaded.snapshots]
    return max(float(np.abs(kernels.of_layer(state, layer)).max()) for state in states) or 1.0


def kernel_range(loaded: LoadedRun, layer: str) -> float:
    """The largest |weight| of a conv layer over all of training: one colour scale for every moment."""
    return _kernel_range(loaded.run_id, loaded.sha, layer, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _training_features(run_id: str, sha: str, at: int | None, _loaded: LoadedRun) -> np.ndarray:
    return mistake.training_features(_loaded.model_at(at), _loaded)


@st.cache_data(max_entries=64, show_spinner=False)
def _story(run_id: str, sha: str, at: int | None, index: int, _loaded: LoadedRun) -> mistake.Story:
    features = _training_features(run_id, sha, at, _loaded)
    return mistake.story(_loaded, index, features, at)


def mistake_story(loaded: LoadedRun, index: int, at: int | None = None) -> mistake.Story:
    """Why the network (at snapshot `at`) got test image `index` wrong: Grad-CAM, top classes, nearest training
    images in its embedding, its answer over training (see `mistake.story`)."""
    with st.spinner(t("Looking for the training images it resembles…")):
        return _story(loaded.run_id, loaded.sha, at, index, loaded)
