"""Receptive field: which input pixels one unit sees, layer by layer, and what each layer costs."""

import streamlit as st

from cnnviz import receptive, ui
from cnnviz.ui import receptive_field, t

ui.ensure_navigation()

st.title(t("Receptive field"))
st.markdown(
    t(
        "A unit of a convolutional layer looks at a small window of the layer below, and through it at a "
        "patch of the input image: its **receptive field**. Each convolution or pooling widens the patch "
        "by (kernel − 1) × jump, and each stride multiplies the **jump** between neighbouring units. Pick a "
        "layer and a unit to see exactly which pixels it depends on."
    )
)

spec = receptive_field.pick_network()
try:
    rows = receptive.fields(spec)
except ValueError as e:
    st.error(t("This architecture cannot be built: {reason}", reason=ui.reason(e)))
    st.stop()
spatial = [f for f in rows if f.spatial]

unit_box = st.container()  # one unit and its field, above the table
receptive_field.layer_table(rows, spec.input_shape)

with unit_box:
    if not spatial:
        st.info(
            t(
                "This network has no convolution or pooling layer: every unit of its first dense layer sees the "
                "whole image at once. Pick a CNN to see fields grow."
            )
        )
        st.stop()
    controls, picture = st.columns([1, 1.6])
    field, row, col = receptive_field.pick_unit(controls, spatial)
    unit = receptive.unit_field(spec, field.name, row, col)
    receptive_field.describe_unit(controls, field, row, col, unit)
    receptive_field.check_button(controls, spec, field.name, row, col, unit.pixels)
    receptive_field.field_picture(controls, picture, spec, field.name, row, col, unit)
