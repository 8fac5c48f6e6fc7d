"""Tests for cnnviz.evaluate: the confusion matrix by hand, a run scored as plain PyTorch scores it, mistakes."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from cnnviz import arch, data, evaluate, presets, runs
from cnnviz.arch import ArchSpec
from cnnviz.loaded import LoadedRun


def test_confusion_matrix_by_hand():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    cm = evaluate.confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(evaluate.confusion_matrix([], [], 2), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"y_pred holds labels outside 0..2: 0..3"):
        evaluate.confusion_matrix([0, 1], [0, 3], 3)
    with pytest.raises(ValueError, match="y_true has 2 labels but y_pred has 1"):
        evaluate.confusion_matrix([0, 1], [0], 3)


@pytest.fixture
def run_id(use_run):
    return use_run("lenet5")


def test_evaluate_run_matches_plain_pytorch(run_id):
    evaluation = LoadedRun.open(run_id).evaluate()
    # independent reference: read the safetensors file, build, run the test set in one batch
    meta = runs.read_run(run_id).meta
    model = arch.build(ArchSpec.from_dict(meta["spec"]))
    model.load_state_dict(load_file(str(runs.run_path(run_id) / "weights.safetensors")))
    model.eval()
    split = data.load("mnist-sample")
    x = (split.x_test.float() / 255 - 0.1307) / 0.3081
    with torch.no_grad():
        logits = model(x)
    pred = logits.argmax(1).numpy()
    true = split.y_test.numpy()
    cm = np.zeros((10, 10), np.int64)
    for t, p in zip(true, pred):
        cm[t, p] += 1
    assert evaluation.n_test == 1000 == len(true)
    assert evaluation.accuracy == (pred == true).mean()
    assert evaluation.accuracy == pytest.approx(meta["test_accuracy"], abs=1e-9)
    assert evaluation.loss == pytest.approx(F.cross_entropy(logits, split.y_test).item(), rel=1e-5)
    np.testing.assert_array_equal(evaluation.confusion, cm)
    np.testing.assert_array_equal(evaluation.predictions, pred)
    np.testing.assert_array_equal(evaluation.labels, true)
    np.testing.assert_allclose(evaluation.probs, torch.softmax(logits, 1).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(evaluation.confidence, evaluation.probs.max(1))
    np.testing.assert_allclose(evaluation.per_class_accuracy, np.diag(cm) / cm.sum(1))
    assert evaluation.best_class == int(np.argmax(np.diag(cm) / cm.sum(1)))
    assert evaluation.worst_class == int(np.argmin(np.diag(cm) / cm.sum(1)))
    assert evaluation.n_wrong == int((pred != true).sum()) > 0
    assert evaluation.class_names == tuple(str(d) for d in range(10)) and evaluation.is_digits
    assert evaluation.probs.dtype == np.float32 and evaluation.confusion.dtype == np.int64


def test_an_evaluation_is_read_only(run_id):
    first = LoadedRun.open(run_id).evaluate()
    for array in (first.confusion, first.probs, first.predictions, first.per_class_accuracy):
        with pytest.raises(ValueError):
            array.flat[0] = 5  # evaluations are cached and shared between sessions
    again = LoadedRun.open(run_id).evaluate()
    assert again is not first and again.accuracy == first.accuracy


def test_a_network_that_predicts_another_number_of_classes_is_refused():
    model = arch.build(presets.preset_spec("mlp", num_classes=3))
    with pytest.raises(ValueError, match="this network predicts 3 classes but its dataset has 10"):
        evaluate.evaluate(model, data.load("mnist-sample"))


def test_evaluate_missing_run(run_id):
    with pytest.raises(runs.RunError, match="no run 'nope'"):
        LoadedRun.open("nope")


def test_mistakes_sorted_by_confidence(run_id):
    evaluation = LoadedRun.open(run_id).evaluate()
    wrong = evaluate.mistakes(evaluation)
    assert len(wrong) == evaluation.n_wrong
    assert all(evaluation.predictions[i] != evaluation.labels[i] for i in wrong)
    conf = evaluation.confidence[wrong]
    assert np.all(conf[:-1] >= conf[1:])
    assert evaluate.mistakes(evaluation, limit=5) == wrong[:5]
    row = evaluate.mistakes(evaluation, true_class=evaluation.worst_class)
    assert row and all(evaluation.labels[i] == evaluation.worst_class for i in row)
    assert set(row) <= set(wrong)


def test_worst_confusion_is_the_most_frequent_mistake():
    cm = np.array([[50, 2, 7], [1, 40, 0], [7, 3, 30]])
    cm.flags.writeable = False  # evaluations are read-only: the matrix is not changed
    assert evaluate.worst_confusion(cm) == (0, 2)  # the first of the two most frequent mistakes
    np.testing.assert_array_equal(cm.diagonal(), [50, 40, 30])
    assert evaluate.worst_confusion(np.diag([5, 5, 5])) == (0, 1)  # no mistake: the first cell off the diagonal
    assert evaluate.worst_confusion(np.array([[9]])) == (0, 0)  # a single class
    assert all(type(v) is int for v in evaluate.worst_confusion(cm))


def _fake_evaluation(per_class, names, is_digits, n_test, n_wrong):
    per_class = np.asarray(per_class, float)
    empty = np.zeros(0, np.int64)
    return evaluate.Evaluation(
        "d",
        names,
        is_digits,
        1 - n_wrong / n_test,
        0.1,
        np.zeros((2, 2), np.int64),
        per_class,
        int(np.argmax(per_class)),
        int(np.argmin(per_class)),
        empty,
        empty,
        np.zeros(0, np.float32),
        np.zeros((0, 2), np.float32),
        n_test,
        n_wrong,
    )


def test_report_sentence(run_id):
    seed = _fake_evaluation([0.9871, 0.996], ("9", "3"), True, 10_000, 79)
    assert evaluate.report(seed) == "79 of 10,000 misclassified; best digit 3 at 99.60%, worst 9 at 98.71%"
    fashion = _fake_evaluation([0.98, 0.6], ("Trouser", "Shirt"), False, 2000, 210)
    assert evaluate.report(fashion) == "210 of 2,000 misclassified; best class Trouser at 98.00%, worst Shirt at 60.00%"
    real = LoadedRun.open(run_id).evaluate()
    assert evaluate.report(real).startswith(f"{real.n_wrong} of 1,000 misclassified; best digit ")
