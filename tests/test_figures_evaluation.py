"""Tests for cnnviz.figures.evaluation: confusion matrices, accuracy per class, probabilities, labelled heatmaps."""

import numpy as np
import pytest
from figuretest import ok

from cnnviz import figures as F


def test_confusion_matrix_counts_and_normalised():
    cm = np.array([[5, 1, 0], [2, 3, 1], [0, 0, 4]])
    names = ["cat", "dog", "cow"]
    fig = ok(F.confusion_matrix(cm, names))
    t, cells = fig.data
    assert t.type == "heatmap" and cells.type == "scatter"
    np.testing.assert_array_equal(t.z, cm)
    # one invisible, clickable marker per cell, at (predicted, true), carrying the count
    assert len(cells.x) == 9 and (cells.x[5], cells.y[5]) == ("cow", "dog") and cells.customdata[5][1] == 1
    assert cells.marker.opacity == 0
    assert list(t.y) == names and tuple(fig.layout.yaxis.range) == (2.5, -0.5)  # true class 0 at the top
    assert fig.layout.xaxis.title.text == "predicted" and fig.layout.yaxis.title.text == "true"
    assert "%{z}" in t.texttemplate
    norm = ok(F.confusion_matrix(cm, names, normalize=True)).data[0]
    np.testing.assert_allclose(np.asarray(norm.z).sum(axis=1), 1.0)
    assert norm.z[0][0] == 5 / 6
    assert "%" in norm.texttemplate
    with pytest.raises(ValueError, match="class names"):
        F.confusion_matrix(cm, names[:2])
    with pytest.raises(ValueError, match="square"):
        F.confusion_matrix(np.zeros((2, 3)), names[:2])


def test_confusion_diff_is_signed_and_centred():
    a = np.array([[5, 1], [2, 3]])
    b = np.array([[3, 1], [4, 3]])
    (t,) = ok(F.confusion_diff(a, b, ["x", "y"])).data
    np.testing.assert_array_equal(t.z, a - b)
    assert t.zmid == 0 and t.zmin == -2 and t.zmax == 2


def test_per_class_accuracy_colours_best_and_worst():
    acc = np.array([0.9, 0.5, 0.99, 0.7])
    fig = ok(F.per_class_accuracy(acc, ["a", "b", "c", "d"]))
    (bar,) = fig.data
    assert bar.type == "bar"
    np.testing.assert_array_equal(bar.y, acc)
    assert list(bar.marker.color) == [F.NEUTRAL, F.RED, F.GREEN, F.NEUTRAL]
    texts = [a.text for a in fig.layout.annotations]
    assert "best: c" in texts and "worst: b" in texts
    assert [a.y for a in fig.layout.annotations] == [1.11, 1.21]  # above every bar's value; neighbours a row apart
    assert max(fig.layout.yaxis.tickvals) == 1.0 < 1.21 < fig.layout.yaxis.range[1]
    apart = F.per_class_accuracy([0.5, 0.9, 0.7, 0.99], ["a", "b", "c", "d"]).layout.annotations
    assert [(a.text, a.y) for a in apart] == [("best: d", 1.11), ("worst: a", 1.11)]  # not neighbours: one row
    assert fig.layout.yaxis.tickformat == ".0%"
    same = ok(F.per_class_accuracy([0.5, 0.5], ["a", "b"]))
    assert list(same.data[0].marker.color).count(F.RED) == 0
    absent = F.per_class_accuracy([np.nan, 0.5, 0.9], ["a", "b", "c"])  # class a not in the data
    assert list(absent.data[0].marker.color) == [F.NEUTRAL, F.RED, F.GREEN]


def test_probability_bars_highlights_prediction_and_truth():
    p = np.array([0.1, 0.7, 0.2])
    (bar,) = ok(F.probability_bars(p, ["0", "1", "2"], true_label=2)).data
    assert bar.orientation == "h"
    np.testing.assert_array_equal(bar.x, p)
    assert list(bar.marker.color) == [F.NEUTRAL, F.RED, F.NEUTRAL]  # wrong prediction
    assert "true" in bar.text[2] and "true" not in bar.text[1]
    (bar,) = F.probability_bars(p, ["0", "1", "2"], true_label=1).data
    assert list(bar.marker.color) == [F.NEUTRAL, F.GREEN, F.NEUTRAL]
    (bar,) = F.probability_bars(p, ["0", "1", "2"]).data
    assert list(bar.marker.color) == [F.NEUTRAL, F.ACCENT, F.NEUTRAL]
    with pytest.raises(ValueError, match="true_label"):
        F.probability_bars(p, ["0", "1", "2"], true_label=3)


def test_logits_to_probabilities_follows_one_class_through_both_panels():
    logits = np.array([1.0, -2.0, 4.0])
    probs = np.exp(logits) / np.exp(logits).sum()
    fig = ok(F.logits_to_probabilities(logits, probs, ["a", "b", "c"], true_label=1))
    scores, chances = fig.data
    np.testing.assert_array_equal(scores.x, logits) and np.testing.assert_allclose(chances.x, probs)
    assert scores.marker.color[2] == chances.marker.color[2] == F.RED  # predicted c, true b: wrong, in red
    assert chances.text[1].endswith("\u2190 true") and scores.text[1] == "\u22122.00"
    assert fig.layout.xaxis.range[0] < -2.0 < 4.0 < fig.layout.xaxis.range[1]  # room for every printed value
    with pytest.raises(ValueError, match="3 logits but 2 probabilities"):
        F.logits_to_probabilities(logits, probs[:2], ["a", "b"])


def test_heatmap_generic():
    m = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    (t,) = ok(F.heatmap(m, ["s1", "s2", "s3"], ["a", "b"], zmid=0.0, text_fmt=".0%")).data
    np.testing.assert_array_equal(t.z, m)
    assert t.zmid == 0 and t.texttemplate == "%{z:.0%}"
    (t,) = F.heatmap(m, [1, 2, 3], [1, 2]).data
    assert t.zmid is None and t.texttemplate is None
    with pytest.raises(ValueError, match="labels"):
        F.heatmap(m, ["a"], ["b"])


def test_per_class_against():
    fig = ok(F.per_class_against([0.9, 0.95], [0.99, 0.98], ["0", "1"], names=("mine", "book")))
    assert [t.name for t in fig.data] == ["mine", "book"] and fig.layout.barmode == "group"
    assert list(fig.data[1].y) == [0.99, 0.98] and fig.layout.yaxis.range[0] == pytest.approx(0.8)
    with pytest.raises(ValueError, match="2 accuracies against 1"):
        F.per_class_against([0.9, 0.95], [0.99], ["0", "1"])
