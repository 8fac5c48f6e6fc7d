"""The guided lesson's steps on the mechanics: a kernel, cross-correlation, weight sharing, channels, stride and
padding, ReLU, pooling, dropout, and the gradient of a kernel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from ... import conv, figures, lesson, ui
from ...i18n import N_
from ..text import t
from . import common

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator


XC_KERNELS = {
    "shift": (lesson.SHIFT_KERNEL, N_("one weight off centre")),  # translated when shown
    "sobel_vertical": (conv.get_kernel("sobel_vertical").weights, N_("vertical edges")),
    "gaussian_blur": (conv.get_kernel("gaussian_blur").weights, N_("blur (symmetric)")),
}


RELU_KERNELS = ("sobel_vertical", "sobel_horizontal", "edges")


GRAD_KEY = "lesson_grad_kernel"


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
    comparisons = conv.lesson_comparisons()
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
    count = conv.conv_params(size, size, depth, filters)
    right.markdown(t("Parameters: (F×F×D+1)×M = {formula}", formula=count.explanation))


def stride_padding(left: DeltaGenerator, right: DeltaGenerator) -> None:
    cols = right.columns(4)
    size_i = cols[0].slider(t("Input I"), 3, 28, 28, key="lesson_sp_i")
    size_f = cols[1].slider(t("Kernel F"), 1, 7, 3, key="lesson_sp_f")
    stride = cols[2].slider(t("Stride S"), 1, 4, 1, key="lesson_sp_s")
    padding = cols[3].slider(t("Padding P"), 0, 3, 0, key="lesson_sp_p")
    try:
        size = conv.output_size(size_i, size_f, stride, padding)
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


def relu(left: DeltaGenerator, right: DeltaGenerator) -> None:
    name = right.radio(
        t("Kernel"),
        RELU_KERNELS,
        horizontal=True,
        key="lesson_relu_kernel",
        format_func=lambda k: t(conv.get_kernel(k).title),
    )
    digit = common.digit(right, "lesson_relu_digit")  # (28, 28)
    before = conv.convolve(digit, conv.get_kernel(name).weights)  # (26, 26)
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


def _grad_reset() -> None:
    st.session_state[GRAD_KEY] = np.zeros((3, 3)).tolist()
    st.session_state["lesson_grad_losses"] = []


def _grad_steps(steps: int) -> None:
    kernel = np.array(st.session_state[GRAD_KEY])
    losses = st.session_state["lesson_grad_losses"]
    for _ in range(steps):
        kernel = lesson.descend(kernel, st.session_state["lesson_grad_lr"])
        losses.append(lesson.kernel_gradient(lesson.GRADIENT_IMAGE, kernel, lesson.GRADIENT_TARGET).loss)
    st.session_state[GRAD_KEY] = kernel.tolist()


def kernel_gradient(left: DeltaGenerator, right: DeltaGenerator) -> None:
    if GRAD_KEY not in st.session_state:
        _grad_reset()
    kernel = np.array(st.session_state[GRAD_KEY])  # (3, 3)
    image, target = lesson.GRADIENT_IMAGE, lesson.GRADIENT_TARGET
    g = lesson.kernel_gradient(image, kernel, target)
    a, b, c, d = right.columns([2, 1, 1, 1], vertical_alignment="bottom")
    a.select_slider(t("Learning rate"), lesson.LEARNING_RATES, value=0.05, key="lesson_grad_lr")
    diverged = not np.isfinite(g.loss) or g.loss > 1e12
    b.button(t("One step"), key="lesson_grad_one", on_click=_grad_steps, args=(1,), disabled=diverged, width="stretch")
    c.button(
        t("Ten steps"), key="lesson_grad_ten", on_click=_grad_steps, args=(10,), disabled=diverged, width="stretch"
    )
    d.button(t("Start again"), key="lesson_grad_reset", on_click=_grad_reset, width="stretch")
    losses = [lesson.kernel_gradient(image, np.zeros((3, 3)), target).loss] + st.session_state["lesson_grad_losses"]
    right.markdown(
        t(
            "After {steps} step(s): loss ½·Σ(output − target)² = **{loss}**; the centre weight's gradient is {g}.",
            steps=len(losses) - 1,
            loss=f"{g.loss:.4g}",
            g=f"{g.gradient[1, 1]:.4g}",
        )
    )
    ui.chart(
        right,
        figures.kernel_applied(image, kernel, g.output, title=t("The 6×6 input, the kernel now, its output")),
        key="lesson_grad_applied",
        help=t(
            "Left the input (black is its darkest value, white its brightest), middle the kernel with "
            "its weights printed, right the output map. In the kernel, and in an output with negative "
            "values, blue is positive, red negative and white zero; an output without negative values "
            "is drawn in grey like an image."
        ),
    )
    ui.chart(
        right,
        figures.number_grids(
            [target, g.error, g.gradient],
            [t("target output"), t("error = output − target"), t("gradient of each weight")],
        ),
        key="lesson_grad_numbers",
        help=t(
            "Three small grids, every value printed: the output the kernel should give, the error "
            "(output minus target) and the gradient of the loss for each of the 9 weights. Blue is "
            "positive, red negative, white zero, each grid on its own range; a step moves each weight "
            "against its gradient."
        ),
    )
    if len(losses) > 1:
        ui.chart(
            right,
            figures.loss_steps(losses, title=t("Loss after each step")),
            key="lesson_grad_losses",
            help=t(
                "The loss after each step of gradient descent (step 0: the starting kernel of zeros); "
                "lower is better. The axis turns logarithmic when the loss spans more than a factor of "
                "100, and a line that climbs means the learning rate is too large."
            ),
        )
    if diverged:
        right.warning(t("The steps were too large and the loss exploded. Start again with a smaller learning rate."))
    left.caption(
        t(
            "Each step moves every weight against its own gradient. The loss falls fast at first, then "
            "slowly; with the largest rate the steps overshoot and the loss grows. The gradients here are the "
            "ones autograd computes: the tests check them against PyTorch."
        )
    )
    with left.expander(t("The kernel that made the target")):
        ui.chart(
            st,
            figures.kernel_grid(lesson.GRADIENT_KERNEL[None], max_cols=1),
            key="lesson_grad_answer",
            height=common.fit(1, 1, width=220),
            help=t(
                "The 3×3 kernel that made the target output, one cell per weight: blue positive, red "
                "negative, white zero, with the bar giving the scale. The steps above should bring your "
                "kernel close to it."
            ),
        )
