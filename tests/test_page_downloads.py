"""A dataset that must be downloaded is downloaded only after a visible click, never because a link named it."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import data

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def downloads(monkeypatch):
    calls = []
    monkeypatch.setattr(data, "_download", lambda url, dest, progress: calls.append(url) or False)
    return calls


def linked(page: str, dataset: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["dataset"] = dataset
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


@pytest.mark.parametrize("dataset,mb", [("mnist", 11), ("cifar10", 163)])
def test_a_link_naming_a_missing_dataset_asks_before_downloading(downloads, dataset, mb):
    at = linked("pages/convolution.py", dataset)
    assert at.session_state["dataset"] == dataset
    [info] = [i for i in at.info if "is not on this computer yet" in i.value]
    assert f"downloads about {mb} MB from the internet" in info.value
    assert downloads == []  # nothing fetched by opening the link
    at.button(key=f"download_{dataset}").click().run()
    assert not at.exception
    if dataset == "mnist":
        assert downloads and downloads[0].endswith(".gz")  # now it tries (and, offline, says why it failed)
    assert any("This dataset is not available" in e.value for e in at.error)


def test_train_offers_start_only_after_the_download_is_confirmed(downloads):
    at = linked("pages/train.py", "mnist")
    assert not [b for b in at.button if b.key == "train_start"]
    at.button(key="download_mnist").click().run()
    assert not at.button(key="train_start").disabled
    assert downloads == []  # confirmed, but nothing is fetched until training starts


def test_a_dataset_already_here_needs_no_confirmation(mnist_root, monkeypatch, downloads):
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(mnist_root))
    assert data.needs_download("mnist") is None and data.needs_download("mnist-sample") is None
    at = linked("pages/train.py", "mnist")
    assert not at.button(key="train_start").disabled and downloads == []
