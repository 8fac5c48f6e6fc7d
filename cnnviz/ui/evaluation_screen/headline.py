"""Evaluation, the headline numbers: test accuracy, mistakes, loss and parameters, and the one-sentence report."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ... import evaluate
from ..text import t

if TYPE_CHECKING:
    from ...loaded import LoadedRun


def headline(loaded: LoadedRun, ev: evaluate.Evaluation) -> None:
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("Test accuracy"), f"{ev.accuracy:.2%}")
    m2.metric(t("Misclassified"), f"{ev.n_wrong:,} / {ev.n_test:,}")
    m3.metric(t("Test loss"), f"{ev.loss:.4f}")
    m4.metric(t("Parameters"), f"{loaded.record.params or 0:,}")
    st.markdown(evaluate.report(ev, tr=t))
