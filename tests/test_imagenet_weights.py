"""Tests for cnnviz.imagenet_weights: the ImageNet weights files, missing, downloaded (checked, then renamed into
place) or damaged."""

import dataclasses
import hashlib
import urllib.error

import pytest
import torch

from cnnviz import imagenet_weights as weights
from cnnviz import pretrained as pt


@pytest.fixture(scope="module")
def resnet():
    return pt.load("resnet18", weights=None)


def offline(*_args, **_kwargs):
    raise urllib.error.URLError("no network here")


def test_missing_weights_say_where_to_put_them(torch_home):
    assert not weights.weights_present(pt.get_entry("resnet18"))
    with pytest.raises(weights.WeightsError) as err:
        pt.load("resnet18")
    folder = torch_home / "hub" / "checkpoints"
    assert "resnet18-f37072fd.pth" in str(err.value) and str(folder) in str(err.value)
    assert weights.weights_file(pt.get_entry("resnet18")) == folder / "resnet18-f37072fd.pth"


def test_offline_download_fails_with_a_plain_message(monkeypatch, torch_home):
    monkeypatch.setattr(weights.urllib.request, "urlopen", offline)
    with pytest.raises(weights.WeightsError) as err:
        weights.download_weights(pt.get_entry("vgg16"))
    message = str(err.value)
    assert "vgg16-397923af.pth" in message and str(torch_home / "hub" / "checkpoints") in message
    assert "no network here" in message
    assert list((torch_home / "hub" / "checkpoints").iterdir()) == []  # no partial file left behind


def _served(tmp_path, monkeypatch, state):
    """Serve a state dict as the resnet18 download (a file:// URL named with its own checksum prefix)."""
    path = tmp_path / "served.pth"
    torch.save(state, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    named = path.rename(tmp_path / f"resnet18-{digest[:8]}.pth")
    entry = dataclasses.replace(pt.MODELS["resnet18"], url=named.as_uri())
    monkeypatch.setitem(pt.MODELS, "resnet18", entry)
    return entry


def test_download_verifies_then_renames(tmp_path, monkeypatch, resnet):
    state = {k: v.clone() for k, v in resnet.model.state_dict().items()}
    entry = _served(tmp_path, monkeypatch, state)
    seen = []
    path = weights.download_weights(pt.get_entry("resnet18"), progress=lambda f, msg: seen.append(f))
    assert (
        path == weights.weights_file(pt.get_entry("resnet18"))
        and path.name == entry.file_name
        and weights.weights_present(pt.get_entry("resnet18"))
    )
    assert seen and seen[-1] == 1.0 and all(0 < f <= 1 for f in seen)
    assert [p.name for p in path.parent.iterdir()] == [entry.file_name]  # the temporary file was renamed
    net = pt.load("resnet18")
    assert net.trained and torch.equal(net.model.fc.weight, resnet.model.fc.weight)


def test_download_with_a_wrong_checksum_is_not_kept(tmp_path, monkeypatch, resnet):
    entry = _served(tmp_path, monkeypatch, resnet.model.state_dict())
    monkeypatch.setitem(
        pt.MODELS,
        "resnet18",
        dataclasses.replace(entry, url=entry.url.replace(entry.file_name, "resnet18-00000000.pth")),
    )
    (tmp_path / entry.file_name).rename(tmp_path / "resnet18-00000000.pth")
    with pytest.raises(weights.WeightsError, match="wrong checksum"):
        weights.download_weights(pt.get_entry("resnet18"))
    assert (
        not weights.weights_present(pt.get_entry("resnet18"))
        and list(weights.weights_file(pt.get_entry("resnet18")).parent.iterdir()) == []
    )


class Payload:
    """Pickling this would run code on load: weights_only=True must refuse it."""

    def __reduce__(self):
        return (print, ("this ran on load",))


@pytest.mark.parametrize("content", ["garbage", "truncated", "pickled code", "wrong shapes"])
@pytest.mark.parametrize("checksum", ["official", "wrong"])
def test_damaged_weights_are_refused(content, checksum, resnet, monkeypatch):
    path = weights.weights_file(pt.get_entry("resnet18"))
    path.parent.mkdir(parents=True)
    if content == "garbage":
        path.write_bytes(b"not a weights file at all")
    elif content == "truncated":
        torch.save(resnet.model.state_dict(), path)
        path.write_bytes(path.read_bytes()[:100_000])
    elif content == "pickled code":
        torch.save({"conv1.weight": Payload()}, path)
    else:
        state = dict(resnet.model.state_dict())
        state["fc.weight"] = torch.zeros(10, 512)
        torch.save(state, path)
    if checksum == "official":  # as if the bad file had the published checksum: the loader itself must refuse it
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        monkeypatch.setattr(pt.ModelEntry, "sha256_prefix", property(lambda self: digest[:8]))
    with pytest.raises(weights.WeightsError, match="download it again") as err:
        pt.load("resnet18")
    assert ("not the official file" in str(err.value)) == (checksum == "wrong")
