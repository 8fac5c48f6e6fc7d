"""Experiment, Learned vs handcrafted: each learned kernel against its closest handcrafted one; the twin run."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ... import compare, handcrafted, kernels, runs, ui
from ..cache import figures
from ...i18n import N_
from ..text import t
from . import charts


FIRST_LAYER = {"learned": N_("learned"), "handcrafted": N_("handcrafted")}


def handcrafted_tab() -> None:
    loaded = ui.require_loaded()
    st.caption(ui.run_caption(loaded))
    convs = kernels.conv_layers(loaded.spec)
    if not convs:
        st.info(
            t(
                "This network has no convolution layers, so there are no learned kernels to compare. "
                "Pick a CNN such as LeNet-5 in the sidebar."
            )
        )
        return
    learned_k = kernels.of_layer(loaded.model, convs[0])  # (N, C, kh, kw)
    if learned_k.shape[-1] < 2:
        st.info(t("The first layer's kernels are 1×1: they have no spatial pattern to compare."))
        return
    st.markdown(
        t(
            "Are the first-layer kernels the network learned anything like the ones people design by hand "
            "(Sobel and Prewitt edge detectors, the Laplacian, blurs)? Each learned kernel is matched to the "
            "handcrafted kernel it correlates with most; a negative correlation means the same pattern with "
            "the opposite sign (a dark-to-light edge instead of light-to-dark)."
        )
    )
    handcrafted_run = loaded.record.first_layer == "handcrafted"
    if handcrafted_run:
        st.info(t("This run's first layer is the fixed handcrafted bank, so every kernel matches one exactly."))
    _kernel_matches(learned_k, convs[0])
    st.subheader(
        t("Experiment: train it with learned kernels instead")
        if handcrafted_run
        else t("Experiment: train it with handcrafted kernels instead")
    )
    _twin_experiment(loaded)


def _kernel_matches(learned_k, first: str) -> None:
    names, r = handcrafted.correlations(learned_k)
    matches = handcrafted.closest_handcrafted(learned_k)
    cands = handcrafted.handcrafted_candidates(learned_k.shape[-1])
    titles = {n: charts.kernel_title(n) for n in names}
    learned = learned_k.mean(1)  # (N, kh, kw): the bank puts one pattern in every input channel
    matched = np.stack([cands[m.name] * m.sign if m.name else np.zeros_like(learned[0]) for m in matches])
    ui.chart(
        st,
        figures.kernel_grid(
            learned,
            titles=[f"k{m.channel} · r = {m.sign * m.correlation:+.2f}" for m in matches],
            shared_scale=False,
            title=t("{layer}: learned kernels", layer=first),
        ),
        key="exp_hc_learned",
        help=t(
            "Each square is one learned first-layer kernel (its input channels averaged), one cell per "
            "weight: blue positive, red negative, white zero, each kernel on its own colour range. Its title "
            "gives the Pearson r with the closest handcrafted kernel, shown below in the same order: near +1 "
            "the same pattern, near −1 the same pattern with the sign flipped."
        ),
    )
    ui.chart(
        st,
        figures.kernel_grid(
            matched,
            titles=[titles.get(m.name, "—") for m in matches],
            shared_scale=False,
            title=t("Closest handcrafted kernel (sign matched)"),
        ),
        key="exp_hc_matched",
        help=t(
            "For each learned kernel above, in the same place, the handcrafted kernel it correlates with "
            "most, its sign flipped where the correlation was negative (— means none). Blue is positive, red "
            "negative, white zero, each kernel on its own colour range."
        ),
    )
    best = max(matches, key=lambda m: m.correlation)
    st.markdown(
        t(
            "{strong} of {n} kernels correlate at 0.7 or more with a handcrafted one. The closest pair: kernel "
            "{k} and {name} (r = {r:+.2f}).",
            strong=sum(m.correlation >= 0.7 for m in matches),
            n=len(matches),
            k=best.channel,
            name=titles.get(best.name, "—"),
            r=best.sign * best.correlation,
        )
    )
    with st.expander(t("Every correlation")):
        ui.chart(
            st,
            figures.heatmap(
                r,
                [titles[n] for n in names],
                [f"k{i}" for i in range(len(r))],
                colorscale=figures.DIVERGING,
                zmid=0,
                text_fmt=".2f",
                title=t("Pearson r of each learned kernel (rows) with each handcrafted one"),
            ),
            key="exp_hc_all",
            help=t(
                "The Pearson r of every learned kernel (rows) with every handcrafted kernel (columns), printed "
                "in each cell. Blue near +1 means the same pattern, red near −1 the same pattern with the "
                "opposite sign, and white near 0 no likeness."
            ),
        )


def _twin_experiment(loaded) -> None:
    try:
        config = compare.twin_config(loaded.record)
        twins = compare.find_twins(loaded.record, runs.list_runs())
    except ValueError as e:
        st.info(t("This run cannot be repeated with another first layer: {reason}", reason=ui.reason(e)))
        return
    other = (
        t("a handcrafted, frozen first layer") if config.first_layer == "handcrafted" else t("a learned first layer")
    )
    st.markdown(
        t(
            "Train the same network, data, seed and settings again, but with {other}, and compare. "
            "It runs in the background ({epochs} epoch(s)).",
            other=other,
            epochs=config.epochs,
        )
    )
    twin = twins[0] if twins else None
    if twin is not None and twin.status in runs.LIVE:
        ui.live_progress(twin.run_id)
    elif st.button(
        t("Train the twin run") if twin is None else t("Train the twin run again"),
        key="exp_hc_train",
        icon=":material/play_arrow:",
        type="primary" if twin is None else "secondary",
    ):
        if ui.start_training(config, ui.load_dataset(config.dataset)):
            st.rerun()
    if twin is None or not twin.has_weights:
        if twin is not None and twin.status not in runs.LIVE:
            st.warning(t("The last twin run ended as '{status}' without weights.", status=twin.status))
        return
    pair = [loaded.record, twin.record]
    sums = [ui.run_summary(r) for r in pair]
    cols = st.columns(3)
    for col, s in zip(cols, sums):
        col.metric(s.label, f"{(s.test_accuracy or 0):.2%}", help=t("test accuracy"))
    cols[2].metric(t("twin minus this run"), f"{(sums[1].test_accuracy or 0) - (sums[0].test_accuracy or 0):+.2%}")
    charts.curves(pair, "exp_hc")
    st.caption(
        t(
            "If the handcrafted first layer does about as well, the learned kernels found nothing a person "
            "could not have designed; if it does worse, the network learned features of its own."
        )
    )
