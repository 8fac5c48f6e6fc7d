"""Kernels: each conv layer's learned kernels, how they formed during training, and what the first ones see.

The screen's sections are in cnnviz/ui/kernels/.
"""

import streamlit as st

from cnnviz import ui
from cnnviz.ui import kernels, t

ui.ensure_navigation()

loaded = ui.require_loaded()
st.title(t("Kernels"))
st.caption(ui.run_caption(loaded))
layers = kernels.require_layers(loaded)  # a network without conv layers stops here
at = ui.moment(loaded)  # the moment of training shown
kernels.learned_kernels(loaded, layers, at)  # a layer's kernels at that moment
kernels.first_layer_applied(loaded, layers[0], at)  # the first layer slid over an image
