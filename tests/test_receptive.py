"""Tests for cnnviz.receptive: hand-computed fields and FLOPs, the literature's VGG-16, one unit's field drawn."""

import numpy as np
import pytest
import torch
import torchvision

from cnnviz import arch, presets, receptive_check
from cnnviz import receptive as rf
from cnnviz.arch import ArchSpec, BatchNorm, Conv, Dense, Dropout, Flatten, Pool


def by_name(spec):
    return {f.name: f for f in rf.fields(spec)}


# ---------------------------------------------------------------- the recurrence, by hand


def test_lenet5_fields_by_hand():
    f = by_name(presets.preset_spec("lenet5"))
    # conv1 5x5: r 5, j 1; pool 2: r 5 + 1*1 = 6, j 2; conv2 5x5: 6 + 4*2 = 14; pool 2: 14 + 1*2 = 16, j 4
    assert [(f[n].rf, f[n].jump, f[n].first, f[n].start) for n in ("conv1", "pool1", "conv2", "pool2")] == [
        (5, 1, 0, 2.0),
        (6, 2, 0, 2.5),
        (14, 2, 0, 6.5),
        (16, 4, 0, 7.5),
    ]
    assert f["flatten"].rf == 16 and f["flatten"].jump == 4  # flatten only reorders pool2's units
    assert f["dense1"].rf is None and f["dense1"].covers == rf.Region(0, 28, 0, 28)


def test_lenet5_flops_by_hand():
    f = by_name(presets.preset_spec("lenet5"))
    # FLOPs = 2 x MACs, bias add included (k*k*C_in products need k*k*C_in - 1 adds; the bias is the last one)
    assert f["conv1"].macs == 5 * 5 * 1 * 6 * 24 * 24 == 86_400
    assert f["conv1"].flops == 2 * 5 * 5 * 1 * 6 * 24 * 24 == 172_800
    assert f["conv1"].activation_flops == 6 * 24 * 24  # one ReLU per output value
    assert f["pool1"].flops == 2 * 2 * 6 * 12 * 12 and f["pool1"].macs == 0
    assert f["conv2"].flops == 2 * 5 * 5 * 6 * 16 * 8 * 8 == 307_200
    assert f["dense1"].flops == 2 * 256 * 120 and f["dense3"].flops == 2 * 84 * 10
    assert f["dense3"].activation_flops == 0  # the output layer has no activation
    assert f["flatten"].flops == 0
    assert [f[n].params for n in f] == [row.params for row in arch.infer_shapes(presets.preset_spec("lenet5"))]
    totals = rf.totals(rf.fields(presets.preset_spec("lenet5")))
    assert totals["params"] == 44_426
    assert totals["macs"] == 86_400 + 153_600 + 30_720 + 10_080 + 840


def test_stride_and_padding_by_hand():
    spec = ArchSpec(
        (1, 16, 16),
        (
            Conv(2, 3, stride=2, padding=1),
            Pool("max", 2),
            Conv(2, 3, padding=1),
            BatchNorm(),
            Dropout(0.1),
            Flatten(),
            Dense(3),
        ),
    )
    f = by_name(spec)
    assert (f["conv1"].rf, f["conv1"].jump, f["conv1"].first) == (3, 2, -1)
    assert (f["pool1"].rf, f["pool1"].jump, f["pool1"].first) == (5, 4, -1)
    assert (f["conv2"].rf, f["conv2"].jump, f["conv2"].first) == (13, 4, -5)  # 5 + 2*4; -1 - 1*4
    assert (f["batchnorm1"].rf, f["dropout1"].jump) == (13, 4)  # identity for the field
    assert f["conv2"].start == 1.0
    assert rf.unit_region(spec, "conv2", 0, 0) == rf.Region(-5, 8, -5, 8)
    assert rf.unit_region(spec, "conv2", 3, 1) == rf.Region(7, 20, -1, 12)
    assert rf.unit_region(spec, "conv2", 3, 1).clip(16, 16) == rf.Region(7, 16, 0, 12)
    assert f["batchnorm1"].flops == 2 * 2 * 4 * 4 and f["dropout1"].flops == 0


def test_vgg16_matches_the_literature_and_torchvision():
    spec = presets.vgg16_spec()
    f = by_name(spec)
    assert arch.total_params(spec) == 138_357_544
    assert (f["conv13"].rf, f["pool5"].rf, f["pool5"].jump) == (196, 212, 32)  # conv5_3 and pool5
    with torch.device("meta"):  # shapes only: no memory, no arithmetic
        model = torchvision.models.vgg16()
    measured = receptive_check.hook_macs(model, (3, 224, 224))
    assert sum(measured.values()) == sum(x.macs for x in f.values()) == 15_470_264_320


# ---------------------------------------------------------------- bad input and the picture


def test_bad_requests_are_refused_plainly():
    spec = presets.preset_spec("lenet5")
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        rf.unit_region(spec, "conv9", 0, 0)
    with pytest.raises(ValueError, match=r"outside conv1's 24x24 output"):
        rf.unit_region(spec, "conv1", 24, 0)
    with pytest.raises(ValueError, match="flat vector"):
        rf.unit_support(spec, "flatten", 0, 0)
    with pytest.raises(ValueError, match="no rows and columns"):
        receptive_check.gradient_support(spec, "dense1", 1, 0)
    with pytest.raises(ValueError, match="6 channels"):
        receptive_check.gradient_support(spec, "conv1", 0, 0, channel=6)
    with pytest.raises(arch.SpecError):
        rf.fields(ArchSpec((1, 4, 4), (Conv(1, 7),)))


def test_field_view_frames_the_padding():
    spec = presets.preset_spec("tiny-cnn")
    region = rf.unit_region(spec, "conv1", 0, 0)  # 3x3 around pixel (0, 0): one row and column of padding
    image = np.arange(28 * 28, dtype=np.uint8).reshape(28, 28)
    canvas, heat, margin = rf.field_view(image, region)
    assert margin == 1 and canvas.shape == (30, 30)
    assert np.array_equal(canvas[1:-1, 1:-1], image) and (canvas[0] == 128).all()
    assert np.nansum(heat == 1.0) == 4 and np.nansum(heat == np.float32(0.3)) == 5
    assert np.isnan(heat[5:, 5:]).all()
    inside = rf.unit_region(spec, "conv1", 5, 5)
    canvas, heat, margin = rf.field_view(np.zeros((28, 28, 3), np.uint8), inside)
    assert margin == 0 and canvas.shape == (28, 28, 3) and np.nansum(heat) == 9
    with pytest.raises(ValueError, match="uint8"):
        rf.field_view(np.zeros((28, 28)), inside)


# ---------------------------------------------------------------- one unit, as the screen shows it


def test_unit_field_of_a_plain_unit():
    spec = presets.preset_spec("lenet5")
    unit = rf.unit_field(spec, "pool2", 3, 0)
    assert unit.region == rf.Region(12, 28, 0, 16) == unit.seen
    assert unit.pixels == 16 * 16 and not unit.partial
    assert np.array_equal(unit.support, rf.unit_support(spec, "pool2", 3, 0))


def test_unit_field_with_holes_and_with_hidden_pixels():
    holes = rf.unit_field(ArchSpec((1, 12, 12), (Conv(1, 1, stride=2), Conv(1, 3))), "conv2", 0, 0)
    assert holes.region == rf.Region(0, 5, 0, 5) == holes.seen
    assert holes.pixels == 9 and holes.partial  # rows and columns 0, 2, 4 of a 5×5 box
    spec = ArchSpec((1, 17, 15), (Conv(3, 3, stride=2, padding=1), Pool("max", 3, 2), Conv(2, 3, padding=2)))
    hidden = rf.unit_field(spec, "conv2", 0, 4)
    assert hidden.seen == rf.Region(0, 6, 7, 14) != hidden.region.clip(17, 15)
    assert hidden.pixels == 6 * 7 and hidden.partial  # a full box, but column 14 never arrives


def test_unit_field_that_sees_only_padding_is_not_partial():
    unit = rf.unit_field(ArchSpec((1, 6, 6), (Conv(1, 3, padding=3),)), "conv1", 0, 0)
    assert unit.seen.empty and unit.pixels == 0 and not unit.partial


def test_picture_of_a_test_image_or_a_blank_canvas():
    grey = np.arange(12, dtype=np.uint8).reshape(1, 3, 4)
    np.testing.assert_array_equal(rf.picture(grey, (1, 3, 4)), grey[0])
    colour = np.arange(36, dtype=np.uint8).reshape(3, 3, 4)
    assert rf.picture(torch.from_numpy(colour), (3, 3, 4)).shape == (3, 4, 3)
    np.testing.assert_array_equal(rf.picture(colour, (3, 3, 4))[1, 2], colour[:, 1, 2])
    blank = rf.picture(None, (3, 5, 6))
    assert blank.shape == (5, 6, 3) and blank.dtype == np.uint8 and (blank == 235).all()
    assert rf.picture(None, (1, 5, 6)).shape == (5, 6)
