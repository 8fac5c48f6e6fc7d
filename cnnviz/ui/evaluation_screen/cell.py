"""Evaluation, one cell of the confusion matrix: a true and a predicted class (picked by a click on the matrix or
in two selectboxes), how many images it holds and their gallery."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ... import evaluate, ui
from ..text import t
from .gallery import PAGE, gallery

if TYPE_CHECKING:
    from ...data import DataSplit


def _take_click(event: object, names: list[str]) -> None:
    """A click on a cell picks it in the selectboxes, once per click (they stay free to change afterwards)."""
    points = list(getattr(getattr(event, "selection", None), "points", None) or [])
    if points:
        clicked = (str(points[0].get("y")), str(points[0].get("x")))
        if clicked != st.session_state.get("_ev_clicked") and clicked[0] in names and clicked[1] in names:
            st.session_state["ev_true"], st.session_state["ev_pred"] = names.index(clicked[0]), names.index(clicked[1])
        st.session_state["_ev_clicked"] = clicked


def cell_images(ev: evaluate.Evaluation, split: DataSplit, names: list[str], event: object) -> tuple[int, int, int]:
    """Returns: (true class, predicted class, number of images) of the cell shown."""
    _take_click(event, names)
    k = len(names)
    default_cell = evaluate.worst_confusion(ev.confusion)
    ui.keep_valid("ev_true", list(range(k)), default_cell[0])
    ui.keep_valid("ev_pred", list(range(k)), default_cell[1])
    a, b, c = st.columns([1, 1, 2], vertical_alignment="bottom")
    true_class = a.selectbox(t("True class"), list(range(k)), key="ev_true", format_func=lambda i: names[i])
    pred_class = b.selectbox(t("Predicted as"), list(range(k)), key="ev_pred", format_func=lambda i: names[i])
    cell_count = int(ev.confusion[true_class, pred_class])
    if true_class == pred_class:
        c.info(
            t(
                "{n} images of {name} were classified correctly. Pick two different classes to see a mistake.",
                n=cell_count,
                name=names[true_class],
            )
        )
        return true_class, pred_class, cell_count
    c.markdown(
        t(
            "**{n}** images of **{true}** were taken for **{pred}**.",
            n=cell_count,
            true=names[true_class],
            pred=names[pred_class],
        )
    )
    if st.session_state.get("_ev_cell") != (true_class, pred_class):  # a new cell starts at one page again
        st.session_state["_ev_cell"] = (true_class, pred_class)
        st.session_state["ev_cell_shown"] = PAGE
    limit = st.session_state.get("ev_cell_shown", PAGE)
    cell = evaluate.mistakes(ev, limit=limit, true_class=true_class, predicted_class=pred_class)
    gallery(ev, split, cell, cell_count, "ev_cell_shown", "ev_cell_more", "ev_cell_gallery")
    return true_class, pred_class, cell_count
