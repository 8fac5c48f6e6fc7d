"""Evaluation, compare with another run: one curve of both runs over the epochs, and the numbers that tell them
apart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ... import metrics, ui
from ..cache import figures
from ..text import t

if TYPE_CHECKING:
    from ...loaded import LoadedRun
    from ...record import RunRecord

METRICS = ("val_acc", "val_loss", "train_loss", "train_acc")


def _fmt(value: object, spec: str = "") -> str:
    return "–" if value is None else format(value, spec)


def _run_table(records: list[RunRecord]) -> dict[str, dict[str, str]]:
    """{run id: {row label: text}}: the numbers that tell two runs apart, from their records."""
    rows = {
        t("dataset"): lambda r: r.dataset,
        t("architecture"): lambda r: r.name,
        t("test accuracy"): lambda r: _fmt(r.test_accuracy, ".2%"),
        t("parameters"): lambda r: _fmt(r.params, ","),
        t("training time"): lambda r: "–" if r.train_seconds is None else t("{s:.1f} s", s=r.train_seconds),
        t("images per second"): lambda r: _fmt(r.images_per_second, ",.0f"),
        t("epochs"): lambda r: _fmt(r.epochs),
        t("optimiser"): lambda r: r.config.optimizer if r.config else "–",
        t("learning rate"): lambda r: _fmt(r.config.learning_rate if r.config else None, "g"),
        t("batch size"): lambda r: _fmt(r.config.batch_size if r.config else None),
    }
    return {r.run_id: {label: get(r) for label, get in rows.items()} for r in records}


def compare_runs(loaded: LoadedRun) -> None:
    """The last section: without another trained run it says so and stops the script (`st.stop`)."""
    st.subheader(t("Compare with another run"))
    others = [r for r in ui.usable_runs() if r.run_id != loaded.run_id]
    if not others:
        st.info(
            t(
                "There is no other trained run to compare with. Train another network on the Train page "
                "(a different preset, optimiser or number of epochs) and it appears here."
            )
        )
        st.stop()
    other_ids = [r.run_id for r in others]
    labels = {r.run_id: ui.run_label(r) for r in others}
    ui.keep_valid("ev_other", other_ids, other_ids[0])
    c1, c2 = st.columns([2, 1])
    other_id = c1.selectbox(t("Second run"), other_ids, key="ev_other", format_func=labels.get)
    metric = c2.selectbox(
        t("Curve"),
        list(METRICS),
        key="ev_metric",
        format_func=lambda m: {
            "val_acc": t("validation accuracy"),
            "val_loss": t("validation loss"),
            "train_loss": t("training loss"),
            "train_acc": t("training accuracy"),
        }[m],
    )
    other = next(r for r in others if r.run_id == other_id)
    histories = {loaded.run_id: metrics.read_history(loaded.run_id), other_id: metrics.read_history(other_id)}
    ui.chart(
        st,
        figures.compare_curves(histories, metric),
        key="ev_compare",
        help=t(
            "One line per run: the measure chosen above against the epoch (1 epoch = one pass over the "
            "training images). For accuracy higher is better, for loss lower is better; hover over the chart "
            "to compare the runs at one epoch."
        ),
    )
    st.table(_run_table([loaded.record, other.record]))
