"""Convolution, Why convolution?: the parameters of a dense layer against a convolution layer, for the lessons'
examples and for numbers typed in."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ... import formulas, playground, ui
from ..text import t


def why_tab() -> None:
    st.markdown(
        t(
            "A dense layer gives every output its own weight for every pixel, so its size grows with the "
            "image. A convolution layer reuses one small kernel at every position (weight sharing): its "
            "parameters depend only on the kernel size, the channels and the number of filters."
        )
    )
    rows = []
    for c in formulas.lesson_comparisons():
        h, w = c.image_shape
        rows.append(
            {
                t("Image"): f"{h}×{w}",
                t("Dense layer"): t("{n} inputs → {u} neurons", n=f"{c.inputs:,}", u=f"{c.dense_units:,}"),
                t("Dense parameters"): f"{c.inputs:,} × {c.dense_units:,} + {c.dense_units:,} = {c.dense.total:,}",
                t("Conv parameters"): c.conv.explanation,
                t("Dense ÷ conv"): playground.ratio(c.ratio),
            }
        )
    st.table(pd.DataFrame(rows), hide_index=True)
    st.caption(
        t(
            "The examples of the lessons: a 3×3 kernel against a dense layer with 4 outputs (2 blur and edge "
            "filters against 50 neurons on the last row)."
        )
    )
    st.subheader(t("Try your own numbers"))
    a, b, c, d, e = st.columns(5)
    side = a.number_input(t("Image side"), min_value=1, max_value=4096, value=28, step=1, key="conv_dvc_size")
    k = b.number_input(t("Kernel side F"), min_value=1, max_value=15, value=3, step=1, key="conv_dvc_kernel")
    m = c.number_input(t("Filters M"), min_value=1, max_value=1024, value=1, step=1, key="conv_dvc_filters")
    ch = d.selectbox(t("Channels D"), [1, 3], key="conv_dvc_channels")
    units = e.number_input(
        t("Dense neurons"),
        min_value=0,
        max_value=100_000,
        value=0,
        step=1,
        key="conv_dvc_units",
        help=t("0: as many neurons as the convolution layer has outputs."),
    )
    try:
        cmp = formulas.dense_vs_conv(
            int(side), int(k), filters=int(m), in_channels=int(ch), dense_units=int(units) or None
        )
    except ValueError as err:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(err)))
        return
    x, y, z = st.columns(3)
    x.metric(
        t("Dense layer"), f"{cmp.dense.total:,}", help=f"{cmp.inputs:,} × {cmp.dense_units:,} + {cmp.dense_units:,}"
    )
    y.metric(t("Convolution layer"), f"{cmp.conv.total:,}", help=cmp.conv.explanation)
    z.metric(t("Dense ÷ conv"), playground.ratio(cmp.ratio))
    st.caption(
        t(
            "Image {s}×{s}×{d}: a dense layer from {n} inputs to {u} neurons against {m} kernel(s) of "
            "{k}×{k}×{d}, each shared by every position.",
            s=side,
            d=ch,
            n=f"{cmp.inputs:,}",
            u=f"{cmp.dense_units:,}",
            m=m,
            k=k,
        )
    )
