"""Convolution, Step by step: one output value at a time, the window, the products and their sum, played or
stepped through."""

from __future__ import annotations

import streamlit as st

from ... import conv, images, playground, ui
from ..cache import figures
from ..text import t
from . import common


def _set_playing(on: bool, last: int) -> None:
    st.session_state["conv_playing"] = on
    if on and st.session_state.get("conv_step_pos", 0) >= last:
        st.session_state["conv_step_pos"] = 0  # play again from the start


def _step_view(small, kernel, stride, padding, bias, clip, out) -> None:
    """One output value: the window, the products and their sum; the output filled in up to here."""
    n, ow = out.size, out.shape[1]
    if st.session_state.get("conv_playing"):
        pos = int(st.session_state.get("conv_step_pos", 0))
        if pos >= n - 1:
            st.session_state["conv_playing"] = False
            st.rerun()  # the whole page, so the timer of this fragment stops
        st.session_state["conv_step_pos"] = pos + 1
    pos = 0
    if n > 1:
        common.keep_position("conv_step", out)
        pos = st.slider(t("Output position (row by row)"), 0, n - 1, key="conv_step_pos")
    row, col = divmod(pos, ow)
    step = conv.conv_step(small, kernel, row, col, stride, padding, bias)
    ui.chart(
        st,
        figures.conv_step(
            step.padded,
            step.kernel,
            step.position,
            step.products,
            step.total,
            playground.filled_until(out, pos),
            (row, col),
        ),
        key="conv_fig_step",
        help=t(
            "From left: the input with the current window framed in orange, the kernel, each input value "
            "times the weight on it, and the output with the current cell framed. In the last three, blue "
            "is positive, red negative and white zero; grey output cells are not computed yet, and the "
            "title gives the sum of the products."
        ),
    )
    r0, c0 = step.position
    st.markdown(
        t(
            "**Output [{r}, {c}]**: the window's top-left corner is at row {r0}, column {c0} of the padded input.",
            r=row,
            c=col,
            r0=r0,
            c0=c0,
        )
    )
    st.markdown(playground.products(step.window, step.kernel))
    st.markdown(t("Sum of the {n} products = **{total}**", n=step.products.size, total=playground.number(step.total)))
    if bias:
        st.markdown(t("Plus the bias {b}: **{value}**", b=playground.number(bias), value=playground.number(step.value)))
    if clip and step.value != out[row, col]:
        st.markdown(t("Clipped to 0..255: **{v}**", v=playground.number(out[row, col])))


def step_tab(image, kernel, stride, padding, clip) -> None:
    st.markdown(
        t(
            "Each output value is one neuron: it multiplies the pixels under the window by the kernel's "
            "weights, adds them up and adds a bias. Every position uses the same weights."
        )
    )
    if image is None or kernel is None:
        st.info(t("Pick an image above and a usable kernel in the Convolution tab first."))
        return
    small = images.shrink(image, common.STEP_SIDE)
    if small.shape != image.shape:
        st.caption(
            t("Scaled down to {w}×{h} pixels here so the window stays visible.", w=small.shape[1], h=small.shape[0])
        )
    st.caption(t("Kernel, stride, padding and clipping come from the Convolution tab."))
    a, b, c, _ = st.columns([1, 1, 1, 2])
    bias = float(c.number_input(t("Bias b"), value=0.0, step=1.0, key="conv_step_bias") or 0.0)
    try:
        out = conv.convolve(small, kernel, stride, padding, bias=bias, clip=clip)  # (OH, OW)
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return
    playing = bool(st.session_state.get("conv_playing"))
    a.button(
        t("Pause") if playing else t("Play"),
        key="conv_step_play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        on_click=_set_playing,
        args=(not playing, out.size - 1),
    )
    if b.button(t("Back to start"), key="conv_step_reset", icon=":material/first_page:"):
        st.session_state["conv_playing"] = False
        st.session_state["conv_step_pos"] = 0
    st.fragment(_step_view, run_every=0.6 if playing else None)(small, kernel, stride, padding, bias, clip, out)
