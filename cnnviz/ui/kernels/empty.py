"""Kernels, the empty state: a network without convolution layers has no kernels to show."""

from __future__ import annotations

import streamlit as st

from ... import kernels, ui
from ..text import t


def require_layers(loaded) -> list[str]:
    """The network's conv layers; without any, say why there is nothing to show and stop the page."""
    layers = kernels.conv_layers(loaded.spec)
    if not layers:
        st.info(
            t(
                "This network has no convolution layers (it is a plain multi-layer perceptron), so it has no "
                "kernels to show. Train a CNN such as LeNet-5 and pick it in the sidebar."
            )
        )
        ui.quick_start_button(key="kn_quick_start")
        st.stop()
    return layers
