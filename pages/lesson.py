"""Guided lesson: from one kernel to a 99% network, one step at a time, each beside a live widget."""

import streamlit as st

from cnnviz import lesson_steps, ui
from cnnviz.ui import t
from cnnviz.ui.lesson import RENDER

ui.ensure_navigation()

N_STEPS = len(lesson_steps.STEPS)


# ---------------------------------------------------------------- which step (session state <-> URL)


def _init_step() -> None:
    """Restore the step: the one this session last showed, else the URL's ?step=, else the first."""
    if st.session_state.get("lesson_step") in range(1, N_STEPS + 1):
        return
    # Streamlit forgets a widget's state on pages that do not draw it, hence the plain copy.
    st.session_state["lesson_step"] = (
        st.session_state.get("lesson_step_saved") or lesson_steps.parse_step(st.query_params.get("step")) or 1
    )


def _go(delta: int) -> None:
    st.session_state["lesson_step"] = min(max(st.session_state["lesson_step"] + delta, 1), N_STEPS)


def _step_label(number: int) -> str:
    return t("Step {n} of {total}: {title}", n=number, total=N_STEPS, title=t(lesson_steps.get_step(number).title))


PAGE_LABELS = {
    "pages/convolution.py": t("Open the Convolution screen"),
    "pages/architecture.py": t("Open the Architecture screen"),
    "pages/train.py": t("Open the Train screen"),
    "pages/kernels.py": t("Open the Kernels screen"),
    "pages/feature_maps.py": t("Open the Feature maps screen"),
    "pages/evaluation.py": t("Open the Evaluation screen"),
    "pages/experiment.py": t("Open the Experiment screen"),
}

# ---------------------------------------------------------------- layout

_init_step()
st.title(t("Guided lesson"))
st.caption(t("From one kernel to a network that reads 99% of handwritten digits, in {n} steps.", n=N_STEPS))

number = st.session_state["lesson_step"]
prev_col, pick_col, next_col = st.columns([1, 5, 1], vertical_alignment="bottom")
prev_col.button(
    t("Previous"),
    key="lesson_prev",
    on_click=_go,
    args=(-1,),
    disabled=number == 1,
    icon=":material/arrow_back:",
    width="stretch",
)
pick_col.selectbox(
    t("Step"), list(range(1, N_STEPS + 1)), key="lesson_step", format_func=_step_label, label_visibility="collapsed"
)
next_col.button(
    t("Next"),
    key="lesson_next",
    on_click=_go,
    args=(1,),
    disabled=number == N_STEPS,
    icon=":material/arrow_forward:",
    width="stretch",
)
st.progress(number / N_STEPS)
st.session_state["lesson_step_saved"] = number
if st.query_params.get("step") != str(number):
    st.query_params["step"] = str(number)

current = lesson_steps.get_step(number)
left_col, right_col = st.columns([2, 3], gap="large")
left_col.subheader(t("{n}. {title}", n=number, title=t(current.title)))
left_col.markdown(t(current.body))
left_col.page_link(current.page, label=PAGE_LABELS[current.page], icon=":material/open_in_new:")
RENDER[current.id](left_col, right_col)
