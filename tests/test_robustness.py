"""Tests for cnnviz.robustness: exact transforms, and occlusion maps that find the evidence a toy network uses."""

import numpy as np
import pytest
import torch

from cnnviz import arch, data, evaluate, robustness
from cnnviz.arch import ArchSpec, Conv, Dense, Flatten


def test_transform_with_zero_settings_is_the_identity():
    rng = np.random.default_rng(0)
    for shape in ((1, 28, 28), (3, 32, 32)):
        img = rng.integers(0, 256, shape, dtype=np.uint8)
        out = robustness.transform(img)
        assert out.dtype == np.uint8 and np.array_equal(out, img) and out is not img


def test_shift_by_one_pixel_moves_the_image_exactly():
    img = np.random.default_rng(1).integers(1, 256, (1, 10, 12), dtype=np.uint8)
    right = robustness.transform(img, shift=(1, 0))
    assert np.array_equal(right[:, :, 1:], img[:, :, :-1]) and not right[:, :, 0].any()
    up = robustness.transform(img, shift=(0, -1))
    assert np.array_equal(up[:, :-1], img[:, 1:]) and not up[:, -1].any()


def test_noise_is_seeded_and_occlusion_fills_the_square():
    img = np.full((1, 8, 8), 100, np.uint8)
    a, b = (robustness.transform(img, noise_std=0.1, seed=3) for _ in range(2))
    assert np.array_equal(a, b) and not np.array_equal(a, img)
    assert not np.array_equal(a, robustness.transform(img, noise_std=0.1, seed=4))
    occ = robustness.transform(img, occlude=(2, 3, 2), fill=7)
    assert (occ[0, 2:4, 3:5] == 7).all() and (occ == 100).sum() == 64 - 4
    assert robustness.transform(img, occlude=(0, 0, 1), fill=7, occlude_fill=200)[0, 0, 0] == 200
    with pytest.raises(ValueError, match="uint8"):
        robustness.transform(img.astype(np.float32))
    with pytest.raises(ValueError, match="scale"):
        robustness.transform(img, scale=0)


def region_model():
    """input (1, 8, 8): class 1 scores 10 x the sum of the 2x2 region at rows 2-3, cols 4-5; class 0 scores 1."""
    model = arch.build(ArchSpec((1, 8, 8), (Flatten(), Dense(2, "none")), "region"))
    with torch.no_grad():
        model.dense1.weight.zero_()
        model.dense1.bias.copy_(torch.tensor([1.0, 0.0]))
        for r, c in ((2, 4), (2, 5), (3, 4), (3, 5)):
            model.dense1.weight[1, r * 8 + c] = 10.0
    return model.eval()


def test_occluding_the_only_informative_region_flips_the_prediction_and_the_map_peaks_there():
    model = region_model()
    img = np.zeros((1, 8, 8), np.uint8)
    img[0, 2:4, 4:6] = 255
    x = img.astype(np.float32) / 255  # the toy model takes 0..1 pixels directly
    assert evaluate.predict(model, x[None]).argmax() == 1
    hidden = robustness.transform(img, occlude=(2, 4, 2)).astype(np.float32) / 255
    assert evaluate.predict(model, hidden[None]).argmax() == 0
    drops = robustness.occlusion_map(model, x[None], target=1, patch=2, stride=1, fill=0.0)
    assert drops.shape == (7, 7)
    assert np.unravel_index(drops.argmax(), drops.shape) == (2, 4)
    p_full = torch.softmax(torch.tensor([1.0, 40.0]), 0)[1].item()
    p_hidden = torch.softmax(torch.tensor([1.0, 0.0]), 0)[1].item()
    assert drops[2, 4] == pytest.approx(p_full - p_hidden, abs=1e-6)
    heat = robustness.spread_map(drops, (8, 8), 2, 1)
    assert np.unravel_index(heat.argmax(), heat.shape) in {(2, 4), (2, 5), (3, 4), (3, 5)}
    with pytest.raises(ValueError, match="patch"):
        robustness.occlusion_map(model, x, 1, patch=9)


def test_occlusion_map_of_a_colour_image_uses_one_fill_per_channel():
    model = arch.build(ArchSpec((3, 6, 6), (Conv(2, 3), Flatten(), Dense(3, "none")), "rgb"))
    x = torch.randn(1, 3, 6, 6, generator=torch.Generator().manual_seed(0))
    info = data.get_info("cifar10")
    drops = robustness.occlusion_map(model, x, 0, patch=3, stride=3, fill=robustness.fill_value(info))
    assert drops.shape == (2, 2) and np.isfinite(drops).all()
    hidden = x.clone()
    hidden[0, :, 3:6, 0:3] = torch.tensor(robustness.fill_value(info)).view(3, 1, 1)
    p = evaluate.predict(model, torch.cat([x, hidden]))[:, 0]
    assert drops[1, 0] == pytest.approx(p[0] - p[1], abs=1e-6)


def test_fill_value_is_black_in_normalised_units():
    info = data.get_info("mnist-sample")
    black = robustness.fill_value(info)
    assert black == pytest.approx(((0 - 0.1307) / 0.3081,))
    x = robustness.to_input(np.zeros((1, 28, 28), np.uint8), info)
    assert x.dtype == np.float32 and np.allclose(x, black[0])
