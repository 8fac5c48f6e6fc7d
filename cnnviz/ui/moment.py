"""The moment of training every inspection screen shows: one control at the top of each of those screens, shared
by them (move it on one, the others follow) and kept in the URL (?at=<step>), that moves kernels, feature maps,
predictions, the confusion matrix, the mistakes, attribution and the embedding map to a snapshot of the run
together, and plays training like a film."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import streamlit as st

from ..loaded import LoadedRun
from .text import t

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

CHOICE = "_moment_step"  # the step shown (None: the end of training), shared by every screen and every run
PLAYING = "_moment_playing"
FRAME_SECONDS = 1.0  # one snapshot per second while playing: about 20 seconds for a whole run


def _options(loaded: LoadedRun) -> list[int | None]:
    """Snapshot indices in training order, then None for the final weights; a last snapshot taken at the final
    step is the end of training itself and is not offered twice."""
    snaps = list(loaded.snapshots)
    if snaps and loaded.record.steps_done is not None and snaps[-1].step >= loaded.record.steps_done:
        snaps = snaps[:-1]
    return [s.index for s in snaps] + [None]


def _step(loaded: LoadedRun, index: int | None) -> int | None:
    return None if index is None else loaded.snapshots[index].step


def _nearest(loaded: LoadedRun, options: list[int | None], step: int | None) -> int | None:
    """The option showing `step` (a step of another run: the snapshot nearest to it; None: the end)."""
    if step is None:
        return None
    return min(
        options,
        key=lambda i: (
            abs((loaded.record.steps_done or 0) - step) if i is None else abs(loaded.snapshots[i].step - step)
        ),
    )


def moment_label(loaded: LoadedRun, index: int | None) -> str:
    """'step 1,250 · epoch 1.25', or 'end of training' for the final weights."""
    if index is None:
        return t("end of training")
    snap = loaded.snapshots[index]
    return t("step {step:,} · epoch {epoch:.2f}", step=snap.step, epoch=snap.epoch)


def _remember() -> None:
    """The slider moved: keep the step it shows (the widget's own state does not outlive its screen)."""
    st.session_state[CHOICE] = st.session_state["_moment_steps"][st.session_state["moment"]]


def _play_pressed() -> None:
    st.session_state[PLAYING] = st.session_state["moment_play"]
    st.session_state.pop("_moment_frame_at", None)


def moment(loaded: LoadedRun, where: DeltaGenerator | None = None) -> int | None:
    """Draw the moment-of-training control (at the top of the screen, or in `where`); the snapshot index it shows
    (None: the end of training).

    The moment is kept as a step, so it survives a change of screen, of run (the nearest snapshot) and a copied
    link. A run without snapshots has no control and always shows its end.
    """
    options = _options(loaded)
    if len(options) == 1:
        return None
    if CHOICE not in st.session_state:  # a link's first visit: ?at=<step>
        wanted = st.query_params.get("at", "end")
        st.session_state[CHOICE] = int(wanted) if wanted.isascii() and wanted.isdigit() else None
    index = _nearest(loaded, options, st.session_state[CHOICE])
    st.session_state["moment"] = index  # the widget shows the shared choice, whichever screen drew it last
    st.session_state["moment_play"] = bool(st.session_state.get(PLAYING))
    st.session_state["_moment_steps"] = {i: _step(loaded, i) for i in options}
    slider, play = (where or st).columns([5, 1], vertical_alignment="bottom")
    slider.select_slider(
        t("Moment of training"),
        options,
        key="moment",
        format_func=lambda i: moment_label(loaded, i),
        on_change=_remember,
        help=t(
            "Every inspection screen shows the network as it was at this moment of its "
            "training: move it back to see the random start, or press Play to watch it learn."
        ),
    )
    play.toggle(
        t("Play"),
        key="moment_play",
        on_change=_play_pressed,
        help=t("Play training like a film: one saved moment a second, from the start to the end."),
    )
    if st.session_state.get(PLAYING):
        with play:
            _player(options, index)
    shown = "end" if index is None else str(_step(loaded, index))
    if st.query_params.get("at") != shown:
        st.query_params["at"] = shown
    return index


@st.fragment(run_every=FRAME_SECONDS)
def _player(options: list[int | None], index: int | None) -> None:
    """While playing, the next moment once a second, the whole screen redrawn; it stops at the end of training."""
    last = st.session_state.get("_moment_frame_at", 0.0)
    if time.monotonic() - last < 0.9 * FRAME_SECONDS:
        return  # this run is the frame itself: wait for the timer
    position = options.index(index)
    if position == len(options) - 1:  # at the end: start again from the beginning when play is pressed there
        if st.session_state.get("_moment_frame_at"):
            st.session_state[PLAYING] = False
            st.session_state.pop("_moment_frame_at", None)
            st.rerun(scope="app")
        position = -1
    st.session_state["_moment_frame_at"] = time.monotonic()
    st.session_state[CHOICE] = st.session_state["_moment_steps"][options[position + 1]]
    st.rerun(scope="app")


def whole_network(loaded: LoadedRun, index: int | None, where: DeltaGenerator | None = None) -> int | None:
    """`index` for a view that runs the network at that moment; None (the end, said so) when the run's snapshots keep
    only its convolution kernels (networks over 500,000 parameters)."""
    if index is None or loaded.full_snapshots:
        return index
    (where or st).info(
        t(
            "This run is large (over 500,000 parameters), so its snapshots keep only the convolution "
            "kernels: the kernels move with the moment of training, but this view shows the end of "
            "training."
        ),
        icon=":material/history_toggle_off:",
    )
    return None
