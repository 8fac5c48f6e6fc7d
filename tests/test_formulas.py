"""Tests for cnnviz.formulas: the output size (checked against convolve), parameter counts, the seed numbers."""

import numpy as np
import pytest

from cnnviz import conv, formulas


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
    got = formulas.output_size(i, f, s, p)
    assert (got.size, got.exact, got.unused) == (size, exact, unused)
    # the formula agrees with what convolve actually produces
    assert conv.convolve(np.zeros((i, i)), np.zeros((f, f)), stride=s, padding=p).shape == (size, size)


def test_output_size_explanations():
    assert formulas.output_size(28, 5).explanation == "O = ⌊(28 − 5 + 2·0) / 1⌋ + 1 = 24"
    text = formulas.output_size(8, 3, 2).explanation
    assert text.startswith("O = ⌊(8 − 3 + 2·0) / 2⌋ + 1 = 3") and "1 pixel" in text and "\n" not in text


def test_pool_output_size():
    got = formulas.pool_output_size(24, 2)
    assert (got.size, got.stride, got.exact) == (12, 2, True)
    assert formulas.pool_output_size(7, 3, 2).size == 3
    assert formulas.pool_output_size(5, 2).unused == 1


def test_param_counts():
    assert formulas.conv_params(3, 3, 1, 1).total == 10
    two = formulas.conv_params(3, 3, 1, 2)
    assert (two.weights, two.biases, two.total) == (18, 2, 20)
    assert two.explanation == "(3 × 3 × 1 + 1) × 2 = 20"
    assert formulas.conv_params(3, 3, 1, 2, bias=False).total == 18
    assert formulas.conv_params(5, 5, 6, 16).total == 2416  # LeNet-5's second conv layer
    assert formulas.conv_params(3, 3, 32, 64).total == 18496
    assert formulas.dense_params(784, 50).total == 39250
    assert formulas.dense_params(784, 50, bias=False).total == 39200
    assert formulas.dense_params(784, 50).explanation == "784 × 50 weights + 50 biases = 39,250"
    assert formulas.dense_params(16, 4).total == 68


def test_dense_vs_conv_seed_numbers():
    small = formulas.dense_vs_conv(4)  # seed 000: 4x4 image, the 2x2 conv output -> 4 dense units
    assert (small.inputs, small.dense_units, small.dense.total, small.conv.total) == (16, 4, 68, 10)
    eight = formulas.dense_vs_conv(8, dense_units=4)  # seed 000: "to get 4 outputs" from 8x8
    assert (eight.dense.total, eight.conv.total) == (260, 10)
    mnist = formulas.dense_vs_conv(28, dense_units=4)  # seed 000: 28x28
    assert (mnist.dense.total, mnist.conv.total) == (3140, 10)
    hidden = formulas.dense_vs_conv(28, filters=2, dense_units=50)  # seed 001: blur + edges vs 50 neurons
    assert (hidden.dense.total, hidden.conv.total) == (39250, 20)
    assert hidden.ratio == pytest.approx(39250 / 20)
    assert "39,250" in hidden.explanation and "20" in hidden.explanation
    assert [c.dense.total for c in formulas.lesson_comparisons()] == [68, 260, 3140, 39250]
    assert [c.conv.total for c in formulas.lesson_comparisons()] == [10, 10, 10, 20]
    # default units = conv outputs: 8x8 with a 3x3 kernel -> 6x6 = 36 units
    assert formulas.dense_vs_conv(8).dense.total == 65 * 36


def test_formula_errors():
    with pytest.raises(ValueError, match=r"kernel 5 is larger than the padded input 3 \(input 3, padding 0\)"):
        formulas.output_size(3, 5)
    with pytest.raises(ValueError, match=r"stride must be >= 1, got 0"):
        formulas.output_size(28, 5, 0)
    with pytest.raises(ValueError, match=r"padding must be >= 0, got -2"):
        formulas.output_size(28, 5, 1, -2)
    with pytest.raises(ValueError, match=r"filters must be >= 1, got 0"):
        formulas.conv_params(3, 3, 1, 0)
    with pytest.raises(ValueError, match=r"units must be a whole number"):
        formulas.dense_params(784, 2.5)
