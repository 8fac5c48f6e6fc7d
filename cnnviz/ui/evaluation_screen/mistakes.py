"""Evaluation, every misclassified test image, the most confident mistakes first."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ... import evaluate
from ..text import t
from .gallery import PAGE, gallery

if TYPE_CHECKING:
    from ...data import DataSplit


def all_mistakes(ev: evaluate.Evaluation, split: DataSplit) -> None:
    st.subheader(t("Misclassified test images"))
    if ev.n_wrong == 0:
        st.success(t("No test image was misclassified."))
    else:
        shown = evaluate.mistakes(ev, limit=st.session_state.get("ev_shown", PAGE))
        gallery(ev, split, shown, ev.n_wrong, "ev_shown", "ev_more", "ev_mistakes")
