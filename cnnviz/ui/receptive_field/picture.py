"""Receptive field, the picture: a test image of the sidebar's dataset (or a blank canvas) with the chosen unit's
field on top, and the padding it falls on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import data, receptive, ui
from ..cache import figures
from ...arch import ArchSpec
from ..text import t
from .common import clamp

if TYPE_CHECKING:
    import torch
    from streamlit.delta_generator import DeltaGenerator


def _image(controls: DeltaGenerator, spec: ArchSpec) -> tuple[torch.Tensor | None, str]:
    """The test image picked in `controls` when the sidebar's dataset fits the network, else None; and its caption."""
    _, height, width = spec.input_shape
    dataset = ui.dataset_name()
    try:
        matches = data.get_info(dataset).input_shape == spec.input_shape
    except ValueError:
        matches = False
    if not matches:
        return None, t("a blank {h}×{w} canvas (the sidebar's dataset has another input shape)", h=height, w=width)
    split = ui.load_dataset(dataset)
    n_test = len(split.y_test)
    clamp("rf_image", n_test - 1)
    index = controls.number_input(
        t("Test image (0–{last})", last=n_test - 1), min_value=0, max_value=n_test - 1, step=1, key="rf_image"
    )
    image = split.x_test[int(index)]  # (C, H, W) uint8
    return image, t("test image {i} of {dataset}", i=int(index), dataset=ui.dataset_title(dataset))


def field_picture(
    controls: DeltaGenerator,
    picture: DeltaGenerator,
    spec: ArchSpec,
    layer: str,
    row: int,
    col: int,
    unit: receptive.UnitField,
) -> None:
    """The image picker in `controls`; in `picture` the input with the field in red and its padding in blue."""
    image, caption = _image(controls, spec)
    canvas, heat, margin = receptive.field_view(receptive.picture(image, spec.input_shape), unit.region, unit.support)
    ui.chart(
        picture,
        figures.overlay(canvas, heat, alpha=0.5),
        key="rf_picture",
        width="stretch",
        help=t(
            "The input with the receptive field of the chosen unit on top: red marks the pixels that "
            "unit sees. A grey frame around the image is zero padding, and the blue part of the "
            "field falls on that padding, so it brings in nothing."
        ),
    )
    picture.caption(
        caption
        + " · "
        + t("red: the pixels unit ({row}, {col}) of {layer} sees", row=row, col=col, layer=layer)
        + (
            " · " + t("grey frame: zero padding ({m} px), blue: the part of the field that falls on it", m=margin)
            if margin
            else ""
        )
    )
