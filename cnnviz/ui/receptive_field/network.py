"""Receptive field, the network to look at: the sidebar's selected run, or a preset (VGG-16 included) sized for
the sidebar's dataset."""

from __future__ import annotations

import streamlit as st

from ... import data, presets, ui
from ...arch import ArchSpec
from ..text import t

VGG16 = "vgg16"  # not a training preset (138M parameters): offered here for its classic receptive-field table


def _preset_title(preset_id: str) -> str:
    return t("VGG-16 (ImageNet, 224×224)") if preset_id == VGG16 else presets.PRESETS[preset_id].title


def pick_network() -> ArchSpec:
    """The source and preset pickers in a row; returns the architecture they choose."""
    run = ui.selected_run()
    sources = (["run"] if run is not None else []) + ["preset"]
    ui.keep_valid("rf_source", sources, sources[0])
    top = st.columns([1.2, 1.5, 1.3])
    source = top[0].radio(
        t("Network"),
        sources,
        key="rf_source",
        horizontal=True,
        format_func=lambda s: t("the selected run") if s == "run" else t("a preset"),
    )
    if source == "run":
        top[1].markdown(t("Run **{run}**", run=run.run_id) + f"  \n{ui.plain(run.record.preset or '')}")
        return run.record.spec
    if run is None:
        top[2].caption(t("No trained run yet: presets work without one. Train a network to see its own fields."))
    choices = presets.list_presets() + [VGG16]
    ui.keep_valid("rf_preset", choices, "lenet5")
    preset = top[1].selectbox(t("Preset"), choices, key="rf_preset", format_func=_preset_title)
    if preset == VGG16:
        return presets.vgg16_spec()
    try:
        info = data.get_info(ui.dataset_name())
        shape, n_classes = info.input_shape, len(info.classes)
    except ValueError:
        shape, n_classes = (1, 28, 28), 10
    spec = presets.preset_spec(preset, shape, n_classes)
    top[2].caption(t("Sized for the sidebar's dataset: input {c}×{h}×{w}.", c=shape[0], h=shape[1], w=shape[2]))
    return spec
