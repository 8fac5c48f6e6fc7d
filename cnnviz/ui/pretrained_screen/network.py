"""Pretrained networks, the network: the one picked, with its ImageNet weights (downloaded here, or put in place by
hand), or with random weights when asked for."""

from __future__ import annotations

import streamlit as st

from ... import imagenet_weights, pretrained, ui
from ..text import t


def pick_network() -> tuple[str, pretrained.ModelEntry]:
    """The network picker with the chosen network's description beside it: (its name, its entry)."""
    names = pretrained.list_models()
    ui.keep_valid("pt_model", names, names[0])
    pick, about = st.columns([1, 2])
    name = pick.selectbox(t("Network"), names, key="pt_model", format_func=lambda n: pretrained.get_entry(n).title)
    entry = pretrained.get_entry(name)
    about.caption(t(entry.description))
    return name, entry


def _download(name: str, entry: pretrained.ModelEntry) -> None:
    if st.button(
        t("Download the weights ({mb:.0f} MB)", mb=entry.size_mb),
        key="pt_download",
        type="primary",
        icon=":material/download:",
    ):
        bar = st.progress(0.0, text=t("Connecting…"))
        try:
            imagenet_weights.download_weights(entry, progress=lambda f, msg: bar.progress(f or 0.0, text=msg))
        except imagenet_weights.WeightsError as e:
            bar.empty()
            st.error(t("The download did not work: {reason}", reason=ui.reason(e)))
        else:
            bar.empty()
            st.rerun()


def network(name: str, entry: pretrained.ModelEntry) -> pretrained.Network:
    """The network with its ImageNet weights, or (when asked for) random ones; else what to do, and the page stops."""
    if imagenet_weights.weights_present(entry):
        try:
            with st.spinner(t("Loading {model}…", model=entry.title)):
                return ui.pretrained_network(name, trained=True)
        except imagenet_weights.WeightsError as e:
            st.error(t("The weights file cannot be used: {reason}", reason=ui.reason(e)))
            _download(name, entry)
    else:
        folder = imagenet_weights.weights_file(entry).parent
        st.info(
            t(
                "The ImageNet weights of {model} are not on this computer. Download them here, or put the file "
                "**{file}** ({mb:.0f} MB, from {url}) into the folder `{folder}` and reload.",
                model=entry.title,
                file=entry.file_name,
                mb=entry.size_mb,
                url=entry.url,
                folder=str(folder),
            )
        )
        _download(name, entry)
    random_ok = st.checkbox(
        t("Random weights (for exploring the code path)"),
        key="pt_random",
        help=t(
            "The same network, untrained: its kernels are noise and its guesses meaningless, "
            "but every view on this screen works."
        ),
    )
    if not random_ok:
        st.stop()
    with st.spinner(t("Building {model} with random weights…", model=entry.title)):
        net = ui.pretrained_network(name, trained=False)
    st.warning(
        t("Untrained: {model} with random weights. Nothing below means anything about the photo.", model=entry.title),
        icon=":material/warning:",
    )
    return net
