"""Tests for cnnviz.kernel_catalogue: the handcrafted kernels, a first layer made of them, a kernel typed by hand."""

import numpy as np
import pytest

from cnnviz import kernel_catalogue
from cnnviz.i18n import Invalid


def test_registry_shapes_and_values():
    names = kernel_catalogue.list_kernels()
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
        k = kernel_catalogue.get_kernel(name)
        assert k.name == name and k.title and k.explanation and "\n" not in k.explanation
        assert k.weights.shape == k.shape and k.weights.dtype == np.float64
    w = {name: kernel_catalogue.get_kernel(name).weights for name in names}
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


def test_get_kernel_unknown_lists_known():
    with pytest.raises(ValueError, match="unknown kernel 'blurr'.*box_blur.*x_pattern"):
        kernel_catalogue.get_kernel("blurr")


def test_kernel_is_frozen_and_weights_are_copies():
    k = kernel_catalogue.get_kernel("edges")
    with pytest.raises(AttributeError):
        k.name = "other"
    k.weights[0, 0] = 99
    assert kernel_catalogue.get_kernel("edges").weights[0, 0] == 1


def test_handcrafted_bank_is_unit_norm_distinct_and_sized():
    bank = kernel_catalogue.handcrafted_bank(14, 3, 5)
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
    np.testing.assert_array_equal(
        kernel_catalogue.starting_cells(3), [["0", "0", "0"], ["0", "1", "0"], ["0", "0", "0"]]
    )
    cells = kernel_catalogue.starting_cells(5)
    assert cells.shape == (5, 5) and cells[2, 2] == "1" and (cells == "0").sum() == 24
    np.testing.assert_array_equal(kernel_catalogue.typed_kernel(cells), np.pad([[1.0]], 2))  # a 5×5 identity kernel


def test_typed_kernel_reads_numbers_fractions_and_typographic_minus():
    cells = [["1/9", " 2 ", "\u22120.5"], [3, 0.25, "-1/4"], ["1e3", "+4", "0"]]
    want = [[1 / 9, 2, -0.5], [3, 0.25, -0.25], [1000, 4, 0]]
    np.testing.assert_array_equal(kernel_catalogue.typed_kernel(cells), want)
    limit = kernel_catalogue.typed_kernel([["1000000", "-1000000"]])
    assert limit.tolist() == [[1e6, -1e6]]  # the limit itself is allowed


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
        kernel_catalogue.typed_kernel(cells)
    assert str(e.value) == message
    assert e.value.message.values["r"] == 2 and e.value.message.values["c"] == 3
