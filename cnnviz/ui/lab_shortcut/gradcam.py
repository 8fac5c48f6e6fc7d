"""Shortcut lab, where the network looks: Grad-CAM for the marked digit on four of its test images, for both runs,
and the share of each map on the watermark's region."""

from __future__ import annotations

import streamlit as st

from ... import shortcut, ui
from ..cache import figures
from ..text import t
from .common import pct, run_names


def gradcam_section(result: shortcut.Result, digit: int, marked_id: str, control_id: str) -> None:
    """The share of Grad-CAM on the box told, the maps drawn with the box dotted, and the shares as metrics."""
    names = run_names()
    st.markdown(
        t(
            "**Where the network looks.** Grad-CAM for the class {digit}, on {digit}s as in training, puts {mass} "
            "of its map on the square and the {margin} pixels around it (the dotted box) for the watermarked "
            "run, {c_mass} for the control. The box covers {share} of the image: an even map would put {share} "
            "there.",
            digit=digit,
            mass=pct(result.mass["watermarked"]),
            c_mass=pct(result.mass["control"]),
            margin=shortcut.REGION_MARGIN,
            share=pct(result.region_share),
        )
    )
    box = shortcut.region_box(tuple(result.examples.shape[1:]))
    ui.chart(
        st,
        figures.overlay_grid(
            result.examples,
            {names[r]: result.heat[r] for r in names},
            box=box,
            title=t("Grad-CAM for the class {digit} on four of its test images", digit=digit),
        ),
        key="sc_gradcam",
        help=t(
            "Each panel is a test image with the Grad-CAM map over it: red where the last convolution layer's "
            "features raise the class score most, blue where they do not. The top row is the watermarked run, "
            "the bottom row the control; the dotted box is the watermark's region."
        ),
    )
    a, b, c = st.columns(3)
    a.metric(t("Grad-CAM on the box: watermarked run"), pct(result.mass["watermarked"]))
    b.metric(t("Grad-CAM on the box: control run"), pct(result.mass["control"]))
    c.metric(t("An even map"), pct(result.region_share))
    st.caption(
        t(
            "Measured on runs {marked} and {control}, trained here; Run again trains both from other random "
            "weights, and the numbers move a little.",
            marked=marked_id,
            control=control_id,
        )
    )
