"""cnnviz/ui/cache/figures.py: the figure builders behind one cache, keyed by arguments and language."""

import numpy as np
import plotly.graph_objects as go
import pytest

from cnnviz import figures as plain
from cnnviz.i18n import language
from cnnviz.ui.cache import figures


def test_the_same_inputs_give_the_figure_built_before():
    kernels = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    first = figures.kernel_grid(kernels, title="k")
    assert isinstance(first, go.Figure)
    assert figures.kernel_grid(kernels.copy(), title="k") is first  # equal bytes, not the same array object
    assert plain.tile_values(first)[1].tolist() == kernels[1].tolist()  # and it is the builder's own figure


def test_other_values_another_title_or_another_language_build_afresh():
    kernels = np.zeros((2, 3, 3), dtype=np.float32)
    first = figures.kernel_grid(kernels, title="k")
    changed = kernels.copy()
    changed[0, 1, 1] = 1.0
    assert figures.kernel_grid(changed, title="k") is not first
    assert figures.kernel_grid(kernels, title="other") is not first
    with language("zh"):
        chinese = figures.image_gallery(np.zeros((1, 4, 4)), ["图"])
    english = figures.image_gallery(np.zeros((1, 4, 4)), ["图"])
    assert chinese is not english  # the language is part of the key: builders write their own labels in it


def test_readers_and_constants_are_the_package_own():
    assert figures.tile_values is plain.tile_values
    assert figures.DIVERGING == plain.DIVERGING


def test_a_builder_error_reaches_the_caller_and_is_not_remembered():
    with pytest.raises(ValueError, match="captions"):
        figures.image_gallery(np.zeros((2, 4, 4)), ["one caption"])
    with pytest.raises(ValueError, match="captions"):
        figures.image_gallery(np.zeros((2, 4, 4)), ["one caption"])
