"""Tests for cnnviz.figures.curves: training curves, runs compared, loss per step, histograms over training."""

import numpy as np
import pytest
from figuretest import ok

from cnnviz import figures as F


HISTORY = {
    "step": [10, 20, 30, 40],
    "epoch": [0.25, 0.5, 0.75, 1.0],
    "train_loss": [2.3, 1.5, 1.0, 0.8],
    "val_loss": [None, None, None, 0.9],
    "train_acc": [0.1, 0.5, 0.7, 0.8],
    "val_acc": [None, None, None, 0.75],
}


def test_training_curves_skips_missing_points():
    fig = ok(F.training_curves(HISTORY, title="run"))
    assert [t.name for t in fig.data] == ["train", "validation", "train", "validation"]
    assert [t.showlegend for t in fig.data] == [True, True, False, False]
    assert list(fig.data[1].x) == [1.0] and list(fig.data[1].y) == [0.9]
    assert list(fig.data[0].y) == HISTORY["train_loss"]
    assert fig.data[2].xaxis == "x2"
    only_loss = ok(F.training_curves({"step": [1], "epoch": [0.1], "train_loss": [2.0]}))
    assert len(only_loss.data) == 1
    as_arrays = ok(F.training_curves({k: np.asarray(v, dtype=float) for k, v in HISTORY.items() if None not in v}))
    assert len(as_arrays.data) == 2
    with pytest.raises(ValueError, match="train_loss"):
        F.training_curves({"epoch": [1]})
    with pytest.raises(ValueError, match="has 2 points"):
        F.training_curves({"epoch": [1], "train_loss": [1, 2]})


def test_compare_curves_one_trace_per_run():
    other = dict(HISTORY, val_acc=[0.2, 0.4, 0.6, 0.8])
    fig = ok(F.compare_curves({"a": HISTORY, "b": other, "c": {"epoch": [1], "train_loss": [1]}}))
    assert [t.name for t in fig.data] == ["a", "b"]  # run c never logged val_acc
    assert list(fig.data[1].y) == [0.2, 0.4, 0.6, 0.8]
    assert fig.layout.yaxis.tickformat == ".0%"
    ok(F.compare_curves({}, metric="val_loss"))


def test_histogram_timeline_uses_common_bins():
    vals = [np.array([0.0, 0.0, 1.0]), np.array([-1.0, 2.0]), np.array([0.5])]
    (t,) = ok(F.histogram_timeline(vals, [0, 100, 200])).data
    z = np.asarray(t.z)
    assert z.shape == (40, 3)
    assert list(z.sum(axis=0)) == [3, 2, 1]
    assert t.y[0] > -1.0 and t.y[-1] < 2.0 and len(t.y) == 40
    with pytest.raises(ValueError, match="steps"):
        F.histogram_timeline(vals, [0, 1])


def test_loss_steps_on_a_log_scale_when_it_spans_decades():
    assert ok(F.loss_steps([40.0, 4.0, 0.01])).layout.yaxis.type == "log"  # spans decades
    assert ok(F.loss_steps([4.0, 3.0, 2.5])).layout.yaxis.type == "linear"


def test_answer_over_training_draws_both_probabilities_and_the_moment():
    fig = ok(
        F.answer_over_training(
            [0, 10, 20], [0.1, 0.7, 0.3], [0.5, 0.7, 0.6], ["3", "7", "<b>9</b>"], "7", moment_step=10
        )
    )
    assert [list(trace.y) for trace in fig.data] == [[0.1, 0.7, 0.3], [0.5, 0.7, 0.6]]
    assert list(fig.data[1].text) == ["3", "7", "&lt;b&gt;9&lt;/b&gt;"]  # names from files show as typed
    assert fig.data[0].name == "true class: 7"
    assert [shape.x0 for shape in fig.layout.shapes] == [10]
    with pytest.raises(ValueError, match="3 steps but 2, 3 probabilities and 3 names"):
        F.answer_over_training([0, 1, 2], [0.1, 0.2], [0.1, 0.2, 0.3], ["a", "b", "c"], "a")
