"""Tests for cnnviz.figures.diagrams: the network drawn as the textbook's boxes."""

import pytest
from figuretest import ok

from cnnviz import figures as F


LENET = [
    ("input", (1, 32, 32)),
    ("conv1", (6, 28, 28)),
    ("pool1", (6, 14, 14)),
    ("conv2", (16, 10, 10)),
    ("pool2", (16, 5, 5)),
    ("fc1", (120,)),
    ("fc2", (84,)),
    ("out", (10,)),
]


def test_architecture_volumes_lenet():
    fig = ok(F.architecture_volumes(LENET, title="LeNet-5"))
    assert len(fig.layout.shapes) == 3 * len(LENET)  # front, top and side face per layer
    labels = [a.text for a in fig.layout.annotations if a.text]
    assert "<b>conv1</b><br>6\u00d728\u00d728" in labels and "<b>fc1</b><br>120" in labels
    assert len(fig.data) == 1 and len(fig.data[0].x) == len(LENET)  # invisible hover points
    fronts = [s for s in fig.layout.shapes if s.type == "rect"]
    heights = [s.y1 - s.y0 for s in fronts]
    widths = [s.x1 - s.x0 for s in fronts]
    assert heights[0] > heights[1] > heights[2]  # H 32 > 28 > 14
    assert widths[3] > widths[1] > widths[0]  # C 16 > 6 > 1


def test_architecture_volumes_many_layers_and_bad_shape():
    layers = [(f"layer{i}", (8 * (i + 1), 64 // (i + 1), 64 // (i + 1))) for i in range(14)]
    fig = ok(F.architecture_volumes(layers))
    lows = {round(a.y, 2) for a in fig.layout.annotations if a.text}
    assert len(lows) == 2  # labels staggered on two rows
    with pytest.raises(ValueError, match="layer 'bad'"):
        F.architecture_volumes([("bad", (3, 4))])
    with pytest.raises(ValueError):
        F.architecture_volumes([])
