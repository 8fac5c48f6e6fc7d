"""Experiment: compare runs, replay training, test robustness, check network health, match and edit kernels."""

import streamlit as st

from cnnviz import ui
from cnnviz.i18n import N_
from cnnviz.ui import experiment, t

ui.ensure_navigation()

TABS = {
    N_("Compare"): experiment.compare_tab,
    N_("Timeline"): experiment.timeline_tab,
    N_("Robustness"): experiment.robustness_tab,
    N_("Health"): experiment.health_tab,
    N_("Learned vs handcrafted"): experiment.handcrafted_tab,
    N_("Edit and see"): experiment.edit_tab,
}

st.title(t("Experiment"))
tabs = st.tabs([t(name) for name in TABS], key="exp_tab", on_change="rerun")
for tab, body in zip(tabs, TABS.values()):
    if tab.open:
        with tab:
            body()
