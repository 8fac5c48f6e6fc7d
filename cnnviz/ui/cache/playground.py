"""The playground's and the builder's caches: an upload as coloured pixels, a receptive field checked by
backpropagation.
"""

from __future__ import annotations

import streamlit as st

from ... import arch, images, receptive_check


# ------------------------------------------------ playground and builder: convolution, receptive fields


@st.cache_data(max_entries=8, show_spinner=False)
def colour_picture(content: bytes, side: int) -> images.Picture:
    """An upload as RGB pixels, its longer side at most `side` pixels (see `images.colour_picture`)."""
    return images.colour_picture(content, side)


@st.cache_data(max_entries=64, show_spinner=False)
def _field_confirmed(spec_key: str, layer: str, row: int, col: int) -> bool:
    return receptive_check.confirmed_by_gradient(arch.ArchSpec.from_json(spec_key), layer, row, col)


def field_confirmed(spec: arch.ArchSpec, layer: str, row: int, col: int) -> bool:
    """Whether backpropagation finds exactly the computed receptive field of a unit (see
    `receptive_check.confirmed_by_gradient`)."""
    return _field_confirmed(spec.to_json(), layer, row, col)
