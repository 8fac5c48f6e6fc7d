"""Receptive field, one unit: the layer and the unit picked, which input pixels it sees and why some never reach
it, and a check of that field by backpropagation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ... import receptive, ui
from ...arch import ArchSpec
from ..text import t
from .common import clamp, span

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator


def pick_unit(controls: DeltaGenerator, spatial: list[receptive.LayerField]) -> tuple[receptive.LayerField, int, int]:
    """The layer (the deepest spatial one at first) and the unit's row and column: (its layer's field, row, col)."""
    names = [f.name for f in spatial]
    ui.keep_valid("rf_layer", names, names[-1])
    layer = controls.selectbox(t("Layer"), names, key="rf_layer")
    field = spatial[names.index(layer)]
    _, out_h, out_w = field.output_shape
    position = []
    for key, size, label in (("rf_row", out_h, t("Unit row")), ("rf_col", out_w, t("Unit column"))):
        clamp(key, size - 1)
        if size > 1:
            position.append(controls.slider(label, 0, size - 1, key=key))
        else:
            controls.caption(t("{label}: 0 (the output has one)", label=label))
            position.append(0)
    row, col = position
    return field, row, col


def describe_unit(
    controls: DeltaGenerator, field: receptive.LayerField, row: int, col: int, unit: receptive.UnitField
) -> None:
    """The unit's patch and jump, the input rows and columns it sees, and a warning when pixels never reach it."""
    _, out_h, out_w = field.output_shape
    region, clipped = unit.region, unit.seen
    controls.markdown(
        t(
            "**{layer}** ({h}×{w} units): unit ({row}, {col}) sees a **{r}×{r}** patch, "
            "neighbouring units are **{j}** pixels apart.",
            layer=field.name,
            h=out_h,
            w=out_w,
            row=row,
            col=col,
            r=field.rf,
            j=field.jump,
        )
    )
    controls.markdown(
        t(
            "Input rows {rows}, columns {cols}",
            rows=span(region.row0, region.row1),
            cols=span(region.col0, region.col1),
        )
        + (
            t(
                " — inside the image: rows {rows}, columns {cols}; the rest is padding.",
                rows=span(clipped.row0, clipped.row1),
                cols=span(clipped.col0, clipped.col1),
            )
            if clipped != region and not clipped.empty
            else ""
        )
    )
    if clipped.empty:
        controls.warning(t("This unit sees only padding: its value is its bias, whatever the image."))
    elif unit.partial:
        controls.warning(
            t(
                "Only {n} pixels of this patch reach the unit (shown in red): {why}",
                n=unit.pixels,
                why=t("a stride larger than its kernel leaves holes.")
                if field.gaps
                else t(
                    "a layer dropped its last rows or columns (floor division) and a later layer pads "
                    "over them, so the pixels behind that padding never arrive."
                ),
            )
        )


def check_button(controls: DeltaGenerator, spec: ArchSpec, layer: str, row: int, col: int, pixels: int) -> None:
    """Check by backpropagation: the pixels with a non-zero gradient must be exactly the unit's field."""
    if controls.button(
        t("Check by backpropagation"),
        key="rf_check",
        help=t(
            "Builds the network with positive weights, feeds a positive image and backpropagates "
            "from this unit: the pixels with a non-zero gradient must be exactly the field."
        ),
    ):
        with st.spinner(t("Backpropagating…")):
            ok = ui.field_confirmed(spec, layer, row, col)
        if ok:
            controls.success(
                t("Confirmed: the gradient of this unit is non-zero on exactly these {n} pixels.", n=pixels)
            )
        else:
            controls.error(t("The gradient disagrees with the computed field: please report this network."))
