"""Lab: invariance. A CNN and an MLP on shifted, turned and scaled test digits; where pooling helps and where not.
The screen's parts are in cnnviz/ui/lab_invariance/."""

import streamlit as st

from cnnviz import ui
from cnnviz.ui import lab_invariance, t

ui.ensure_navigation()

st.title(t("Lab: shifted, turned and scaled digits"))
st.markdown(
    t(
        "**The claim.** A convolution slides the same kernel over every place of the image, so when the "
        "digit moves its feature maps move with it. A pooling layer summarises each small window, so a shift "
        "smaller than the window barely changes its output: stacked convolutions and pooling make LeNet "
        "tolerate small shifts (LeCun and colleagues, 1998). That tolerance is only partial: larger shifts "
        "still change what the dense layers at the end see, and small moves can already change a network's "
        "answer (Azulay and Weiss, 2019). Neither a convolution nor pooling gives invariance to turning or "
        "scaling. An MLP has none of it: every pixel has its own weights."
    )
)
loaded = ui.require_loaded()
st.caption(ui.run_caption(loaded))
other = ui.loaded_run(lab_invariance.partner_run(loaded))  # stops the page until the partner has trained

n_images = lab_invariance.test_images(loaded)  # stops the page when the dataset has none
curves = lab_invariance.measured(loaded, other, n_images)
lab_invariance.accuracy_charts(loaded, curves)
lab_invariance.accuracy_summary(curves, n_images)

st.subheader(t("Where pooling helps, and where it does not"))
lab_invariance.maps_section(loaded, other)
st.caption(
    t(
        "Measured on this run and its partner, on the first test images, each moved with black filling where "
        "the image left (bilinear interpolation). Training on shifted, turned and scaled copies of the images "
        "(data augmentation) is how networks are usually taught to forgive such changes."
    )
)
st.page_link(
    "pages/feature_maps.py", label=t("See the maps move with the digit: Feature maps"), icon=":material/layers:"
)
st.page_link(
    "pages/explain.py",
    label=t("See which pixels the network looks at: Explain a decision"),
    icon=":material/psychology:",
)
