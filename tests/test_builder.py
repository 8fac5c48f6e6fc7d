"""The builder's rules: what the Architecture screen can show of a design, and a design adapted to a dataset."""

import pytest

from cnnviz import builder, presets
from cnnviz.arch import ArchSpec, BatchNorm, Conv, Dense, Dropout, Flatten, Pool, SpecError


@pytest.mark.parametrize(
    "layers,message",
    [
        ((Conv(5000),), "conv1: filters must be 1 to 4096, got 5000"),
        ((Conv(8, padding=300),), "conv1: padding must be 0 to 256, got 300"),
        ((Conv(8, activation="gelu"),), "conv1: activation must be relu, sigmoid, tanh, none, got 'gelu'"),
        ((Pool("max", 2, 2.5),), "pool1: stride must be 1 to 256, got 2.5"),
        ((Dropout(True),), "dropout1: p must be 0.0 to 1.0, got True"),
        (
            (
                Flatten(),
                Dense(0),
            ),
            "dense1: units must be 1 to 100000, got 0",
        ),
    ],
)
def test_check_editable_names_the_layer_field_and_bounds(layers, message):
    with pytest.raises(SpecError) as e:
        builder.check_editable(ArchSpec((1, 28, 28), layers))
    assert str(e.value) == message


def test_check_editable_accepts_what_the_builder_shows():
    builder.check_editable(presets.preset_spec("cifar-cnn", (3, 32, 32)))
    builder.check_editable(ArchSpec((1, 28, 28), (Pool("avg", 3, None), Dropout(1), BatchNorm())))  # an int p
    with pytest.raises(SpecError, match=r"^input_shape must be three positive whole numbers, got \[1, 0, 28\]$"):
        builder.check_editable(ArchSpec((1, 0, 28), ()))
    with pytest.raises(SpecError, match=r"^65 layers is more than this explorer builds \(at most 64\)$"):
        builder.check_editable(ArchSpec((1, 28, 28), (Dropout(0.1),) * 65))


def test_adapt_takes_the_input_shape_and_one_unit_per_class():
    spec = presets.preset_spec("lenet5")
    adapted = builder.adapt(spec, (3, 32, 32), 4)
    assert adapted.input_shape == (3, 32, 32) and adapted.name == "lenet5"
    assert adapted.layers[:-1] == spec.layers[:-1] and adapted.layers[-1] == Dense(4, "none")
    no_head = ArchSpec((1, 28, 28), (Conv(4), Flatten()), "mine")
    assert builder.adapt(no_head, (1, 32, 32), 4) == ArchSpec((1, 32, 32), (Conv(4), Flatten()), "mine")
