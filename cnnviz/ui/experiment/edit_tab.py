"""Experiment, Edit and see: set a first-layer kernel by hand, on a copy of the network, and see what changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ... import handcrafted, kernels, ui
from ..cache import figures
from ..text import t
from . import charts


def _set_base(values) -> None:
    """Start the kernel editor from these numbers (None: the learned ones)."""
    st.session_state["exp_ed_base"] = None if values is None else np.asarray(values, dtype=float).tolist()
    st.session_state["exp_ed_nonce"] = st.session_state.get("exp_ed_nonce", 0) + 1


def _load_handcrafted(cands: dict, scale: float) -> None:
    name = st.session_state.get("exp_ed_load")
    if name:
        _set_base(cands[name] * scale)
        st.session_state["exp_ed_load"] = ""  # ready to load the same kernel again later


def edit_tab() -> None:
    loaded = ui.require_loaded()
    classes = loaded.classes
    st.caption(ui.run_caption(loaded))
    convs = kernels.conv_layers(loaded.spec)
    if not convs:
        st.info(t("This network has no convolution layers, so there is no kernel to edit."))
        return
    st.markdown(
        t(
            "Change the numbers of one learned kernel and see what happens downstream: the feature maps and the "
            "prediction. The saved run is never changed; this works on a copy."
        )
    )
    pick, grid_col, act_col = st.columns([1, 1.2, 1])
    ui.keep_valid("exp_ed_layer", convs, convs[0])
    layer = pick.selectbox(t("Layer"), convs, key="exp_ed_layer", on_change=_set_base, args=(None,))
    original_all = kernels.of_layer(loaded.model, layer)  # (out, in, kh, kw)
    n_out, n_in, kh, kw = original_all.shape
    ui.keep_valid("exp_ed_out", list(range(n_out)), 0)
    ui.keep_valid("exp_ed_in", list(range(n_in)), 0)
    o = pick.selectbox(
        t("Output channel (filter)"), list(range(n_out)), key="exp_ed_out", on_change=_set_base, args=(None,)
    )
    i = pick.selectbox(t("Input channel"), list(range(n_in)), key="exp_ed_in", on_change=_set_base, args=(None,))
    original = original_all[o, i]  # (kh, kw)
    values = _kernel_editor(grid_col, layer, o, i, original)  # (kh, kw); NaN where a cell was emptied
    try:
        handcrafted.checked_kernel(loaded.model, layer, o, i, values)
    except (ValueError, TypeError) as e:
        st.error(t("This kernel cannot be used: {reason}", reason=ui.reason(e)))
        return
    ui.chart(
        grid_col,
        figures.kernel_grid(np.stack([original, values]), titles=[t("learned"), t("yours")], max_cols=2),
        key="exp_ed_kernels",
        help=t(
            "Left the learned kernel, right your edited copy, one cell per weight on one shared colour scale: "
            "blue is positive, red negative, white zero. Cells whose colour differs are the numbers you "
            "changed."
        ),
    )
    changed = not np.array_equal(values, original)
    picked = ui.pick_input("exp_ed", loaded, where=act_col, sources=("test",))
    if picked is None:
        return
    before = ui.activations(loaded, picked)
    after = ui.edited_activations(loaded, picked, layer, o, i, values) if changed else before
    ui.show_input(act_col, picked, key="exp_ed_image")
    p0, p1 = before["softmax"], after["softmax"]
    st.markdown(
        t("Learned kernel: ")
        + charts.verdict(p0, classes, picked.label)
        + "  \n"
        + t("Edited kernel: ")
        + charts.verdict(p1, classes, picked.label)
        + ("" if changed else "  \n" + t("(no change yet: edit a number)"))
    )
    left, right = st.columns(2)
    charts.probs(left, p0, classes, picked.label, "exp_ed_probs_before", t("with the learned kernel"))
    charts.probs(right, p1, classes, picked.label, "exp_ed_probs_after", t("with your kernel"))
    _downstream(before, after, layer, changed)


def _downstream(before: dict, after: dict, layer: str, changed: bool) -> None:
    """The feature maps from the edited layer on, with the edited kernel and as a change."""
    names = list(before)
    downstream = [m for m in charts.map_layers(before) if names.index(m) >= names.index(layer)]
    ui.keep_valid("exp_ed_show", downstream, downstream[0])
    show = st.columns(3)[0].selectbox(t("Feature maps of layer"), downstream, key="exp_ed_show")
    delta = after[show] - before[show]
    st.caption(
        t(
            "Largest change in {layer}: {d:.3g} (its values span {lo:.3g} to {hi:.3g}).",
            layer=show,
            d=float(np.abs(delta).max()),
            lo=float(before[show].min()),
            hi=float(before[show].max()),
        )
    )
    charts.maps(after[show], "exp_ed_maps", t("{layer} with your kernel", layer=show))
    if changed:
        ui.chart(
            st,
            figures.feature_map_grid(delta, title=t("Change: your kernel minus the learned one")),
            key="exp_ed_delta",
            help=t(
                "A difference map: the layer's feature maps with your kernel minus those with the learned "
                "one. Blue means your kernel raised the value there, red that it lowered it, white that "
                "nothing changed (if nothing went down the maps are grey: the brighter, the bigger the rise); "
                "each map has its own colour range."
            ),
        )


def _kernel_editor(where, layer: str, o: int, i: int, original):
    """The editable grid of one kernel slice and its buttons; returns the numbers in it (kh, kw)."""
    kh, kw = original.shape
    base = st.session_state.get("exp_ed_base")
    base = original if base is None or np.shape(base) != original.shape else np.asarray(base)
    with where:
        st.markdown(
            t("**{layer}**, filter {o}, input channel {i}: {kh}×{kw} weights", layer=layer, o=o, i=i, kh=kh, kw=kw)
        )
        edited = st.data_editor(
            pd.DataFrame(base, columns=[str(c) for c in range(kw)]),
            key=f"exp_ed_grid_{st.session_state.get('exp_ed_nonce', 0)}",
            column_config={str(c): st.column_config.NumberColumn(format="%.3f", step=0.01) for c in range(kw)},
        )
        values = edited.to_numpy(dtype=float)
        b1, b2, b3 = st.columns(3)
        b1.button(
            t("Reset"),
            key="exp_ed_reset",
            on_click=_set_base,
            args=(None,),
            icon=":material/undo:",
            help=t("Back to the learned numbers."),
        )
        b2.button(
            t("Zero"),
            key="exp_ed_zero",
            on_click=_set_base,
            args=(np.zeros_like(original),),
            help=t("Switch this kernel slice off."),
        )
        b3.button(
            t("Negate"),
            key="exp_ed_negate",
            on_click=_set_base,
            args=(-values,),
            help=t("Flip the sign of every number."),
        )
        cands = handcrafted.handcrafted_candidates(kh) if kh == kw and kh >= 2 else {}
        if cands:
            st.selectbox(
                t("Or load a handcrafted kernel"),
                [""] + list(cands),
                key="exp_ed_load",
                format_func=lambda n: charts.kernel_title(n) if n else t("(choose)"),
                on_change=_load_handcrafted,
                args=(cands, float(np.linalg.norm(original)) or 1.0),
                help=t("Scaled to the size (L2 norm) of the learned kernel."),
            )
    return values
