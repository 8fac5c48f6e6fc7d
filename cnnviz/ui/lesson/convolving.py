"""The guided lesson's steps on convolving: a kernel slid over an image, cross-correlation against convolution,
weight sharing, channels, and stride and padding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from ... import conv, formulas, kernel_catalogue, lesson, ui
from ..cache import figures
from ...i18n import N_
from ..text import t
from . import common

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator


XC_KERNELS = {
    "shift": (lesson.SHIFT_KERNEL, N_("one weight off centre")),  # translated when shown
    "sobel_vertical": (kernel_catalogue.get_kernel("sobel_vertical").weights, N_("vertical edges")),
    "gaussian_blur": (kernel_catalogue.get_kernel("gaussian_blur").weights, N_("blur (symmetric)")),
}


def kernel(left: DeltaGenerator, right: DeltaGenerator) -> None:
    out_h, out_w = conv.convolve(lesson.TINY_IMAGE, lesson.TINY_KERNEL).shape
    position = (
        right.slider(
            t("Kernel position"),
            1,
            out_h * out_w,
            1,
            key="lesson_kernel_pos",
            help=t("Move the 3×3 window over the 4×4 image, left to right, top to bottom."),
        )
        - 1
    )
    row, col = divmod(position, out_w)
    step = conv.conv_step(lesson.TINY_IMAGE, lesson.TINY_KERNEL, row, col)
    so_far = lesson.output_so_far(lesson.TINY_IMAGE, lesson.TINY_KERNEL, position)
    ui.chart(
        right,
        figures.conv_step(step.padded, step.kernel, step.position, step.products, step.value, so_far, (row, col)),
        key="lesson_kernel_fig",
        help=t(
            "From left: the input with the current window framed in orange, the kernel, each input "
            "value times the weight on it, and the output with the current cell framed. In the last "
            "three, blue is positive, red negative and white zero; grey output cells are not computed "
            "yet, and the title gives the sum of the products."
        ),
    )
    terms = " + ".join(
        f"{p:g}×{k:g}" if k >= 0 else f"{p:g}×({k:g})" for p, k in zip(step.window.ravel(), step.kernel.ravel())
    )
    right.markdown(
        t(
            "Output at row {row}, column {col}: {terms} = **{value}**",
            row=row,
            col=col,
            terms=terms.replace("-", "−"),
            value=f"{step.value:g}".replace("-", "−"),
        )
    )
    left.caption(
        t("Orange frames: the window on the input and the output value it makes. Grey cells are not computed yet.")
    )


def cross_correlation(left: DeltaGenerator, right: DeltaGenerator) -> None:
    name = right.radio(
        t("Kernel"),
        list(XC_KERNELS),
        horizontal=True,
        key="lesson_xc_kernel",
        format_func=lambda k: t(XC_KERNELS[k][1]),
    )
    kernel = XC_KERNELS[name][0]
    digit = common.digit(right, "lesson_xc_digit")  # (28, 28)
    ui.chart(
        right,
        figures.kernel_grid(
            np.stack([kernel, lesson.rotate_180(kernel)]),
            max_cols=2,
            titles=[t("as slid: cross-correlation"), t("rotated 180°: convolution")],
            title=t("The kernel, and the kernel a mathematician would slide"),
        ),
        key="lesson_xc_kernels",
        height=common.fit(2, 2, width=420),
        help=t(
            "Left the kernel as a CNN slides it, right the same kernel turned by 180°, as the "
            "mathematical convolution uses it; one cell per weight, blue positive, red negative, white "
            "zero. A kernel that looks the same both ways gives the same map both ways."
        ),
    )
    maps = np.stack([conv.convolve(digit, kernel), lesson.true_convolution(digit, kernel)])  # (2, OH, OW)
    ui.chart(
        right,
        figures.feature_map_grid(
            maps,
            max_cols=2,
            titles=[t("cross-correlation (what CNNs compute)"), t("convolution (kernel rotated)")],
            title=t("The same digit through both"),
        ),
        key="lesson_xc_maps",
        height=common.fit(2, 2),
        help=t(
            "The same digit through the kernel as it is (left) and through the turned kernel (right). "
            "Blue is positive, red negative and white zero (grey, from black to white, when no value "
            "is negative); each map has its own colour range, so look for where the two differ."
        ),
    )
    gap = float(np.abs(maps[0] - maps[1]).max())
    right.markdown(
        t("The two maps are identical: this kernel looks the same after a 180° turn.")
        if gap < 1e-9
        else t("The two maps differ by up to {gap} per pixel.", gap=f"{gap:.3g}")
    )
    left.caption(t("PyTorch's F.conv2d gives exactly the left map; the tests of this explorer check it."))


def shared_weights(left: DeltaGenerator, right: DeltaGenerator) -> None:
    maps = lesson.shared_weight_maps(lesson.TINY_KERNEL, lesson.TINY_IMAGE.shape)  # (4, 4, 4)
    ui.chart(
        right,
        figures.kernel_grid(
            maps,
            titles=[t("neuron {i}", i=i + 1) for i in range(len(maps))],
            max_cols=4,
            title=t("The 4 conv neurons as weights over the 16 pixels"),
        ),
        key="lesson_shared_fig",
        height=common.fit(4, 4),
        help=t(
            "Each square is one of the 4 output neurons, drawn over the 16 input pixels: a cell's "
            "colour is the weight that neuron gives that pixel (blue positive, red negative). White "
            "cells are pixels it does not see at all; all four hold the same 9 weights, only shifted."
        ),
    )
    right.caption(t("The same 9 weights in every neuron, only shifted; white pixels have no weight at all."))
    comparisons = formulas.lesson_comparisons()
    top = max(c.dense.total for c in comparisons)
    table = pd.DataFrame(
        {
            t("Image"): [f"{c.image_shape[0]}×{c.image_shape[1]}" for c in comparisons],
            t("Outputs"): [c.dense_units for c in comparisons],
            t("Dense layer"): [c.dense.total for c in comparisons],
            t("Conv layer"): [c.conv.total for c in comparisons],
            t("Kernels"): [c.conv.biases for c in comparisons],
        }
    )
    bar = dict(format="localized", min_value=0, max_value=top)
    right.dataframe(
        table,
        hide_index=True,
        key="lesson_params_table",
        column_config={
            t("Dense layer"): st.column_config.ProgressColumn(
                t("Dense layer"), **bar, help=t("Parameters of a dense layer with that many outputs")
            ),
            t("Conv layer"): st.column_config.ProgressColumn(
                t("Conv layer"), **bar, help=t("Parameters of the 3×3 conv kernels, biases included")
            ),
        },
    )
    digit = comparisons[2]
    left.markdown(
        t(
            "For a 28×28 digit and 4 outputs, a dense layer needs **{dense}** parameters; one 3×3 kernel "
            "needs **{conv}**, whatever the image size.",
            dense=f"{digit.dense.total:,}",
            conv=f"{digit.conv.total:,}",
        )
    )
    left.caption(
        t(
            "The table's first row is the 4×4 example: {dense} against {conv}.",
            dense=comparisons[0].dense.total,
            conv=comparisons[0].conv.total,
        )
    )


def channels(left: DeltaGenerator, right: DeltaGenerator) -> None:
    image = lesson.rgb_image()  # (3, 16, 16)
    a, b = right.columns([1, 2])
    ui.chart(
        a,
        figures.image_gallery(image.transpose(1, 2, 0)[None], [t("input, 3 channels")]),
        key="lesson_rgb_input",
        help=t(
            "The picture the network is given, one square per pixel. Hover over a pixel to read its row, "
            "column and value; a grey picture runs from black (its darkest pixel) to white (its "
            "brightest)."
        ),
    )
    ui.chart(
        b,
        figures.kernel_grid(
            lesson.RGB_KERNEL,
            titles=[t("red slice"), t("green slice"), t("blue slice")],
            shared_scale=False,
            max_cols=3,
            title=t("One 3×3×3 kernel"),
        ),
        key="lesson_rgb_kernel",
        height=common.fit(3, 3, width=400),
        help=t(
            "The three slices of one 3×3×3 kernel, one per colour channel, one cell per weight: blue is "
            "positive, red negative, white zero. Each slice has its own colour range."
        ),
    )
    maps = lesson.channel_contributions(image, lesson.RGB_KERNEL)  # (4, 14, 14)
    ui.chart(
        right,
        figures.feature_map_grid(
            maps,
            titles=[t("from red"), t("from green"), t("from blue"), t("sum: the output")],
            max_cols=4,
            title=t("Each slice filters its channel; the sum is one map"),
        ),
        key="lesson_rgb_maps",
        height=common.fit(4, 4),
        help=t(
            "The first maps show what each kernel slice makes of its own colour channel; the last adds "
            "them up (plus the bias, if any) into the layer's one output map. Blue is positive, red "
            "negative and white zero (grey maps, from black to white, when no value is negative), and "
            "each map has its own colour range."
        ),
    )
    f, d, m = right.columns(3)
    size = f.select_slider(t("Kernel size F"), [1, 3, 5, 7], value=3, key="lesson_rgb_f")
    depth = d.slider(t("Input channels D"), 1, 64, 3, key="lesson_rgb_d")
    filters = m.slider(t("Kernels M"), 1, 64, 1, key="lesson_rgb_m")
    count = formulas.conv_params(size, size, depth, filters)
    right.markdown(t("Parameters: (F×F×D+1)×M = {formula}", formula=count.explanation))


def stride_padding(left: DeltaGenerator, right: DeltaGenerator) -> None:
    cols = right.columns(4)
    size_i = cols[0].slider(t("Input I"), 3, 28, 28, key="lesson_sp_i")
    size_f = cols[1].slider(t("Kernel F"), 1, 7, 3, key="lesson_sp_f")
    stride = cols[2].slider(t("Stride S"), 1, 4, 1, key="lesson_sp_s")
    padding = cols[3].slider(t("Padding P"), 0, 3, 0, key="lesson_sp_p")
    try:
        size = formulas.output_size(size_i, size_f, stride, padding)
    except ValueError as e:
        right.warning(t("These settings do not fit: {reason}", reason=ui.reason(e)))
        return
    right.markdown(f"**{size.explanation}**")
    kind = lesson.padding_name(size_i, size_f, stride, padding)
    if kind:
        right.markdown(t("This is **{kind}** padding.", kind={"valid": t("valid"), "same": t("same")}[kind]))
    coverage = lesson.window_coverage(size_i, size_f, stride, padding)  # (I, I)
    right.markdown(
        t(
            "A corner pixel is inside {corner} window(s), the centre pixel inside {centre}.",
            corner=int(coverage[0, 0]),
            centre=int(coverage[size_i // 2, size_i // 2]),
        )
    )
    with right.expander(t("How many windows see each input pixel")):
        ui.chart(
            st,
            figures.heatmap(
                coverage,
                range(size_i),
                range(size_i),
                colorscale="Blues",
                text_fmt="d" if size_i <= 14 else None,
                title=t(
                    "Windows containing each pixel, I={i}, F={f}, S={s}, P={p}", i=size_i, f=size_f, s=stride, p=padding
                ),
            ),
            key="lesson_sp_coverage",
            help=t(
                "A coverage map: one cell per input pixel, counting how many kernel windows contain it "
                "(printed when the input is small). Darker blue means more windows; without padding the "
                "border pixels are seen by fewer windows than the centre."
            ),
        )
    digit = lesson.centre_crop(common.digit(right, "lesson_sp_digit"), size_i)  # (I, I)
    kernel = lesson.box_kernel(size_f)
    out = conv.convolve(digit, kernel, stride, padding)
    ui.chart(
        right,
        figures.kernel_applied(
            digit,
            kernel,
            out,
            title=t("The centre {i}×{i} of a test digit, averaged by an {f}×{f} kernel", i=size_i, f=size_f),
        ),
        key="lesson_sp_fig",
        help=t(
            "Left the input (black is its darkest value, white its brightest), middle the kernel with "
            "its weights printed, right the output map. In the kernel, and in an output with negative "
            "values, blue is positive, red negative and white zero; an output without negative values "
            "is drawn in grey like an image."
        ),
    )
    left.caption(
        t(
            "The kernel here just averages its window, so the output looks like a blurred, smaller digit. "
            "Only its size matters in this step."
        )
    )
