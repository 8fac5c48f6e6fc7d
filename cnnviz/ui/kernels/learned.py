"""Kernels, the learned kernels at the moment of training: a layer, an input channel (or the RGB composite of the
first layer) and the colour scale picked, and the grid of kernels."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ... import kernels, ui
from ..cache import figures
from ..text import t

RGB = "rgb"  # channel choice: the three colour slices of a first-layer kernel as one picture


def _kernel_figure(k: np.ndarray, channel, shared: bool, title: str, zmax: float | None):
    if channel == RGB:
        return figures.kernel_grid_rgb(k, title=title)
    return figures.kernel_grid(k[:, channel], shared_scale=shared, title=title, zmax=zmax)


def _controls(loaded, layers: list[str], at: int | None) -> tuple[str, np.ndarray, object, bool]:
    """The layer, its kernels at the moment (out, in, kh, kw), the channel and whether they share one scale."""
    ui.keep_valid("kn_layer", layers, layers[0], url="layer")
    c1, c2, c3 = st.columns([1, 1, 1])
    layer = c1.selectbox(t("Layer"), layers, key="kn_layer")
    try:
        shown = kernels.of_layer(loaded.model if at is None else loaded.state_at(at), layer)  # (out, in, kh, kw)
    except (ValueError, OSError) as e:
        st.error(t("This snapshot cannot be read: {reason}", reason=ui.reason(e)))
        st.stop()
    n_in = shown.shape[1]
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
    return layer, shown, channel, shared


def _title(loaded, layer: str, at: int | None) -> str:
    if at is None:
        return t("{layer} after training", layer=layer)
    return t(
        "{layer} at step {step} (epoch {epoch:.2f})",
        layer=layer,
        step=loaded.snapshots[at].step,
        epoch=loaded.snapshots[at].epoch,
    )


def learned_kernels(loaded, layers: list[str], at: int | None) -> None:
    st.markdown(
        t(
            "A kernel is a small grid of weights the network learned. Red and blue are weights of opposite sign; "
            "white is zero. A kernel responds most where the image looks like it."
        )
    )
    layer, shown, channel, shared = _controls(loaded, layers, at)
    n_out, n_in, kh, kw = shown.shape
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
    zmax = ui.kernel_range(loaded, layer) if shared else None  # one scale through training: colours stay comparable
    ui.chart(
        st,
        _kernel_figure(shown, channel, shared, _title(loaded, layer, at), zmax),
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
