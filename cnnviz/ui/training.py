"""Starting trainings from the app (each in a process of its own, see `jobs`) and the screens' empty states."""
from __future__ import annotations

import streamlit as st

from .. import cost, data, jobs, runs, train
from ..loaded import LoadedRun
from ..train import config_for
from .cache import load_dataset, loaded_run
from .session import selected_run, session_owner
from .text import reason, t

QUICK_START = {"preset": "lenet5", "dataset": "mnist-sample", "epochs": 3}


def start_training(config, split: data.DataSplit | None = None) -> str | None:
    """Queue a training in a process of its own; remember it as the run this session watches.

    `split`: the dataset, loaded here first when the page has it (a folder dataset is converted once, with a
    progress bar, before the training process needs it).
    """
    try:
        if split is not None:
            train.check_fits(config, split)
        run_id = jobs.submit(config, owner=session_owner())
    except jobs.QueueFull as e:
        st.warning(t("Not started: you already have {n} trainings waiting or running, the most one session may "
                     "have. Wait for one to finish, or cancel one on the Train page.", n=e.count),
                   icon=":material/hourglass_top:")
        return None
    except (ValueError, OSError) as e:
        st.error(t("Training could not start: {reason}", reason=reason(e)))
        return None
    st.session_state["watch_run"] = run_id
    return run_id


def quick_start_button(key: str, switch_to_train: bool = True) -> None:
    """The one-click first training: LeNet-5 on the embedded MNIST sample, a few seconds on a laptop."""
    if st.button(t("Train LeNet-5 on the MNIST sample"), key=key, type="primary", icon=":material/play_arrow:"):
        split = load_dataset(QUICK_START["dataset"])
        run_id = start_training(config_for(QUICK_START["preset"], QUICK_START["dataset"],
                                           epochs=QUICK_START["epochs"]), split)
        if run_id and switch_to_train:
            st.switch_page("pages/train.py")


def require_run() -> runs.RunInfo:
    """The selected run, or an explanation and a one-click training instead of the page."""
    run = selected_run()
    if run is None:
        st.info(t("This screen shows a trained network, and there is none yet. Train LeNet-5 on the built-in "
                  "MNIST sample (about 5 seconds), or pick a run in the sidebar once one has finished."))
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
