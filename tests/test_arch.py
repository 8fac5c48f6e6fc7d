import json

import pytest
import torch

from cnnviz import arch
from cnnviz.arch import ArchSpec, Conv, Dense, Flatten, Pool, SpecError

# The literature's totals (issue 2), on the dataset each preset was written for.
EXPECTED_PARAMS = {
    ("lenet5", (1, 28, 28)): 44_426,
    ("deep-cnn", (1, 28, 28)): 388_234,
    ("keras-cnn", (1, 28, 28)): 933_378,
    ("tiny-cnn", (1, 28, 28)): 103_018,
    ("simple-cnn", (1, 28, 28)): 225_034,
    ("chollet-cnn", (1, 28, 28)): 93_322,
    ("mlp", (1, 28, 28)): 101_770,
    ("cifar-cnn", (3, 32, 32)): 387_778,
}


@pytest.mark.parametrize("preset,shape", list(EXPECTED_PARAMS))
def test_preset_parameter_counts_match_the_literature_and_pytorch(preset, shape):
    spec = arch.preset_spec(preset, shape, 10)
    assert arch.total_params(spec) == EXPECTED_PARAMS[(preset, shape)]
    model = arch.build(spec)
    assert arch.count_torch_params(model) == EXPECTED_PARAMS[(preset, shape)]


@pytest.mark.parametrize("preset", arch.list_presets())
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_every_preset_adapts_to_the_input_shape_and_infers_real_shapes(preset, shape):
    spec = arch.preset_spec(preset, shape, 7)
    model = arch.build(spec).eval()
    rows = arch.infer_shapes(spec)
    x = torch.zeros(2, *shape)
    names = iter(rows)
    expected = {r.name: r.output_shape for r in rows}
    for name, module in model.named_children():
        x = module(x)
        if name in expected:
            assert tuple(x.shape[1:]) == expected[name], name
    assert x.shape == (2, 7)
    assert next(names).name == rows[0].name
    preset_obj = arch.get_preset(preset)
    assert preset_obj.description and preset_obj.source


def test_lenet5_summary_rows():
    rows = arch.infer_shapes(arch.preset_spec("lenet5"))
    assert [(r.name, r.output_shape, r.params) for r in rows] == [
        ("conv1", (6, 24, 24), 156), ("pool1", (6, 12, 12), 0), ("conv2", (16, 8, 8), 2416),
        ("pool2", (16, 4, 4), 0), ("flatten", (256,), 0), ("dense1", (120,), 30840),
        ("dense2", (84,), 10164), ("dense3", (10,), 850)]
    assert "total parameters: 44,426" in arch.summary_table(arch.preset_spec("lenet5"))


@pytest.mark.parametrize("size", [5, 8, 13, 28])
@pytest.mark.parametrize("kernel", [1, 2, 3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_output_size_formula_matches_pytorch(size, kernel, stride, padding):
    if kernel > size + 2 * padding:
        with pytest.raises(SpecError, match="larger than its padded input"):
            arch.infer_shapes(ArchSpec((1, size, size), (Conv(2, kernel, stride, padding),)))
        return
    real = torch.nn.functional.conv2d(torch.zeros(1, 1, size, size), torch.zeros(2, 1, kernel, kernel),
                                      stride=stride, padding=padding)
    assert arch.output_size(size, kernel, stride, padding) == real.shape[-1]
    rows = arch.infer_shapes(ArchSpec((1, size, size), (Conv(2, kernel, stride, padding),)))
    assert rows[0].output_shape == tuple(real.shape[1:])


@pytest.mark.parametrize("layers,message", [
    ((Conv(4, 7),), "conv1: kernel 7x7 is larger than its padded input 5x5"),
    ((Dense(10),), "dense1: a dense layer needs a flat vector; add a flatten layer"),
    ((Pool("max", 2), Pool("max", 2), Pool("max", 2)), "pool3: pooling window 2x2 is larger than its input 1x1"),
    ((Conv(0, 3),), "conv1: filters must be a whole number of at least 1, got 0"),
    ((Flatten(), Conv(2, 3)), "conv1: a convolution needs an image"),
    ((Conv(2, 3, activation="softplus"),), "conv1: activation must be one of"),
    ((Pool("median", 2),), "pool1: pooling kind must be one of"),
])
def test_impossible_specs_name_the_layer_and_the_numbers(layers, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(")):
        arch.infer_shapes(ArchSpec((1, 5, 5), layers))


def test_too_many_layers_is_refused():
    with pytest.raises(SpecError, match="at most"):
        arch.infer_shapes(ArchSpec((1, 28, 28), tuple(Conv(1, 1) for _ in range(500))))


def test_spec_round_trips_through_json():
    spec = arch.preset_spec("tiny-cnn")
    again = ArchSpec.from_json(spec.to_json())
    assert again == spec and again.key() == spec.key()
    assert json.loads(spec.to_json())["layers"][0] == {"type": "conv", "filters": 8, "kernel_size": 3, "stride": 1,
                                                        "padding": 1, "activation": "relu"}


@pytest.mark.parametrize("text,message", [
    ("not json", "not valid JSON"),
    ("[]", "must be a JSON object"),
    ('{"input_shape": [1, 28], "layers": []}', "input_shape must be three integers"),
    ('{"input_shape": [1, 28, 28], "layers": [{"type": "lstm"}]}', "layer 1: unknown type 'lstm'"),
    ('{"input_shape": [1, 28, 28], "layers": [{"type": "conv", "filters": 2, "colour": 1}]}', "unknown field"),
    ('{"input_shape": [1, 28, 28], "layers": [{"type": "conv"}]}', "layer 1 \\(conv\\)"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON: it is nested too deeply"),
    ('{"input_shape": [1, 28, ' + "9" * 5000 + '], "layers": []}', "not valid JSON: Exceeds the limit"),
    (" " * (2 << 20), "an architecture is at most 1,048,576"),
])
def test_malformed_json_specs_are_refused_clearly(text, message):
    with pytest.raises(SpecError, match=message):
        ArchSpec.from_json(text)


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(SpecError, match="lenet5"):
        arch.get_preset("alexnet")
