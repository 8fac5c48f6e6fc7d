"""Invariance lab, where pooling helps: how alike each convolution's and pooling layer's maps stay when the image
shifts, measured on whichever of the two runs is the CNN, and the result told in numbers."""

from __future__ import annotations

import streamlit as st

from ... import invariance, ui
from ..cache import figures
from ...loaded import LoadedRun
from ..text import t
from .common import name

SMALL, LARGE = 1, 4  # pixels: a shift inside LeNet's first 2x2 pooling window, and one as wide as both windows


def maps_section(loaded: LoadedRun, other: LoadedRun) -> None:
    """The chart of map similarity against shift for the CNN of the two, and what it measured at SMALL and LARGE."""
    cnn = loaded if invariance.is_convolutional(loaded.spec) else other
    similarity = ui.map_similarity(cnn)
    layers = list(similarity)
    ui.chart(
        st,
        figures.similarity_against(
            list(invariance.FEATURE_SHIFTS),
            similarity,
            x_title=t("shift to the right (pixels)"),
            title=t("How alike {name}'s maps stay when the image shifts", name=name(cnn.record)),
        ),
        key="inv_maps",
        help=t(
            "One line per convolution (after its activation) and pooling layer: the cosine similarity of the "
            "layer's maps for the shifted image and for the image itself, place by place, averaged over the "
            "test images (1 = unchanged, 0 = nothing in common). A convolution's maps move with the image, so "
            "they stop matching at once; each pooling layer keeps more of its maps for a small shift."
        ),
    )
    pools = invariance.pooling_layers(cnn.model) or layers[-1:]
    st.markdown(
        t(
            "**Measured.** Shifted {small} px, the first convolution's maps ({first}) keep a similarity of {c1} "
            "and the last pooled maps ({last}) {p1}; shifted {large} px, {c4} and {p4}. Pooling forgives a shift "
            "inside its window, not a large one.",
            small=SMALL,
            large=LARGE,
            first=layers[0],
            last=pools[-1],
            c1=f"{similarity[layers[0]][SMALL]:.2f}",
            p1=f"{similarity[pools[-1]][SMALL]:.2f}",
            c4=f"{similarity[layers[0]][LARGE]:.2f}",
            p4=f"{similarity[pools[-1]][LARGE]:.2f}",
        )
    )
