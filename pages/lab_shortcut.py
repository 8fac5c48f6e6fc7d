"""Lab: shortcut learning. A white square on every image of one digit: the network learns the square, not the digit."""

import streamlit as st

from cnnviz import ui
from cnnviz.ui import lab_shortcut, t

ui.ensure_navigation()

st.title(t("Lab: shortcut learning"))
st.markdown(
    t(
        "**The claim.** A network learns the easiest rule that fits its training images, whether or not it is "
        "the rule we meant. Put a small white square in the corner of every image of one digit: the square "
        "alone tells that digit apart, and the network learns to look for it. The test accuracy looks fine as "
        "long as the test images carry the square the same way; move the square or take it away and the "
        "network fails, and Grad-CAM shows it looking at the square. Geirhos and colleagues (2020) call this "
        "shortcut learning, and collect examples of it from networks for photos, X-rays and text."
    )
)

digit = lab_shortcut.experiment_setup()
marked_id, control_id = lab_shortcut.experiment_runs(digit)  # stops the page until the experiment has run
result = lab_shortcut.measured(digit, marked_id, control_id)

st.subheader(t("Measured on your two runs"))
lab_shortcut.accuracy_section(result, digit)
lab_shortcut.gradcam_section(result, digit, marked_id, control_id)

st.subheader(t("Look closer"))
lab_shortcut.look_closer(result, digit, marked_id, control_id)
