"""AppTest of the pretrained-networks page: no weights and offline, random weights, a weights file, a damaged file."""

import io
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from pagetest import figure, has_text

from cnnviz import imagenet_weights as weights
from cnnviz import pretrained as pt

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(autouse=True)
def torch_home(tmp_path, monkeypatch):
    """No network: a download attempt fails at once (conftest gives every test an empty torch hub cache)."""

    def offline(*_args, **_kwargs):
        raise urllib.error.URLError("no network here")

    monkeypatch.setattr(weights.urllib.request, "urlopen", offline)
    return tmp_path / "torch"


def open_page():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/pretrained.py").run()
    assert not at.exception
    return at


def texts(at):
    return " ".join(m.value for m in at.markdown) + " " + " ".join(c.value for c in at.caption)


def chart(at, key):
    return figure(at.get_by_key(key))


def test_without_weights_offline(torch_home):
    at = open_page()
    message = at.info[0].value
    assert "resnet18-f37072fd.pth" in message and str(torch_home / "hub" / "checkpoints") in message
    assert not at.get("plotly_chart")  # nothing pretends to work
    at.button(key="pt_download").click().run()
    assert not at.exception
    assert "Could not download resnet18-f37072fd.pth" in at.error[0].value
    assert not weights.weights_present(pt.get_entry("resnet18"))
    at.selectbox(key="pt_model").set_value("vgg16").run()
    assert not at.exception and "vgg16-397923af.pth" in at.info[0].value and "528 MB" in at.info[0].value


def test_random_weights_show_every_view():
    at = open_page()
    at.checkbox(key="pt_random").check().run()
    assert not at.exception
    assert "Untrained" in at.warning[0].value
    assert len(at.get("plotly_chart")) == 5  # photo, top-5, Grad-CAM, kernels, feature maps
    assert "Top 5 of 1,000 classes" in texts(at) and "64 colour kernels" in texts(at) and "7×7" in texts(at)
    assert "conv1: 64 maps of 112×112; the first 32 shown, averaged down to 56×56" in texts(at)

    maps = chart(at, "pt_maps")
    at.select_slider(key="pt_stage").set_value("layer3").run()
    assert "layer3: 256 maps of 14×14" in texts(at) and chart(at, "pt_maps") != maps
    cam = chart(at, "pt_cam")
    first = at.selectbox(key="pt_cam_class").value  # an ImageNet class index, shown by name
    at.selectbox(key="pt_cam_class").select_index(1).run()
    assert not at.exception and at.selectbox(key="pt_cam_class").value != first
    assert chart(at, "pt_cam") != cam
    at.number_input(key="pt_sample").set_value(3).run()
    assert not at.exception and has_text(chart(at, "pt_image"), "mnist-sample test image 3")


def test_uploads(tmp_path):
    at = open_page()
    at.checkbox(key="pt_random").check().run()
    at.radio(key="pt_source").set_value("upload").run()
    assert not at.exception and "Upload a photo" in at.info[-1].value
    buffer = io.BytesIO()
    Image.fromarray((np.random.default_rng(1).random((120, 90, 3)) * 255).astype(np.uint8)).save(buffer, "PNG")
    at.file_uploader(key="pt_upload").set_value(("cat.png", buffer.getvalue(), "image/png")).run()
    assert not at.exception and "resized 90x120 to 256x341" in texts(at)
    at.file_uploader(key="pt_upload").set_value(("notes.txt", b"hello", "text/plain")).run()
    assert not at.exception and "not an image" in at.error[0].value


def test_a_weights_file_in_the_cache_is_used(monkeypatch):
    import hashlib

    path = weights.weights_file(pt.get_entry("resnet18"))
    path.parent.mkdir(parents=True)
    torch.save(pt.load("resnet18", weights=None, seed=3).model.state_dict(), path)
    # stand-in for the official file: its own checksum plays the published one
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setattr(pt.ModelEntry, "sha256_prefix", property(lambda self: digest[:8]))
    at = open_page()
    assert not at.info and not at.warning and len(at.get("plotly_chart")) == 5
    assert not at.get("checkbox")  # no random-weights option when the real weights are there


def test_a_damaged_weights_file_is_refused():
    path = weights.weights_file(pt.get_entry("resnet18"))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00" * 1000)
    at = open_page()
    assert "cannot be used" in at.error[0].value and "download it again" in at.error[0].value
    assert at.button(key="pt_download") and at.checkbox(key="pt_random")
