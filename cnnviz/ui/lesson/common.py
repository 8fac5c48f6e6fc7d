"""What the guided lesson's steps share: the step numbers they point to, test digits, live trainings and runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ... import data, lesson_steps, metrics, runs, ui
from ..cache import figures
from ...loaded import LoadedRun
from ...train import config_for
from ..text import t

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

SAMPLE = "mnist-sample"  # the lesson always trains and draws digits from the built-in sample: offline, seconds
LIVE_KEYS = {"lenet5": "lesson_run_lenet5", "deep-cnn": "lesson_run_deep", "mlp": "lesson_run_mlp"}


def goto(number: int) -> None:
    st.session_state["lesson_step"] = number


def number_of(step_id: str) -> int:
    """A step's number, for text that sends the learner to it (numbers move when steps are added)."""
    return lesson_steps.STEP_IDS.index(step_id) + 1


def fit(n: int, cols: int, width: int = 620) -> int:
    """Height in px for a grid of n square panels in the right column: the grid figures are sized for the
    full page width, and without this they leave empty bands above and below."""
    cols = max(1, min(n, cols))
    rows = -(-n // cols)
    return int(rows * (width / cols + 30) + 70)


def digit(container: DeltaGenerator, key: str) -> np.ndarray:
    """A test digit of the built-in sample, chosen by class: float (28, 28) in 0..1."""
    split = ui.load_dataset(SAMPLE)
    cls = container.selectbox(t("Test digit"), list(range(10)), index=7, key=key)
    image, _, _ = data.test_image(split, cls, 0)  # (1, 28, 28) uint8
    return image[0] / 255.0


def read_run(run_id: str | None) -> runs.RunInfo | None:
    if not run_id:
        return None
    try:
        return runs.read_run(run_id)
    except runs.RunError:
        return None


def use_run(run_id: str) -> None:
    st.session_state["run_id"] = run_id  # a callback runs before the sidebar draws its picker, so this is allowed


def curves(run_id: str, polling: bool) -> None:
    """Curves, progress and result of one run, read from the run store (a fragment while it trains)."""
    info = read_run(run_id)
    if info is None:
        st.warning(t("Run {run} is gone from the run store. Start a new one.", run=run_id))
        return
    history = metrics.read_history(run_id)
    if history["epoch"]:
        ui.chart(
            st,
            figures.training_curves(history, title=t("Run {run}", run=run_id)),
            key=f"lesson_curves_{run_id}",
            help=t(
                "Left the loss, right the accuracy, against the epoch (1 epoch = one pass over the "
                "training images). Blue is measured on the training images, orange on the validation "
                "images held back; the loss should fall and the accuracy rise, and a growing gap between "
                "blue and orange is a sign of overfitting."
            ),
        )
    if info.status == "queued":
        st.info(t("Waiting for a free training slot; it starts by itself."), icon=":material/schedule:")
    elif info.status in runs.ACTIVE:
        total = info.record.total_steps or 1
        done = (metrics.last_step(run_id) or {}).get("step", 0)
        st.progress(min(done / total, 1.0), text=t("Training: step {done} of {total}", done=done, total=total))
    elif info.status == "finished" and info.test_accuracy is not None:
        st.success(t("Finished: {acc} of the test digits recognised.", acc=f"{info.test_accuracy:.1%}"))
        if st.session_state.get("run_id") != run_id:
            st.button(
                t("Inspect this run in the next steps"),
                key=f"lesson_use_{run_id}",
                on_click=use_run,
                args=(run_id,),
                icon=":material/search:",
            )
    else:
        st.warning(
            t(
                "This run ended as {status}. {message}",
                status=ui.status_label(info.status),
                message=info.record.message or "",
            )
        )
    if polling and info.status not in runs.LIVE:
        st.rerun()  # redraw the whole step once, so the finished run is no longer polled


def live_training(container: DeltaGenerator, preset: str, epochs: int, button: str) -> None:
    """A button that trains `preset` on the sample in the background, then its live curves."""
    key = LIVE_KEYS[preset]
    info = read_run(st.session_state.get(key))
    running = info is not None and info.status in runs.LIVE
    if container.button(button, key=f"{key}_start", type="primary", disabled=running, icon=":material/play_arrow:"):
        with container:
            run_id = ui.start_training(config_for(preset, SAMPLE, epochs=epochs), ui.load_dataset(SAMPLE))
        if run_id:
            st.session_state[key] = run_id
            st.rerun()  # draw the button disabled while this run trains
    if info is None:
        container.info(t("Press the button to train. The curves appear here while it runs."))
        return
    with container:
        st.fragment(curves, run_every=1.0 if running else None)(info.run_id, running)


def need_run(container: DeltaGenerator) -> LoadedRun | None:
    """The run picked in the sidebar, loaded, or guidance on getting one."""
    run = ui.selected_run()
    if run is None:
        container.info(
            t(
                "This step looks inside a trained network, and there is none yet. Train LeNet-5 in "
                "step {n} (a few seconds); it is then picked in the sidebar by itself.",
                n=number_of("lenet5"),
            )
        )
        container.button(
            t("Go to step {n}", n=number_of("lenet5")),
            key="lesson_to_lenet5",
            on_click=goto,
            args=(number_of("lenet5"),),
            icon=":material/arrow_back:",
        )
        return None
    container.caption(
        t(
            "Run {run} · {dataset}. Pick another run in the sidebar.",
            run=run.run_id,
            dataset=ui.dataset_title(run.record.dataset, run.record.dataset_title),
        )
    )
    return ui.loaded_run(run)
