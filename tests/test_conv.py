"""Tests for cnnviz.conv: F.conv2d / pooling as references, hand-computed values, seed numbers."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnnviz import conv
from cnnviz.i18n import Invalid


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


@pytest.mark.parametrize("name", conv.list_kernels())
@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (3, 2)])
def test_registry_kernels_match_loop_reference(name, stride, padding):
    image = np.arange(64, dtype=float).reshape(8, 8) % 11  # small hand-made pattern
    kernel = conv.get_kernel(name).weights
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
    k = conv.get_kernel("sobel_vertical")
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


# ---------------------------------------------------------------- registry


def test_registry_shapes_and_values():
    names = conv.list_kernels()
    for required in (
        "identity",
        "box_blur",
        "gaussian_blur",
        "gaussian_blur_5x5",
        "edges",
        "sobel_vertical",
        "sobel_horizontal",
        "prewitt_vertical",
        "prewitt_horizontal",
        "sharpen",
        "emboss",
        "x_pattern",
    ):
        assert required in names
    for name in names:
        k = conv.get_kernel(name)
        assert k.name == name and k.title and k.explanation and "\n" not in k.explanation
        assert k.weights.shape == k.shape and k.weights.dtype == np.float64
    w = {name: conv.get_kernel(name).weights for name in names}
    assert w["identity"].sum() == 1 and w["identity"][1, 1] == 1
    np.testing.assert_array_equal(w["box_blur"], np.full((3, 3), 1 / 9))
    np.testing.assert_array_equal(w["gaussian_blur"] * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert w["gaussian_blur_5x5"].shape == (5, 5)
    for blur in ("box_blur", "gaussian_blur", "gaussian_blur_5x5"):
        assert w[blur].sum() == pytest.approx(1.0)
        np.testing.assert_array_equal(w[blur], w[blur].T)
    np.testing.assert_array_equal(w["edges"], [[1, 1, 1], [1, -8, 1], [1, 1, 1]])
    assert w["edges"].sum() == 0
    np.testing.assert_array_equal(w["sobel_vertical"], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(w["sobel_horizontal"], w["sobel_vertical"].T)
    np.testing.assert_array_equal(w["prewitt_vertical"], [[-1, 0, 1]] * 3)
    np.testing.assert_array_equal(w["prewitt_horizontal"], w["prewitt_vertical"].T)
    for edge in ("sobel_vertical", "sobel_horizontal", "prewitt_vertical", "prewitt_horizontal"):
        assert w[edge].sum() == 0
    assert w["sharpen"].sum() == 1 and w["sharpen"][1, 1] == 5
    assert w["emboss"].sum() == 1
    np.testing.assert_array_equal(w["x_pattern"], [[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def test_vertical_detector_finds_vertical_edge():
    image = np.zeros((5, 6))
    image[:, 3:] = 1.0  # dark left half, bright right half: a vertical edge
    assert np.abs(conv.convolve(image, "sobel_vertical")).max() == 4.0
    assert np.abs(conv.convolve(image, "sobel_horizontal")).max() == 0.0


def test_get_kernel_unknown_lists_known():
    with pytest.raises(ValueError, match="unknown kernel 'blurr'.*box_blur.*x_pattern"):
        conv.get_kernel("blurr")


def test_kernel_is_frozen_and_weights_are_copies():
    k = conv.get_kernel("edges")
    with pytest.raises(AttributeError):
        k.name = "other"
    k.weights[0, 0] = 99
    assert conv.get_kernel("edges").weights[0, 0] == 1


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


# ---------------------------------------------------------------- formulas


@pytest.mark.parametrize(
    "i,f,s,p,size,exact,unused",
    [
        (28, 5, 1, 0, 24, True, 0),
        (7, 3, 2, 0, 3, True, 0),
        (8, 3, 2, 0, 3, False, 1),
        (28, 3, 1, 1, 28, True, 0),
        (31, 5, 3, 2, 11, True, 0),
        (10, 3, 4, 0, 2, False, 3),
    ],
)
def test_output_size(i, f, s, p, size, exact, unused):
    got = conv.output_size(i, f, s, p)
    assert (got.size, got.exact, got.unused) == (size, exact, unused)
    # the formula agrees with what convolve actually produces
    assert conv.convolve(np.zeros((i, i)), np.zeros((f, f)), stride=s, padding=p).shape == (size, size)


def test_output_size_explanations():
    assert conv.output_size(28, 5).explanation == "O = ⌊(28 − 5 + 2·0) / 1⌋ + 1 = 24"
    text = conv.output_size(8, 3, 2).explanation
    assert text.startswith("O = ⌊(8 − 3 + 2·0) / 2⌋ + 1 = 3") and "1 pixel" in text and "\n" not in text


def test_pool_output_size():
    got = conv.pool_output_size(24, 2)
    assert (got.size, got.stride, got.exact) == (12, 2, True)
    assert conv.pool_output_size(7, 3, 2).size == 3
    assert conv.pool_output_size(5, 2).unused == 1


def test_param_counts():
    assert conv.conv_params(3, 3, 1, 1).total == 10
    two = conv.conv_params(3, 3, 1, 2)
    assert (two.weights, two.biases, two.total) == (18, 2, 20)
    assert two.explanation == "(3 × 3 × 1 + 1) × 2 = 20"
    assert conv.conv_params(3, 3, 1, 2, bias=False).total == 18
    assert conv.conv_params(5, 5, 6, 16).total == 2416  # LeNet-5's second conv layer
    assert conv.conv_params(3, 3, 32, 64).total == 18496
    assert conv.dense_params(784, 50).total == 39250
    assert conv.dense_params(784, 50, bias=False).total == 39200
    assert conv.dense_params(784, 50).explanation == "784 × 50 weights + 50 biases = 39,250"
    assert conv.dense_params(16, 4).total == 68


def test_dense_vs_conv_seed_numbers():
    small = conv.dense_vs_conv(4)  # seed 000: 4x4 image, the 2x2 conv output -> 4 dense units
    assert (small.inputs, small.dense_units, small.dense.total, small.conv.total) == (16, 4, 68, 10)
    eight = conv.dense_vs_conv(8, dense_units=4)  # seed 000: "to get 4 outputs" from 8x8
    assert (eight.dense.total, eight.conv.total) == (260, 10)
    mnist = conv.dense_vs_conv(28, dense_units=4)  # seed 000: 28x28
    assert (mnist.dense.total, mnist.conv.total) == (3140, 10)
    hidden = conv.dense_vs_conv(28, filters=2, dense_units=50)  # seed 001: blur + edges vs 50 neurons
    assert (hidden.dense.total, hidden.conv.total) == (39250, 20)
    assert hidden.ratio == pytest.approx(39250 / 20)
    assert "39,250" in hidden.explanation and "20" in hidden.explanation
    assert [c.dense.total for c in conv.lesson_comparisons()] == [68, 260, 3140, 39250]
    assert [c.conv.total for c in conv.lesson_comparisons()] == [10, 10, 10, 20]
    # default units = conv outputs: 8x8 with a 3x3 kernel -> 6x6 = 36 units
    assert conv.dense_vs_conv(8).dense.total == 65 * 36


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


def test_formula_errors():
    with pytest.raises(ValueError, match=r"kernel 5 is larger than the padded input 3 \(input 3, padding 0\)"):
        conv.output_size(3, 5)
    with pytest.raises(ValueError, match=r"stride must be >= 1, got 0"):
        conv.output_size(28, 5, 0)
    with pytest.raises(ValueError, match=r"padding must be >= 0, got -2"):
        conv.output_size(28, 5, 1, -2)
    with pytest.raises(ValueError, match=r"filters must be >= 1, got 0"):
        conv.conv_params(3, 3, 1, 0)
    with pytest.raises(ValueError, match=r"units must be a whole number"):
        conv.dense_params(784, 2.5)


def test_handcrafted_bank_is_unit_norm_distinct_and_sized():
    from cnnviz.conv import handcrafted_bank

    bank = handcrafted_bank(14, 3, 5)
    assert bank.shape == (14, 3, 5, 5)
    norms = np.linalg.norm(bank.sum(axis=1).reshape(14, -1), axis=1)
    assert np.allclose(norms, 1.0)
    flat = bank.reshape(14, -1)
    assert len({row.tobytes() for row in flat}) == 14
    # the first filter is the vertical Sobel kernel, centred in the 5x5 window
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]) / np.sqrt(12)
    assert np.allclose(bank[0].sum(axis=0)[1:4, 1:4], sobel)


# ---------------------------------------------------------------- a kernel typed by hand


def test_starting_cells_are_the_identity_kernel_as_text():
    np.testing.assert_array_equal(conv.starting_cells(3), [["0", "0", "0"], ["0", "1", "0"], ["0", "0", "0"]])
    cells = conv.starting_cells(5)
    assert cells.shape == (5, 5) and cells[2, 2] == "1" and (cells == "0").sum() == 24
    np.testing.assert_array_equal(conv.typed_kernel(cells), np.pad([[1.0]], 2))  # a 5×5 identity kernel


def test_typed_kernel_reads_numbers_fractions_and_typographic_minus():
    cells = [["1/9", " 2 ", "\u22120.5"], [3, 0.25, "-1/4"], ["1e3", "+4", "0"]]
    np.testing.assert_array_equal(conv.typed_kernel(cells), [[1 / 9, 2, -0.5], [3, 0.25, -0.25], [1000, 4, 0]])
    assert conv.typed_kernel([["1000000", "-1000000"]]).tolist() == [[1e6, -1e6]]  # the limit itself is allowed


@pytest.mark.parametrize(
    "cell,message",
    [
        (None, "row 2, column 3 is empty"),
        (float("nan"), "row 2, column 3 is empty"),
        ("  ", "row 2, column 3 is empty"),
        ("abc", "row 2, column 3: 'abc' is not a number (write e.g. 2, -0.5 or 1/9)"),
        ("/3", "row 2, column 3: '/3' is not a number (write e.g. 2, -0.5 or 1/9)"),
        ("1/0", "row 2, column 3: '1/0' divides by zero"),
        ("nan", "row 2, column 3: 'nan' is not a finite number (NaN or infinity)"),
        ("1e400", "row 2, column 3: '1e400' is not a finite number (NaN or infinity)"),
        ("-inf", "row 2, column 3: '-inf' is not a finite number (NaN or infinity)"),
        ("5e9", "row 2, column 3: '5e9' is too large (keep weights within ±1,000,000)"),
        ("-1000001", "row 2, column 3: '-1000001' is too large (keep weights within ±1,000,000)"),
    ],
)
def test_typed_kernel_names_the_first_bad_cell(cell, message):
    cells = np.full((3, 3), "1", dtype=object)
    cells[1, 2] = cell
    cells[2, 0] = "also bad"  # later in reading order: the message is about the first
    with pytest.raises(Invalid) as e:
        conv.typed_kernel(cells)
    assert str(e.value) == message
    assert e.value.message.values["r"] == 2 and e.value.message.values["c"] == 3
