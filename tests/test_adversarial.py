"""The adversarial nudge lab: the gradient sign is autograd's, the flip is the smallest, and the screen says so."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from pagetest import APP, find_chart
from cnnviz import adversarial, data, runs
from cnnviz.train import config_for, run_training


@pytest.fixture
def trained():
    run_id = run_training(config_for("lenet5", epochs=1, batch_size=256)).run_id
    return run_id, runs.load_model(run_id)[1], data.load("mnist-sample")


def test_the_nudge_follows_autograd_and_is_the_smallest_that_flips(trained):
    _, model, split = trained
    image, label = split.x_test[0].numpy(), int(split.y_test[0])
    pixels = (torch.from_numpy(image).float() / 255)[None].requires_grad_(True)
    F.cross_entropy(model(data.normalize(pixels * 255, split.info)), torch.tensor([label])).backward()
    np.testing.assert_array_equal(
        adversarial.gradient_sign(model, image, label, split.info), pixels.grad[0].sign().numpy()
    )
    sizes = adversarial.flips(model, split, 30)
    assert len(sizes) >= 20 and (sizes > 0).sum() >= len(sizes) // 2  # most right answers flip within 64 levels
    for i in range(30):  # the first test image the network gets right and a nudge flips
        image, label = split.x_test[i].numpy(), int(split.y_test[i])
        nudge = adversarial.smallest_flip(model, image, label, split.info)
        if nudge.grey is not None and nudge.predicted_before == label:
            break
    assert nudge.grey is not None and nudge.predicted_after != nudge.predicted_before
    assert np.abs(nudge.difference).max() <= nudge.grey + 1e-4  # no pixel moved further than the nudge
    sign = torch.from_numpy(adversarial.gradient_sign(model, image, label, split.info))
    one_less = (torch.from_numpy(image).float() / 255 + (nudge.grey - 1) / 255 * sign).clamp(0, 1)[None]
    with torch.no_grad():  # a grey level less does not flip it: this is the smallest nudge
        assert int(model(data.normalize(one_less * 255, split.info)).argmax()) == nudge.predicted_before


def test_the_lab_screen_measures_and_shows_a_flip(trained):
    run_id, _, _ = trained
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["run_id"] = run_id
    at.switch_page("pages/lab_adversarial.py")
    at.run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "**Measured on this run.** Of the" in text and "grey levels out of 255" in text
    assert any("grey levels per pixel (at most) turns" in s.value for s in at.success)
    for key in ("adv_images", "adv_difference", "adv_before", "adv_after"):
        assert find_chart(at, key) is not None, key
