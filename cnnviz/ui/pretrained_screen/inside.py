"""Pretrained networks, inside the network: the colour kernels of its first convolution, and the feature maps of
each stage for the photo."""

from __future__ import annotations

import streamlit as st

from ... import pretrained, ui
from ..cache import figures
from ..text import t


def first_kernels(net: pretrained.Network) -> None:
    """Every kernel of the first convolution as a small RGB picture, with what trained networks learn there."""
    kernels = pretrained.first_layer_kernels(net)  # (64, 3, k, k)
    st.caption(
        t(
            "The {n} colour kernels of the first convolution, {k}×{k} pixels each, shown as RGB pictures "
            "(each stretched to its own range). Trained networks learn edges, colour blobs and stripes here.",
            n=kernels.shape[0],
            k=kernels.shape[-1],
        )
    )
    ui.chart(
        st,
        figures.kernel_grid_rgb(kernels, titles=[str(i) for i in range(len(kernels))], max_cols=16),
        key="pt_kernels",
        width="stretch",
        help=t(
            "Each square is one kernel of the first layer, drawn as a tiny colour picture: its red, green and "
            "blue slices become the picture's three colours, stretched to the kernel's own range. Bright "
            "parts are its largest weights and dark parts its lowest; a coloured blob means it reacts to that "
            "colour, a light-dark stripe to an edge."
        ),
    )


def feature_maps(name: str, seen: pretrained.Look) -> None:
    """The stage picker and the first maps of the stage chosen, as the network made them of the photo."""
    stages = pretrained.stage_names(name)
    ui.keep_valid("pt_stage", stages, stages[0])
    stage = st.select_slider(
        t("Stage"),
        stages,
        key="pt_stage",
        help=t("From the first convolution to the last stage before the classifier."),
    )
    c, h, w = seen.shapes[stage]
    maps = seen.maps[stage]
    st.caption(
        t("{stage}: {c} maps of {h}×{w}; the first {n} shown", stage=stage, c=c, h=h, w=w, n=len(maps))
        + (t(", averaged down to {s}×{s} for display", s=maps.shape[-1]) if maps.shape[-1] < w else "")
        + "."
    )
    ui.chart(
        st,
        figures.feature_map_grid(maps),
        key="pt_maps",
        width="stretch",
        help=t(
            "Each picture is one channel's feature map: it lights up where that channel found its pattern in "
            "the image. If no value is negative the maps are grey (black low, white high); otherwise blue is "
            "positive, red negative and white zero. Every map has its own colour range, given in brackets, so "
            "compare where maps light up, not how bright they are."
        ),
    )
