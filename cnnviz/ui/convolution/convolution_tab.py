"""Convolution, Convolution: kernel, stride, padding; input, kernel and output side by side with both formulas
filled in."""

from __future__ import annotations

import streamlit as st

from ... import conv, formulas, playground, ui
from ..cache import figures
from ..text import t
from . import common
from .picker import pick_kernel


def _output_size_text(shape, kernel, stride: int, padding: int) -> None:
    """The output-size formula with the current numbers, and what the stride leaves unused."""
    sizes = [formulas.output_size(shape[i], kernel.shape[i], stride, padding) for i in (0, 1)]
    st.markdown(t("**Output size** O = ⌊(I − F + 2P) / S⌋ + 1"))
    common.formula_lines(sizes, shape[0] == shape[1] and kernel.shape[0] == kernel.shape[1])
    for what, s in zip((t("rows"), t("columns")), sizes):
        if not s.exact:
            st.info(
                t(
                    "Along the {what}, I − F + 2P = {span} is not a multiple of the stride {s}: the last {n} "
                    "pixel(s) (counting padding) fit no window and are never used.",
                    what=what,
                    span=s.input_size - s.kernel_size + 2 * s.padding,
                    s=s.stride,
                    n=s.unused,
                )
            )
            if shape[0] == shape[1] and kernel.shape[0] == kernel.shape[1]:
                break


def convolution_tab(image, caption):
    """Kernel, stride, padding; input, kernel and output side by side with both formulas filled in."""
    st.markdown(
        t(
            "A kernel is a small grid of weights laid on the image: each output pixel is the sum of the "
            "pixels under it times the weights. Moving the kernel over every position gives the output map."
        )
    )
    left, right = st.columns([1, 1])
    with left:
        kernel = pick_kernel()
    with right:
        stride = st.slider(
            t("Stride S"),
            1,
            4,
            1,
            key="conv_stride",
            help=t("How many pixels the kernel moves between two output values."),
        )
        padding = st.slider(
            t("Padding P"),
            0,
            3,
            0,
            key="conv_padding",
            help=t("Rings of zeros added around the image, so the kernel can sit on the border."),
        )
        clip = st.checkbox(
            t("Clip the output to 0..255"),
            key="conv_clip",
            help=t(
                "As the hand-written loop in the book chapter does: a crude activation "
                "that keeps a displayable grey image."
            ),
        )
    if image is None or kernel is None:
        return None, None, stride, padding, clip
    try:
        _output_size_text(image.shape, kernel, stride, padding)
        out = conv.convolve(image, kernel, stride, padding, clip=clip)  # (OH, OW)
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return None, None, stride, padding, clip
    params = formulas.conv_params(kernel.shape[1], kernel.shape[0], 1, 1)
    st.markdown(
        t(
            "**Parameters** (F×F×D + 1)×M, one input channel and one filter: `{formula}`, whatever the "
            "image size, stride or padding.",
            formula=params.explanation,
        )
    )
    ui.chart(
        st,
        figures.kernel_applied(image, kernel, out, title=caption),
        key="conv_fig_main",
        help=t(
            "Left the input (black is its darkest value, white its brightest), middle the kernel with its "
            "weights printed, right the output map. In the kernel, and in an output with negative values, "
            "blue is positive, red negative and white zero; an output without negative values is drawn in "
            "grey like an image."
        ),
    )
    st.caption(
        t(
            "Output values from {lo} to {hi}. Blue is positive, red negative, white zero.",
            lo=playground.number(out.min()),
            hi=playground.number(out.max()),
        )
    )
    return kernel, out, stride, padding, clip
