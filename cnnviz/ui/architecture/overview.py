"""Architecture, the top of the screen: where a design starts (a preset, or empty), its name and input, a dataset
of another shape, and the design drawn and summarised layer by layer."""

from __future__ import annotations

import streamlit as st

from ... import arch, data, presets
from ..cache import figures
from ..text import dataset_title, reason, t
from ..widgets import chart
from . import design
from .design import EMPTY, INPUT, MESSAGE, NAME


def header(info: data.DatasetInfo) -> None:
    """The title, the preset to start from and the design's name and input; what the last action said."""
    st.title(t("Architecture"))
    st.caption(
        t(
            "Stack layers and watch every shape and parameter count follow the output-size formula "
            "O = ⌊(I − F + 2P) / S⌋ + 1. Then train your design, or save it as JSON."
        )
    )
    top = st.columns([2.2, 1, 2.2, 3], vertical_alignment="bottom")
    options = [EMPTY, *presets.list_presets()]
    top[0].selectbox(
        t("Start from"),
        options,
        index=1,
        key="arch_start",
        format_func=lambda k: t("Empty (no layers)") if k == EMPTY else t(presets.PRESETS[k].title),
    )
    top[1].button(
        t("Load"),
        key="arch_load",
        on_click=lambda: design.load(st.session_state["arch_start"], info),
        help=t("Replaces the current design, adapted to {dataset}", dataset=dataset_title(info.name, info.title)),
    )
    top[2].text_input(t("Name"), value=st.session_state[NAME], key="arch_name", max_chars=80)
    input_shape = tuple(st.session_state[INPUT])
    top[3].markdown(
        t(
            "Input **{shape}** · {dataset}: {n} classes",
            shape=design.shape_text(input_shape),
            dataset=dataset_title(info.name, info.title),
            n=len(info.classes),
        )
    )
    if input_shape != tuple(info.input_shape):
        _other_input(input_shape, info)
    if MESSAGE in st.session_state:
        kind, text = st.session_state.pop(MESSAGE)
        (st.error if kind == "error" else st.success)(text)


def _other_input(input_shape: tuple[int, ...], info: data.DatasetInfo) -> None:
    cols = st.columns([4, 1.5], vertical_alignment="center")
    cols[0].warning(
        t(
            "This design takes {mine} inputs, but {dataset} gives {theirs}.",
            mine=design.shape_text(input_shape),
            dataset=dataset_title(info.name, info.title),
            theirs=design.shape_text(info.input_shape),
        ),
        icon=":material/warning:",
    )
    cols[1].button(
        t("Adapt to {dataset}", dataset=info.name),
        key="arch_adapt",
        on_click=design.adapt,
        args=(info,),
        help=t("Use the dataset's input shape; a final dense layer gets one unit per class"),
    )


def diagram(spec: arch.ArchSpec, rows: list[arch.LayerInfo], error: str | None) -> None:
    """The textbook's boxes of the layers that work, and why the network cannot be built, if it cannot."""
    chart(
        st,
        figures.architecture_volumes([("input", spec.input_shape)] + [(r.name, r.output_shape) for r in rows]),
        width="stretch",
        config={"displayModeBar": False},
        help=t(
            "The network from left to right, the input first: each box is the output of one layer. Blue boxes "
            "are stacks of feature maps (taller for larger maps, wider for more channels) and green bars are "
            "flat lists of numbers, after flatten and in dense layers; under each box are the layer's name "
            "and output shape, and hovering shows how many values it holds."
        ),
    )
    if error:
        st.error(t("This network cannot be built: {reason}", reason=error), icon=":material/error:")


def summary(spec: arch.ArchSpec, rows: list[arch.LayerInfo]) -> None:
    """The summary table: each working layer's output shape, parameters and details."""
    table = [
        {t("layer"): "input", t("output shape"): design.shape_text(spec.input_shape), t("params"): 0, t("details"): ""}
    ]
    table += [
        {
            t("layer"): r.name,
            t("output shape"): design.shape_text(r.output_shape),
            t("params"): r.params,
            t("details"): reason(r.description),
        }
        for r in rows
    ]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={t("params"): st.column_config.NumberColumn(format="localized")},
    )
