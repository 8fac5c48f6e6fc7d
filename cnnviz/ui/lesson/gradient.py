"""The guided lesson's step on learning: the gradient of a kernel's weights, and gradient descent step by step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ... import lesson, ui
from ..cache import figures
from ..text import t
from . import common

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator


GRAD_KEY = "lesson_grad_kernel"


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
