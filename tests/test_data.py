import numpy as np
import pytest
import torch
from PIL import Image

from cnnviz import data


def test_registry_lists_every_dataset_with_its_shape_and_classes():
    assert data.list_datasets() == ["mnist-sample", "mnist", "fashion-mnist", "cifar10"]
    assert data.get_info("cifar10").input_shape == (3, 32, 32)
    assert len(data.get_info("fashion-mnist").classes) == 10
    with pytest.raises(data.DatasetError, match="unknown dataset 'imagenet'"):
        data.get_info("imagenet")


def test_embedded_sample_is_the_documented_stratified_split():
    split = data.load("mnist-sample")
    assert split.x_train.shape == (4000, 1, 28, 28) and split.x_train.dtype == torch.uint8
    assert split.x_test.shape == (1000, 1, 28, 28)
    assert torch.bincount(split.y_train).tolist() == [400] * 10
    assert torch.bincount(split.y_test).tolist() == [100] * 10
    # real digits: ink on a black background, full 0..255 range
    assert split.x_train.max() == 255 and split.x_train.float().mean() < 60


def test_normalize_uses_the_dataset_statistics():
    info = data.get_info("mnist-sample")
    x = torch.tensor([0, 255], dtype=torch.uint8).view(2, 1, 1, 1)
    out = data.normalize(x, info).flatten()
    assert torch.allclose(out, torch.tensor([-0.1307 / 0.3081, (1 - 0.1307) / 0.3081]))


def test_missing_download_says_which_files_to_put_where(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_download", lambda *a, **k: False)  # as if offline
    with pytest.raises(data.DatasetError) as err:
        data.load("fashion-mnist", root=tmp_path)
    assert "train-images-idx3-ubyte.gz" in str(err.value)
    assert str(tmp_path / "FashionMNIST" / "raw") in str(err.value)


def test_full_mnist_loads_offline_from_placed_files(mnist_root):
    split = data.load("mnist", root=mnist_root)
    assert split.x_train.shape == (60000, 1, 28, 28) and split.x_test.shape == (10000, 1, 28, 28)
    assert split.y_test[:5].tolist() == [7, 2, 1, 0, 4]  # MNIST's famous first test digits


def _make_folder(root, classes=("cats", "dogs"), per_class=10, size=(40, 30), mode="RGB"):
    rng = np.random.default_rng(0)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(per_class):
            arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
            Image.fromarray(arr).convert(mode).save(root / c / f"{i}.png")
    return root


def test_image_folder_with_fixed_split_size_and_channels(tmp_path):
    folder = _make_folder(tmp_path / "pets")
    split = data.load(f"folder:{folder}?size=16&channels=1", root=tmp_path / "data")
    assert split.info.classes == ("cats", "dogs")
    assert split.x_train.shape == (16, 1, 16, 16) and split.x_test.shape == (4, 1, 16, 16)
    assert sorted(split.y_test.tolist()) == [0, 0, 1, 1]
    # a second load reads the converted cache and gives the same tensors
    data._cache.clear()
    again = data.load(f"folder:{folder}?size=16&channels=1", root=tmp_path / "data")
    assert torch.equal(again.x_train, split.x_train)


def test_image_folder_with_train_and_test_subfolders(tmp_path):
    _make_folder(tmp_path / "set" / "train", per_class=3)
    _make_folder(tmp_path / "set" / "test", per_class=2)
    split = data.load(f"folder:{tmp_path / 'set'}?size=8&channels=3", root=tmp_path / "data")
    assert split.x_train.shape == (6, 3, 8, 8) and split.x_test.shape == (4, 3, 8, 8)


@pytest.mark.parametrize("name,message", [
    ("folder:/definitely/not/here", "image folder not found"),
    ("folder:{tmp}?size=4", "between 8 and"),
    ("folder:{tmp}?channels=2", "1 \\(grey\\) or 3"),
    ("folder:{tmp}", "at least two sub-folders"),
])
def test_bad_folders_are_refused_clearly(tmp_path, name, message):
    with pytest.raises(data.DatasetError, match=message):
        data.load(name.format(tmp=tmp_path), root=tmp_path / "data")


def test_damaged_image_in_a_folder_is_named(tmp_path):
    folder = _make_folder(tmp_path / "pets", per_class=3)
    (folder / "dogs" / "1.png").write_bytes(b"not a png")
    with pytest.raises(data.DatasetError, match="cannot read image .*1.png"):
        data.load(f"folder:{folder}?size=8&channels=3", root=tmp_path / "data")
