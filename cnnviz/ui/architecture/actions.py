"""Architecture, the actions beside the summary: the total, what training the design would cost here, whether it
can train on the dataset, and Train this, Export JSON and Import JSON."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from ... import arch, cost, data, jobs
from ...fits import fit_problem
from ..text import dataset_title, duration, t
from ..training import calibration
from . import design

BATCH_STOPS = (16, 32, 64, 128, 256, 512)


def actions(spec: arch.ArchSpec, info: data.DatasetInfo, rows: list[arch.LayerInfo], error: str | None) -> None:
    """The total parameters, the cost, and the buttons that train, export or import the design."""
    total = sum(r.params for r in rows)
    st.metric(
        t("Total parameters"), f"{total:,}" if not error else "—", help=t("Weights and biases that training adjusts")
    )
    if error:
        problem = t("Fix the layer named in the error first.")
    else:
        problem = _cost(spec, info)
        problem = _fit(spec, info, rows) or problem
    if problem:
        st.caption(problem)
    if st.button(
        t("Train this"),
        key="arch_train",
        type="primary",
        icon=":material/play_arrow:",
        disabled=bool(problem),
        width="stretch",
    ):
        st.session_state["builder_spec"] = spec.to_dict()
        st.session_state["train_use_builder"] = True
        st.session_state["train_batch"] = st.session_state["arch_batch"]
        st.switch_page("pages/train.py")
    st.download_button(
        t("Export JSON"),
        spec.to_json(),
        file_name=f"{spec.name}.json",
        mime="application/json",
        key="arch_export",
        icon=":material/download:",
        width="stretch",
        on_click="ignore",
    )
    with st.expander(t("Import JSON"), icon=":material/upload:"):
        st.file_uploader(
            t("Architecture file (.json)"), type=["json"], key="arch_import_file", on_change=design.import_file
        )
        st.text_area(
            t("…or paste JSON"),
            key="arch_import_text",
            height=120,
            placeholder='{"input_shape": [1, 28, 28], "layers": [{"type": "flatten"}, ...]}',
        )
        st.button(t("Import pasted JSON"), key="arch_import_btn", on_click=design.import_text)


def _fit(spec: arch.ArchSpec, info: data.DatasetInfo, rows: list[arch.LayerInfo]) -> str | None:
    """Whether the design ends in one output per class (`fits.fit_problem`, the rule every training checks), worded
    as the fix: returns why it cannot be trained when its output is not flat; a wrong number of outputs is a
    warning. Its input is checked for the design's own shape: a dataset's other shape is the warning at the top,
    with its Adapt button."""
    if fit_problem(spec, replace(info, input_shape=tuple(spec.input_shape))) is None:
        return None
    out = rows[-1].output_shape if rows else spec.input_shape
    if len(out) != 1:
        return t(
            "The network must end with a flat vector of class scores: add a flatten layer and a dense layer "
            "of {n} units.",
            n=len(info.classes),
        )
    st.warning(
        t(
            "The network ends with {units} outputs but {dataset} has {n} classes: make the last dense layer {n} units.",
            units=out[0],
            dataset=dataset_title(info.name, info.title),
            n=len(info.classes),
        )
    )
    return None


def _cost(spec: arch.ArchSpec, info: data.DatasetInfo) -> str | None:
    """What training this design costs here; returns why it cannot be trained here, or None."""
    batch = st.select_slider(
        t("Batch size"),
        sorted({*BATCH_STOPS, st.session_state.get("arch_batch", 64)}),
        64,
        key="arch_batch",
        help=t("Images per training step: memory grows with it"),
    )
    c = cost.estimate_for(spec, batch, info, calibration())
    cols = st.columns(2)
    cols[0].metric(
        t("Multiply-adds per image"),
        f"{c.macs_per_image:,}",
        help=t(
            "Multiplications (each with an addition) of the convolution and dense layers for one image, forward only"
        ),
    )
    cols[1].metric(
        t("Training memory"),
        t("{mb} MB", mb=f"{c.peak_memory_mb:,.1f}"),
        help=t(
            "Estimated for batch size {batch}: weights, their gradients and Adam's state, plus every "
            "layer's output kept for the backward pass (the dataset itself is extra)",
            batch=batch,
        ),
    )
    if c.seconds_per_epoch is not None:
        st.metric(
            t("Estimated time per epoch"),
            duration(c.seconds_per_epoch),
            help=t(
                "On this computer with {threads} training thread(s), for {n} training images of {dataset}, "
                "from a short measurement of this machine's layers",
                threads=jobs.train_threads(),
                n=f"{c.train_images:,}",
                dataset=dataset_title(info.name, info.title),
            ),
        )
    return _too_large(spec, batch)


def _too_large(spec: arch.ArchSpec, batch: int) -> str | None:
    try:
        cost.check_limits(spec, batch)
    except cost.TooLarge as e:
        if e.what == "params":
            return t(
                "Too large to train here: {value} parameters, more than the {limit} this explorer trains (set "
                "CNNVIZ_MAX_PARAMS to raise it).",
                value=f"{e.value:,}",
                limit=f"{e.limit:,}",
            )
        return t(
            "Too large to train here: about {value} MB at batch size {batch}, more than the {limit} MB allowed "
            "(use a smaller batch or network, or set CNNVIZ_MAX_MEMORY_MB to raise it).",
            value=f"{e.value:,.0f}",
            batch=batch,
            limit=f"{e.limit:,}",
        )
    return None
