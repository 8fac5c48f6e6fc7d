"""The Architecture screen's builder rules: what its widgets can show of a design (`EDITABLE`, `check_editable`)
and a design adapted to another dataset (`adapt`).

`arch.infer_shapes` says what cannot work; these rules only keep a design within what the editor can show.
"""

from __future__ import annotations

from dataclasses import asdict, replace

from .arch import MAX_LAYERS, ArchSpec, SpecError, layer_names
from .layer_types import ACTIVATIONS, POOL_KINDS, Dense, Pool

# What the builder lets a learner set, per field: (kind, lowest, highest); a tuple kind lists the allowed words.
# The bounds only keep the editor's widgets sane; `infer_shapes` says what cannot work.
EDITABLE: dict[str, tuple] = {
    "filters": (int, 1, 4096),
    "kernel_size": (int, 1, 256),
    "stride": (int, 1, 256),
    "padding": (int, 0, 256),
    "activation": (ACTIVATIONS, None, None),
    "kind": (POOL_KINDS, None, None),
    "size": (int, 1, 256),
    "p": (float, 0.0, 1.0),
    "units": (int, 1, 100_000),
}


def check_editable(spec: ArchSpec) -> None:
    """Raise SpecError unless the builder can show every value of `spec`: of the right kind and within EDITABLE."""
    if len(spec.layers) > MAX_LAYERS:
        raise SpecError(
            "{n} layers is more than this explorer builds (at most {limit})", n=len(spec.layers), limit=MAX_LAYERS
        )
    if min(spec.input_shape) < 1:
        raise SpecError("input_shape must be three positive whole numbers, got {shape}", shape=list(spec.input_shape))
    for name, layer in zip(layer_names(spec), spec.layers):
        for key, value in asdict(layer).items():
            kind, lo, hi = EDITABLE[key]
            if key == "stride" and isinstance(layer, Pool) and value is None:
                continue  # a pooling stride that follows the window
            if isinstance(kind, tuple):
                ok = value in kind
            elif kind is float:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and lo <= value <= hi
            else:
                ok = _is_int(value) and lo <= value <= hi
            if not ok:
                allowed = ", ".join(kind) if isinstance(kind, tuple) else f"{lo} to {hi}"
                raise SpecError(
                    "{layer}: {field} must be {allowed}, got {value}",
                    layer=name,
                    field=key,
                    allowed=allowed,
                    value=repr(value),
                )


def adapt(spec: ArchSpec, input_shape: tuple[int, int, int], num_classes: int) -> ArchSpec:
    """`spec` for another dataset: the dataset's input shape (C, H, W), and a final dense layer of one unit per
    class (any other last layer is kept as it is)."""
    layers = spec.layers
    if layers and isinstance(layers[-1], Dense):
        layers = layers[:-1] + (replace(layers[-1], units=num_classes),)
    return ArchSpec(tuple(input_shape), layers, spec.name)


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)
