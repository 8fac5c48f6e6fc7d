"""Train: choose data, network and settings, start a background run, and watch it learn live.

Every run trains in a process of its own behind a queue (`cnnviz.jobs`), so it goes on at full speed while the
user visits other screens, and even when the server restarts; this page only reads the run store (the tail of
metrics.jsonl, snapshots) about once a second while its run trains, and steers it through the run folder.
The screen's parts are in cnnviz/ui/train_screen/.
"""

import streamlit as st

from cnnviz import metrics, progress, runs, ui
from cnnviz.ui import t, train_screen

ui.ensure_navigation()

st.title(t("Train"))
st.caption(
    t(
        "Pick a dataset, a network and settings, then watch the loss fall and the first-layer kernels take "
        "shape. Runs keep training while you look at other screens."
    )
)
if st.session_state.pop("_train_started", False):
    st.toast(t("Training started"), icon=":material/model_training:")
train_screen.new_run(expanded=not st.session_state.get("train_seen_running"))  # folded once this session watches a run

st.subheader(t("Watch a run"))
if progress.live_runs(runs.list_runs()):
    with st.container(border=True):
        train_screen.jobs_panel()
watched = ui.watched_run()
if watched is None:
    st.info(
        t(
            "No runs yet. Choose the settings above and press Start training; LeNet-5 on the MNIST sample takes a "
            "few seconds. Runs trained on the command line (python -m cnnviz train) appear here too."
        ),
        icon=":material/info:",
    )
elif (current := train_screen.read(watched)) is None:
    st.stop()
elif current.status in runs.LIVE:
    st.session_state.setdefault("train_seen_running", set()).add(watched)
    train_screen.controls(current)
    if metrics.last_step(watched):
        train_screen.run_view(current, live=True)
    else:
        train_screen.live_starting(watched)
else:
    train_screen.outcome(current)
    train_screen.run_view(current, live=False)
