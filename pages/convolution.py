"""Convolution: the maths playground. Kernels, stride and padding, one output value step by step,
colour images with 3-D kernels, pooling, and why convolution needs so few parameters."""

import streamlit as st

from cnnviz import ui
from cnnviz.ui import convolution, t

ui.ensure_navigation()

st.title(t("Convolution, step by step"))
st.markdown(
    t(
        "Slide a kernel over an image and see every number: stride, padding, the sum behind each output "
        "value, colour images, pooling, and why convolution needs so few weights."
    )
)
picker = st.container(border=True)
tabs = st.tabs([t("Convolution"), t("Step by step"), t("Colour (3-D kernel)"), t("Pooling"), t("Why convolution?")])
with tabs[4]:  # tabs that need no image first: a missing dataset stops only the rest
    convolution.why_tab()
with tabs[2]:
    convolution.colour_tab()
with picker:
    image, caption = convolution.pick_image()
with tabs[0]:
    kernel, conv_out, stride, padding, clip = convolution.convolution_tab(image, caption)
    if image is None:
        st.info(t("Pick an image above to start."))
with tabs[1]:
    convolution.step_tab(image, kernel, stride, padding, clip)
with tabs[3]:
    convolution.pooling_tab(image, conv_out)
