"""Shortcut lab, the experiment: the digit that carries the watermark, how the two runs are trained, and the four
test sets shown on one image each."""

from __future__ import annotations

import streamlit as st

from ... import shortcut, ui
from ..cache import figures
from ..text import t


def experiment_setup() -> int:
    """The digit picker, the experiment described and its test variants drawn; returns the marked digit."""
    sample = ui.load_dataset("mnist-sample")
    digits = list(range(len(sample.info.classes)))
    ui.keep_valid("sc_digit", digits, 7, url="digit")
    digit = st.selectbox(t("Digit that carries the watermark"), digits, key="sc_digit")
    st.markdown(
        t(
            "**The experiment.** Every training and test image of the digit {digit} gets a white square of {mark}×"
            "{mark} pixels in its top left corner. LeNet-5 trains on these images for {epochs} epochs; a control "
            "run trains the same way, from the same random weights, on the same images without the square. Both "
            "are then tested on four versions of the test set:",
            digit=digit,
            mark=shortcut.MARK,
            epochs=shortcut.EPOCHS,
        )
    )
    pictures, _ = shortcut.variant_examples(sample.x_test, sample.y_test, digit)
    ui.chart(
        st,
        figures.image_gallery(pictures, [t(v) for v in shortcut.VARIANTS], max_cols=4),
        key="sc_variants",
        help=t(
            "The same test image of the marked digit as in training, with the square taken away, and with the "
            "square moved to the opposite corner; last, an image of another digit with the square stamped on it, "
            "as every test image is in the fourth test."
        ),
    )
    return digit
