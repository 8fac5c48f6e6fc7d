"""The charts and sentences several tabs of the Experiment screen draw."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ... import kernel_catalogue, ui
from ..cache import figures
from ...i18n import N_
from ..text import t

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator
    from collections.abc import Sequence


METRICS = {
    "val_acc": N_("validation accuracy"),
    "train_acc": N_("training accuracy"),
    "val_loss": N_("validation loss"),
    "train_loss": N_("training loss"),
}


def curves(records: list, prefix: str) -> None:
    """The runs' training curves overlaid, with a picker of the measure (keys `<prefix>_metric`, `_curves`)."""
    curves = {ui.run_summary(r).label: ui.run_history(r) for r in records}
    few_epochs = all(sum(v is not None for v in h["val_acc"]) < 2 for h in curves.values())  # validation: per epoch
    ui.keep_valid(f"{prefix}_metric", list(METRICS), "train_acc" if few_epochs else "val_acc")
    metric = (
        st.segmented_control(t("Curve"), list(METRICS), key=f"{prefix}_metric", format_func=lambda m: t(METRICS[m]))
        or "val_acc"
    )
    ui.chart(
        st,
        figures.compare_curves(curves, metric, title=t(METRICS[metric])),
        key=f"{prefix}_curves",
        help=t(
            "One line per run: the measure chosen above against the epoch (1 epoch = one pass over the "
            "training images). For accuracy higher is better, for loss lower is better; hover over the "
            "chart to compare the runs at one epoch."
        ),
    )


def probs(
    where: DeltaGenerator, probs: np.ndarray, classes: Sequence[str], label: int | None, key: str, title: str = ""
) -> None:
    ui.chart(
        where,
        figures.probability_bars(probs, classes, label, title=title),
        key=key,
        help=t(
            "One bar per class: the network's probability that the image shows that class, all bars "
            "together making 100%. The predicted class is green when it is right and red when it is "
            "wrong (blue when the true class is not known); “← true” marks the true class."
        ),
    )


def maps(maps: np.ndarray, key: str, title: str = "") -> None:
    ui.chart(
        st,
        figures.feature_map_grid(maps, title=title),
        key=key,
        help=t(
            "Each picture is one channel's feature map: it lights up where that channel found its pattern "
            "in the image. If no value is negative the maps are grey (black low, white high); otherwise "
            "blue is positive, red negative and white zero. Every map has its own colour range, given in "
            "brackets, so compare where maps light up, not how bright they are."
        ),
    )


def histograms(values: np.ndarray, steps: Sequence[int], title: str, key: str, moment_step: int | None = None) -> None:
    ui.chart(
        st,
        figures.histogram_timeline(values, steps, title=title, moment_step=moment_step),
        key=key,
        help=t(
            "A timeline of histograms: each column is one snapshot (its training step below), each row a "
            "narrow range of values, lowest at the bottom. The colour counts how many values fall in that "
            "range at that step, from dark purple (few or none) to yellow (the most), so you can watch the "
            "values spread out or pile up as training goes on. An orange frame marks the moment of "
            "training chosen at the top."
        ),
    )


def verdict(probs: np.ndarray, classes: Sequence[str], true_label: int | None) -> str:
    pred = int(np.argmax(probs))
    text = t("Prediction: **{name}** ({p:.1%})", name=ui.plain(classes[pred]), p=float(probs[pred]))
    return text + (" · " + (t("right") if pred == true_label else t("wrong")) if true_label is not None else "")


def kernel_title(name: str) -> str:
    return kernel_catalogue.KERNELS[name].title if name in kernel_catalogue.KERNELS else name


def map_layers(acts: dict) -> list[str]:
    """Layer outputs that are stacks of maps (C, H, W), in network order."""
    return [name for name, out in acts.items() if name != "softmax" and out.ndim == 3]
