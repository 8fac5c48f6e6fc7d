"""Explain, What filters look for: one synthesised picture per filter (activation maximisation) and the test
images that excite a filter most."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ... import featurevis, ui
from ..cache import figures
from ..text import t

AM_STEP_CHOICES = (10, 20, 40, 60, 80, 100, 150)  # activation maximisation steps offered (tests pick 10)
TOP_K = 8  # test images shown beside a filter


def synthesised(loaded, layer: str, steps: int, where: str, pressed: bool, at: int | None):
    """The grid of pictures, once Synthesise was pressed for these settings (then at every moment of training, each
    made once): returns them, uint8 (K, C, h, w)."""
    settings = (loaded.run_id, loaded.sha, layer, int(steps), where)
    done = st.session_state.setdefault("ex_am_done", [])
    if pressed and settings not in done:
        done.append(settings)
    if settings not in done:
        st.info(t("Press Synthesise to make one picture per filter of {layer} (a few seconds).", layer=layer))
        return None
    try:
        filters = ui.filter_images(loaded, layer, int(steps), where, at)
    except ValueError as e:
        st.error(ui.reason(e))
        return None
    top, bottom, left, right = filters.box
    crop = st.toggle(
        t("Zoom in on what the filter sees"),
        key="ex_am_crop",
        value=True,
        disabled=where == "mean",
        help=t(
            "A unit of {layer} depends only on a {h}×{w} patch of the input (its receptive field): "
            "show that patch and a 2-pixel margin.",
            layer=layer,
            h=bottom - top,
            w=right - left,
        ),
    )
    pictures = filters.crop() if crop and where == "centre" else filters.images  # (K, C, h, w) in 0..1
    u8 = np.round(pictures * 255).astype(np.uint8)
    ui.chart(
        st,
        figures.image_gallery(
            ui.shown(u8),
            [f"ch {c}" for c in filters.channels],
            max_cols=8,
            title=t("What each filter of {layer} looks for", layer=layer),
        ),
        key="ex_am_grid",
        help=t(
            "One synthesised picture per filter of this layer: an input, grown from faint noise, that makes "
            "that filter respond as strongly as possible. Each picture has its own contrast; the repeated "
            "strokes, edges or blobs are the pattern the filter looks for."
        ),
    )
    st.caption(
        t("Each picture has its own contrast. Bright is ink: the network learned from white-on-black digits.")
        if loaded.info.is_digits
        else t("Each picture has its own contrast.")
    )
    return u8


def filters_tab(loaded, classes: list, convs: list, at: int | None) -> None:
    if not convs:
        st.info(
            t(
                "This network has no convolution layers, so it has no filters to look at. Train a CNN such as "
                "LeNet-5 and pick it in the sidebar."
            )
        )
        return
    st.markdown(
        t(
            "Each picture below is made from scratch: start from faint noise and change the pixels, step by "
            "step, so that one filter responds as strongly as possible. Beside it, the test images that excite "
            "the same filter most."
        )
    )
    ui.keep_valid("ex_am_layer", convs, convs[0])
    ui.keep_valid("ex_am_steps", list(AM_STEP_CHOICES), featurevis.AM_STEPS)
    ui.keep_valid("ex_am_where", ["centre", "mean"], "centre")
    c1, c2, c3, c4 = st.columns([1, 1.2, 1.4, 1])
    layer = c1.selectbox(t("Layer"), convs, key="ex_am_layer")
    steps = c2.select_slider(
        t("Optimisation steps"),
        list(AM_STEP_CHOICES),
        key="ex_am_steps",
        help=t("More steps give stronger, sharper pictures and take longer."),
    )
    where = c3.radio(
        t("Maximise"),
        ["centre", "mean"],
        key="ex_am_where",
        horizontal=True,
        format_func={"centre": t("the centre unit"), "mean": t("the whole map")}.get,
        help=t(
            "The centre unit shows one pattern in its place; the whole map gives a texture (flat for a first layer)."
        ),
    )
    c4.write("")  # align the button with the widgets' labels
    pressed = c4.button(t("Synthesise"), key="ex_am_run", type="primary", icon=":material/auto_awesome:")
    u8 = synthesised(loaded, layer, steps, where, pressed, at)

    channels = list(range(int(loaded.model.get_submodule(layer).out_channels)))
    ui.keep_valid("ex_am_channel", channels, 0)
    left, right = st.columns([1, 3])
    channel = left.selectbox(t("Filter"), channels, key="ex_am_channel", format_func=lambda c: f"ch {c}")
    if u8 is None:
        left.caption(t("The synthesised picture appears here after Synthesise."))
    else:
        ui.chart(
            left,
            figures.image_gallery(ui.shown(u8[channel : channel + 1]), [t("synthesised")]),
            key="ex_am_one",
            help=t(
                "The synthesised picture of the chosen filter on its own: the input pattern that makes this "
                "filter respond most. Its contrast is stretched to its own range."
            ),
        )
    try:
        top = ui.top_images(loaded, layer, channel, TOP_K, at)
    except ValueError as e:
        right.error(ui.reason(e))
        return
    labels = loaded.test_labels()
    ui.chart(
        right,
        figures.image_gallery(
            ui.shown(loaded.split.x_test[top].numpy()),
            [f"#{g}: {classes[labels[g]]}" for g in top],
            max_cols=TOP_K,
            title=t("Test images that excite ch {c} most", c=channel),
        ),
        key="ex_am_top",
        help=t(
            "The test images that make the chosen filter respond most strongly, strongest first, each "
            "captioned with its number and class. What they have in common is what the filter detects."
        ),
    )
