"""Convolution, Pooling: max, average and L2 pooling of the input or the convolution output, one window at a
time."""

from __future__ import annotations

import streamlit as st

from ... import conv, formulas, playground, ui
from ..cache import figures
from ...i18n import N_
from ..text import t
from . import common

POOL_TITLES = {"max": N_("Max pooling"), "avg": N_("Average pooling"), "l2": N_("L2 pooling")}


def pooling_tab(image, conv_out) -> None:
    st.markdown(
        t(
            "Pooling shrinks a map by summarising each window with one number. It has no weights to learn, "
            "and it works on each channel separately."
        )
    )
    if image is None:
        st.info(t("Pick an image above first."))
        return
    sources = {"output": t("The convolution output"), "input": t("The input image")}
    ui.keep_valid("conv_pool_source", list(sources), "output")
    a, b, c, d = st.columns([2, 2, 1, 1])
    source = a.radio(t("Pool"), list(sources), key="conv_pool_source", format_func=sources.get)
    x = conv_out if source == "output" and conv_out is not None else image
    if source == "output" and conv_out is None:
        st.info(t("The Convolution tab has no output yet, so the input image is pooled."))
    kind = b.selectbox(t("Kind"), list(conv.POOL_KINDS), key="conv_pool_kind", format_func=lambda k: t(POOL_TITLES[k]))
    b.caption(t(conv.POOL_KINDS[kind]))
    size = c.slider(t("Window"), 1, 5, 2, key="conv_pool_size")
    stride = d.slider(t("Stride"), 1, 5, 2, key="conv_pool_stride")
    try:
        pooled = conv.pool(x, kind, size, stride)  # (OH, OW)
        sizes = [formulas.pool_output_size(x.shape[i], size, stride) for i in (0, 1)]
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return
    st.markdown(t("**Output size** O = ⌊(I − F) / S⌋ + 1"))
    common.formula_lines(sizes, x.shape[0] == x.shape[1])
    if pooled.size > 1:
        common.keep_position("conv_pool", pooled)
    row, col = divmod(int(st.session_state.get("conv_pool_pos", 0)) if pooled.size > 1 else 0, pooled.shape[1])
    ps = conv.pool_step(x, kind, size, row, col, stride)
    ui.chart(
        st,
        figures.pooling_view(x, pooled, kind, size, stride, window_rc=ps.position, out_rc=(row, col)),
        key="conv_fig_pool",
        help=t(
            "Left the input, right the pooled output, each from black (lowest value) to white (highest), "
            "with the values printed when the map is small. The orange squares mark one pooling window "
            "and the output cell it becomes."
        ),
    )
    if pooled.size > 1:
        st.slider(t("Pooling window (row by row)"), 0, pooled.size - 1, key="conv_pool_pos")
        st.caption(t("The orange squares mark the chosen window and its output."))
    r0, c0 = ps.position
    left, right = st.columns([1, 3])
    ui.chart(
        left,
        figures.heatmap(
            ps.window,
            [str(c0 + j) for j in range(size)],
            [str(r0 + i) for i in range(size)],
            colorscale="gray",
            text_fmt=".4~g",
        ),
        key="conv_fig_pool_window",
        help=t(
            "The chosen pooling window close up, labelled with its rows and columns in the input and "
            "every value printed; black is its smallest value, white its largest. Pooling turns these "
            "numbers into the single output value given on the right."
        ),
    )
    right.markdown(
        t(
            "**Output [{r}, {c}]** = {what} of the window at row {r0}, column {c0} = **{v}**",
            r=row,
            c=col,
            what={"max": t("the largest value"), "avg": t("the mean"), "l2": t("√(sum of squares)")}[kind],
            r0=r0,
            c0=c0,
            v=playground.number(ps.result),
        )
    )
