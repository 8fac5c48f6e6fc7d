"""The networks of the literature: their parameter counts, their shapes on any dataset, the registry."""

import pytest
import torch

from cnnviz import arch, presets
from cnnviz.arch import Conv, Dense, Pool, SpecError

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
    # designed here, by hand: conv 416 + bn 32 + conv 12,832 + bn 64 + dense 513 x 64 + dense 65 x 10
    ("fast", (1, 28, 28)): 416 + 32 + 12_832 + 64 + 32_832 + 650,
}


def test_the_registry_lists_every_preset_in_order():
    assert presets.list_presets() == [
        "lenet5",
        "deep-cnn",
        "keras-cnn",
        "tiny-cnn",
        "simple-cnn",
        "chollet-cnn",
        "mlp",
        "cifar-cnn",
        "fast",
    ]
    assert sorted(p for p, _ in EXPECTED_PARAMS) == sorted(presets.list_presets())


@pytest.mark.parametrize("preset,shape", list(EXPECTED_PARAMS))
def test_preset_parameter_counts_match_the_literature_and_pytorch(preset, shape):
    spec = presets.preset_spec(preset, shape, 10)
    assert arch.total_params(spec) == EXPECTED_PARAMS[(preset, shape)]
    model = arch.build(spec)
    assert arch.count_torch_params(model) == EXPECTED_PARAMS[(preset, shape)]


@pytest.mark.parametrize("preset", presets.list_presets())
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_every_preset_adapts_to_the_input_shape_and_infers_real_shapes(preset, shape):
    spec = presets.preset_spec(preset, shape, 7)
    model = arch.build(spec).eval()
    rows = arch.infer_shapes(spec)
    x = torch.zeros(2, *shape)
    expected = {r.name: r.output_shape for r in rows}
    for name, module in model.named_children():
        x = module(x)
        if name in expected:
            assert tuple(x.shape[1:]) == expected[name], name
    assert x.shape == (2, 7)
    preset_obj = presets.get_preset(preset)
    assert preset_obj.description and preset_obj.source


def test_a_preset_ends_in_one_plain_output_per_class():
    spec = presets.preset_spec("lenet5", (3, 32, 32), 4)
    assert spec.name == "lenet5" and spec.input_shape == (3, 32, 32)
    assert spec.layers[:3] == (Conv(6, 5), Pool("avg"), Conv(16, 5))
    assert spec.layers[-2:] == (Dense(84), Dense(4, "none"))
    assert presets.get_preset("lenet5").layers == spec.layers[:-1]


def test_vgg16_is_the_literatures_network_but_no_preset():
    spec = presets.vgg16_spec()
    assert arch.total_params(spec) == 138_357_544 and spec.input_shape == (3, 224, 224)
    assert [layer.type for layer in spec.layers].count("conv") == 13
    assert "vgg16" not in presets.PRESETS


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(SpecError, match="unknown preset 'alexnet'; choose one of lenet5, deep-cnn, "):
        presets.get_preset("alexnet")
