"""Tests for cnnviz.figures.base: what every figure shares (the look, names shown as typed)."""

import numpy as np
import plotly.io as pio

from cnnviz import figures as F


def test_names_from_files_show_as_typed_in_figures():
    """Class names and captions come from folders and files: Plotly must not read them as links or markup."""
    hostile = ["<a href='http://host/x'>cat</a>", "dog & <b>bone</b>"]
    fig = F.probability_bars(np.array([0.3, 0.7]), hostile)
    assert list(fig.data[0].y) == ["&lt;a href='http://host/x'&gt;cat&lt;/a&gt;", "dog &amp; &lt;b&gt;bone&lt;/b&gt;"]
    fig = F.confusion_matrix(np.array([[1, 0], [0, 1]]), hostile)
    assert "<" not in "".join(fig.data[0].x)
    fig = F.image_gallery(np.zeros((2, 4, 4)), hostile)
    assert not [a.text for a in fig.layout.annotations if "<a" in a.text or "<b>" in a.text]
    fig = F.scatter_embedding(np.zeros((2, 2)), np.array([0, 1]), hostile, hover_text=hostile)
    assert all("<" not in str(tr.name) and all("<" not in str(x) for x in tr.text) for tr in fig.data)


def test_the_template_is_plotly_white_for_everything_drawn():
    """The template sent with every figure is plotly_white less what no figure here can use (other subplot kinds,
    other trace kinds): the same look at a third of the cost of applying it."""
    white, ours = pio.templates["plotly_white"].to_plotly_json(), F.TEMPLATE.to_plotly_json()
    assert set(white["layout"]) - set(ours["layout"]) == {"geo", "polar", "scene", "ternary"}
    assert all(ours["layout"][key] == white["layout"][key] for key in ours["layout"])
    assert all(ours["data"].get(kind) == white["data"].get(kind) for kind in F.TRACE_TYPES)
    assert F.kernel_grid(np.ones((2, 3, 3))).layout.template.to_plotly_json() == ours
