"""Evaluation, why this mistake: one misclassified image taken apart: where the network looked, its top classes,
the training images it finds alike, and its answer over training."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from ... import evaluate, ui
from ..cache import figures
from ..text import t
from .gallery import PAGE

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator

    from ...loaded import LoadedRun
    from ...mistake import Story


def why_mistake(
    loaded: LoadedRun, ev: evaluate.Evaluation, names: list[str], at: int | None, cell: tuple[int, int, int]
) -> None:
    """A misclassified image to pick, among those of the cell picked above (or the most confident mistakes), and
    why the network got it wrong.

    Args: cell: (true class, predicted class, number of images) of the confusion cell picked (`cell_images`).
    """
    true_class, pred_class, cell_count = cell
    st.subheader(t("Why this mistake?"))
    chosen_cell = true_class != pred_class and cell_count > 0
    candidates = (
        evaluate.mistakes(ev, limit=PAGE, true_class=true_class, predicted_class=pred_class)
        if chosen_cell
        else evaluate.mistakes(ev, limit=PAGE)
    )
    ui.keep_valid("ev_why", candidates, candidates[0])
    index = st.selectbox(
        t("Misclassified image"),
        candidates,
        key="ev_why",
        format_func=lambda i: t(
            "#{g}: true {true} → {pred} ({conf:.0%})",
            g=i,
            true=names[ev.labels[i]],
            pred=names[ev.predictions[i]],
            conf=float(ev.confidence[i]),
        ),
        help=t(
            "The images of the cell picked above (or the most confident mistakes): pick one to "
            "see where the network looked, what it was torn between, which training images it "
            "finds alike, and when during training it went wrong."
        ),
    )
    _why(loaded, index, at, names)


def _why(loaded: LoadedRun, index: int, at: int | None, names: list[str]) -> None:
    try:
        story = ui.mistake_story(loaded, index, at)
    except ValueError as e:
        st.info(ui.reason(e))
        return
    look, sure, alike = st.columns([1, 1, 2])
    _look(look, loaded, index, story)
    sure.markdown(
        t(
            "**True class:** {true}  \n**Chosen:** {pred}",
            true=ui.plain(names[story.label]),
            pred=ui.plain(names[story.predicted]),
        )
    )
    sure.markdown("\n".join(t("- {name}: {p:.1%}", name=ui.plain(names[c]), p=p) for c, p in story.top))
    _alike(alike, loaded, story, names)
    _history(loaded, story, at, names)


def _look(look: DeltaGenerator, loaded: LoadedRun, index: int, story: Story) -> None:
    """Where the network looked (Grad-CAM over the image), or the image alone when there is no convolution layer."""
    image = ui.shown(loaded.split.x_test[index].numpy())
    if story.heat is not None:
        ui.chart(
            look,
            figures.overlay(image, story.heat, title=t("Where it looked")),
            key="ev_why_cam",
            height=320,
            help=t(
                "Grad-CAM for the class the network chose, over the image: the warm parts are where the last "
                "convolution layer found what made it choose that class. A mistake often shows it looking at "
                "a stroke that the wrong class also has."
            ),
        )
    else:
        ui.show_input(
            look,
            ui.Picked(
                np.zeros(0),
                loaded.split.x_test[index].numpy(),
                story.label,
                f"test-{index}",
                t("test image #{g}", g=index),
            ),
            key="ev_why_image",
        )


def _alike(alike: DeltaGenerator, loaded: LoadedRun, story: Story, names: list[str]) -> None:
    """The training images the network finds most alike, nearest first, and their distances."""
    near = loaded.split.x_train[story.neighbours].numpy()  # (k, C, H, W) uint8
    ui.chart(
        alike,
        figures.image_gallery(
            ui.shown(near),
            [names[c] for c in story.neighbour_labels],
            max_cols=len(near),
            title=t("The training images it finds most alike"),
        ),
        key="ev_why_neighbours",
        help=t(
            "The training images nearest to this one in the network's own embedding (the numbers its last "
            "dense layer reads), nearest first, each with its true class. If they mostly belong to the wrong "
            "class, the network has filed this image among them."
        ),
    )
    alike.caption(
        t("Their distances in the embedding, nearest first: {d}.", d=", ".join(f"{d:.2f}" for d in story.distances))
    )


def _history(loaded: LoadedRun, story: Story, at: int | None, names: list[str]) -> None:
    """Its answer over training: the probabilities of the true and the chosen class, and when it went wrong."""
    if story.history is None:
        st.caption(t("This run has no whole-network snapshots, so its answer over training cannot be replayed."))
        return
    h = story.history
    ui.chart(
        st,
        figures.answer_over_training(
            h.steps,
            h.true_probability,
            h.chosen_probability,
            [names[c] for c in h.predicted],
            names[story.label],
            None if at is None else loaded.snapshots[at].step,
        ),
        key="ev_why_history",
        help=t(
            "Across: the training steps; up: the network's probability for the true class (blue) and for the "
            "class it chose at that moment (orange, with its name on hover). Where the blue line falls below "
            "the orange one, the answer was wrong; the dotted line marks the moment shown."
        ),
    )
    if not (h.predicted == h.label).any():
        st.markdown(t("It was never right at any saved moment of training."))
    elif h.went_wrong_at is not None:
        st.markdown(
            t("It was right earlier in training and has been wrong since step **{step:,}**.", step=h.went_wrong_at)
        )
    elif h.predicted[-1] == h.label:
        st.markdown(t("By the end of training the network gets this image right."))
