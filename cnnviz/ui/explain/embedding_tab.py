"""Explain, Embedding map: every test image placed by the last hidden layer, squeezed to two dimensions by PCA,
replayed over training; a click shows a dot's image."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ... import embedding, ui
from ..cache import figures
from ..text import t
from . import common


def frame_at(loaded, emb, at: int):
    """The map as the network at snapshot `at` saw the images: (points (N, 2), predictions (N,), axis ranges (2, 2),
    caption), the axes fixed over all of training so the dots move and the frame stays still."""
    timeline = common.computed(lambda: ui.embedding_timeline(loaded, emb.pca))
    lo, hi = timeline.points.min((0, 1)), timeline.points.max((0, 1))  # (2,) over every snapshot
    caption = t(
        "Snapshot {i} of {n}: step {step}, epoch {epoch:.2f}.",
        i=at,
        n=len(timeline.steps) - 1,
        step=timeline.steps[at],
        epoch=timeline.epochs[at],
    )
    ranges = np.stack([lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)], axis=1)
    return timeline.points[at], timeline.predictions[at], ranges, caption


def clicked_point(event, labels: np.ndarray, mistakes: np.ndarray, n_classes: int) -> int | None:
    """The image index of the dot clicked in the scatter, if any."""
    points = (getattr(event, "selection", None) or {}).get("points") or []
    if not points:
        return None
    point = points[0].get("customdata")  # each dot carries its image index
    if point is None:  # older front ends: map (trace, position in trace) back to the image
        curve, index = int(points[0].get("curve_number", 0)), int(points[0].get("point_index", 0))
        members = np.flatnonzero(labels == curve if curve < n_classes else mistakes)
        point = members[index] if 0 <= index < len(members) else None
    return int(point[0] if isinstance(point, (list, tuple)) else point) if point is not None else None


def embedding_tab(loaded, classes: list, at: int | None) -> None:
    emb = common.computed(lambda: ui.embedding_map(loaded))
    labels = loaded.test_labels(embedding.EMBEDDING_IMAGES)
    n = len(labels)
    st.markdown(
        t(
            "Every dot is a test image, placed by what the last hidden layer makes of it ({d} numbers per "
            "image), squeezed to two dimensions by PCA. Images the network finds alike sit close together; a "
            "black ring marks a mistake.",
            d=emb.dims,
        )
    )
    caption = t(
        "The first {n} test images. PCA axes fitted on the final network: component 1 explains {a:.0%} of the "
        "variance, component 2 {b:.0%}.",
        n=n,
        a=float(emb.pca.explained_ratio[0]),
        b=float(emb.pca.explained_ratio[1]),
    )
    st.session_state.setdefault("ex_emb_mistakes", True)
    mark = st.toggle(
        t("Mark mistakes"),
        key="ex_emb_mistakes",
        help=t("Early in training almost every image is a mistake: turn the marks off to see the classes' colours."),
    )
    points, predictions, ranges = emb.points, emb.predictions, None  # ranges: fixed over a replay, so dots move
    if at is not None:  # the moment of training: the same axes, the dots where that network put them
        points, predictions, ranges, snapshot_caption = frame_at(loaded, emb, at)
        caption += " " + snapshot_caption
    elif loaded.snapshots:
        caption += " " + t(
            "Move the moment of training above, or press Play, to watch the classes separate as the network learns."
        )
    mistakes = predictions != labels
    plot_col, pick_col = st.columns([3, 1])
    event = _map(plot_col, points, predictions, ranges, labels, classes, mistakes if mark else None)
    plot_col.caption(caption + " " + t("{wrong} of {n} misclassified here.", wrong=int(mistakes.sum()), n=n))
    point = clicked_point(event, labels, mistakes, len(classes))  # plotly shows no images on hover: a click does
    if point is not None and st.session_state.get("_ex_emb_last_pick") != point:
        st.session_state["_ex_emb_last_pick"] = point
        st.session_state["ex_emb_point"] = point
    with pick_col:
        _point_view(loaded, classes, labels, predictions)


def _map(plot_col, points, predictions, ranges, labels, classes: list, marked):
    """The scatter of the test images in `plot_col`, each dot with its hover text; returns the chart's selection."""
    n = len(labels)
    hover = [
        t("image {i} · true {true} · predicted {pred}", i=i, true=classes[labels[i]], pred=classes[predictions[i]])
        for i in range(n)
    ]
    scatter = figures.scatter_embedding(
        points,
        labels,
        classes,
        hover,
        marked,
        x_range=None if ranges is None else ranges[0].tolist(),
        y_range=None if ranges is None else ranges[1].tolist(),
    )
    return ui.chart(
        plot_col,
        scatter,
        key="ex_emb_plot",
        on_select="rerun",
        selection_mode="points",
        help=t(
            "Each dot is one test image, placed by what the last hidden layer makes of it, squeezed "
            "to two dimensions (the axes have no units); its colour is its true class. Images the "
            "network finds alike lie close together, so tight, separate colour clusters are classes "
            "it tells apart easily. With Mark mistakes on, a black ring marks each mistake; click a "
            "dot to see its image."
        ),
    )


def _point_view(loaded, classes: list, labels, predictions) -> None:
    """The image picked by a click or by its number, with its true and predicted class."""
    n = len(labels)
    i = int(
        st.number_input(
            t("Image (0–{last})", last=n - 1),
            0,
            n - 1,
            step=1,
            key="ex_emb_point",
            help=t("Click a dot in the map to pick it, or type its number."),
        )
    )
    st.caption(t("Click a dot to see its image here."))
    ui.chart(
        st,
        figures.image_gallery(ui.shown(loaded.split.x_test[i : i + 1].numpy()), [t("image {i}", i=i)]),
        key="ex_emb_image",
        help=t(
            "The picture the network is given, one square per pixel. Hover over a pixel to read its row, "
            "column and value; a grey picture runs from black (its darkest pixel) to white (its "
            "brightest)."
        ),
    )
    verdict = t("right") if predictions[i] == labels[i] else t("wrong")
    st.markdown(
        t(
            "True **{true}**, predicted **{pred}** · {verdict}",
            true=ui.plain(classes[labels[i]]),
            pred=ui.plain(classes[predictions[i]]),
            verdict=verdict,
        )
    )
