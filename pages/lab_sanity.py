"""Lab: a sanity check for explanations. Destroy the network layer by layer; an honest map must change."""

import numpy as np
import streamlit as st

from cnnviz import attribution, ui
from cnnviz.ui.cache import figures
from cnnviz.ui import t

ui.ensure_navigation()

EXPOSED = 0.5  # a map that still correlates this much with its trained one, with every layer random, is exposed


def _stage(name: str) -> str:
    return t("trained") if name == "trained" else name


st.title(t("Lab: a sanity check for explanations"))
st.markdown(
    t(
        "**The claim.** A map of which pixels mattered should depend on what the network learned. Replace the "
        "trained weights by random ones, layer by layer from the output side, and an honest map falls apart; "
        "a map that stays the same was showing the image, not the network (Adebayo and colleagues, 2018)."
    )
)
loaded = ui.require_loaded()
split, names = loaded.split, list(loaded.classes)
picked = ui.pick_test_image("san", split, names)
if picked is None:
    st.stop()
image, label, index = picked
with st.spinner(t("Randomising the network layer by layer and explaining it again…")):
    result = ui.sanity_cascade(loaded, index)

labels = {m: t(attribution.TITLES[m]) for m in result.methods}
ui.chart(
    st,
    figures.similarity_cascade(
        [_stage(s) for s in result.stages],
        {labels[m]: result.similarity[m] for m in result.methods},
        title=t("How alike each map stays as the network is randomised"),
    ),
    key="san_similarity",
    help=t(
        "One line per method. At the left the network is as trained (each map is identical to itself: 1); "
        "each step to the right replaces one more layer's weights by random numbers, starting at the "
        "output. A line that falls shows a map that depends on the learned weights; a line that stays near "
        "1 shows a map that does not."
    ),
)
for method in result.methods:  # one row of maps per method, its stages left to right
    ui.chart(
        st,
        figures.feature_map_grid(
            np.stack(result.maps[method]),
            titles=[_stage(s) for s in result.stages],
            max_cols=len(result.stages),
            title=labels[method],
        ),
        key=f"san_maps_{method}",
        help=t(
            "One method's map at each stage of randomisation, from the trained network on the left. Bright "
            "pixels are the ones the method says matter most for the class. From left to right, an honest "
            "method's picture dissolves."
        ),
    )
final = {m: float(result.similarity[m][-1]) for m in result.methods}
for method in result.methods:
    verdict = (
        t("exposed: its map hardly depends on the weights")
        if final[method] >= EXPOSED
        else t("passes: its map changes with the weights")
    )
    st.markdown(
        t(
            "**{method}**: rank correlation {r} with every layer random; {verdict}.",
            method=labels[method],
            r=f"{final[method]:.2f}",
            verdict=verdict,
        )
    )
st.caption(
    t(
        "Measured on this run and this image; another image may rank the methods differently. Grad-CAM looks "
        "at the last convolution layer."
    )
)
st.page_link(
    "pages/explain.py",
    label=t("Use the methods on the trained network: Explain a decision"),
    icon=":material/psychology:",
)
