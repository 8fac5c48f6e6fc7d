"""Explain, Attribution: which pixels made the difference, by saliency, SmoothGrad, Integrated Gradients or
Grad-CAM, for any class."""

from __future__ import annotations

import streamlit as st

from ... import attribution, ui
from ..cache import figures
from ..text import t
from . import common


def attribution_tab(loaded, classes: list, convs: list, at: int | None) -> None:
    pick, shown_col, pred_col = st.columns([1.1, 1, 1.2])
    picked = ui.pick_input("ex", loaded, where=pick, message_where=shown_col, sources=("test", "upload"))
    if picked is None:
        return
    ui.show_input(shown_col, picked, key="ex_input")
    pred = ui.show_prediction(
        pred_col, common.computed(lambda: ui.probabilities(loaded, picked, at)), classes, picked.label, key="ex_probs"
    )

    st.subheader(t("Which pixels made the difference"))
    methods = [m for m in attribution.METHODS if m != "gradcam" or convs]
    ui.keep_valid("ex_method", methods, methods[0])
    c1, c2, c3, c4 = st.columns([1.6, 1, 1, 1])
    method = c1.radio(t("Method"), methods, key="ex_method", horizontal=True, format_func=common.title)
    targets = [-1] + list(range(len(classes)))
    ui.keep_valid("ex_target", targets, -1)
    target = c2.selectbox(
        t("Explain the class"),
        targets,
        key="ex_target",
        format_func=lambda c: t("predicted: {name}", name=classes[pred]) if c < 0 else classes[c],
        help=t("Whose score to explain: the predicted class, or any other to see what speaks for or against it."),
    )
    target = pred if target < 0 else target
    layer = None
    if method == "gradcam":
        ui.keep_valid("ex_layer", convs, convs[-1])
        layer = c3.selectbox(
            t("Convolution layer"),
            convs,
            key="ex_layer",
            help=t("Later layers see larger parts of the image but have coarser maps."),
        )
    st.session_state.setdefault("ex_alpha", 0.5)
    alpha = c4.slider(t("Heat opacity"), 0.0, 1.0, step=0.05, key="ex_alpha")
    st.caption(t(attribution.ABOUT[method]))
    if not convs:
        st.caption(t("Grad-CAM needs a convolution layer; this network has none."))
    try:
        with st.spinner(t("Computing {method}…", method=common.title(method))):
            result = ui.attribution_map(loaded, picked, method, target, layer, at)
    except ValueError as e:
        st.error(ui.reason(e))
        return
    _maps(picked, result, t("{method} for class {name}", method=common.title(method), name=classes[target]), alpha)


def _maps(picked, result, title: str, alpha: float) -> None:
    """The attribution laid over the image, and its signed map beside it."""
    left, right = st.columns(2)
    ui.chart(
        left,
        figures.overlay(ui.shown(picked.image), result.heat, alpha=alpha, title=title),
        key="ex_overlay",
        help=t(
            "The image with the method's map laid over it: red where the method finds the pixels matter most "
            "for the chosen class, dark blue where they matter least. The map is scaled from 0 to 1 for this "
            "image, so it shows where the network looked, not how strongly; the signed map beside it tells "
            "pixels that raise the score from those that lower it."
        ),
    )
    ui.chart(
        right,
        figures.feature_map_grid(result.raw[None], titles=[t("signed value")], title=t("Signed map")),
        key="ex_signed",
        help=t(
            "The same map with its sign kept: blue pixels raise the class score, red ones lower it, white ones "
            "leave it as it is. When no value is negative the map is grey instead, and the brighter a pixel, "
            "the more it raises the score."
        ),
    )
    right.caption(
        t("Blue pixels raise the class score, red ones lower it; white is zero.")
        if (result.raw < 0).any()
        else t("Every value is positive here: the brighter, the more the pixel raises the class score.")
    )
    if result.delta is not None:
        st.caption(
            t(
                "The pixel scores add up to the score's rise from a black image, up to {delta:.2g} (the "
                "numerical error of the integral).",
                delta=abs(result.delta),
            )
        )
