"""Architecture: build a network layer by layer, see every shape and parameter count live, export it or train it.

The design lives in session_state (a list of layer dicts in the spec's JSON form, each with a `uid` that keys
its widgets), so it survives page switches; `arch` checks it and counts its parameters on every change, and
`cost` says what training it would take. The screen's parts are in cnnviz/ui/architecture/.
"""

import streamlit as st

from cnnviz import arch, data, ui
from cnnviz.ui import architecture, dataset_name
from cnnviz.ui.architecture import design

ui.ensure_navigation()

info = data.get_info(dataset_name())
design.start(info)
architecture.header(info)

spec = design.spec()
rows, failure, broken = arch.first_broken_layer(spec)
error = ui.reason(failure) if failure else None
architecture.diagram(spec, rows, error)

summary, actions = st.columns([3, 2], gap="large")
with summary:
    architecture.summary(spec, rows)
with actions:
    architecture.actions(spec, info, rows, error)

architecture.layers_section(info, arch.layer_names(spec), rows, error, broken)
