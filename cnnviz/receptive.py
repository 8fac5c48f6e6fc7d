"""Receptive fields and FLOPs: which input pixels a unit sees, and what each layer costs, from the spec alone.

The receptive field follows the standard recurrence over conv and pooling layers (kernel k, stride s,
padding p), starting from the input with r = 1, j = 1, first = 0:

    r_out = r_in + (k - 1) * j_in          side of one unit's field, in input pixels
    j_out = j_in * s                       jump: input distance between neighbouring units
    first_out = first_in - p * j_in        top-left input index of unit (0, 0)'s field
    start = first + (r - 1) / 2            its centre (the usual start_out = start_in + ((k-1)/2 - p) j_in)

Dropout, batch norm and activations leave all three unchanged, and so does flatten (each element is one
unit of the layer before); dense units see everything the last spatial layer covers (the whole input,
unless floor division dropped a last row or column).
Unit (row, col) sees input rows [first + row*j, first + row*j + r) and the same for columns; parts below
0 or past the image are padding. Two cases make the real field smaller than that box clipped to the
image: a stride larger than its kernel leaves holes, and a layer that pads after another dropped its
last rows (floor division) pads over pixels that then never reach the unit. So `unit_support` walks the
exact pixel set back layer by layer, and `receptive_check.gradient_support` checks it by backpropagation.

FLOPs convention (FLOPS_CONVENTION): 2 x multiply-accumulates for conv and dense layers. A sum of n
products needs n - 1 additions, and the bias is the n-th, so 2*k*k*C_in per conv output counts every
multiply and add, bias included. Pooling: k*k operations per output (comparisons, or additions and the
division); batch norm (inference): 2 per element; activations: 1 per element; dropout and flatten: 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import arch
from .arch import ArchSpec
from .layer_types import BatchNorm, Conv, Dense, Pool
from .i18n import Invalid

if TYPE_CHECKING:
    import torch

FLOPS_CONVENTION = (
    "FLOPs = 2 x multiply-accumulates for conv and dense layers (this counts every multiply "
    "and add, the bias add included); pooling: k*k per output; batch norm: 2 per element; "
    "activations: 1 per element (own column); dropout and flatten: 0."
)


@dataclass(frozen=True)
class Region:
    """A rectangle of input pixels, half-open: rows [row0, row1), columns [col0, col1)."""

    row0: int
    row1: int
    col0: int
    col1: int

    @property
    def height(self) -> int:
        return max(0, self.row1 - self.row0)

    @property
    def width(self) -> int:
        return max(0, self.col1 - self.col0)

    @property
    def empty(self) -> bool:
        return self.height == 0 or self.width == 0

    def clip(self, height: int, width: int) -> Region:
        """The part inside a height x width image (may be empty: a unit that sees only padding)."""
        r0, c0 = min(max(self.row0, 0), height), min(max(self.col0, 0), width)
        return Region(r0, max(r0, min(self.row1, height)), c0, max(c0, min(self.col1, width)))

    def mask(self, height: int, width: int) -> np.ndarray:
        """Boolean (height, width), True inside the (clipped) region."""
        m = np.zeros((height, width), dtype=bool)
        c = self.clip(height, width)
        m[c.row0 : c.row1, c.col0 : c.col1] = True
        return m


@dataclass(frozen=True)
class LayerField:
    """One row of the receptive-field table: a spec layer, its field, its parameters and its cost."""

    name: str
    type: str
    output_shape: tuple[int, ...]
    params: int
    description: str
    rf: int | None  # side of one unit's field in input pixels; None from the first dense layer on (see `covers`)
    jump: int | None  # input pixels between neighbouring units; None from the first dense layer on
    first: int | None  # top-left input index of unit (0, 0)'s field; negative: it starts in the padding
    covers: Region  # input pixels that some unit of this layer sees (all units together)
    macs: int  # multiply-accumulates (conv and dense)
    flops: int  # the layer's own operation, FLOPS_CONVENTION
    activation_flops: int  # its activation function, 1 per output element (0 for "none")
    gaps: bool  # a stride larger than its kernel so far: fields have holes, see unit_support

    @property
    def spatial(self) -> bool:
        return len(self.output_shape) == 3

    @property
    def start(self) -> float | None:
        """Centre of unit (0, 0)'s field in input pixel coordinates (pixel i has its centre at i)."""
        return None if self.rf is None else self.first + (self.rf - 1) / 2


def _kernel(layer) -> tuple[int, int, int] | None:
    """(k, s, p) of a layer that slides a window, else None."""
    if isinstance(layer, Conv):
        return layer.kernel_size, layer.stride, layer.padding
    if isinstance(layer, Pool):
        return layer.size, layer.stride if layer.stride is not None else layer.size, 0
    return None


def fields(spec: ArchSpec) -> list[LayerField]:
    """Receptive field, jump, coverage, parameters and FLOPs of every layer of a spec.

    Returns:
        one LayerField per spec layer, in order (names as `arch.layer_names`).
    Raises:
        arch.SpecError (a ValueError) for a spec that cannot be built.
    """
    rows = arch.infer_shapes(spec)
    _, h_in, w_in = spec.input_shape
    r, j, first = 1, 1, 0
    covers = Region(0, h_in, 0, w_in)
    gaps = False
    shape: tuple[int, ...] = spec.input_shape
    out = []
    for row, layer in zip(rows, spec.layers):
        n_out = int(np.prod(row.output_shape))
        macs, flops = 0, 0
        window = _kernel(layer)
        if window is not None:
            k, s, p = window
            r, j, first = r + (k - 1) * j, j * s, first - p * j
            gaps = gaps or s > k
            _, ho, wo = row.output_shape
            covers = Region(first, first + (ho - 1) * j + r, first, first + (wo - 1) * j + r).clip(h_in, w_in)
            if isinstance(layer, Conv):
                macs = k * k * shape[0] * n_out
                flops = 2 * macs
            else:
                flops = k * k * n_out
        elif isinstance(layer, Dense):
            macs = shape[0] * layer.units
            flops = 2 * macs
            r = j = first = None  # every unit sees all of `covers`
        elif isinstance(layer, BatchNorm):
            flops = 2 * n_out
        act = getattr(layer, "activation", "none")
        out.append(
            LayerField(
                row.name,
                row.type,
                row.output_shape,
                row.params,
                row.description,
                r,
                j,
                first,
                covers,
                macs,
                flops,
                n_out if act != "none" else 0,
                gaps,
            )
        )
        shape = row.output_shape
    return out


def totals(table: list[LayerField]) -> dict[str, int]:
    """Sums over the table: params, macs, flops (layers plus activations)."""
    return {
        "params": sum(f.params for f in table),
        "macs": sum(f.macs for f in table),
        "flops": sum(f.flops + f.activation_flops for f in table),
    }


def _find(spec: ArchSpec, layer_name: str) -> int:
    names = arch.layer_names(spec)
    if layer_name not in names:
        raise Invalid("no layer {layer!r}; layers here: {names}", layer=layer_name, names=", ".join(names))
    return names.index(layer_name)


def _check_unit(field: LayerField, row: int, col: int) -> None:
    if not field.spatial and field.rf is not None:
        raise Invalid(
            "{layer} holds the units of the last spatial layer as a flat vector, each with that layer's "
            "field: pick that layer to choose a unit by row and column",
            layer=field.name,
        )
    if not field.spatial:
        if (row, col) != (0, 0):
            raise Invalid("{layer} is a flat layer: it has no rows and columns (use row = col = 0)", layer=field.name)
        return
    _, ho, wo = field.output_shape
    if not (0 <= row < ho and 0 <= col < wo):
        raise Invalid(
            "unit ({row}, {col}) is outside {layer}'s {h}x{w} output (rows 0..{last_row}, columns 0..{last_col})",
            row=row,
            col=col,
            layer=field.name,
            h=ho,
            w=wo,
            last_row=ho - 1,
            last_col=wo - 1,
        )


def unit_region(spec: ArchSpec, layer_name: str, row: int, col: int) -> Region:
    """The input rectangle unit (row, col) of a spatial layer depends on, before clipping to the image.

    Parts outside 0..H-1 / 0..W-1 are padding; `.clip(H, W)` gives the real pixels. For a dense layer
    (row = col = 0) it is what all its inputs cover.
    Raises:
        ValueError for an unknown layer, a flatten layer (pick the layer before) or a position outside
        the layer's output.
    """
    field = fields(spec)[_find(spec, layer_name)]
    _check_unit(field, row, col)
    if not field.spatial:
        return field.covers
    r0, c0 = field.first + row * field.jump, field.first + col * field.jump
    return Region(r0, r0 + field.rf, c0, c0 + field.rf)


def unit_support(spec: ArchSpec, layer_name: str, row: int = 0, col: int = 0) -> np.ndarray:
    """The exact input pixels a unit depends on (holes and image borders included).

    Walks the index sets back layer by layer; rows and columns are independent (square windows).
    Returns:
        bool (H, W) of the input. Equals `unit_region(...).mask(H, W)` unless the field has gaps.
    """
    index = _find(spec, layer_name)
    table = fields(spec)
    field = table[index]
    _check_unit(field, row, col)
    shapes = [spec.input_shape] + [f.output_shape for f in table]
    last = max((i for i in range(index + 1) if len(shapes[i + 1]) == 3), default=-1)  # last spatial layer
    if last < 0:  # an MLP: dense units see every pixel
        return np.ones(spec.input_shape[1:], dtype=bool)
    _, h, w = shapes[last + 1]
    if field.spatial:
        rows, cols = np.zeros(h, bool), np.zeros(w, bool)
        rows[row], cols[col] = True, True
    else:
        rows, cols = np.ones(h, bool), np.ones(w, bool)
    for i in range(last, -1, -1):
        window = _kernel(spec.layers[i])
        if window is None:
            continue
        k, s, p = window
        _, h_in, w_in = shapes[i]
        rows, cols = _back(rows, k, s, p, h_in), _back(cols, k, s, p, w_in)
    return rows[:, None] & cols[None, :]


def seen_region(spec: ArchSpec, layer_name: str, row: int = 0, col: int = 0) -> Region:
    """The bounding box of `unit_support`: the real pixels a unit sees (empty if it sees only padding).

    Usually `unit_region(...).clip(H, W)`. It is smaller when a layer's floor division dropped its last
    rows or columns and a later layer pads there: the pixels behind that padding never reach the unit.
    """
    return _bounding_box(unit_support(spec, layer_name, row, col))


def _bounding_box(support: np.ndarray) -> Region:
    rows, cols = np.flatnonzero(support.any(1)), np.flatnonzero(support.any(0))
    if rows.size == 0:
        return Region(0, 0, 0, 0)
    return Region(int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)


@dataclass(frozen=True, eq=False)
class UnitField:
    """What one unit sees: its window on the input, the real pixels inside it, and exactly which reach it."""

    region: Region  # `unit_region`: the window before clipping; parts outside the image are padding
    seen: Region  # `seen_region`: the bounding box of the pixels that reach the unit (empty: only padding)
    support: np.ndarray  # bool (H, W), `unit_support`

    @property
    def pixels(self) -> int:
        """How many input pixels reach the unit."""
        return int(self.support.sum())

    @property
    def partial(self) -> bool:
        """Some pixels of the window inside the image never reach the unit: a stride larger than its kernel left
        holes, or a layer pads over rows or columns an earlier one dropped."""
        h, w = self.support.shape
        return not self.seen.empty and (
            self.pixels < self.seen.height * self.seen.width or self.seen != self.region.clip(h, w)
        )


def unit_field(spec: ArchSpec, layer_name: str, row: int = 0, col: int = 0) -> UnitField:
    """Unit (row, col) of a layer: `unit_region`, `seen_region` and `unit_support` at once.

    Raises:
        ValueError as `unit_region`.
    """
    support = unit_support(spec, layer_name, row, col)
    return UnitField(unit_region(spec, layer_name, row, col), _bounding_box(support), support)


def _back(selected: np.ndarray, k: int, s: int, p: int, size_in: int) -> np.ndarray:
    """Input indices (bool, size_in) reached by the selected output indices of a window (k, s, p)."""
    idx = (np.flatnonzero(selected)[:, None] * s - p + np.arange(k)[None, :]).ravel()
    out = np.zeros(size_in, dtype=bool)
    out[idx[(idx >= 0) & (idx < size_in)]] = True  # padding positions hold zeros, not pixels
    return out


def picture(image: np.ndarray | torch.Tensor | None, input_shape: tuple[int, int, int]) -> np.ndarray:
    """The picture a field is drawn on, as `field_view` takes it: a test image, or a light blank canvas.

    Args:
        image: uint8 (C, H, W) array or tensor, or None for a blank canvas of `input_shape` (C, H, W).
    Returns:
        uint8 (H, W) for one channel, else (H, W, C).
    """
    if image is None:
        c, h, w = input_shape
        return np.full((h, w, 3) if c == 3 else (h, w), 235, dtype=np.uint8)
    a = np.asarray(image)  # (C, H, W)
    return a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)


def field_view(
    image: np.ndarray, region: Region, support: np.ndarray | None = None, pad_value: int = 128
) -> tuple[np.ndarray, np.ndarray, int]:
    """An image with a frame of padding wide enough to show a field that reaches past the border.

    Args:
        image: uint8 (H, W) or (H, W, 3).
        region: the unclipped field (`unit_region`).
        support: bool (H, W) of the pixels really seen (`unit_support`), default the clipped region.
    Returns:
        (canvas uint8 (H+2m, W+2m[, 3]) with the frame set to pad_value,
         heat float (H+2m, W+2m): 1 on seen pixels, 0.3 on padding inside the field, NaN elsewhere,
         m the frame width).
    """
    a = np.asarray(image)
    h, w = a.shape[:2]
    if a.dtype != np.uint8 or a.ndim not in (2, 3):
        raise ValueError(f"image must be uint8 (H, W) or (H, W, 3), got {a.dtype} {a.shape}")
    seen = region.mask(h, w) if support is None else np.asarray(support, dtype=bool)
    if seen.shape != (h, w):
        raise ValueError(f"support shape {seen.shape} must match the image's {(h, w)}")
    m = max(0, -region.row0, -region.col0, region.row1 - h, region.col1 - w)
    pad = ((m, m), (m, m)) + (((0, 0),) if a.ndim == 3 else ())
    canvas = np.pad(a, pad, constant_values=pad_value)
    heat = np.full(canvas.shape[:2], np.nan, dtype=np.float32)
    shifted = Region(region.row0 + m, region.row1 + m, region.col0 + m, region.col1 + m)
    inside = shifted.mask(h + 2 * m, w + 2 * m)
    padding = inside.copy()
    padding[m : m + h, m : m + w] = False
    heat[padding] = 0.3
    heat[m : m + h, m : m + w][seen] = 1.0
    return canvas, heat, m
