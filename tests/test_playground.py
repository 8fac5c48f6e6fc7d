"""The playground's worked examples: the pictures, the colour kernel's maps, the walk and the numbers as printed."""

import numpy as np
import pytest

from cnnviz import conv, kernel_catalogue, playground
from cnnviz.i18n import Invalid


def test_examples_are_the_pictures_the_lessons_draw():
    assert list(playground.EXAMPLES) == ["edge", "cross", "square", "four"]
    edge = playground.example("edge")
    assert edge.shape == (8, 8) and (edge[:, :4] == 0).all() and (edge[:, 4:] == 9).all()
    cross = playground.example("cross")
    assert cross.sum() == 16 * 9 and cross[0, 0] == cross[0, 7] == cross[3, 4] == 9 and cross[0, 1] == 0
    square = playground.example("square")
    assert square.sum() == 16 * 9 and (square[2:6, 2:6] == 9).all()
    four = playground.example("four")
    np.testing.assert_array_equal(four, [[1, 2, 0, 3], [4, 9, 8, 1], [0, 7, 9, 2], [5, 1, 3, 6]])
    assert conv.convolve(four, "edges").shape == (2, 2)  # the video lesson's 2×2 output
    edge[0, 0] = 5
    assert playground.example("edge")[0, 0] == 0  # a fresh picture every time
    with pytest.raises(Invalid, match="unknown example 'moon'; known examples: edge, cross, square, four"):
        playground.example("moon")


def test_colour_shapes():
    img = playground.colour_shapes()
    assert img.shape == (3, 32, 32) and img.dtype == np.float64
    np.testing.assert_array_equal(img[:, 0, 0], [25, 25, 25])  # dark grey background
    np.testing.assert_array_equal(img[:, 5, 5], [230, 30, 30])  # red square
    np.testing.assert_array_equal(img[:, 9, 23], [40, 200, 60])  # the green disc's centre
    np.testing.assert_array_equal(img[:, 18, 20], [230, 220, 40])  # yellow bar
    np.testing.assert_array_equal(img[:, 26, 10], [40, 70, 230])  # blue bar


def test_channel_views_keep_one_channel_each():
    rgb = np.zeros((3, 2, 2))
    rgb[:, 0, 0] = [10.4, 200.6, 300.0]  # rounded, and clipped to 255
    views = playground.channel_views(rgb)
    assert views.shape == (4, 2, 2, 3) and views.dtype == np.uint8
    np.testing.assert_array_equal(views[:, 0, 0], [[10, 201, 255], [10, 0, 0], [0, 201, 0], [0, 0, 255]])
    assert views[:, 1].max() == 0


def test_colour_kernel_and_its_maps_add_up():
    sobel = kernel_catalogue.get_kernel("sobel_vertical").weights
    k3 = playground.colour_kernel(sobel, (1.0, 0.0, -2.0))
    assert k3.shape == (3, 3, 3)
    np.testing.assert_array_equal(k3[0], sobel)
    np.testing.assert_array_equal(k3[2], -2 * sobel)
    assert not k3[1].any()
    rgb = playground.colour_shapes()
    maps = playground.colour_maps(rgb, k3, bias=10.0)
    assert maps.shape == (4, 30, 30)
    np.testing.assert_allclose(maps[0], conv.convolve(rgb[0], sobel))
    np.testing.assert_allclose(maps[3], maps[0] + maps[1] + maps[2] + 10.0)
    with pytest.raises(ValueError, match="larger than the padded input"):
        playground.colour_maps(rgb[:, :2, :2], k3)


def test_the_walk_starts_at_the_strongest_value_and_fills_row_by_row():
    out = np.array([[1.0, -7.0, 2.0], [6.5, 0.0, 3.0]])
    assert playground.strongest(out) == 1  # |−7| is the largest
    partial = playground.filled_until(out, 3)
    assert partial.shape == (2, 3)
    np.testing.assert_array_equal(partial[0], out[0])
    assert partial[1, 0] == 6.5 and np.isnan(partial[1, 1:]).all()
    assert not np.isnan(playground.filled_until(out, 5)).any()
    assert out[1, 1] == 0.0  # the output itself is left alone


@pytest.mark.parametrize(
    "value,text",
    [
        (12, "12"),
        (12.0, "12"),
        (-0.5, "-0.5"),
        (1 / 9, "0.1111"),
        (0, "0"),
        (-0.00001, "0"),
        (2.50004, "2.5"),
        (-3.14159, "-3.1416"),
        (1e6, "1000000"),
    ],
)
def test_number_is_rounded_to_four_decimals_without_trailing_zeros(value, text):
    assert playground.number(value) == text


def test_ratio_and_products():
    assert [playground.ratio(r) for r in (6.8, 26.0, 99.94, 100.0, 3925.0)] == [
        "6.8×",
        "26.0×",
        "99.9×",
        "100×",
        "3,925×",
    ]
    window = np.array([[0.0, 9.0], [1.5, 200.0]])
    kernel = np.array([[1.0, -8.0], [0.125, -1 / 3]])
    assert playground.products(window, kernel) == "0×1 + 9×(-8) + 1.5×0.125 + 200×(-0.333)"
