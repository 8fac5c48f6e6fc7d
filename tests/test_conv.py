"""Tests for cnnviz.conv: F.conv2d / pooling as references, hand-computed values."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnviz import conv, kernel_catalogue


def loop_conv2d(image, kernel, stride=1, padding=0, bias=0.0):
    """Plain nested-loop cross-correlation, written independently as a reference."""
    img = np.pad(np.asarray(image, float), padding)
    k = np.asarray(kernel, float)
    oh = (img.shape[0] - k.shape[0]) // stride + 1
    ow = (img.shape[1] - k.shape[1]) // stride + 1
    out = np.zeros((oh, ow))
    for r in range(oh):
        for c in range(ow):
            total = 0.0
            for i in range(k.shape[0]):
                for j in range(k.shape[1]):
                    total += img[r * stride + i, c * stride + j] * k[i, j]
            out[r, c] = total + bias
    return out


def torch_conv(image, kernel, stride, padding, bias):
    x = torch.from_numpy(image).reshape((1, -1) + image.shape[-2:])  # (1, C, H, W)
    w = torch.from_numpy(kernel).reshape((1, -1) + kernel.shape[-2:])  # (1, C, kh, kw)
    b = torch.tensor([bias], dtype=torch.float64)
    return F.conv2d(x, w, b, stride=stride, padding=padding)[0, 0].numpy()


# ---------------------------------------------------------------- convolve


_rng = np.random.default_rng(1234)
_CONV_CASES = [
    (c, h, w, kh, kw, s, p)
    for c, (h, w), (kh, kw), s, p in itertools.product(
        (None, 1, 3), ((7, 7), (9, 6)), ((3, 3), (2, 5)), (1, 2, (2, 1)), (0, 1, (2, 0))
    )
]


@pytest.mark.parametrize("c,h,w,kh,kw,stride,padding", _CONV_CASES)
def test_convolve_matches_torch(c, h, w, kh, kw, stride, padding):
    shape, kshape = ((h, w), (kh, kw)) if c is None else ((c, h, w), (c, kh, kw))
    image = _rng.normal(size=shape)
    kernel = _rng.normal(size=kshape)
    bias = float(_rng.normal())
    got = conv.convolve(image, kernel, stride=stride, padding=padding, bias=bias)
    want = torch_conv(image, kernel, stride, padding, bias)
    assert got.dtype == np.float64
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", kernel_catalogue.list_kernels())
@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (3, 2)])
def test_registry_kernels_match_loop_reference(name, stride, padding):
    image = np.arange(64, dtype=float).reshape(8, 8) % 11  # small hand-made pattern
    kernel = kernel_catalogue.get_kernel(name).weights
    got = conv.convolve(image, name, stride=stride, padding=padding, bias=0.5)
    np.testing.assert_allclose(got, loop_conv2d(image, kernel, stride, padding, 0.5), atol=1e-12)


def test_box_blur_on_4x4_exact():
    image = np.array([[9, 0, 0, 9], [0, 9, 9, 0], [0, 9, 9, 0], [9, 0, 0, 9]], dtype=float)
    # top-left window: 9+0+0+0+9+9+0+9+9 = 45 -> 5; the other three windows also hold 45
    np.testing.assert_allclose(conv.convolve(image, "box_blur"), [[5.0, 5.0], [5.0, 5.0]], atol=1e-12)
    # with padding 1 the corner sees only 9+0+0+9 = 18 -> 2
    padded = conv.convolve(image, "box_blur", padding=1)
    assert padded.shape == (4, 4)
    assert padded[0, 0] == pytest.approx(2.0)
    assert padded[0, 1] == pytest.approx((9 + 0 + 0 + 0 + 9 + 9) / 9)


def test_edges_exact_and_clip_like_the_book():
    image = np.zeros((5, 5))
    image[2, 2] = 100.0  # a single bright pixel
    out = conv.convolve(image, "edges")
    np.testing.assert_array_equal(out, [[100, 100, 100], [100, -800, 100], [100, 100, 100]])
    clipped = conv.convolve(image, "edges", clip=True)
    np.testing.assert_array_equal(clipped, [[100, 100, 100], [100, 0, 100], [100, 100, 100]])
    assert conv.convolve(np.full((3, 3), 200.0), "sharpen", clip=True)[0, 0] == 200.0
    assert conv.convolve(np.full((3, 3), 200.0), "box_blur", bias=100, clip=True)[0, 0] == 255.0


def test_channels_are_summed_plus_bias():
    image = np.stack([np.ones((4, 4)), 2 * np.ones((4, 4)), 3 * np.ones((4, 4))])  # (3, 4, 4)
    kernel = np.ones((3, 3, 3))
    out = conv.convolve(image, kernel, bias=-1.0)
    np.testing.assert_array_equal(out, np.full((2, 2), 9 * (1 + 2 + 3) - 1.0))


def test_kernel_object_and_name_are_accepted():
    image = _rng.normal(size=(6, 6))
    k = kernel_catalogue.get_kernel("sobel_vertical")
    np.testing.assert_array_equal(conv.convolve(image, k), conv.convolve(image, k.weights))
    np.testing.assert_array_equal(conv.convolve(image, "sobel_vertical"), conv.convolve(image, k.weights))


def test_identity_returns_the_image():
    image = _rng.normal(size=(6, 5))
    np.testing.assert_array_equal(conv.convolve(image, "identity", padding=1), image)


# ---------------------------------------------------------------- pool


_POOL_CASES = list(itertools.product((None, 2), ((8, 8), (7, 9)), (2, 3, (2, 3)), (None, 1, 2, (1, 2))))


@pytest.mark.parametrize("c,hw,size,stride", _POOL_CASES)
def test_pool_matches_torch(c, hw, size, stride):
    shape = hw if c is None else (c,) + hw
    image = np.abs(_rng.normal(size=shape))  # lp_pool2d's sign() trick needs no negatives to compare
    image[..., 0, 0] = -1.5  # max/avg still see a negative
    x = torch.from_numpy(image).reshape((1, -1) + hw)  # (1, C, H, W)
    refs = {
        "max": F.max_pool2d(x, size, stride),
        "avg": F.avg_pool2d(x, size, stride),
        "l2": F.lp_pool2d(x, 2, size, stride),
    }
    for kind, want in refs.items():
        want = want[0].numpy() if c is not None else want[0, 0].numpy()
        got = conv.pool(image, kind, size, stride)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_pool_exact_values():
    image = np.array([[1, 3, 2, 0], [4, 2, 0, 0], [3, 4, 5, 6], [0, 0, 7, 8]], dtype=float)
    np.testing.assert_array_equal(conv.pool(image, "max", 2), [[4, 2], [4, 8]])
    np.testing.assert_array_equal(conv.pool(image, "average", 2), [[2.5, 0.5], [1.75, 6.5]])
    np.testing.assert_allclose(conv.pool(image, "l2", 2), [[np.sqrt(30), np.sqrt(4)], [5.0, np.sqrt(174)]])
    # size 3, stride 1 overlaps: a 2x2 output
    np.testing.assert_array_equal(conv.pool(image, "max", 3, stride=1), [[5, 6], [7, 8]])


def test_pool_l2_signs_match_definition():
    image = np.array([[-3.0, 4.0], [0.0, 0.0]])
    assert conv.pool(image, "l2", 2)[0, 0] == pytest.approx(5.0)


# ---------------------------------------------------------------- handcrafted kernels at work


def test_vertical_detector_finds_vertical_edge():
    image = np.zeros((5, 6))
    image[:, 3:] = 1.0  # dark left half, bright right half: a vertical edge
    assert np.abs(conv.convolve(image, "sobel_vertical")).max() == 4.0
    assert np.abs(conv.convolve(image, "sobel_horizontal")).max() == 0.0


# ---------------------------------------------------------------- steps


@pytest.mark.parametrize("c,stride,padding", [(None, 1, 0), (None, 2, 1), (3, 1, 1), (2, (2, 1), (0, 2))])
def test_conv_step_sums_to_convolve(c, stride, padding):
    shape, kshape = ((6, 7), (3, 3)) if c is None else ((c, 6, 7), (c, 3, 3))
    image, kernel = _rng.normal(size=shape), _rng.normal(size=kshape)
    out = conv.convolve(image, kernel, stride=stride, padding=padding, bias=0.25)
    for r, col in itertools.product(range(out.shape[0]), range(out.shape[1])):
        step = conv.conv_step(image, kernel, r, col, stride=stride, padding=padding, bias=0.25)
        assert step.window.shape == kshape and step.products.shape == kshape
        np.testing.assert_allclose(step.products, step.window * kernel)
        assert step.total == pytest.approx(step.products.sum())
        assert step.value == pytest.approx(out[r, col], abs=1e-12)
        assert step.bias == 0.25


def test_conv_step_position_and_padding():
    image = np.arange(16, dtype=float).reshape(4, 4)
    step = conv.conv_step(image, "box_blur", 0, 1, stride=2, padding=1)
    assert step.padded.shape == (6, 6) and step.padded[0].sum() == 0
    assert step.position == (0, 2)
    np.testing.assert_array_equal(step.window, [[0, 0, 0], [1, 2, 3], [5, 6, 7]])
    assert step.value == pytest.approx(24 / 9)


def test_pool_step_matches_pool():
    image = _rng.normal(size=(2, 6, 6))
    for kind in ("max", "avg", "l2"):
        out = conv.pool(image, kind, 2)
        step = conv.pool_step(image, kind, 2, 1, 2)
        assert step.position == (2, 4) and step.window.shape == (2, 2, 2)
        np.testing.assert_allclose(step.result, out[:, 1, 2])
        flat = conv.pool_step(image[0], kind, 2, 1, 2)
        assert isinstance(flat.result, float) and flat.result == pytest.approx(out[0, 1, 2])


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (
            dict(image=np.zeros((3, 3)), kernel=np.zeros((5, 5))),
            r"kernel 5x5 is larger than the padded input 3x3 \(input 3x3, padding 0\)",
        ),
        (
            dict(image=np.zeros((3, 3)), kernel=np.zeros((6, 6)), padding=1),
            r"kernel 6x6 is larger than the padded input 5x5 \(input 3x3, padding 1\)",
        ),
        (dict(image=np.zeros((4, 4)), kernel=np.zeros((3, 3)), stride=0), r"stride must be >= 1, got 0"),
        (dict(image=np.zeros((4, 4)), kernel=np.zeros((3, 3)), stride=(1, 0)), r"stride must be >= 1, got \(1, 0\)"),
        (dict(image=np.zeros((4, 4)), kernel=np.zeros((3, 3)), padding=-1), r"padding must be >= 0, got -1"),
        (dict(image=np.zeros((4, 4)), kernel=np.zeros((3, 3)), stride=1.5), r"stride must be a whole number"),
        (dict(image=np.zeros((3, 5, 5)), kernel=np.zeros((2, 3, 3))), r"kernel has 2 channels but the image has 3"),
        (dict(image=np.zeros((3, 5, 5)), kernel=np.zeros((3, 3))), r"needs a 3-D kernel \(3, kh, kw\)"),
        (dict(image=np.zeros((5, 5)), kernel=np.zeros((1, 3, 3))), r"needs a 3-D image"),
        (
            dict(image=np.zeros((5, 5)), kernel=[[0, np.nan], [np.inf, 0]]),
            r"kernel has 2 non-finite value\(s\) \(NaN or inf\), first at \(0, 1\)",
        ),
        (dict(image=np.zeros(5), kernel=np.zeros((3, 3))), r"image must be 2-D or 3-D, got shape \(5,\)"),
        (dict(image=np.zeros((5, 5)), kernel=np.zeros((3, 3)), bias=float("nan")), r"bias must be finite"),
        (dict(image=np.zeros((5, 5)), kernel="nope"), r"unknown kernel 'nope'"),
    ],
)
def test_convolve_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv.convolve(**kwargs)


def test_pool_errors():
    with pytest.raises(ValueError, match=r"pool window 3x3 is larger than the input 2x2"):
        conv.pool(np.zeros((2, 2)), "max", 3)
    with pytest.raises(ValueError, match=r"unknown pooling kind 'median'; known kinds: max, avg, l2"):
        conv.pool(np.zeros((4, 4)), "median", 2)
    with pytest.raises(ValueError, match=r"stride must be >= 1, got 0"):
        conv.pool(np.zeros((4, 4)), "avg", 2, stride=0)
    with pytest.raises(ValueError, match=r"pool size must be >= 1, got 0"):
        conv.pool(np.zeros((4, 4)), "avg", 0)
    with pytest.raises(ValueError, match=r"non-finite"):
        conv.pool(np.array([[1.0, np.nan], [0.0, 0.0]]), "max", 2)


def test_step_errors():
    with pytest.raises(ValueError, match=r"row 2 is outside the output 2x2 \(valid 0..1\)"):
        conv.conv_step(np.zeros((4, 4)), "box_blur", 2, 0)
    with pytest.raises(ValueError, match=r"col -1 is outside the output 2x2"):
        conv.pool_step(np.zeros((4, 4)), "max", 2, 0, -1)
