"""Feature maps: one input through the trained network, every layer's output, and the prediction."""

import streamlit as st

from cnnviz import kernels, ui
from cnnviz.ui.cache import figures
from cnnviz.ui import t

ui.ensure_navigation()


def _shape_text(name: str, out) -> str:
    if out.ndim == 3:
        return t("**{layer}**: {n} maps of {h}×{w}", layer=name, n=out.shape[0], h=out.shape[1], w=out.shape[2])
    return t("**{layer}**: {n} units", layer=name, n=out.size)


loaded = ui.require_loaded()
classes = list(loaded.classes)

st.title(t("Feature maps"))
st.caption(ui.run_caption(loaded))
st.markdown(
    t(
        "Feed one image through the trained network and look at what every layer makes of it: "
        "convolutions find patterns, activations keep the positive matches, pooling shrinks the maps, "
        "and the dense layers turn them into a vote for each class."
    )
)

# ---------------------------------------------------------------- the input
at = ui.whole_network(loaded, ui.moment(loaded))
pick, shown_col, pred_col = st.columns([1.1, 1, 1.4])
picked = ui.pick_input("fm", loaded, where=pick, message_where=shown_col, horizontal=False, url=True)
if picked is None:
    st.stop()
ui.show_input(shown_col, picked, key="fm_input")
x, true_label = picked.x, picked.label
try:
    acts = ui.activations(loaded, picked, at)
except ValueError as e:
    st.error(ui.reason(e))
    st.stop()

# ---------------------------------------------------------------- the prediction
probs = acts["softmax"]  # (K,)
ui.show_prediction(pred_col, probs, classes, true_label, key="fm_probs")

# ---------------------------------------------------------------- one layer's output
st.subheader(t("Layer by layer"))
names = list(acts)
convs = kernels.conv_layers(loaded.spec)
ui.keep_valid("fm_layer", names, convs[0] if convs else names[0], url="layer")
layer = st.select_slider(
    t("Layer"),
    names,
    key="fm_layer",
    help=t("Every layer of the network in order, from the first convolution to the softmax."),
)
out = acts[layer]
st.markdown(
    _shape_text(layer, out) + " · " + t("values {lo:.3g} to {hi:.3g}", lo=float(out.min()), hi=float(out.max()))
)
if out.ndim == 3:  # (C, H, W): one picture per channel
    ui.chart(
        st,
        figures.feature_map_grid(out),
        key="fm_maps",
        help=t(
            "Each picture is one channel's feature map: it lights up where that channel found its pattern "
            "in the image. If no value is negative the maps are grey (black low, white high); otherwise "
            "blue is positive, red negative and white zero. Every map has its own colour range, given in "
            "brackets, so compare where maps light up, not how bright they are."
        ),
    )
    st.caption(t("Each map has its own colour range, given in brackets: compare shapes, not brightness."))
elif layer == "softmax":
    ui.chart(
        st,
        figures.probability_bars(out, classes, true_label),
        key="fm_maps",
        help=t(
            "One bar per class: the network's probability that the image shows that class, all bars "
            "together making 100%. The predicted class is green when it is right and red when it is wrong "
            "(blue when the true class is not known); “← true” marks the true class."
        ),
    )
elif out.ndim == 1:  # dense units: one row of cells; the output layer's units are the classes
    labels = classes if out.size == len(classes) and layer == names[-2] else [str(i) for i in range(out.size)]
    negative = bool((out < 0).any())
    ui.chart(
        st,
        figures.heatmap(
            out[None, :],
            labels,
            [layer],
            colorscale=figures.DIVERGING if negative else figures.GREYS,
            zmid=0 if negative else None,
        ),
        key="fm_maps",
        help=t(
            "One cell per unit (neuron) of this dense layer; hover over a cell for its value. Blue is "
            "positive, red negative and white zero (black to white when no value is negative); in the "
            "last dense layer each cell is one class's score."
        ),
    )
    st.caption(
        t(
            "One cell per unit (hover for its value). The last dense layer gives one score per class; "
            "the softmax turns the scores into probabilities."
        )
    )
else:
    st.info(t("This layer's output has shape {shape}, which has no picture here.", shape=tuple(out.shape)))
