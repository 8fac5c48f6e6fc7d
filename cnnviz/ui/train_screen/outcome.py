"""Train, a run that ended: how it ended (finished, stopped, failed, interrupted), the time per epoch against the
estimate, the finished run to download (a PyTorch script, a report) and the screens that take it apart."""

from __future__ import annotations

import streamlit as st

from ... import export, progress, report, runs
from ...i18n import N_
from ..text import duration, reason, t
from ..training import select_trained_run

INSPECT_PAGES = (
    ("pages/kernels.py", N_("Kernels"), ":material/grid_view:"),
    ("pages/feature_maps.py", N_("Feature maps"), ":material/layers:"),
    ("pages/evaluation.py", N_("Evaluation"), ":material/fact_check:"),
)


def _export_button(run_id: str) -> None:
    """The finished run to take home: a standalone PyTorch script (`export.script`) that trains it again, and a
    one-page report (`report.report`)."""
    try:
        text = export.script(run_id)
    except ValueError as e:  # its image folder was moved away, or a hand-edited run.json
        st.caption(t("No PyTorch script for this run: {reason}", reason=reason(e)))
        return
    # The report evaluates the test set and embeds plotly.js (about 5 MB): made only when it is clicked, on a thread
    # of its own, so drawing this page stays cheap. That thread cannot read the session: the language goes along.
    lang = st.session_state.get("lang", "en")
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        t("Download as a PyTorch script"),
        data=text,
        file_name=f"{run_id}.py",
        mime="text/x-python",
        key=f"train_export_{run_id}",
        icon=":material/download:",
        on_click="ignore",
        help=t(
            "A standalone Python file that trains the same network again with plain PyTorch: "
            "the same data, settings and seed, no cnnviz needed."
        ),
    )
    row.download_button(
        t("Download the run report (HTML)"),
        data=lambda: report.report(run_id, lang),
        file_name=f"{run_id}.html",
        mime="text/html",
        key=f"train_report_{run_id}",
        icon=":material/description:",
        on_click="ignore",
        help=t(
            "One web page with this run's settings, training curves, first-layer kernels, "
            "confusion matrix, per-class accuracy and most confident mistakes. It opens in any "
            "browser, with no server and no internet connection."
        ),
    )


def outcome(run: runs.RunInfo) -> None:
    record = run.record
    acc = record.test_accuracy
    if run.status == "finished":
        st.success(
            t(
                "Finished: test accuracy {acc}, after {time} of training.",
                acc=f"{acc:.2%}" if acc is not None else "—",
                time=duration(record.train_seconds),
            ),
            icon=":material/check_circle:",
        )
        if times := progress.epoch_seconds(record):  # the builder's estimate, made before training, beside the truth
            st.caption(
                t(
                    "Time per epoch: estimated {estimate} before training, took {actual}.",
                    estimate=duration(times[0]),
                    actual=duration(times[1]),
                )
            )
        _export_button(run.run_id)
    elif run.status == "stopped":
        st.warning(
            t("Stopped: {message}.", message=record.message or "")
            + (" " + t("Test accuracy of the weights so far: {acc}.", acc=f"{acc:.2%}") if acc is not None else ""),
            icon=":material/stop_circle:",
        )
    elif run.status == "failed":
        st.error(
            t("Training failed: {message}", message=record.message or t("no reason was recorded")),
            icon=":material/error:",
        )
    elif run.status == "interrupted":
        st.warning(
            t("This run was interrupted (its process ended before it finished), so it has no final weights."),
            icon=":material/cancel:",
        )
    if record.has_weights:
        select_trained_run(run.run_id)
        with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
            st.markdown(t("**Take it apart:**"))
            for page, title, icon in INSPECT_PAGES:
                st.page_link(page, label=t(title), icon=icon)
