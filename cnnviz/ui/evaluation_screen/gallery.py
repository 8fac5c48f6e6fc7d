"""Evaluation: a gallery of misclassified test images with a "show more" button, for one cell and for all
mistakes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ... import ui
from ..cache import figures
from ..text import t

if TYPE_CHECKING:
    from ...data import DataSplit
    from ...evaluate import Evaluation

PAGE = 24  # images per gallery page ("show more" adds this many)


def _captions(ev: Evaluation, indices: list[int]) -> list[str]:
    names = ev.class_names
    return [
        t(
            "true {true} → {pred} ({conf:.0%})",
            true=names[ev.labels[i]],
            pred=names[ev.predictions[i]],
            conf=float(ev.confidence[i]),
        )
        for i in indices
    ]


def gallery(
    ev: Evaluation,
    split: DataSplit,
    indices: list[int],
    total: int,
    counter: str,
    button_key: str,
    chart_key: str,
    max_cols: int = 8,
) -> None:
    """A gallery of test images with 'true → predicted (confidence)' captions and a 'show more' button.

    Args: counter: the session key of how many images are shown, which the button raises by PAGE.
    """
    if not indices:
        st.info(t("No images here."))
        return
    st.caption(t("Showing {n} of {total}, most confident mistakes first.", n=len(indices), total=total))
    ui.chart(
        st,
        figures.image_gallery(ui.shown(split.x_test[indices].numpy()), _captions(ev, indices), max_cols=max_cols),
        key=chart_key,
        help=t(
            "Test images the network got wrong, the most confident mistakes first. Each caption reads "
            "true class → predicted class, with the network's probability for its wrong answer in "
            "brackets."
        ),
    )
    if len(indices) < total and st.button(t("Show more"), key=button_key, icon=":material/expand_more:"):
        st.session_state[counter] = st.session_state.get(counter, PAGE) + PAGE
        st.rerun()
