"""Train, steering: the buttons of a run that is training (pause, resume, stop, a new learning rate, cancel a
queued one) and the panel of every run queued or training on this machine."""

from __future__ import annotations

import streamlit as st

from ... import jobs, metrics, progress, runs, train_config
from ..text import duration, reason, t


def _steer(action, run_id: str, *args) -> None:
    """A control button's action; a run that ended meanwhile just says so."""
    try:
        action(run_id, *args)
    except runs.RunError as e:
        st.session_state["_train_control_error"] = reason(e)


def controls(run: runs.RunInfo) -> None:
    """Pause / resume / stop and a new learning rate, for a run that is training (in any process)."""
    if error := st.session_state.pop("_train_control_error", None):
        st.warning(error)
    if run.status == "queued":
        cols = st.columns([1.4, 4], vertical_alignment="center")
        cols[0].button(
            t("Cancel"),
            key="train_cancel",
            icon=":material/cancel:",
            width="stretch",
            on_click=_steer,
            args=(jobs.cancel, run.run_id),
        )
        return
    paused = st.session_state["_train_drawn_paused"] = jobs.is_paused(run.run_id)
    cols = st.columns([1, 1.3, 1.6, 0.8, 2.3], vertical_alignment="bottom")
    if paused:
        cols[0].button(
            t("Resume"),
            key="train_resume",
            icon=":material/play_arrow:",
            width="stretch",
            on_click=_steer,
            args=(jobs.resume, run.run_id),
        )
    else:
        cols[0].button(
            t("Pause"),
            key="train_pause",
            icon=":material/pause:",
            width="stretch",
            on_click=_steer,
            args=(jobs.pause, run.run_id),
        )
    if cols[1].button(
        t("Stop training"),
        key="train_stop",
        icon=":material/stop:",
        width="stretch",
        help=t("Stops after the current step; the weights so far are kept and can be inspected."),
    ):
        try:
            jobs.stop(run.run_id)
            st.toast(t("Stopping {run}…", run=run.run_id))
        except runs.RunError as e:
            st.error(reason(e))
    cols[2].text_input(
        t("New learning rate"),
        key="train_new_lr",
        placeholder="0.001",
        help=t("Replaces the schedule from the next step on."),
    )
    if cols[3].button(t("Set"), key="train_set_lr", width="stretch"):
        typed = st.session_state.get("train_new_lr", "")
        try:
            jobs.set_lr(run.run_id, train_config.parse_lr(typed, required=True))
            st.toast(t("Learning rate set to {lr}", lr=typed.strip()))
        except (ValueError, runs.RunError) as e:
            st.error(t("Cannot change the learning rate: {reason}", reason=reason(e)))
    if paused:
        cols[4].info(t("Paused"), icon=":material/pause:")


@st.fragment(run_every=2.0)
def jobs_panel() -> None:
    """Every run queued or training on this machine right now, with its progress; a click watches it."""
    listing = runs.list_runs()
    active = progress.live_runs(listing)
    if not active:
        st.rerun(scope="app")  # all done: render once more without polling
    jobs.pump(listing)
    queued = sum(r.status == "queued" for r in active)
    st.markdown(
        t(
            "**Training now**: {running} running, {queued} waiting (at most {slots} at a time)",
            running=len(active) - queued,
            queued=queued,
            slots=jobs.max_running(),
        )
    )
    for run in active:
        cols = st.columns([3, 4, 1], vertical_alignment="center")
        paused = run.status in runs.ACTIVE and jobs.is_paused(run.run_id)
        cols[0].caption(run.run_id + (" · " + t("paused") if paused else ""))
        if run.status == "queued":
            cols[1].caption(t("waiting: number {place} in line", place=jobs.queue_position(run.run_id, listing) or 1))
        else:
            p = progress.of_run(run.record, metrics.last_records(run.run_id), live=True)
            cols[1].progress(
                p.fraction, text=t("{pct:.0%} · {left} left", pct=p.fraction, left=duration(p.seconds_left))
            )
        if run.run_id != st.session_state.get("watch_run") and cols[2].button(
            t("Watch"), key=f"train_watch_{run.run_id}"
        ):
            st.session_state["watch_run"] = run.run_id
            st.rerun(scope="app")
