"""Starting trainings from the app (each in a process of its own, see `jobs`), the run the Train screen watches,
and the screens' empty states."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from .. import cost, data, jobs, metrics, progress, runs
from ..fits import check_fits
from ..loaded import LoadedRun
from ..train import config_for
from ..train_config import TrainConfig
from .cache.loading import load_dataset, loaded_run
from .session import selected_run, session_owner
from .text import reason, t

QUICK_START = {"preset": "lenet5", "dataset": "mnist-sample", "epochs": 3}


def start_training(config: TrainConfig, split: data.DataSplit | None = None) -> str | None:
    """Queue a training in a process of its own; remember it as the run this session watches.

    `split`: the dataset, loaded here first when the page has it (a folder dataset is converted once, with a
    progress bar, before the training process needs it).
    """
    try:
        if split is not None:
            check_fits(config, split)
        run_id = jobs.submit(config, owner=session_owner())
    except jobs.QueueFull as e:
        st.warning(
            t(
                "Not started: you already have {n} trainings waiting or running, the most one session may "
                "have. Wait for one to finish, or cancel one on the Train page.",
                n=e.count,
            ),
            icon=":material/hourglass_top:",
        )
        return None
    except (ValueError, OSError) as e:
        st.error(t("Training could not start: {reason}", reason=reason(e)))
        return None
    st.session_state["watch_run"] = run_id
    return run_id


def watched_run() -> str | None:
    """The run picker of the Train screen: the run this session started last (`start_training`), the one a reload
    watched (?watch= in the address bar), or any run the user picks; None when the store has no usable run."""
    listing = [r for r in runs.list_runs() if not r.damaged]
    ids = [r.run_id for r in listing]
    if "watch_run" not in st.session_state and st.query_params.get("watch") in ids:
        st.session_state["watch_run"] = st.query_params.get("watch")  # a reload keeps watching the same run
    watch = st.session_state.get("watch_run")
    if watch not in ids:
        watch = ids[0] if ids else None
        st.session_state["watch_run"] = watch
    if not ids:
        return None
    if st.session_state.get("train_watch") != watch:
        st.session_state["train_watch"] = watch
    # a label that never changes while a run trains (a changing one would leave the picker showing a stale text)
    labels = {r.run_id: f"{r.run_id} · {r.record.dataset}" for r in listing}
    st.columns([2, 1])[0].selectbox(
        t("Run to watch"),
        ids,
        key="train_watch",
        format_func=labels.get,
        on_change=lambda: st.session_state.update(watch_run=st.session_state["train_watch"]),
    )
    if st.query_params.get("watch") != watch:
        st.query_params["watch"] = watch
    return watch


def select_trained_run(run_id: str) -> None:
    """Make a run this session watched training the sidebar's run to inspect, once it has weights.

    Checked again on the next script runs: a browser poll already in flight can carry the sidebar's old choice
    back and undo the change. Once the sidebar shows the run, the user's own later choice is left alone.
    """
    if run_id not in st.session_state.get("train_seen_running", set()):
        return  # a run that finished before this session watched it: the sidebar keeps the user's choice
    confirmed = st.session_state.setdefault("train_selected", set())
    tries = st.session_state.setdefault("train_select_tries", {})
    if run_id in confirmed:
        return
    if st.session_state.get("run_id") == run_id or tries.get(run_id, 0) >= 3:
        confirmed.add(run_id)
        return
    tries[run_id] = tries.get(run_id, 0) + 1
    try:
        st.session_state["run_id"] = run_id
    except StreamlitAPIException:
        # the sidebar's picker already ran in this script run: reset it, then run again with the new choice
        del st.session_state["run_id"]
        st.session_state["run_id"] = run_id
    st.rerun(scope="app")


def quick_start_button(key: str, switch_to_train: bool = True) -> None:
    """The one-click first training: LeNet-5 on the embedded MNIST sample, a few seconds on a laptop."""
    if st.button(t("Train LeNet-5 on the MNIST sample"), key=key, type="primary", icon=":material/play_arrow:"):
        split = load_dataset(QUICK_START["dataset"])
        run_id = start_training(
            config_for(QUICK_START["preset"], QUICK_START["dataset"], epochs=QUICK_START["epochs"]), split
        )
        if run_id and switch_to_train:
            st.switch_page("pages/train.py")


@st.fragment(run_every=1)
def live_progress(run_id: str) -> None:
    """A run training for a screen (a lab's partner, a twin) as a progress bar that follows it; the whole screen
    runs again when the training ends, so what needed the run appears."""
    info = runs.read_run(run_id)
    if info.status not in runs.LIVE or info.record is None:
        st.rerun(scope="app")
    done = progress.of_run(info.record, metrics.last_records(run_id), live=True).fraction
    st.progress(done, text=t("Training {run}: {p:.0%}", run=run_id, p=done))


def require_run() -> runs.RunInfo:
    """The selected run, or an explanation and a one-click training instead of the page."""
    run = selected_run()
    if run is None:
        st.info(
            t(
                "This screen shows a trained network, and there is none yet. Train LeNet-5 on the built-in "
                "MNIST sample (about 5 seconds), or pick a run in the sidebar once one has finished."
            )
        )
        quick_start_button(key="quick_start_empty")
        st.stop()
    return run


def require_loaded() -> LoadedRun:
    """The selected run loaded (network, dataset, snapshots), or the empty state instead of the page."""
    return loaded_run(require_run())


def calibration() -> dict:
    """This machine's calibration for the app's training processes, measured with a progress bar if missing."""
    threads = jobs.train_threads()
    cal = cost.cached_calibration(threads)
    if cal is None:
        label = t("Measuring this computer's speed, once (about 10 seconds)…")
        bar = st.progress(0.0, text=label)
        cal = cost.calibration(threads, progress=lambda f: bar.progress(min(f, 1.0), text=label))
        bar.empty()
    return cal
