"""The one input picker of the inspection screens: a test image, an upload, or a digit drawn with the mouse."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from .. import data
from .cache import figures
from ..i18n import N_
from ..loaded import LoadedRun
from .cache.loading import prepared_image
from .text import plain, reason, t
from .widgets import chart, keep_valid

if TYPE_CHECKING:
    from collections.abc import Sequence

    from streamlit.delta_generator import DeltaGenerator

CANVAS_PX = 280  # 10x a 28x28 digit, so the brush (~18 px) draws strokes as thick as MNIST's
SOURCES = {"test": N_("a test image"), "upload": N_("upload your own"), "draw": N_("draw one")}
INPUT_HELP = N_(
    "The picture the network is given, one square per pixel. Hover over a pixel to read its row, column "
    "and value; a grey picture runs from black (its darkest pixel) to white (its brightest)."
)


@dataclass(frozen=True, eq=False)
class Picked:
    """The image a screen shows the network."""

    x: np.ndarray  # (C, H, W) float32, normalised as the training images were
    image: np.ndarray  # (C, H, W) uint8, what the network is shown
    label: int | None  # the true class of a test image; None for uploads and drawings
    key: str  # names this input in caches: "test-<index>", "upload-<sha1>", "drawing-<sha1>"
    caption: str
    notes: tuple = ()  # how an upload was prepared (i18n Messages)
    steps: tuple = ()  # a photo's preparation: (title, uint8 (H, W)) per step
    index: int | None = None  # its index in the test set


def pick_test_image(
    prefix: str,
    split: data.DataSplit,
    classes: Sequence[str],
    where: DeltaGenerator | None = None,
    index_where: DeltaGenerator | None = None,
    url: bool = False,
) -> tuple[np.ndarray, int, int] | None:
    """Class and index-within-class pickers (keys `<prefix>_class`, `<prefix>_index`) for a test image.

    Args: where / index_where: containers for the two widgets (default the page); url: share the choice
        as ?class=&index= in the address bar.
    Returns: (uint8 image (C, H, W), label, index in the test set), or None when the class has no test image.
    """
    where = where or st
    index_where = index_where or where
    class_ids = list(range(len(classes)))
    keep_valid(f"{prefix}_class", class_ids, 0, url="class" if url else None)
    cls = where.selectbox(t("Class"), class_ids, key=f"{prefix}_class", format_func=lambda c: str(classes[c]))
    count = int((split.y_test == cls).sum())
    if count == 0:
        where.warning(t("The test set has no image of class {name}.", name=classes[cls]))
        return None
    key = f"{prefix}_index"
    st.session_state[key] = min(max(int(st.session_state.get(key, 0)), 0), count - 1)  # a smaller class: its last
    keep_valid(key, range(count), 0, url="index" if url else None)
    idx = index_where.number_input(
        t("Index within the class (0–{last})", last=count - 1), min_value=0, max_value=count - 1, step=1, key=key
    )
    return data.test_image(split, cls, int(idx))


def pick_input(
    prefix: str,
    loaded: LoadedRun,
    where: DeltaGenerator | None = None,
    index_where: DeltaGenerator | None = None,
    message_where: DeltaGenerator | None = None,
    source_where: DeltaGenerator | None = None,
    sources: tuple[str, ...] = ("test", "upload", "draw"),
    horizontal: bool = True,
    url: bool = False,
) -> Picked | None:
    """A radio of sources (key `<prefix>_source`) and the widgets of the one chosen; None until there is an image.

    Args: where: container of the widgets (default the page); index_where: of the index within the class;
        message_where: where "upload a picture"-style hints go (default `where`); source_where: where the radio of
        sources goes (default `where`); sources: offered ones
        ("draw" only for one-channel datasets); url: share the test image choice in the address bar.
    """
    where = where or st
    message_where = message_where or where
    split, classes = loaded.split, loaded.classes
    sources = [s for s in sources if s != "draw" or split.info.input_shape[0] == 1]
    if len(sources) == 1:
        source = sources[0]  # nothing to choose: no radio
    else:
        keep_valid(f"{prefix}_source", sources, sources[0])
        source = (source_where or where).radio(
            t("Input"), sources, key=f"{prefix}_source", horizontal=horizontal, format_func=lambda s: t(SOURCES[s])
        )
    if source == "test":
        picked = pick_test_image(prefix, split, classes, where, index_where, url=url)
        if picked is None:
            return None
        image, label, g = picked
        x = data.normalize(split.x_test[g : g + 1], split.info)[0].numpy()  # (C, H, W) as in training
        return Picked(x, image, label, f"test-{g}", t("test image #{g} · {name}", g=g, name=classes[label]), index=g)
    if source == "upload":
        upload = where.file_uploader(t("An image file (PNG, JPEG, ...)"), key=f"{prefix}_upload")
        if upload is None:
            message_where.info(
                t(
                    "Upload a picture: it is converted the way the training images were "
                    "(size, colour, and for digits: light on dark, centred)."
                )
            )
            return None
        return _prepared(upload.getvalue(), "upload", upload.name, split, where)
    content = drawing(prefix, where, message_where)
    return _prepared(content, "drawing", t("your drawing"), split, message_where) if content else None


def _prepared(content: bytes, kind: str, caption: str, split: data.DataSplit, where) -> Picked | None:
    try:
        prepared = prepared_image(content, split.info.name)
    except ValueError as e:
        where.error(
            t("This file cannot be used: {reason}", reason=reason(e))
            if kind == "upload"
            else t("Cannot use this drawing yet: {reason}", reason=reason(e))
        )
        return None
    return Picked(
        prepared.tensor[0].numpy(),
        prepared.image,
        None,
        f"{kind}-{hashlib.sha1(content).hexdigest()}",
        caption,
        tuple(prepared.notes),
        steps=prepared.steps,
    )


def drawing(
    prefix: str,
    where: DeltaGenerator,
    message_where: DeltaGenerator,
    hint: str | None = None,
    key: str | None = None,
    empty: str | None = None,
) -> bytes | None:
    """The canvas (key `<prefix>_canvas` unless given); the PNG of what was drawn once there is a stroke.
    hint: the caption above it; empty: what to say while nothing is drawn."""
    try:
        from streamlit_drawable_canvas import st_canvas  # imported here: it only works inside a Streamlit run
    except Exception as e:  # a broken or missing optional component must not take the page down
        where.warning(t("The drawing canvas is not available here: {reason}", reason=reason(e)))
        return None
    with where:
        st.caption(hint or t("Draw a digit with the mouse, large and centred; it is scaled like MNIST's digits."))
        st.space("small")  # the canvas toolbar floats above the canvas and would cover the caption
        result = st_canvas(
            stroke_width=18,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=CANVAS_PX,
            width=CANVAS_PX,
            drawing_mode="freedraw",
            return_image_data=True,
            key=key or f"{prefix}_canvas",
        )
    content = result.image_bytes if result is not None else None
    strokes = (result.json_data or {}).get("objects") if result is not None else None
    if not content or not strokes:
        message_where.info(empty or t("Draw something in the black box to see the network's answer."))
        return None
    return content


def shown(image_u8: np.ndarray) -> np.ndarray:
    """(C, H, W) or (N, C, H, W) uint8 -> (H, W) grey or (H, W, 3) colour (with N first when given): the layouts
    the figures take."""
    a = np.asarray(image_u8)
    if a.ndim == 3:
        return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)
    return a[:, 0] if a.shape[1] == 1 else a.transpose(0, 2, 3, 1)


def show_input(where: DeltaGenerator, picked: Picked, key: str) -> None:
    """The picked image as the network sees it, with its caption and how an upload was prepared."""
    chart(where, figures.image_gallery(shown(picked.image)[None], [picked.caption]), key=key, help=t(INPUT_HELP))
    if picked.notes:
        where.caption(t("Prepared like the training images: {notes}", notes="; ".join(reason(n) for n in picked.notes)))
    if picked.steps:  # a photo: each step of evening out its lighting and finding the ink, left to right
        with where.expander(t("How the photo was prepared"), icon=":material/photo_filter:"):
            st.image([image for _, image in picked.steps], caption=[t(title) for title, _ in picked.steps], width=80)


PREDICTION_HELP = N_(
    "One bar per class: the network's probability that the image shows that class, all bars together "
    "making 100%. The predicted class is green when it is right and red when it is wrong (blue when "
    "the true class is not known); “← true” marks the true class."
)


def show_prediction(
    where: DeltaGenerator, probs: np.ndarray, classes: Sequence[str], label: int | None, key: str
) -> int:
    """The predicted class said in words (right or wrong when the true class is known) and drawn as probability
    bars; returns it."""
    pred = int(probs.argmax())
    verdict = "" if label is None else (t("right") if pred == label else t("wrong"))
    where.markdown(
        t("Prediction: **{name}** ({p:.1%})", name=plain(classes[pred]), p=float(probs[pred]))
        + (f" · {verdict}" if verdict else "")
    )
    chart(where, figures.probability_bars(probs, classes, label), key=key, help=t(PREDICTION_HELP))
    return pred
