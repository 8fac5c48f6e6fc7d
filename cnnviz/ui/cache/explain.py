"""The Explain screen's caches: attribution maps and class probabilities of a picked input, what a filter looks for
(synthesised pictures, the test images that excite it), and the embedding map with its replay over training.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ... import attribution, embedding, evaluate, featurevis
from ...loaded import LoadedRun
from ..text import t

if TYPE_CHECKING:
    from ..inputs import Picked


# ------------------------------------------------ explain: attribution, what filters look for, the embedding map


@st.cache_data(max_entries=64, show_spinner=False)
def _attribution(
    run_id: str,
    sha: str,
    at: int | None,
    input_key: str,
    method: str,
    target: int,
    layer: str | None,
    _loaded: LoadedRun,
    _x,
) -> attribution.Attribution:
    options = {"baseline": attribution.black_baseline(_loaded.info)} if method == "integrated_gradients" else {}
    return attribution.attribute(method, _loaded.model_at(at), _x, target, layer=layer, **options)


def attribution_map(
    loaded: LoadedRun, picked: Picked, method: str, target: int, layer: str | None = None, at: int | None = None
) -> attribution.Attribution:
    """One method's attribution map of a picked input for class `target` (Integrated Gradients from a black image,
    Grad-CAM at `layer`), at snapshot `at` (None: the final weights)."""
    return _attribution(loaded.run_id, loaded.sha, at, picked.key, method, target, layer, loaded, picked.x)


@st.cache_data(max_entries=64, show_spinner=False)
def _probabilities(run_id: str, sha: str, at: int | None, input_key: str, _loaded: LoadedRun, _x) -> np.ndarray:
    return evaluate.predict(_loaded.model_at(at), _x)[0]


def probabilities(loaded: LoadedRun, picked: Picked, at: int | None = None) -> np.ndarray:
    """The network's class probabilities for a picked input: float32 (K,) summing to 1."""
    return _probabilities(loaded.run_id, loaded.sha, at, picked.key, loaded, picked.x)


@st.cache_data(max_entries=32, show_spinner=False)
def _filter_images(
    run_id: str, sha: str, at: int | None, layer: str, steps: int, where: str, _loaded: LoadedRun
) -> featurevis.FilterImages:
    # the bar is made (and emptied) in here so a cache hit can replay it harmlessly
    text = t("Synthesising one picture per channel of {layer}…", layer=layer)
    bar = st.progress(0.0, text=text)
    result = featurevis.activation_maximisation(
        _loaded.model_at(at),
        layer,
        _loaded.info,
        steps=steps,
        where=where,
        progress=lambda f, _msg: bar.progress(min(max(f, 0.0), 1.0), text=text),
    )
    bar.empty()
    return result


def filter_images(
    loaded: LoadedRun, layer: str, steps: int, where: str, at: int | None = None
) -> featurevis.FilterImages:
    """One synthesised picture per channel of `layer` (activation maximisation, `where` "centre" or "mean"), made
    once with a progress bar."""
    return _filter_images(loaded.run_id, loaded.sha, at, layer, steps, where, loaded)


@st.cache_data(max_entries=64, show_spinner=False)
def _top_images(
    run_id: str, sha: str, at: int | None, layer: str, channel: int, k: int, _loaded: LoadedRun
) -> np.ndarray:
    return featurevis.top_activating(_loaded.model_at(at), _loaded.test_inputs(), layer, channel, k=k)


def top_images(loaded: LoadedRun, layer: str, channel: int, k: int, at: int | None = None) -> np.ndarray:
    """Indices of the k test images that excite one channel of `layer` most, strongest first: int64 (k,)."""
    return _top_images(loaded.run_id, loaded.sha, at, layer, channel, k, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _embedding(run_id: str, sha: str, _loaded: LoadedRun) -> embedding.Embedding:
    return embedding.embed(_loaded.model, _loaded.test_inputs(embedding.EMBEDDING_IMAGES))


def embedding_map(loaded: LoadedRun) -> embedding.Embedding:
    """The first EMBEDDING_IMAGES test images placed by what the final network's classifier sees (PCA to 2-D)."""
    return _embedding(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _timeline(run_id: str, sha: str, _loaded: LoadedRun, _pca: embedding.PCA) -> embedding.Timeline:
    text = t("Replaying the training snapshots…")
    bar = st.progress(0.0, text=text)
    result = embedding.embedding_timeline(
        _loaded,
        _loaded.test_inputs(embedding.EMBEDDING_IMAGES),
        _pca,
        progress=lambda f, _msg: bar.progress(min(max(f, 0.0), 1.0), text=text),
    )
    bar.empty()
    return result


def embedding_timeline(loaded: LoadedRun, pca: embedding.PCA) -> embedding.Timeline:
    """The embedding map at every training snapshot on the final map's axes (`pca`), replayed once with a progress
    bar. Raises: Invalid when the snapshots keep only the conv kernels (check `loaded.full_snapshots` first)."""
    return _timeline(loaded.run_id, loaded.sha, loaded, pca)
