"""The guided lesson's steps on the layers around a convolution: ReLU, pooling and dropout."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ... import conv, kernel_catalogue, lesson, ui
from ..cache import figures
from ..text import t
from . import common

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator


RELU_KERNELS = ("sobel_vertical", "sobel_horizontal", "edges")


def relu(left: DeltaGenerator, right: DeltaGenerator) -> None:
    name = right.radio(
        t("Kernel"),
        RELU_KERNELS,
        horizontal=True,
        key="lesson_relu_kernel",
        format_func=lambda k: t(kernel_catalogue.get_kernel(k).title),
    )
    digit = common.digit(right, "lesson_relu_digit")  # (28, 28)
    before = conv.convolve(digit, kernel_catalogue.get_kernel(name).weights)  # (26, 26)
    after = lesson.relu(before)
    ui.chart(
        right,
        figures.feature_map_grid(
            np.stack([before, after]),
            max_cols=2,
            titles=[t("before ReLU"), t("after ReLU: max(0, x)")],
            title=t("A feature map of a test digit"),
        ),
        key="lesson_relu_maps",
        height=common.fit(2, 2),
        help=t(
            "Left the feature map before ReLU, right after it: blue is positive, red negative, white "
            "zero. ReLU turns every red cell white (0) and leaves the blue ones as they were; each map "
            "has its own colour range."
        ),
    )
    negative, zero = int((before < 0).sum()), int((before == 0).sum())
    right.markdown(
        t(
            "{neg} of {n} values were negative and are now 0; {pos} positive values pass unchanged "
            "({zero} were 0 already).",
            neg=negative,
            n=before.size,
            pos=int((before > 0).sum()),
            zero=zero,
        )
    )
    left.caption(
        t(
            "Red and blue are values of opposite sign, white is zero. After ReLU only one sign is left: "
            "where the kernel's pattern is present."
        )
    )


def pooling(left: DeltaGenerator, right: DeltaGenerator) -> None:
    a, b = right.columns(2)
    kind = a.radio(
        t("Pooling"),
        list(conv.POOL_KINDS),
        horizontal=True,
        key="lesson_pool_kind",
        format_func=lambda k: {"max": t("max"), "avg": t("average"), "l2": t("L2")}[k],
    )
    size = b.select_slider(t("Window"), [2, 3, 4], value=2, key="lesson_pool_size")
    digit = common.digit(right, "lesson_pool_digit")  # (28, 28)
    out = conv.pool(digit, kind, size)
    if kind in ("max", "avg"):  # figures.pooling_view draws these two kinds
        ui.chart(
            right,
            figures.pooling_view(digit, out, kind, size, size),
            key="lesson_pool_fig",
            help=t(
                "Left the input, right the pooled output, each from black (lowest value) to white "
                "(highest), with the values printed when the map is small. The orange squares mark one "
                "pooling window and the output cell it becomes."
            ),
        )
    else:
        ui.chart(
            right,
            figures.image(out, title=t("L2 pool {k}×{k} → {h}×{w}", k=size, h=out.shape[0], w=out.shape[1])),
            key="lesson_pool_fig",
            help=t(
                "The digit after L2 pooling: each cell is the L2 norm of one window, the square root "
                "of the sum of its squared values. Black is the lowest value and white the highest; "
                "the bar on the right gives the scale."
            ),
        )
    every = np.stack([conv.pool(digit, k, size) for k in conv.POOL_KINDS])  # (3, OH, OW)
    ui.chart(
        right,
        figures.feature_map_grid(
            every, titles=[t("max"), t("average"), t("L2")], max_cols=3, title=t("The three kinds side by side")
        ),
        key="lesson_pool_all",
        height=common.fit(3, 3),
        help=t(
            "The same digit pooled three ways with the same window: by each window's largest value, "
            "its mean and its L2 norm. Black is low and white high, each map on its own range, so "
            "compare shapes: max keeps thin strokes bright, average blurs them."
        ),
    )
    left.caption(
        t(
            "{h}×{w} values became {oh}×{ow}: each output cell stands for one {k}×{k} window, by its "
            "largest value, its mean or its L2 norm.",
            h=digit.shape[0],
            w=digit.shape[1],
            oh=out.shape[0],
            ow=out.shape[1],
            k=size,
        )
    )


def _new_mask() -> None:
    st.session_state["lesson_dropout_draw"] = st.session_state.get("lesson_dropout_draw", 0) + 1


def dropout(left: DeltaGenerator, right: DeltaGenerator) -> None:
    a, b = right.columns([2, 1], vertical_alignment="bottom")
    p = a.slider(t("Drop probability p"), 0.0, 0.9, 0.5, 0.1, key="lesson_dropout_p")
    b.button(t("New draw"), key="lesson_dropout_new", on_click=_new_mask, icon=":material/casino:", width="stretch")
    view = lesson.dropout_demo(p, st.session_state.get("lesson_dropout_draw", 0))
    # The mask drawn as ±1 puts all three maps on the diverging scale: zero is white, so silenced neurons
    # are white holes in the output and red cells in the mask.
    maps = np.stack([view.activations, 2 * view.mask - 1, view.output])  # (3, 8, 8)
    titles = [t("activations"), t("mask: blue kept, red dropped"), t("after dropout, ×{s}", s=f"{1.0 / (1.0 - p):.2f}")]
    ui.chart(
        right,
        figures.feature_map_grid(
            maps,
            titles=titles,
            max_cols=3,
            title=t("A dense layer of {n} neurons, one image in training", n=view.mask.size),
        ),
        key="lesson_dropout_fig",
        height=common.fit(3, 3),
        help=t(
            "Left the layer's activations, middle the random mask (blue kept, red dropped), right the "
            "output: kept values scaled up by 1/(1 − p), dropped ones 0. Blue is positive, red "
            "negative and white zero, so silenced neurons are white holes in the output."
        ),
    )
    right.markdown(
        t(
            "{kept} of {n} neurons kept. Mean output: {before} without dropout, {after} with this draw, "
            "{average} averaged over {draws} draws.",
            kept=view.kept,
            n=view.mask.size,
            before=f"{view.activations.mean():.3f}",
            after=f"{view.output.mean():.3f}",
            average=f"{view.mean_over_draws:.3f}",
            draws=f"{lesson.DRAWS:,}",
        )
    )
    left.caption(
        t(
            "White cells in the third map are the silenced neurons. Each press of New draw is another "
            "forward pass: another random set of neurons is silenced, and in a batch each image gets its own."
        )
    )
