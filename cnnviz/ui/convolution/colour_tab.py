"""Convolution, Colour (3-D kernel): an RGB image, one weighted 2-D slice per channel and the summed output."""

from __future__ import annotations

import streamlit as st

from ... import formulas, images, kernel_catalogue, playground, ui
from ..cache import figures
from ..text import t
from . import common


def colour_tab() -> None:
    """An RGB image, a 3-D kernel (one weighted 2-D slice per channel) and the summed output."""
    st.markdown(
        t(
            "A colour image has three channels, so the kernel has three slices, one per channel. Each slice "
            "is convolved with its channel and the three results are added, plus one bias: one output map."
        )
    )
    rgb = _colour_image()
    kernel3, bias = _colour_kernel()
    try:
        maps = playground.colour_maps(rgb, kernel3, bias)  # (4, OH, OW)
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return
    names = [t("red channel"), t("green channel"), t("blue channel")]
    ui.chart(
        st,
        figures.image_gallery(playground.channel_views(rgb), [t("the colour image")] + names, max_cols=4),
        key="conv_fig_rgb_input",
        help=t(
            "The colour picture, then each of its three channels alone, drawn in its own colour: bright "
            "where the picture has much of that colour. The network receives the three channels as three "
            "grey grids of numbers stacked together."
        ),
    )
    left, right = st.columns([3, 2])
    ui.chart(
        left,
        figures.kernel_grid(
            kernel3,
            titles=[t("red slice"), t("green slice"), t("blue slice")],
            max_cols=3,
            title=t("3-D kernel 3×{k}×{k}", k=kernel3.shape[1]),
        ),
        key="conv_fig_rgb_kernel",
        help=t(
            "The three slices of one 3-D kernel, one per colour channel, one cell per weight: blue is "
            "positive, red negative, white zero. The slices share one colour scale, so a slice whose "
            "multiplier is 0 is all white."
        ),
    )
    with right:
        filters = st.number_input(
            t("Filters M in the layer"), min_value=1, max_value=512, value=1, step=1, key="conv_rgb_filters"
        )
        params = formulas.conv_params(kernel3.shape[2], kernel3.shape[1], 3, int(filters))
        st.markdown(t("**Parameters** (F×F×D + 1)×M with D = 3 channels: `{formula}`", formula=params.explanation))
        st.caption(t("Each filter has its own 3-D kernel and bias; each gives one output map."))
    ui.chart(
        st,
        figures.feature_map_grid(
            maps, titles=names + [t("sum + bias")], max_cols=4, title=t("Each slice on its channel, then the sum")
        ),
        key="conv_fig_rgb_output",
        help=t(
            "The first maps show what each kernel slice makes of its own colour channel; the last adds "
            "them up (plus the bias, if any) into the layer's one output map. Blue is positive, red "
            "negative and white zero (grey maps, from black to white, when no value is negative), and "
            "each map has its own colour range."
        ),
    )


def _colour_image():
    """The built-in coloured shapes, or the user's colour picture scaled down: (3, H, W) 0..255."""
    sources = {"shapes": t("Coloured shapes (built in)"), "upload": t("Your own colour image")}
    ui.keep_valid("conv_rgb_source", list(sources), "shapes")
    source = st.radio(t("Colour image"), list(sources), key="conv_rgb_source", horizontal=True, format_func=sources.get)
    rgb = playground.colour_shapes()
    if source == "upload":
        upload = st.file_uploader(t("A colour image file (PNG, JPEG, ...)"), key="conv_rgb_upload")
        if upload is None:
            st.info(t("Upload a colour picture; until then the built-in shapes are shown."))
        else:
            try:
                rgb = images.shrink(ui.colour_picture(upload.getvalue(), common.MAIN_SIDE).rgb, common.STEP_SIDE)
                st.caption(t("Scaled to {w}×{h} pixels.", w=rgb.shape[2], h=rgb.shape[1]))
            except ValueError as e:
                st.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
    return rgb


def _colour_kernel():
    """One registry kernel weighted per channel, (3, kh, kw), and the bias, from the widgets above the charts."""
    cols = st.columns([2, 1, 1, 1, 1])
    ui.keep_valid("conv_rgb_kernel", kernel_catalogue.list_kernels(), "sobel_vertical")
    name = cols[0].selectbox(
        t("2-D kernel for every slice"),
        kernel_catalogue.list_kernels(),
        key="conv_rgb_kernel",
        format_func=lambda n: t(kernel_catalogue.KERNELS[n].title),
    )
    weights = [
        cols[i + 1].number_input(label, value=1.0, step=0.5, key=f"conv_rgb_w_{c}")
        for i, (c, label) in enumerate((("r", t("× red")), ("g", t("× green")), ("b", t("× blue"))))
    ]
    bias = cols[4].number_input(t("Bias b"), value=0.0, step=10.0, key="conv_rgb_bias")
    kernel = kernel_catalogue.get_kernel(name).weights
    kernel3 = playground.colour_kernel(kernel, [w or 0.0 for w in weights])  # (3, kh, kw)
    return kernel3, float(bias or 0.0)
