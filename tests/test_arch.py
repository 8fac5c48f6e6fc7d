"""Architecture specs: the output-size formula, where a spec breaks and why, JSON in and out."""

import json

import pytest
import torch

from cnnviz import arch, presets
from cnnviz.arch import ArchSpec, Conv, Dense, Flatten, Pool, SpecError


def test_lenet5_summary_rows():
    rows = arch.infer_shapes(presets.preset_spec("lenet5"))
    assert [(r.name, r.output_shape, r.params) for r in rows] == [
        ("conv1", (6, 24, 24), 156),
        ("pool1", (6, 12, 12), 0),
        ("conv2", (16, 8, 8), 2416),
        ("pool2", (16, 4, 4), 0),
        ("flatten", (256,), 0),
        ("dense1", (120,), 30840),
        ("dense2", (84,), 10164),
        ("dense3", (10,), 850),
    ]
    assert "total parameters: 44,426" in arch.summary_table(presets.preset_spec("lenet5"))


@pytest.mark.parametrize("size", [5, 8, 13, 28])
@pytest.mark.parametrize("kernel", [1, 2, 3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_output_size_formula_matches_pytorch(size, kernel, stride, padding):
    if kernel > size + 2 * padding:
        with pytest.raises(SpecError, match="larger than its padded input"):
            arch.infer_shapes(ArchSpec((1, size, size), (Conv(2, kernel, stride, padding),)))
        return
    real = torch.nn.functional.conv2d(
        torch.zeros(1, 1, size, size), torch.zeros(2, 1, kernel, kernel), stride=stride, padding=padding
    )
    assert arch.output_size(size, kernel, stride, padding) == real.shape[-1]
    rows = arch.infer_shapes(ArchSpec((1, size, size), (Conv(2, kernel, stride, padding),)))
    assert rows[0].output_shape == tuple(real.shape[1:])


@pytest.mark.parametrize(
    "layers,message",
    [
        ((Conv(4, 7),), "conv1: kernel 7x7 is larger than its padded input 5x5"),
        ((Dense(10),), "dense1: a dense layer needs a flat vector; add a flatten layer"),
        ((Pool("max", 2), Pool("max", 2), Pool("max", 2)), "pool3: pooling window 2x2 is larger than its input 1x1"),
        ((Conv(0, 3),), "conv1: filters must be a whole number of at least 1, got 0"),
        ((Flatten(), Conv(2, 3)), "conv1: a convolution needs an image"),
        ((Conv(2, 3, activation="softplus"),), "conv1: activation must be one of"),
        ((Pool("median", 2),), "pool1: pooling kind must be one of"),
    ],
)
def test_impossible_specs_name_the_layer_and_the_numbers(layers, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(")):
        arch.infer_shapes(ArchSpec((1, 5, 5), layers))


def test_too_many_layers_is_refused():
    with pytest.raises(SpecError, match="at most"):
        arch.infer_shapes(ArchSpec((1, 28, 28), tuple(Conv(1, 1) for _ in range(500))))


def test_spec_round_trips_through_json():
    spec = presets.preset_spec("tiny-cnn")
    again = ArchSpec.from_json(spec.to_json())
    assert again == spec and again.key() == spec.key()
    assert json.loads(spec.to_json())["layers"][0] == {
        "type": "conv",
        "filters": 8,
        "kernel_size": 3,
        "stride": 1,
        "padding": 1,
        "activation": "relu",
    }


@pytest.mark.parametrize(
    "text,message",
    [
        ("not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"input_shape": [1, 28], "layers": []}', "input_shape must be three integers"),
        ('{"input_shape": [1, 28, 28], "layers": [{"type": "lstm"}]}', "layer 1: unknown type 'lstm'"),
        ('{"input_shape": [1, 28, 28], "layers": [{"type": "conv", "filters": 2, "colour": 1}]}', "unknown field"),
        ('{"input_shape": [1, 28, 28], "layers": [{"type": "conv"}]}', "layer 1 \\(conv\\)"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON: it is nested too deeply"),
        ('{"input_shape": [1, 28, ' + "9" * 5000 + '], "layers": []}', "not valid JSON: Exceeds the limit"),
        (" " * (2 << 20), "an architecture is at most 1,048,576"),
    ],
)
def test_malformed_json_specs_are_refused_clearly(text, message):
    with pytest.raises(SpecError, match=message):
        ArchSpec.from_json(text)


def test_first_broken_layer_names_the_layer_and_keeps_the_rows_before_it():
    spec = ArchSpec((1, 28, 28), (Conv(6, 5), Pool(), Conv(16, 11), Pool("max", 3), Flatten(), Dense(10)))
    rows, problem, index = arch.first_broken_layer(spec)  # 28 -> 24 -> 12 -> 2, then a 3x3 window
    assert index == 3
    assert [(r.name, r.output_shape) for r in rows] == [
        ("conv1", (6, 24, 24)),
        ("pool1", (6, 12, 12)),
        ("conv2", (16, 2, 2)),
    ]
    assert isinstance(problem, SpecError)
    assert str(problem) == "pool2: pooling window 3x3 is larger than its input 2x2"


def test_first_broken_layer_of_a_working_spec():
    spec = presets.preset_spec("lenet5")
    rows, problem, index = arch.first_broken_layer(spec)
    assert (problem, index) == (None, None) and rows == arch.infer_shapes(spec)


@pytest.mark.parametrize(
    "spec,index,message",
    [
        (ArchSpec((1, 5, 5), (Dense(10),)), 0, "dense1: a dense layer needs a flat vector"),
        (ArchSpec((0, 5, 5), (Flatten(),)), 0, "input: channels must be a whole number of at least 1, got 0"),
        (ArchSpec((0, 5, 5), ()), None, "input: channels must be a whole number of at least 1, got 0"),
        (ArchSpec((1, 5, 5), (Flatten(),) * 65), None, "65 layers is more than this explorer builds (at most 64)"),
    ],
)
def test_first_broken_layer_of_a_spec_refused_early(spec, index, message):
    rows, problem, broken = arch.first_broken_layer(spec)
    assert rows == [] and broken == index
    assert str(problem).startswith(message)
