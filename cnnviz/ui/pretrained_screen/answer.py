"""Pretrained networks, the answer: the photo as the network receives it, where it looked (Grad-CAM) for one of
its top classes, and its five most likely classes of 1,000."""

from __future__ import annotations

import streamlit as st

from ... import pretrained, ui
from ..cache import figures
from ..text import t


def photo_chart(image_col, prepared: pretrained.Prepared, caption: str) -> None:
    """The photo, scaled and cut to 224×224, in its column."""
    ui.chart(
        image_col,
        figures.image(prepared.image, title=caption),
        key="pt_image",
        width="stretch",
        help=t(
            "The photo as the network receives it: scaled and cut to 224×224 pixels. Hover over a "
            "pixel to read its row, column and colour values."
        ),
    )


def grad_cam(
    cam_col,
    net: pretrained.Network,
    entry: pretrained.ModelEntry,
    prepared: pretrained.Prepared,
    image_key: str,
    seen: pretrained.Look,
) -> None:
    """In its column, the class picker (one of the top five) and Grad-CAM for that class laid over the photo."""
    with cam_col:
        choices = [int(i) for i in seen.top]
        ui.keep_valid("pt_cam_class", choices, choices[0])
        target = st.selectbox(
            t("Where it looked (Grad-CAM) for"),
            choices,
            key="pt_cam_class",
            format_func=lambda i: seen.names[choices.index(i)],
        )
        with st.spinner(t("Grad-CAM…")):
            heat = ui.pretrained_grad_cam(net, image_key, prepared.tensor, target)
        ui.chart(
            st,
            figures.overlay(prepared.image, heat, alpha=0.45),
            key="pt_cam",
            width="stretch",
            help=t(
                "Grad-CAM for the class chosen above, laid over the photo: red where the last convolutional "
                "stage found the most evidence for that class, blue where it found little or none. The map is "
                "coarse (one value per cell of that stage, scaled up) and runs from 0 to 1 for this photo "
                "alone."
            ),
        )
        st.caption(
            t(
                "Where the last convolutional stage ({stage}) found evidence for this class: red is strong.",
                stage=entry.gradcam_stage,
            )
        )


def top_five(seen: pretrained.Look) -> None:
    """The network's answer and its five most likely classes as bars."""
    guess, bars = st.columns([1, 2.8])
    guess.markdown(
        t("Top 5 of 1,000 classes: **{name}** ({p:.1%})", name=seen.names[0], p=float(seen.probs[seen.top[0]]))
    )
    guess.caption(t("The probabilities of all 1,000 classes sum to 1; these are the five largest."))
    ui.chart(
        bars,
        figures.probability_bars(seen.probs[seen.top], list(seen.names)),
        key="pt_top5",
        width="stretch",
        help=t(
            "The five most likely of the 1,000 classes, most likely at the top; each bar's length is the "
            "network's probability for that class. The blue bar is its answer; the other 995 classes share "
            "what is left of 100%."
        ),
    )
