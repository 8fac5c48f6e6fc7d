"""Experiment, Timeline: weight and activation histograms over training, the kernels replayed."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ... import kernels, timeline, ui
from ..cache import figures
from ..text import t
from . import charts


def timeline_tab() -> None:
    loaded = ui.require_loaded()
    st.caption(ui.run_caption(loaded))
    snaps = loaded.snapshots
    if not snaps:
        st.info(t("This run kept no snapshots during training, so there is no timeline to show."))
        return
    at = ui.moment(loaded)
    moment_step = None if at is None else snaps[at].step
    st.markdown(
        t(
            "The network was saved at {n} points during training. Each column below is one of those moments: "
            "how the values of a layer spread out as it learns.",
            n=len(snaps),
        )
    )
    left, right = st.columns(2)
    with left:
        layers = ui.weight_layers(loaded)
        ui.keep_valid("exp_tl_wlayer", layers, layers[0] if layers else None)
        wlayer = st.selectbox(t("Weights of layer"), layers, key="exp_tl_wlayer")
        if wlayer:
            charts.histograms(
                *ui.weight_timeline(loaded, wlayer), t("{layer} weights", layer=wlayer), "exp_tl_weights", moment_step
            )
    with right:
        _activations_over_training(loaded)
    st.caption(
        t(
            "Brighter cells: more values in that range at that step. Weights usually spread out from their "
            "random start; after a ReLU, a tall band at 0 means many outputs are switched off."
        )
    )
    _kernel_replay(loaded, at)


def _kernel_replay(loaded, at: int | None) -> None:
    st.subheader(t("Replay: kernels forming"))
    snaps = loaded.snapshots
    convs = kernels.conv_layers(loaded.spec)
    if not convs:
        st.info(t("This network has no convolution layers, so there are no kernels to replay."))
        return
    a, b, c = st.columns([1, 1, 2])
    ui.keep_valid("exp_tl_klayer", convs, convs[0])
    klayer = a.selectbox(t("Layer"), convs, key="exp_tl_klayer")
    index = snaps[-1].index if at is None else at  # the moment of training chosen at the top
    c.caption(t("Move the moment of training above, or press Play, to replay the kernels forming."))
    try:
        now, change = ui.kernel_replay(loaded, klayer, index)
    except (ValueError, OSError) as e:
        st.error(t("This snapshot cannot be read: {reason}", reason=ui.reason(e)))
        return
    ui.keep_valid("exp_tl_in", list(range(now.shape[1])), 0)
    ch = b.selectbox(t("Input channel"), list(range(now.shape[1])), key="exp_tl_in")
    step = snaps[index].step
    ui.chart(
        st,
        figures.kernel_grid(now[:, ch], title=t("{layer} at step {step}", layer=klayer, step=step)),
        key="exp_tl_kernels",
        help=t(
            "Each square is one kernel, one cell per weight: blue is a positive weight, red a negative one, "
            "white zero. All kernels share one colour scale (the bar on the right), so the same colour means "
            "the same weight in every kernel."
        ),
    )
    ui.chart(
        st,
        figures.kernel_grid(
            change[:, ch], title=t("Change since initialisation (step {step} minus step 0)", step=step)
        ),
        key="exp_tl_change",
        help=t(
            "The kernels above as change since training began: each cell is how far that weight has moved "
            "between step 0 and the chosen step. Blue means it grew, red that it shrank, white that it stayed "
            "put; all kernels share one colour scale."
        ),
    )
    size = float(np.abs(change).mean() / max(np.abs(now - change).mean(), 1e-12))
    st.caption(
        t(
            "On average a weight has moved by {r:.0%} of its starting size. Where the change looks like a "
            "clean edge or stroke, that is what training added to the random start.",
            r=size,
        )
    )


def _activations_over_training(loaded) -> None:
    if not loaded.full_snapshots:
        st.info(
            t(
                "This run's snapshots keep only the convolution kernels (it has over 500,000 parameters), so "
                "activations over training cannot be recomputed."
            )
        )
        return
    layers = timeline.activation_layers(loaded)
    ui.keep_valid("exp_tl_alayer", layers, next((n for n in layers if n.endswith("_relu")), layers[0]))
    layer = st.selectbox(
        t("Activations of layer"),
        layers,
        key="exp_tl_alayer",
        help=t("Outputs on the same {n} test images at every snapshot.", n=timeline.PROBE_IMAGES),
    )
    with st.spinner(t("Running the probe images through every snapshot…")):
        values, steps = ui.activation_timeline(loaded, layer)
    zeros = float(np.mean(values[-1] == 0))
    if "exp_tl_nozeros" not in st.session_state:
        st.session_state["exp_tl_nozeros"] = zeros > 0.2  # after a ReLU the zeros would hide the rest
    drop = st.toggle(
        t("Leave out exact zeros"),
        key="exp_tl_nozeros",
        help=t("After a ReLU most outputs are exactly 0; leaving them out shows how the positive ones spread."),
    )
    try:
        charts.histograms(
            [v[v != 0] for v in values] if drop else values, steps, t("{layer} outputs", layer=layer), "exp_tl_acts"
        )
    except ValueError:
        st.info(t("Every output of {layer} is zero at every snapshot.", layer=layer))
    st.caption(t("At the end of training {z:.0%} of these outputs are exactly zero.", z=zeros))
