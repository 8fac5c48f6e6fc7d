"""Experiment, Robustness: move, turn, zoom, blur or cover the input and watch the prediction; occlusion."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ... import robustness, ui
from ..cache import figures
from ..text import t
from . import charts


ROBUSTNESS_DEFAULTS = {
    "exp_rb_dx": 0,
    "exp_rb_dy": 0,
    "exp_rb_angle": 0,
    "exp_rb_scale": 1.0,
    "exp_rb_noise": 0.0,
    "exp_rb_occlude": False,
}


def robustness_tab() -> None:
    loaded = ui.require_loaded()
    classes = loaded.classes
    st.caption(ui.run_caption(loaded))
    st.markdown(
        t(
            "Move, turn, zoom, blur with noise or cover part of an image and watch whether the network still "
            "recognises it. Convolutions and pooling give some tolerance to small shifts, not to everything."
        )
    )
    pick, shown_col, pred_col = st.columns([1.1, 1, 1.4])
    image_slot = shown_col.empty()  # the changed image goes above the square's controls
    base = ui.pick_input("exp_rb", loaded, where=pick, sources=("test",))
    if base is None:
        return
    h, w = base.image.shape[1:]
    for k, v in ROBUSTNESS_DEFAULTS.items():  # state first, no widget defaults: the undo button may reset them
        st.session_state.setdefault(k, v)
    sx, sy, angle, scale, noise = _transform_controls(pick)
    box, shade = _cover_controls(shown_col, h, w)
    try:
        moved = robustness.transform(
            base.image,
            shift=(sx, sy),
            angle=angle,
            scale=scale,
            noise_std=noise,
            occlude=box,
            seed=base.index,
            occlude_fill=shade,
        )
    except ValueError as e:
        st.error(ui.reason(e))
        return
    picked = ui.Picked(
        robustness.to_input(moved, loaded.info),
        moved,
        base.label,
        f"{base.key}-changed-{sx},{sy},{angle},{scale},{noise},{box},{shade}",
        base.caption,
    )
    acts = ui.activations(loaded, picked)
    probs, before, label = acts["softmax"], ui.activations(loaded, base)["softmax"], base.label
    ui.show_input(image_slot, picked, key="exp_rb_image")
    _prediction(pred_col, probs, before, classes, label)
    maps = charts.map_layers(acts)
    if maps:
        st.subheader(t("Feature maps of the changed image"))
        ui.keep_valid("exp_rb_layer", maps, maps[0])
        charts.maps(acts[st.columns(3)[0].selectbox(t("Layer"), maps, key="exp_rb_layer")], "exp_rb_maps")
    _occlusion(loaded, picked, int(probs.argmax()), probs)


def _transform_controls(pick) -> tuple:
    """The undo button and the sliders for shift, turn, zoom and noise, in `pick`: (dx, dy, angle, scale, noise)."""
    with pick:
        st.button(
            t("Undo all changes"),
            key="exp_rb_reset",
            on_click=st.session_state.update,
            args=(ROBUSTNESS_DEFAULTS,),
            icon=":material/undo:",
        )
        sx = st.slider(t("Shift right (px)"), -10, 10, key="exp_rb_dx")
        sy = st.slider(t("Shift down (px)"), -10, 10, key="exp_rb_dy")
        angle = st.slider(t("Rotate (degrees, clockwise)"), -90, 90, step=5, key="exp_rb_angle")
        scale = st.slider(t("Zoom"), 0.5, 1.5, step=0.05, key="exp_rb_scale")
        noise = st.slider(t("Noise (share of full brightness)"), 0.0, 1.0, step=0.05, key="exp_rb_noise")
    return sx, sy, angle, scale, noise


def _cover_controls(shown_col, h: int, w: int) -> tuple:
    """The square that covers part of the image, in `shown_col`: (box or None, shade)."""
    with shown_col:
        box, shade = None, 128
        if st.toggle(t("Cover a square"), key="exp_rb_occlude"):
            shades = {0: t("black"), 128: t("grey"), 255: t("white")}
            ui.keep_valid("exp_rb_shade", list(shades), 128)
            shade = st.radio(t("Colour"), list(shades), key="exp_rb_shade", format_func=shades.get, horizontal=True)
            size = st.slider(t("Square size (px)"), 1, min(h, w), max(1, min(h, w) // 4), key="exp_rb_size")
            box = (
                st.slider(t("Square top row"), 0, h - 1, h // 3, key="exp_rb_row"),
                st.slider(t("Square left column"), 0, w - 1, w // 3, key="exp_rb_col"),
                size,
            )
    return box, shade


def _prediction(pred_col, probs, before, classes, label: int) -> None:
    """The verdict on the changed image, against the untouched one, and its probabilities."""
    with pred_col:
        st.markdown(charts.verdict(probs, classes, label))
        p0 = int(before.argmax())
        st.caption(
            t(
                "Untouched image: {name} ({p:.1%}). Probability of the true class now {q:.1%}, before {q0:.1%}.",
                name=ui.plain(classes[p0]),
                p=float(before[p0]),
                q=float(probs[label]),
                q0=float(before[label]),
            )
        )
        charts.probs(st, probs, classes, label, "exp_rb_probs")


def _occlusion(loaded, picked: ui.Picked, predicted: int, probs) -> None:
    st.subheader(t("Which parts matter: occlusion sensitivity"))
    st.markdown(
        t(
            "A black square is slid over the image; at each place the network looks again. Red marks the "
            "places whose hiding lowers the probability of the chosen class most: the evidence it relies on."
        )
    )
    (h, w), classes = picked.image.shape[1:], loaded.classes
    a, b, c = st.columns(3)
    targets = {"pred": t("the predicted class"), "true": t("the true class")}
    ui.keep_valid("exp_rb_target", list(targets), "pred")
    which = a.radio(t("Probability of"), list(targets), key="exp_rb_target", format_func=targets.get, horizontal=True)
    largest = max(2, min(h, w) // 2)
    patch = b.slider(t("Patch size (px)"), 2, largest, min(4, largest), key="exp_rb_patch")
    stride = c.slider(t("Step (px)"), 1, 4, 2, key="exp_rb_stride")
    target = predicted if which == "pred" else picked.label
    drops = ui.occlusion(loaded, picked, target, patch, stride)  # (H', W')
    top = float(drops.max())
    heat = (
        np.clip(robustness.spread_map(drops, (h, w), patch, stride) / top, 0, 1) if top > 0 else np.zeros((h, w))
    )  # relative to the largest drop, which the text states
    i, j = np.unravel_index(int(np.argmax(drops)), drops.shape)
    if top > 0:
        st.markdown(
            t(
                "Hiding the {p}×{p} square at row {r}, column {c} lowers p({name}) the most: by {d:.1%} "
                "(from {p0:.1%}).",
                p=patch,
                r=int(i) * stride,
                c=int(j) * stride,
                name=ui.plain(classes[target]),
                d=top,
                p0=float(probs[target]),
            )
        )
    else:
        st.markdown(
            t(
                "No square lowers p({name}): hiding any part leaves the network at least as sure.",
                name=ui.plain(classes[target]),
            )
        )
    left, right = st.columns(2)
    ui.chart(
        left,
        figures.overlay(
            ui.shown(picked.image),
            heat,
            alpha=0.5,
            title=t("Where hiding hurts p({name}) (relative)", name=classes[target]),
        ),
        key="exp_rb_occlusion",
        help=t(
            "The image with a heat layer on top: red where hiding it under the square lowers the probability "
            "of the chosen class most, dark blue where hiding it hardly matters. The colours are relative: "
            "the darkest red is the largest drop, the one given in the text above."
        ),
    )
    ui.chart(
        right,
        figures.kernel_grid(
            -drops[None],
            titles=[t("one cell per square position")],
            title=t("Change in p({name}) when hidden: red lower, blue higher", name=classes[target]),
        ),
        key="exp_rb_drops",
        help=t(
            "One cell per position of the sliding square, in the same layout as the image (top-left cell: the "
            "square in the top-left corner). Red means hiding that part lowered the probability of the chosen "
            "class, blue that it raised it, and the stronger the colour the bigger the change; hover for the "
            "exact value."
        ),
    )
    st.caption(t("Smaller steps give a finer map and take longer."))
