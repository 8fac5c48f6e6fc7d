"""Tests for cnnviz.mistake: the nearest training images are the true nearest in the network's embedding, and the
answer over training is the answer of each snapshot's network."""

import numpy as np
import pytest

from cnnviz import attribution, data, evaluate, mistake
from cnnviz.embedding import penultimate_features
from cnnviz.loaded import LoadedRun


@pytest.fixture
def loaded(use_run) -> LoadedRun:
    return LoadedRun.open(use_run("lenet5-b128"))


def test_nearest_is_the_brute_force_nearest_with_ties_in_index_order():
    features = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0], [0.0, 1.0], [10.0, 10.0]])
    index, distance = mistake.nearest(features, np.array([0.0, 0.0]), k=4)
    assert index.tolist() == [0, 2, 3, 1]  # 2 and 3 tie at distance 1: the lower index first
    np.testing.assert_allclose(distance, [0.0, 1.0, 1.0, 5.0])


def test_a_story_holds_the_true_nearest_training_images_and_grad_cam(loaded):
    ev = loaded.evaluate()
    index = evaluate.mistakes(ev, limit=1)[0]
    features = mistake.training_features(loaded.model, loaded)
    story = mistake.story(loaded, index, features)
    assert (story.label, story.predicted) == (ev.labels[index], ev.predictions[index])
    probs = evaluate.predict(loaded.model, loaded.test_inputs()[index : index + 1])[0]
    assert [c for c, _ in story.top] == np.argsort(-probs)[:3].tolist()
    assert story.top[0][1] == pytest.approx(float(ev.confidence[index]), rel=1e-5)
    # the neighbours by brute force over every training image, in the same embedding
    query = penultimate_features(loaded.model, loaded.test_inputs()[index : index + 1])[0][0]
    train = penultimate_features(loaded.model, data.normalize(loaded.split.x_train, loaded.info))[0]
    distances = np.linalg.norm(train.astype(np.float64) - query, axis=1)
    assert story.neighbours.tolist() == np.argsort(distances, kind="stable")[: mistake.NEIGHBOURS].tolist()
    np.testing.assert_allclose(story.distances, np.sort(distances)[: mistake.NEIGHBOURS], rtol=1e-4)
    np.testing.assert_array_equal(story.neighbour_labels, loaded.split.y_train[story.neighbours].numpy())
    want = attribution.grad_cam(loaded.model, loaded.test_inputs()[index], story.predicted, "conv2")
    np.testing.assert_allclose(story.heat, want.heat, rtol=1e-5, atol=1e-6)


def test_the_answer_over_training_is_each_snapshots_answer(loaded):
    index = 3
    history = mistake.history(loaded, index)
    x = loaded.test_inputs()[index : index + 1]
    for position, snap in enumerate(loaded.snapshots):
        probs = evaluate.predict(loaded.model_at(snap.index), x)[0]
        assert history.predicted[position] == probs.argmax()
        assert history.true_probability[position] == pytest.approx(probs[history.label], rel=1e-5)
    assert history.steps.tolist() == [s.step for s in loaded.snapshots] + [loaded.record.steps_done]


def test_went_wrong_at_is_the_first_step_of_the_last_wrong_stretch():
    def history(predicted):
        n = len(predicted)
        return mistake.History(1, np.arange(n) * 10, np.array(predicted), np.zeros(n), np.zeros(n))

    assert history([0, 1, 1, 2, 2]).went_wrong_at == 30  # right at steps 10 and 20, wrong from 30 on
    assert history([1, 0, 1, 0]).went_wrong_at == 30
    assert history([0, 2, 2]).went_wrong_at is None  # never right
    assert history([0, 1]).went_wrong_at is None  # right at the end
