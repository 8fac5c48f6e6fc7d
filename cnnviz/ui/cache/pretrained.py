"""The Pretrained screen's caches: an ImageNet network built once and shared read-only (built again when its
weights file changes), a photo prepared for it, what the network makes of the photo and its Grad-CAM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ... import attribution, images, imagenet_weights, pretrained

if TYPE_CHECKING:
    import torch


def _weights_stamp(name: str, trained: bool) -> str:
    """Which weights a pretrained network has: a replaced or downloaded file is never served from the cache."""
    if not trained:
        return "random"
    try:
        stat = imagenet_weights.weights_file(pretrained.get_entry(name)).stat()
    except OSError:
        return "missing"
    return f"{stat.st_size}-{stat.st_mtime_ns}"


@st.cache_resource(max_entries=2, show_spinner=False)
def _pretrained(name: str, trained: bool, stamp: str) -> pretrained.Network:
    return pretrained.load(name, "imagenet" if trained else None)


def pretrained_network(name: str, trained: bool) -> pretrained.Network:
    """An ImageNet network built once and shared read-only: its weights from the hub cache (loaded again when the
    file changes), or random weights. Raises: WeightsError for a damaged weights file."""
    return _pretrained(name, trained, _weights_stamp(name, trained))


@st.cache_data(max_entries=16, show_spinner=False)
def prepared_photo(content: bytes) -> pretrained.Prepared:
    """An uploaded photo decoded safely and prepared for the ImageNet networks (see `pretrained.prepare`)."""
    return pretrained.prepare(images.load_image_bytes(content))


@st.cache_data(max_entries=16, show_spinner=False)
def _look(name: str, stamp: str, image_key: str, _net: pretrained.Network, _x) -> pretrained.Look:
    return pretrained.look(_net, _x)


def pretrained_look(net: pretrained.Network, image_key: str, x: torch.Tensor) -> pretrained.Look:
    """What a pretrained network makes of a prepared photo (x (1, 3, 224, 224), named by `image_key`): top-5, maps."""
    return _look(net.entry.id, _weights_stamp(net.entry.id, net.trained), image_key, net, x)


@st.cache_data(max_entries=32, show_spinner=False)
def _pretrained_cam(name: str, stamp: str, image_key: str, target: int, _net: pretrained.Network, _x) -> np.ndarray:
    return attribution.grad_cam(_net.model, _x, target, _net.entry.gradcam_layer, relu_attributions=True).heat


def pretrained_grad_cam(net: pretrained.Network, image_key: str, x: torch.Tensor, target: int) -> np.ndarray:
    """Grad-CAM of ImageNet class `target` at the network's last convolutional stage (ReLU'd, then upsampled):
    float32 (224, 224) in 0..1."""
    return _pretrained_cam(net.entry.id, _weights_stamp(net.entry.id, net.trained), image_key, target, net, x)
