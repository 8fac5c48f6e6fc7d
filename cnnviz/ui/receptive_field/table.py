"""Receptive field, Layer by layer: every layer's output shape, parameters, field, jump, start and cost, and the
network's totals."""

from __future__ import annotations

import streamlit as st

from ... import receptive
from ...i18n import N_
from ..text import t
from .common import span


def table_rows(rows: list[receptive.LayerField], input_shape: tuple[int, int, int]) -> list[dict]:
    """The table's rows, the input first, under translated column names."""
    _, h, w = input_shape
    out = [
        {
            t("layer"): "input",
            t("output shape"): "×".join(map(str, input_shape)),
            t("parameters"): 0,
            t("receptive field"): "1×1",
            t("jump"): "1",
            t("start"): "0",
            t("MACs"): 0,
            t("FLOPs"): 0,
            t("activation FLOPs"): 0,
        }
    ]
    for f in rows:
        if f.rf is not None:
            field = f"{f.rf}×{f.rf}"
        elif f.covers == receptive.Region(0, h, 0, w):
            field = t("whole input")
        else:
            field = t("rows {r}, cols {c}", r=span(f.covers.row0, f.covers.row1), c=span(f.covers.col0, f.covers.col1))
        out.append(
            {
                t("layer"): f.name,
                t("output shape"): "×".join(map(str, f.output_shape)),
                t("parameters"): f.params,
                t("receptive field"): field,
                t("jump"): "" if f.jump is None else str(f.jump),
                t("start"): "" if f.start is None else f"{f.start:g}",
                t("MACs"): f.macs,
                t("FLOPs"): f.flops,
                t("activation FLOPs"): f.activation_flops,
            }
        )
    return out


def layer_table(rows: list[receptive.LayerField], input_shape: tuple[int, int, int]) -> None:
    """The section's heading, the table, the totals as metrics and how FLOPs are counted."""
    st.subheader(t("Layer by layer"))
    numbers = {
        t(k): st.column_config.NumberColumn(format="localized", width=w)
        for k, w in ((N_("parameters"), 110), (N_("MACs"), 135), (N_("FLOPs"), 135), (N_("activation FLOPs"), 120))
    }
    texts = {
        t(k): st.column_config.TextColumn(width=w)
        for k, w in (
            (N_("layer"), 80),
            (N_("output shape"), 110),
            (N_("receptive field"), 130),
            (N_("jump"), 50),
            (N_("start"), 50),
        )
    }
    st.dataframe(table_rows(rows, input_shape), hide_index=True, width="stretch", column_config=numbers | texts)
    sums = receptive.totals(rows)
    m1, m2, m3 = st.columns(3)
    m1.metric(t("Parameters"), f"{sums['params']:,}")
    m2.metric(t("Multiply-accumulates per image"), f"{sums['macs']:,}")
    m3.metric(t("FLOPs per image"), f"{sums['flops']:,}")
    st.caption(
        t(
            "FLOPs count 2 per multiply-accumulate in conv and dense layers: that is every multiply and add, "
            "the bias included (n products need n − 1 additions, the bias is the n-th). Pooling: k×k per output; "
            "batch norm: 2 per value; activations: 1 per value (own column); dropout and flatten: none. "
            "Start is the centre of unit (0, 0)'s field in input pixels; below 0 it sits in the padding."
        )
    )
