"""Explain a decision: which pixels mattered, what each filter looks for, and a map of what the network learned."""

import streamlit as st

from cnnviz import kernels, ui
from cnnviz.ui import explain, t

ui.ensure_navigation()

loaded = ui.require_loaded()
classes, convs = list(loaded.classes), kernels.conv_layers(loaded.spec)
st.title(t("Explain a decision"))
st.caption(ui.run_caption(loaded))
st.markdown(
    t(
        "Why did the network answer what it did? Find the pixels that mattered, see what each filter looks for, "
        "and watch the classes separate inside the network."
    )
)
at = ui.moment(loaded)
attr_tab, filter_tab, embed_tab = st.tabs(
    [t("Attribution"), t("What filters look for"), t("Embedding map")], key="ex_tab", on_change="rerun"
)
if attr_tab.open:
    with attr_tab:
        explain.attribution_tab(loaded, classes, convs, ui.whole_network(loaded, at))
if filter_tab.open:
    with filter_tab:
        explain.filters_tab(loaded, classes, convs, ui.whole_network(loaded, at))
if embed_tab.open:
    with embed_tab:
        explain.embedding_tab(loaded, classes, ui.whole_network(loaded, at))
