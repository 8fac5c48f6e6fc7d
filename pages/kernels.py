"""Kernels: each conv layer's learned kernels, how they formed during training, and what the first ones see."""

import streamlit as st

from cnnviz import figures, kernels, ui
from cnnviz.ui import t

ui.ensure_navigation()

RGB = "rgb"  # channel choice: the three colour slices of a first-layer kernel as one picture


def _kernel_figure(k, channel, shared: bool, title: str, zmax: float | None):
    if channel == RGB:
        return figures.kernel_grid_rgb(k, title=title)
    return figures.kernel_grid(k[:, channel], shared_scale=shared, title=title, zmax=zmax)


loaded = ui.require_loaded()
spec, model = loaded.spec, loaded.model

st.title(t("Kernels"))
st.caption(ui.run_caption(loaded))

layers = kernels.conv_layers(spec)
if not layers:
    st.info(
        t(
            "This network has no convolution layers (it is a plain multi-layer perceptron), so it has no "
            "kernels to show. Train a CNN such as LeNet-5 and pick it in the sidebar."
        )
    )
    ui.quick_start_button(key="kn_quick_start")
    st.stop()

# ---------------------------------------------------------------- the kernels at the moment of training
at = ui.moment(loaded)
st.markdown(
    t(
        "A kernel is a small grid of weights the network learned. Red and blue are weights of opposite sign; "
        "white is zero. A kernel responds most where the image looks like it."
    )
)
ui.keep_valid("kn_layer", layers, layers[0], url="layer")
c1, c2, c3 = st.columns([1, 1, 1])
layer = c1.selectbox(t("Layer"), layers, key="kn_layer")
try:
    shown = kernels.of_layer(model if at is None else loaded.state_at(at), layer)  # (out, in, kh, kw)
except (ValueError, OSError) as e:
    st.error(t("This snapshot cannot be read: {reason}", reason=ui.reason(e)))
    st.stop()
n_out, n_in, kh, kw = shown.shape
channels = ([RGB] if layer == layers[0] and n_in == 3 else []) + list(range(n_in))
ui.keep_valid("kn_channel", channels, channels[0])
channel = c2.selectbox(
    t("Input channel"),
    channels,
    key="kn_channel",
    format_func=lambda c: t("RGB composite") if c == RGB else t("channel {c}", c=c),
    help=t("Each kernel has one slice per input channel; pick which slice to show."),
)
if "kn_shared" not in st.session_state:
    st.session_state["kn_shared"] = True
shared = c3.toggle(
    t("One colour scale for all kernels"),
    key="kn_shared",
    disabled=channel == RGB,
    help=t(
        "On: colours compare across kernels and across the moments of training. Off: each kernel "
        "uses its own range, so weak kernels show their pattern too."
    ),
)

where = t("RGB composite") if channel == RGB else t("input channel {c}", c=channel)
st.markdown(
    t(
        "**{layer}**: {n} kernels of {kh}×{kw}, {where} (of {n_in})",
        layer=layer,
        n=n_out,
        kh=kh,
        kw=kw,
        where=where,
        n_in=n_in,
    )
)
title = (
    t("{layer} after training", layer=layer)
    if at is None
    else t(
        "{layer} at step {step} (epoch {epoch:.2f})",
        layer=layer,
        step=loaded.snapshots[at].step,
        epoch=loaded.snapshots[at].epoch,
    )
)
zmax = ui.kernel_range(loaded, layer) if shared else None  # one scale through training: colours stay comparable
ui.chart(
    st,
    _kernel_figure(shown, channel, shared, title, zmax),
    key="kn_final",
    help=(
        t(
            "Each square is one kernel of the first layer, drawn as a tiny colour picture: its red, green "
            "and blue slices become the picture's three colours, stretched to the kernel's own range. Bright "
            "parts are its largest weights and dark parts its lowest; a coloured blob means it reacts to "
            "that colour, a light-dark stripe to an edge."
        )
        if channel == RGB
        else t(
            "Each square is one kernel, one cell per weight: blue is a positive weight, red a negative one, "
            "white zero. All kernels share one colour scale (the bar on the right), kept the same at every "
            "moment of training, so the same colour means the same weight in every kernel and every step."
        )
        if shared
        else t(
            "Each square is one kernel, one cell per weight: blue is a positive weight, red a negative one, "
            "white zero. Each kernel has its own colour range, so compare their patterns, not the strength "
            "of their colours."
        )
    ),
)
if not loaded.snapshots:
    st.caption(t("This run kept no snapshots during training, so it can only be shown at its end."))
else:
    st.caption(
        t(
            "Move the moment of training above, or press Play, to watch random noise turn into edge "
            "and stroke detectors; its first moment, step 0, is the random starting weights."
        )
    )

# ---------------------------------------------------------------- the first layer applied to an image
st.subheader(t("What the first-layer kernels highlight"))
st.markdown(
    t(
        "As in the book chapter, the network's own first-layer filters are slid over an image: "
        "each output map shows where the image matches one filter (an edge of some direction, a stroke, "
        "a blob). Blue means the image matches the filter there, red that it matches the opposite pattern."
    )
)
source_col = st.container()
pick_col, index_col = st.columns(2)
picked = ui.pick_input(
    "kn", loaded, where=pick_col, index_where=index_col, source_where=source_col, sources=("test", "upload"), url=True
)
if picked is not None:
    try:
        maps = ui.first_layer_maps(loaded, picked, ui.whole_network(loaded, at))
    except ValueError as e:
        st.error(ui.reason(e))
    else:
        left, right = st.columns([1, 3])
        ui.show_input(left, picked, key="kn_input")
        cols = -(-len(maps) // 2) if len(maps) <= 8 else 8  # a few maps: two rows of large ones
        ui.chart(
            right,
            figures.feature_map_grid(
                maps, max_cols=cols, title=t("{layer} kernels applied (before the activation)", layer=layers[0])
            ),
            key="kn_applied",
            help=t(
                "Each picture is one channel's feature map: it lights up where that channel found its "
                "pattern in the image. If no value is negative the maps are grey (black low, white "
                "high); otherwise blue is positive, red negative and white zero. Every map has its own "
                "colour range, given in brackets, so compare where maps light up, not how bright they "
                "are."
            ),
        )
        st.caption(
            t(
                "{n} maps of {h}×{w}, one per first-layer kernel; each has its own colour range (in brackets).",
                n=maps.shape[0],
                h=maps.shape[1],
                w=maps.shape[2],
            )
        )
