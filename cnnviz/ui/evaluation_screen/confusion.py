"""Evaluation, the confusion matrix (a click on a cell picks it below) beside the accuracy of each class."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ... import ui
from ..cache import figures
from ..text import t

if TYPE_CHECKING:
    from ...evaluate import Evaluation


def confusion(ev: Evaluation, names: list[str]) -> object:
    """Returns: the confusion matrix chart's selection event (`cell_images` reads the clicked cell from it)."""
    st.subheader(t("Confusion matrix"))
    st.markdown(
        t(
            "Rows are the true classes, columns what the network said. The diagonal is right; every other "
            "cell is one kind of mistake. Pick a cell below the matrix to see its images."
        )
    )
    left, right = st.columns([1.1, 1])
    with left:
        normalize = st.toggle(t("Row percentages instead of counts"), key="ev_normalize")
        event = ui.chart(
            st,
            figures.confusion_matrix(ev.confusion, names, normalize=normalize),
            key="ev_confusion",
            on_select="rerun",
            selection_mode="points",
            help=t(
                "Rows are the true classes, columns the classes the network predicted; each cell "
                "counts the test images of its row's class that were taken for its column's class "
                "(or their share of the row, with percentages on). The diagonal holds the right "
                "answers, and the darker a cell off it, the more common that mistake. Click a cell to "
                "see its images below."
            ),
        )
    with right:
        _per_class(ev, names)
    return event


def _per_class(ev: Evaluation, names: list[str]) -> None:
    best, worst = ev.best_class, ev.worst_class
    st.markdown(
        t(
            "**Accuracy per class.** Best: **{best}** ({best_acc:.2%}). Worst: **{worst}** ({worst_acc:.2%}).",
            best=names[best],
            best_acc=float(ev.per_class_accuracy[best]),
            worst=names[worst],
            worst_acc=float(ev.per_class_accuracy[worst]),
        )
    )
    ui.chart(
        st,
        figures.per_class_accuracy(ev.per_class_accuracy, names),
        key="ev_per_class",
        help=t(
            "One bar per class: the share of that class's test images the network got right. The best "
            "class is green and the worst red; a short bar is a class the network finds hard."
        ),
    )
