"""The shortcut lab's child process: what it reports survives the trip through JSON lines."""

import json

import numpy as np

from cnnviz import shortcut_apart
from cnnviz.i18n import Message
from cnnviz.shortcut import Result, Scores


def test_a_message_and_a_result_come_back_as_they_went():
    message = Message("Training {which}: step {step} of {total}", which=Message("the control network"), step=3, total=9)
    back = shortcut_apart._decoded(json.loads(json.dumps(shortcut_apart._encoded(message))))
    assert back.template == message.template and back.values["step"] == 3
    assert back.values["which"].template == "the control network"

    scores = {run: {"as in training": Scores(0.9, 0.8, 0.1)} for run in ("watermarked", "control")}
    heat = {run: np.full((2, 28, 28), 0.5, np.float32) for run in scores}
    result = Result(7, scores, {"watermarked": 0.6, "control": 0.1}, 0.1, np.zeros((2, 28, 28), np.uint8), heat)
    again = shortcut_apart._result_from(json.loads(json.dumps(shortcut_apart._result_json(result))))
    assert again.marked_class == 7 and again.scores == scores and again.mass == result.mass
    assert again.examples.dtype == np.uint8 and again.examples.shape == (2, 28, 28)
    np.testing.assert_array_equal(again.heat["control"], heat["control"])
