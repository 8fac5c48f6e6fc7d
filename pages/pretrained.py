"""Pretrained networks: VGG-16 and ResNet-18, trained on ImageNet, looking at your own photo.
The screen's parts are in cnnviz/ui/pretrained_screen/."""

import streamlit as st

from cnnviz import ui
from cnnviz.ui import pretrained_screen, t

ui.ensure_navigation()

st.title(t("Pretrained networks"))
st.markdown(
    t(
        "Networks trained by others on ImageNet: 1.2 million photos of 1,000 kinds of things. Show one your "
        "own photo and see what it guesses, what its first kernels look like, what each stage makes of the "
        "photo, and where it looked (Grad-CAM)."
    )
)

# ---------------------------------------------------------------- which network, which weights, which photo
name, entry = pretrained_screen.pick_network()
net = pretrained_screen.network(name, entry)  # stops the page without weights, unless random ones are asked for
source_col, image_col, cam_col = st.columns([0.9, 1.5, 1.5])
prepared, image_key, caption = pretrained_screen.photo(name, source_col, image_col)
if prepared.notes:
    source_col.caption(t("Prepared: {notes}", notes="; ".join(ui.reason(n) for n in prepared.notes)))

with st.spinner(t("Running {model}…", model=entry.title)):
    seen = ui.pretrained_look(net, image_key, prepared.tensor)
pretrained_screen.photo_chart(image_col, prepared, caption)
pretrained_screen.grad_cam(cam_col, net, entry, prepared, image_key, seen)
pretrained_screen.top_five(seen)

# ---------------------------------------------------------------- inside the network
st.subheader(t("First-layer kernels"))
pretrained_screen.first_kernels(net)

st.subheader(t("Feature maps"))
pretrained_screen.feature_maps(name, seen)
