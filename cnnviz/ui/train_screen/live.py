"""Train, watching a run: its progress, loss and accuracy curves and first-layer kernels, drawn once for a run
that ended, or polled while it trains, each part at the pace its data changes."""

from __future__ import annotations

import streamlit as st

from ... import jobs, kernels, metrics, progress, runs
from ..cache.training import snapshot_kernels_figure, training_curves_figure
from ..text import duration, plain, reason, t
from ..training import select_trained_run
from ..widgets import chart

SIDE_BY_SIDE_KERNELS = 16  # up to this many first-layer kernels sit beside the curves


def read(run_id: str) -> runs.RunInfo | None:
    """The run with its record, or None after saying why it cannot be shown (deleted, or damaged meanwhile)."""
    try:
        run = runs.read_run(run_id)
    except runs.RunError as e:
        st.warning(reason(e))
        return None
    if run.record is None:
        st.warning(t("damaged: {reason}", reason=plain(reason(run.damaged))))
        return None
    return run


def _kernels(run: runs.RunInfo, max_cols: int) -> None:
    convs = kernels.conv_layers(run.record.spec)
    if not convs:
        st.caption(t("This network has no convolution layer, so there are no kernels to watch."))
        return
    for snap in reversed(runs.list_snapshots(run.run_id)):  # the newest may still be being written: the one before
        title = t(
            "{layer} kernels at step {step:,} (epoch {epoch:.2f})",
            layer=convs[0],
            step=snap["step"],
            epoch=snap["epoch"],
        )
        if shown := snapshot_kernels_figure(run.run_id, snap, convs[0], max_cols, title=title):
            break
    else:
        st.caption(t("The first kernels appear with the first snapshot."))
        return
    fig, channels = shown
    chart(
        st,
        fig,
        width="stretch",
        config={"displayModeBar": False},
        help=(
            t(
                "Each square is one kernel of the first layer, drawn as a tiny colour picture: its red, "
                "green and blue slices become the picture's three colours, stretched to the kernel's own "
                "range. Bright parts are its largest weights and dark parts its lowest; a coloured blob "
                "means it reacts to that colour, a light-dark stripe to an edge."
            )
            if channels == 3
            else t(
                "Each square is one kernel, one cell per weight: blue is a positive weight, red a negative "
                "one, white zero. All kernels share one colour scale (the bar on the right), so the same "
                "colour means the same weight in every kernel."
            )
        ),
    )
    if channels not in (1, 3):
        st.caption(t("Showing input channel 0 of {n}.", n=channels))


def _progress(run: runs.RunInfo, records: list[dict]) -> None:
    live = run.status in runs.LIVE
    p = progress.of_run(run.record, records, live)
    st.progress(
        p.fraction,
        text=t(
            "Step {step:,} of {total:,} · epoch {epoch:.2f} of {epochs}",
            step=p.step,
            total=p.total_steps,
            epoch=p.epoch,
            epochs=p.epochs or "?",
        ),
    )
    cols = st.columns(5)
    cols[0].metric(t("Images per second"), f"{p.images_per_second:,.0f}" if p.images_per_second else "—")
    if live:
        cols[1].metric(t("Time left"), t("paused") if jobs.is_paused(run.run_id) else duration(p.seconds_left))
    else:
        cols[1].metric(t("Training time"), duration(p.train_seconds))
    cols[2].metric(t("Train loss"), "—" if p.train_loss is None else f"{p.train_loss:.4g}")
    cols[3].metric(t("Validation accuracy"), "—" if p.val_acc is None else f"{p.val_acc:.2%}")
    cols[4].metric(t("Learning rate"), "—" if p.lr is None else f"{p.lr:.2g}")


def _curves(run: runs.RunInfo, records: list[dict]) -> None:
    if any(r.get("kind") == "step" for r in records):
        chart(
            st,
            training_curves_figure(run.run_id, title=t("Loss and accuracy")),
            width="stretch",
            config={"displayModeBar": False},
            help=t(
                "Left the loss, right the accuracy, against the epoch (1 epoch = one pass over the "
                "training images). Blue is measured on the training images, orange on the validation "
                "images held back; the loss should fall and the accuracy rise, and a growing gap between "
                "blue and orange is a sign of overfitting."
            ),
        )
    elif run.status in runs.LIVE:
        st.info(t("Starting… the first curve points appear within a second or two."), icon=":material/hourglass_top:")
    else:
        st.caption(t("This run logged no metrics."))


def run_view(run: runs.RunInfo, live: bool) -> None:
    """Progress, curves and kernels of a run; `live`: each part polls the run store at its own pace."""
    first_conv = next((layer for layer in run.record.spec.layers if layer.type == "conv"), None)
    few = first_conv is None or first_conv.filters <= SIDE_BY_SIDE_KERNELS
    top = st.container()
    # a few kernels fit beside the curves; many get the full width below them, so each stays readable
    left, right = st.columns([3, 2], gap="medium") if few else (st.container(), st.container())
    max_cols = 4 if few else 8
    if not live:
        records = metrics.last_records(run.run_id)
        with top:
            _progress(run, records)
        with left:
            _curves(run, records)
        with right:
            _kernels(run, max_cols)
        return
    # Live, every part redraws at the pace its data changes: the numbers every second, the curves every two,
    # the kernels (about 20 snapshots a run) every five. Each redraw costs the server and every watching browser
    # CPU that the training shares, so a classroom watching must not redraw what did not change.
    with top:
        _live_progress(run.run_id)
    with left:
        _live_curves(run.run_id)
    with right:
        _live_kernels(run.run_id, max_cols)


@st.fragment(run_every=1.0)
def _live_progress(run_id: str) -> None:
    """The numbers, and the watch on the run's state: its end, or a pause from another tab, redraws the page."""
    run = read(run_id)
    if run is None:
        return
    if run.status not in runs.LIVE:
        if run.record.has_weights:
            select_trained_run(run_id)
        st.rerun(scope="app")  # the whole page again: outcome, links, and no more polling
    if jobs.is_paused(run_id) != st.session_state.get("_train_drawn_paused"):
        st.rerun(scope="app")  # paused or resumed from another tab: redraw the buttons too
    _progress(run, metrics.last_records(run_id))


@st.fragment(run_every=2.0)
def _live_curves(run_id: str) -> None:
    try:
        _curves(runs.read_run(run_id), metrics.last_records(run_id))
    except runs.RunError:
        pass  # deleted meanwhile: the progress above says so


@st.fragment(run_every=5.0)
def _live_kernels(run_id: str, max_cols: int) -> None:
    try:
        run = runs.read_run(run_id)
    except runs.RunError:
        return
    if run.record is not None:  # damaged meanwhile: the progress above says so
        _kernels(run, max_cols)


@st.fragment(run_every=0.5)
def live_starting(run_id: str) -> None:
    """Polls twice a second until the first metrics arrive, so the first curve appears as soon as it exists."""
    try:
        run = runs.read_run(run_id)
        started = bool(metrics.last_step(run_id)) or run.status not in runs.LIVE
    except runs.RunError:
        started, run = True, None
    if started:
        st.rerun(scope="app")  # the page again, now with the once-a-second view
    if run.status == "queued":
        listing = runs.list_runs()
        jobs.pump(listing)  # a training process that was killed cannot start the next one: any viewer does
        place = jobs.queue_position(run_id, listing)
        st.info(
            t(
                "Waiting in the queue: number {place} in line. It starts by itself when a training slot is free "
                "({slots} at a time on this server).",
                place=place or 1,
                slots=jobs.max_running(),
            ),
            icon=":material/schedule:",
        )
    else:
        st.info(t("Starting… the first curve points appear within a few seconds."), icon=":material/hourglass_top:")
