"""Architecture specs: a sequence of layers (their types are in `layer_types`), read from JSON, shape inference,
summaries, build to nn.Module.

A spec is plain data (JSON in, JSON out). `infer_shapes` checks it with the output-size formula
O = floor((I - F + 2P) / S) + 1 before anything is built, so an impossible network is refused with
a message that names the layer and the numbers.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import asdict, dataclass, fields
from typing import Iterator

import torch
from torch import nn

from .i18n import Message, Translated
from .layer_types import (  # the layer types are part of a spec's vocabulary: arch.Conv, arch.WORDS, ...
    ACTIVATIONS,
    LAYER_TYPES,
    POOL_KINDS,
    WORDS,
    BatchNorm,
    Conv,
    Dense,
    Dropout,
    Flatten,
    Layer,
    Pool,
)

MAX_LAYERS = 64
MAX_JSON_CHARS = 1 << 20  # a 64-layer spec is a few kB


class SpecError(Translated, ValueError):
    """An architecture that cannot be built, with a message naming the layer and the numbers."""


@dataclass(frozen=True)
class ArchSpec:
    """A network: input shape (C, H, W) and a sequence of layers."""

    input_shape: tuple[int, int, int]
    layers: tuple[Layer, ...]
    name: str = "custom"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "input_shape": list(self.input_shape),
            "layers": [{"type": layer.type, **asdict(layer)} for layer in self.layers],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def key(self) -> str:
        """A stable string identifying this spec (for caches)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @staticmethod
    def from_dict(d: dict) -> ArchSpec:
        """Parse a spec from plain data, rejecting anything malformed with a clear SpecError."""
        if not isinstance(d, dict):
            raise SpecError("an architecture spec must be a JSON object with 'input_shape' and 'layers'")
        shape = d.get("input_shape")
        if not (isinstance(shape, (list, tuple)) and len(shape) == 3 and all(_is_int(s) for s in shape)):
            raise SpecError("input_shape must be three integers [C, H, W], got {got!r}", got=shape)
        raw_layers = d.get("layers")
        if not isinstance(raw_layers, list):
            raise SpecError("'layers' must be a list of layer objects")
        layers = tuple(_layer_from_dict(i, raw) for i, raw in enumerate(raw_layers, start=1))
        name = str(d.get("name") or "custom")[:80]
        return ArchSpec(tuple(int(s) for s in shape), layers, name)

    @staticmethod
    def from_json(text: str) -> ArchSpec:
        if len(text) > MAX_JSON_CHARS:
            raise SpecError(
                "the JSON is {n:,} characters long; an architecture is at most {limit:,}",
                n=len(text),
                limit=MAX_JSON_CHARS,
            )
        try:
            data = json.loads(text)
        except RecursionError:
            raise SpecError("not valid JSON: it is nested too deeply") from None
        except ValueError as e:  # JSONDecodeError, bad UTF-8, and integers of thousands of digits
            raise SpecError("not valid JSON: {reason}", reason=e) from None
        return ArchSpec.from_dict(data)


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _layer_from_dict(index: int, raw) -> Layer:
    if not isinstance(raw, dict) or raw.get("type") not in LAYER_TYPES:
        got = raw.get("type") if isinstance(raw, dict) else raw
        raise SpecError(
            "layer {index}: unknown type {got!r}; expected one of {types}",
            index=index,
            got=got,
            types=", ".join(LAYER_TYPES),
        )
    cls = LAYER_TYPES[raw["type"]]
    names = {f.name for f in fields(cls)}
    unknown = set(raw) - names - {"type"}
    if unknown:
        raise SpecError(
            "layer {index} ({type}): unknown field(s) {fields}",
            index=index,
            type=cls.type,
            fields=", ".join(sorted(unknown)),
        )
    try:
        return cls(**{k: v for k, v in raw.items() if k != "type"})
    except TypeError as e:
        raise SpecError("layer {index} ({type}): {reason}", index=index, type=cls.type, reason=e) from None


@dataclass(frozen=True)
class LayerInfo:
    """One row of the summary table."""

    name: str
    type: str
    output_shape: tuple[int, ...]
    params: int
    description: str


def layer_names(spec: ArchSpec) -> list[str]:
    """Names like conv1, pool1, dense2: numbered per type, as a textbook would label them."""
    counts: dict[str, int] = {}
    names = []
    for layer in spec.layers:
        counts[layer.type] = counts.get(layer.type, 0) + 1
        names.append(f"{layer.type}{counts[layer.type]}" if layer.type != "flatten" else "flatten")
    return names


def output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """O = floor((I - F + 2P) / S) + 1."""
    return (size - kernel + 2 * padding) // stride + 1


def _check_positive(where: str, **values) -> None:
    for key, v in values.items():
        if not _is_int(v) or v < 1:
            raise SpecError(
                "{where}: {key} must be a whole number of at least 1, got {got!r}", where=where, key=key, got=v
            )


def infer_shapes(spec: ArchSpec) -> list[LayerInfo]:
    """Check a spec layer by layer and return each layer's output shape and parameter count.

    Raises:
        SpecError naming the first layer that cannot work, and why.
    """
    return list(_layer_rows(spec))


def first_broken_layer(spec: ArchSpec) -> tuple[list[LayerInfo], SpecError | None, int | None]:
    """Where a spec breaks: the rows of the layers before it, why, and the index of the layer that cannot work.

    Returns:
        (rows of the working layers, the SpecError or None, the breaking layer's index or None). The index is
        None when the spec works, and for a spec refused as a whole (too many layers, or a bad input shape
        without layers).
    """
    rows: list[LayerInfo] = []
    try:
        for row in _layer_rows(spec):
            rows.append(row)
    except SpecError as e:
        whole = len(spec.layers) > MAX_LAYERS or not spec.layers
        return rows, e, None if whole else len(rows)
    return rows, None, None


def _layer_rows(spec: ArchSpec) -> Iterator[LayerInfo]:
    """The rows of `infer_shapes`, one layer at a time, so a caller sees how far a spec works."""
    c, h, w = spec.input_shape
    _check_positive(Message("input"), channels=c, height=h, width=w)
    if len(spec.layers) > MAX_LAYERS:
        raise SpecError(
            "{n} layers is more than this explorer builds (at most {limit})", n=len(spec.layers), limit=MAX_LAYERS
        )
    shape: tuple[int, ...] = (c, h, w)
    for name, layer in zip(layer_names(spec), spec.layers):
        shape, params, desc = _LAYER_RULES[layer.type](f"{name}", layer, shape)
        if min(shape) < 1:
            raise SpecError(
                "{where}: output size {shape} has collapsed to nothing", where=name, shape="x".join(map(str, shape))
            )
        yield LayerInfo(name, layer.type, shape, params, desc)


# One rule per layer type: (where, layer, input shape) -> (output shape, parameters, description), or SpecError.
Row = tuple[tuple[int, ...], int, str]


def _conv_row(where: str, layer: Conv, shape: tuple[int, ...]) -> Row:
    _check_positive(where, filters=layer.filters, kernel_size=layer.kernel_size, stride=layer.stride)
    if not _is_int(layer.padding) or layer.padding < 0:
        raise SpecError("{where}: padding must be 0 or more, got {got!r}", where=where, got=layer.padding)
    _check_activation(where, layer.activation)
    if len(shape) == 1:
        raise SpecError(
            "{where}: a convolution needs an image (C, H, W) but gets a flat vector of {n}", where=where, n=shape[0]
        )
    ci, hi, wi = shape
    k, s, p = layer.kernel_size, layer.stride, layer.padding
    if k > min(hi, wi) + 2 * p:
        raise SpecError(
            "{where}: kernel {k}x{k} is larger than its padded input {ph}x{pw} (input {h}x{w}, padding {p})",
            where=where,
            k=k,
            ph=hi + 2 * p,
            pw=wi + 2 * p,
            h=hi,
            w=wi,
            p=p,
        )
    desc = Message(
        "{filters}@{k}x{k}, stride {s}, padding {p}, {activation}",
        filters=layer.filters,
        k=k,
        s=s,
        p=p,
        activation=Message(WORDS[layer.activation]),
    )
    return (layer.filters, output_size(hi, k, s, p), output_size(wi, k, s, p)), (k * k * ci + 1) * layer.filters, desc


def _pool_row(where: str, layer: Pool, shape: tuple[int, ...]) -> Row:
    stride = layer.stride if layer.stride is not None else layer.size
    _check_positive(where, size=layer.size, stride=stride)
    if layer.kind not in POOL_KINDS:
        raise SpecError(
            "{where}: pooling kind must be one of {kinds}, got {got!r}",
            where=where,
            kinds=", ".join(POOL_KINDS),
            got=layer.kind,
        )
    if len(shape) == 1:
        raise SpecError(
            "{where}: pooling needs an image (C, H, W) but gets a flat vector of {n}", where=where, n=shape[0]
        )
    ci, hi, wi = shape
    if layer.size > min(hi, wi):
        raise SpecError(
            "{where}: pooling window {k}x{k} is larger than its input {h}x{w}", where=where, k=layer.size, h=hi, w=wi
        )
    out = (ci, output_size(hi, layer.size, stride, 0), output_size(wi, layer.size, stride, 0))
    return out, 0, Message("{kind} {k}x{k}, stride {s}", kind=Message(WORDS[layer.kind]), k=layer.size, s=stride)


def _dropout_row(where: str, layer: Dropout, shape: tuple[int, ...]) -> Row:
    if not isinstance(layer.p, (int, float)) or isinstance(layer.p, bool) or not 0 <= layer.p < 1:
        raise SpecError("{where}: dropout p must be in [0, 1), got {got!r}", where=where, got=layer.p)
    return shape, 0, f"p = {layer.p}"


def _batchnorm_row(where: str, layer: BatchNorm, shape: tuple[int, ...]) -> Row:
    # scale and shift per channel (running stats are buffers, not parameters)
    desc = Message("per-channel normalisation") if len(shape) != 1 else Message("per-unit normalisation")
    return shape, 2 * shape[0], desc


def _flatten_row(where: str, layer: Flatten, shape: tuple[int, ...]) -> Row:
    n = 1
    for d in shape:
        n *= d
    return (n,), 0, Message("to a vector")


def _dense_row(where: str, layer: Dense, shape: tuple[int, ...]) -> Row:
    _check_positive(where, units=layer.units)
    _check_activation(where, layer.activation)
    if len(shape) != 1:
        raise SpecError(
            "{where}: a dense layer needs a flat vector; add a flatten layer before it (its input is {shape})",
            where=where,
            shape="x".join(map(str, shape)),
        )
    desc = Message("{units} units, {activation}", units=layer.units, activation=Message(WORDS[layer.activation]))
    return (layer.units,), (shape[0] + 1) * layer.units, desc


_LAYER_RULES = {
    "conv": _conv_row,
    "pool": _pool_row,
    "dropout": _dropout_row,
    "batchnorm": _batchnorm_row,
    "flatten": _flatten_row,
    "dense": _dense_row,
}


def _check_activation(where: str, activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise SpecError(
            "{where}: activation must be one of {names}, got {got!r}",
            where=where,
            names=", ".join(ACTIVATIONS),
            got=activation,
        )


def total_params(spec: ArchSpec) -> int:
    return sum(row.params for row in infer_shapes(spec))


def summary_table(spec: ArchSpec) -> str:
    """A Keras-style text summary: layer, output shape, parameters, and the total."""
    rows = infer_shapes(spec)
    lines = [f"{'layer':<12}{'output shape':<18}{'params':>10}  details", "-" * 64]
    lines.append(f"{'input':<12}{str(tuple(spec.input_shape)):<18}{0:>10,}")
    for r in rows:
        lines.append(f"{r.name:<12}{str(r.output_shape):<18}{r.params:>10,}  {r.description}")
    lines += ["-" * 64, f"total parameters: {sum(r.params for r in rows):,}"]
    return "\n".join(lines)


_ACT_MODULES = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def build(spec: ArchSpec) -> nn.Sequential:
    """Build the spec as an nn.Sequential whose module names match `layer_names` (plus '<name>_<act>')."""
    rows = infer_shapes(spec)
    modules: OrderedDict[str, nn.Module] = OrderedDict()
    in_shape: tuple[int, ...] = spec.input_shape
    for row, layer in zip(rows, spec.layers):
        if isinstance(layer, Conv):
            modules[row.name] = nn.Conv2d(in_shape[0], layer.filters, layer.kernel_size, layer.stride, layer.padding)
        elif isinstance(layer, Pool):
            pool = nn.MaxPool2d if layer.kind == "max" else nn.AvgPool2d
            modules[row.name] = pool(layer.size, layer.stride or layer.size)
        elif isinstance(layer, Dropout):
            modules[row.name] = nn.Dropout(layer.p)
        elif isinstance(layer, BatchNorm):
            modules[row.name] = nn.BatchNorm2d(in_shape[0]) if len(in_shape) == 3 else nn.BatchNorm1d(in_shape[0])
        elif isinstance(layer, Flatten):
            modules[row.name] = nn.Flatten()
        else:
            modules[row.name] = nn.Linear(in_shape[0], layer.units)
        activation = getattr(layer, "activation", "none")
        if activation != "none":
            modules[f"{row.name}_{activation}"] = _ACT_MODULES[activation]()
        in_shape = row.output_shape
    return nn.Sequential(modules)


def count_torch_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def example_input(spec: ArchSpec, batch: int = 1) -> torch.Tensor:
    return torch.zeros(batch, *spec.input_shape)  # (N, C, H, W)
