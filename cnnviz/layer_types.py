"""The layer types an architecture spec is made of (`arch.ArchSpec`), as frozen dataclasses of plain values,
and the activation and pooling kinds they may name. `arch` checks their values and builds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .i18n import N_

ACTIVATIONS = ("relu", "sigmoid", "tanh", "none")
POOL_KINDS = ("max", "avg")
# the words a layer's description uses for them, translated where shown (the English stays the identifier)
WORDS = {
    "relu": N_("relu"),
    "sigmoid": N_("sigmoid"),
    "tanh": N_("tanh"),
    "none": N_("none"),
    "max": N_("max"),
    "avg": N_("avg"),
}


@dataclass(frozen=True)
class Conv:
    filters: int
    kernel_size: int = 3
    stride: int = 1
    padding: int = 0
    activation: str = "relu"
    type: ClassVar[str] = "conv"


@dataclass(frozen=True)
class Pool:
    kind: str = "max"
    size: int = 2
    stride: int | None = None  # None means the same as size, as in Keras and PyTorch
    type: ClassVar[str] = "pool"


@dataclass(frozen=True)
class Dropout:
    p: float = 0.5
    type: ClassVar[str] = "dropout"


@dataclass(frozen=True)
class BatchNorm:
    type: ClassVar[str] = "batchnorm"


@dataclass(frozen=True)
class Flatten:
    type: ClassVar[str] = "flatten"


@dataclass(frozen=True)
class Dense:
    units: int
    activation: str = "relu"
    type: ClassVar[str] = "dense"


LAYER_TYPES = {cls.type: cls for cls in (Conv, Pool, Dropout, BatchNorm, Flatten, Dense)}
Layer = Conv | Pool | Dropout | BatchNorm | Flatten | Dense
