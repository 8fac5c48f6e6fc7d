"""The networks of the literature and the lessons, as a registry: `list_presets()`, `get_preset(id)`, `preset_spec`.

A preset is its layers without the output layer: `spec(input_shape, num_classes)` adds a dense layer of one unit
per class, so every preset adapts to any dataset (the parameter counts of the literature are for the dataset
each was written for; tests/test_presets.py holds them). `vgg16_spec` is the one network of the literature
that is no preset: 138 million parameters are beyond what this explorer trains.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .arch import ArchSpec, SpecError
from .layer_types import BatchNorm, Conv, Dense, Dropout, Flatten, Layer, Pool


@dataclass(frozen=True)
class Preset:
    """A network from the literature, as a function of the dataset's input shape and class count."""

    id: str
    title: str
    description: str
    source: str
    layers: tuple[Layer, ...] = field(repr=False)

    def spec(self, input_shape: tuple[int, int, int] = (1, 28, 28), num_classes: int = 10) -> ArchSpec:
        """The preset for one dataset: its layers, then a dense layer of `num_classes` units without activation."""
        return ArchSpec(tuple(input_shape), self.layers + (Dense(num_classes, "none"),), self.id)


PRESETS: dict[str, Preset] = {
    p.id: p
    for p in (
        Preset(
            "lenet5",
            "LeNet-5",
            "The classic: two 5x5 conv + average-pool stages, then 120-84-10 dense.",
            "the video lesson, after LeCun et al. 1998",
            (Conv(6, 5), Pool("avg"), Conv(16, 5), Pool("avg"), Flatten(), Dense(120), Dense(84)),
        ),
        Preset(
            "deep-cnn",
            "Deeper CNN",
            "Three 3x3 conv layers (32-64-64) and one max-pool: the video lesson's network (99.21% on MNIST there).",
            "the video lesson",
            (Conv(32, 3), Pool("max"), Conv(64, 3), Conv(64, 3), Flatten(), Dense(64)),
        ),
        Preset(
            "keras-cnn",
            "Keras MNIST CNN",
            "Two 3x3 conv layers, max-pool, dropout and a wide 200-unit dense layer.",
            "the book chapter",
            (Conv(32, 3), Conv(32, 3), Pool("max"), Dropout(0.25), Flatten(), Dense(200)),
        ),
        Preset(
            "tiny-cnn",
            "Tiny PyTorch CNN",
            "8 and 16 filters with 'same' padding, max-pools, dropout 0.5: small and quick.",
            "the PyTorch blog post",
            (
                Conv(8, 3, padding=1),
                Pool("max"),
                Conv(16, 3, padding=1),
                Pool("max"),
                Dropout(0.5),
                Flatten(),
                Dense(128),
            ),
        ),
        Preset(
            "simple-cnn",
            "Simple TensorFlow CNN",
            "Conv 32, pool, conv 64, pool, dense 128: the article's network.",
            "the TensorFlow article",
            (Conv(32, 3), Pool("max"), Conv(64, 3), Pool("max"), Flatten(), Dense(128)),
        ),
        Preset(
            "chollet-cnn",
            "Keras blog CNN",
            "Conv 32-64-64 with two max-pools and a 64-unit head; its summary is in the post.",
            "the Keras blog post",
            (Conv(32, 3), Pool("max"), Conv(64, 3), Pool("max"), Conv(64, 3), Flatten(), Dense(64)),
        ),
        Preset(
            "mlp",
            "MLP baseline",
            "No convolution at all: flatten, 128 hidden units, output. The baseline CNNs beat.",
            "the TensorFlow article",
            (Flatten(), Dense(128)),
        ),
        Preset(
            "cifar-cnn",
            "CIFAR-10 CNN",
            "Two conv-conv-pool-dropout blocks (32, 64 filters), dense 200: for colour images.",
            "the book chapter",
            (
                Conv(32, 3),
                Conv(32, 3),
                Pool("max"),
                Dropout(0.25),
                Conv(64, 3),
                Conv(64, 3),
                Pool("max"),
                Dropout(0.25),
                Flatten(),
                Dense(200),
            ),
        ),
        Preset(
            "fast",
            "Fast CNN (batch norm)",
            "Designed here to reach 99% quickly on a CPU: two 5x5 conv layers "
            "(16, 32 filters), each with batch norm and a max-pool, then a 64-unit head.",
            "cnnviz",
            (Conv(16, 5), BatchNorm(), Pool("max"), Conv(32, 5), BatchNorm(), Pool("max"), Flatten(), Dense(64)),
        ),
    )
}


def list_presets() -> list[str]:
    """The preset ids, in the order the screens offer them."""
    return list(PRESETS)


def get_preset(preset_id: str) -> Preset:
    """The preset called `preset_id`; SpecError naming the known ones otherwise."""
    if preset_id not in PRESETS:
        raise SpecError("unknown preset {got!r}; choose one of {names}", got=preset_id, names=", ".join(PRESETS))
    return PRESETS[preset_id]


def preset_spec(preset_id: str, input_shape: tuple[int, int, int] = (1, 28, 28), num_classes: int = 10) -> ArchSpec:
    """A preset as a spec for inputs (C, H, W) and `num_classes` classes (see `Preset.spec`)."""
    return get_preset(preset_id).spec(input_shape, num_classes)


def vgg16_spec(num_classes: int = 1000) -> ArchSpec:
    """VGG-16 (Simonyan & Zisserman, configuration D; the book chapter's network) on 224x224 RGB, as a spec:
    138,357,544 params. Not a preset: far too large to train here, it is shown for its receptive fields."""
    layers: list = []
    for filters, convs in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        layers += [Conv(filters, 3, padding=1) for _ in range(convs)] + [Pool("max", 2)]
    layers += [Flatten(), Dense(4096), Dropout(0.5), Dense(4096), Dropout(0.5), Dense(num_classes, "none")]
    return ArchSpec((3, 224, 224), tuple(layers), "vgg16")
