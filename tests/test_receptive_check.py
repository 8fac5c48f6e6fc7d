"""Tests for cnnviz.receptive_check: forward hooks count the spec's MACs, backpropagation finds its fields."""

import numpy as np
import pytest

from cnnviz import arch, presets
from cnnviz import receptive as rf
from cnnviz import receptive_check as rc
from cnnviz.arch import ArchSpec, Conv, Pool


def by_name(spec):
    return {f.name: f for f in rf.fields(spec)}


@pytest.mark.parametrize("preset", presets.list_presets())
def test_macs_equal_a_count_by_forward_hooks(preset):
    spec = presets.preset_spec(preset, (3, 32, 32) if preset == "cifar-cnn" else (1, 28, 28))
    measured = rc.hook_macs(arch.build(spec), spec.input_shape)
    expected = {x.name: x.macs for x in rf.fields(spec) if x.macs}
    assert measured == expected


# ---------------------------------------------------------------- backpropagation as referee


CHECKS = [  # (spec, layers to probe): presets with and without padding, max-pooling, batch norm, stride 2
    (presets.preset_spec("lenet5"), None),
    (presets.preset_spec("tiny-cnn"), None),
    (presets.preset_spec("fast"), ("conv1", "pool1", "conv2", "pool2")),
    (presets.preset_spec("keras-cnn"), ("conv2", "pool1", "dropout1")),
    (
        ArchSpec(
            (1, 17, 13),
            (Conv(3, 3, stride=2, padding=1), Pool("max", 3, 2), Conv(2, 3, padding=2), Conv(2, 2, stride=2)),
        ),
        None,
    ),
]


def positions(h, w):
    return {(0, 0), (h - 1, w - 1), (h // 2, w // 2), (0, w - 1), (h - 1, 0)}


@pytest.mark.parametrize("spec,layers", CHECKS, ids=[s.name + str(i) for i, (s, _) in enumerate(CHECKS)])
def test_gradient_support_equals_the_computed_region(spec, layers):
    _, h_in, w_in = spec.input_shape
    probed = 0
    for f in rf.fields(spec):
        if not f.spatial or (layers and f.name not in layers):
            continue
        _, h, w = f.output_shape
        for row, col in positions(h, w):
            grad = rc.gradient_support(spec, f.name, row, col, channel=f.output_shape[0] - 1)
            region = rf.unit_region(spec, f.name, row, col)
            assert np.array_equal(grad, region.mask(h_in, w_in)), (f.name, row, col)
            assert np.array_equal(grad, rf.unit_support(spec, f.name, row, col))
            assert rf.seen_region(spec, f.name, row, col) == region.clip(h_in, w_in)
            assert grad.sum() == region.clip(h_in, w_in).height * region.clip(h_in, w_in).width
            probed += 1
    assert probed >= 8


def test_dense_units_see_what_the_last_spatial_layer_covers():
    # simple-cnn on 28x28: conv 26, pool 13, conv 11, pool 5 (floor drops conv row 10): rows 26, 27 are never used
    spec = presets.preset_spec("simple-cnn")
    f = by_name(spec)
    assert f["dense1"].covers == rf.Region(0, 26, 0, 26)
    grad = rc.gradient_support(spec, "dense1", channel=5)
    assert np.array_equal(grad, f["dense1"].covers.mask(28, 28))
    assert np.array_equal(grad, rf.unit_support(spec, "dense2"))
    assert rc.gradient_support(presets.preset_spec("mlp"), "dense1").all()


def test_strides_larger_than_kernels_leave_holes():
    spec = ArchSpec((1, 12, 12), (Conv(1, 1, stride=2), Conv(1, 3)))  # conv2 sees input rows 0, 2, 4 only
    f = by_name(spec)
    assert f["conv2"].gaps and (f["conv2"].rf, f["conv2"].jump) == (5, 2)
    support = rf.unit_support(spec, "conv2", 0, 0)
    assert np.array_equal(np.flatnonzero(support.any(1)), [0, 2, 4])
    assert np.array_equal(support, rc.gradient_support(spec, "conv2", 0, 0))
    assert not np.array_equal(support, rf.unit_region(spec, "conv2", 0, 0).mask(12, 12))


def test_padding_over_dropped_pixels_hides_them():
    # width 15: conv1 (k3 s2 p1) gives 8 columns, the 3/2 pool uses only 7 of them (floor), so input
    # column 14 reaches conv2 (padding 2) only through pool padding: it is in the box but not in the field
    spec = ArchSpec((1, 17, 15), (Conv(3, 3, stride=2, padding=1), Pool("max", 3, 2), Conv(2, 3, padding=2)))
    region = rf.unit_region(spec, "conv2", 0, 4)
    assert region == rf.Region(-9, 6, 7, 22) and region.clip(17, 15) == rf.Region(0, 6, 7, 15)
    grad = rc.gradient_support(spec, "conv2", 0, 4)
    assert np.array_equal(grad, rf.unit_support(spec, "conv2", 0, 4))
    assert rf.seen_region(spec, "conv2", 0, 4) == rf.Region(0, 6, 7, 14)
    assert not grad[:, 14].any() and grad[:6, 7:14].all()


def test_a_unit_that_sees_only_padding():
    spec = ArchSpec((1, 6, 6), (Conv(1, 3, padding=3),))
    region = rf.unit_region(spec, "conv1", 0, 0)
    assert region == rf.Region(-3, 0, -3, 0) and region.clip(6, 6).empty
    assert not rc.gradient_support(spec, "conv1", 0, 0).any()
    assert not rf.unit_support(spec, "conv1", 0, 0).any()
    assert rf.seen_region(spec, "conv1", 0, 0).empty


def test_confirmed_by_gradient():
    assert rc.confirmed_by_gradient(presets.preset_spec("lenet5"), "conv2", 2, 5)
    assert rc.confirmed_by_gradient(ArchSpec((1, 12, 12), (Conv(1, 1, stride=2), Conv(1, 3))), "conv2", 1, 1)
