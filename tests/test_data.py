from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from cnnviz import data, folders


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


@pytest.mark.parametrize(
    "name,message",
    [
        ("folder:/definitely/not/here", "image folder not found"),
        ("folder:{tmp}?size=4", "between 8 and"),
        ("folder:{tmp}?channels=2", "1 \\(grey\\) or 3"),
        ("folder:{tmp}", "at least two sub-folders"),
    ],
)
def test_bad_folders_are_refused_clearly(tmp_path, name, message):
    with pytest.raises(data.DatasetError, match=message):
        data.load(name.format(tmp=tmp_path), root=tmp_path / "data")


def test_damaged_image_in_a_folder_is_named(tmp_path):
    folder = _make_folder(tmp_path / "pets", per_class=3)
    (folder / "dogs" / "1.png").write_bytes(b"not a png")
    with pytest.raises(data.DatasetError, match="cannot read image .*1.png"):
        data.load(f"folder:{folder}?size=8&channels=3", root=tmp_path / "data")


# ---------------------------------------------------------------- CIFAR-10 zips and odd folders (hardening)

import os  # noqa: E402
import zipfile  # noqa: E402


def _cifar_zip(path, classes=data.CIFAR_CLASSES, per_class=1, extra=()):
    """A small cifar10-jpg.zip: one top folder, train/ and test/ with `per_class` JPEGs per class."""
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for part in ("train", "test"):
            for c in classes:
                for i in range(per_class):
                    from io import BytesIO

                    buf = BytesIO()
                    Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(buf, "JPEG")
                    z.writestr(f"cifar10-jpg/{part}/{c}/{i}.jpg", buf.getvalue())
        for name, payload, *stored in extra:
            z.writestr(name, payload, compress_type=zipfile.ZIP_STORED if stored else None)
    return path


def _nothing_left(root):
    return [p.name for p in root.iterdir() if p.name.startswith("cifar10-jpg") and p.name != "cifar10-jpg.zip"]


def test_a_good_cifar_zip_unpacks_and_loads(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    _cifar_zip(root / "cifar10-jpg.zip")
    split = data.load("cifar10", root=root)
    assert split.info.classes == data.CIFAR_CLASSES and split.x_train.shape == (10, 3, 32, 32)
    assert sorted(split.y_train.tolist()) == list(range(10))
    assert _nothing_left(root) == ["cifar10-jpg"]  # no .part folder left behind


@pytest.mark.parametrize(
    "damage,message",
    [
        ("not-a-zip", "cifar10-jpg.zip cannot be unpacked: File is not a zip file"),
        ("bad-crc", "cifar10-jpg.zip cannot be unpacked: Bad CRC-32"),
        ("encrypted", "cifar10-jpg.zip is encrypted"),
        ("bomb", "unpacks 1,0\\d\\d times larger than it is packed; refusing a likely zip bomb"),
        ("too-big", "would unpack to 3 MB, more than the 2 MB allowed \\(set CNNVIZ_MAX_UNZIP_MB"),
        ("eleven-classes", "has the class folders airplane, .*, zebra, but CIFAR-10 needs exactly these ten"),
        ("three-classes", "has the class folders bird, cat, dog, but CIFAR-10 needs"),
    ],
)
def test_a_bad_cifar_zip_is_refused_and_leaves_nothing(tmp_path, monkeypatch, damage, message):
    root = tmp_path / "data"
    root.mkdir()
    archive = root / "cifar10-jpg.zip"
    if damage == "not-a-zip":
        archive.write_bytes(b"this is not a zip" * 100)
    elif damage == "bad-crc":
        _cifar_zip(archive, extra=[("cifar10-jpg/readme.txt", b"hello " * 1000, "stored")])
        raw = bytearray(archive.read_bytes())
        raw[raw.index(b"hello hello") + 100] ^= 0xFF  # one byte of that entry's (uncompressed) content
        archive.write_bytes(bytes(raw))
    elif damage == "encrypted":
        _cifar_zip(archive)
        raw = bytearray(archive.read_bytes())
        for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # every header's "encrypted" bit
            at = raw.find(signature)
            while at != -1:
                raw[at + flag_at] |= 1
                at = raw.find(signature, at + 1)
        archive.write_bytes(bytes(raw))
    elif damage == "bomb":
        _cifar_zip(archive, extra=[("cifar10-jpg/zeros.bin", bytes(20 << 20))])
    elif damage == "too-big":
        monkeypatch.setenv("CNNVIZ_MAX_UNZIP_MB", "2")
        _cifar_zip(archive, extra=[("cifar10-jpg/noise.bin", np.random.default_rng(0).bytes(3 << 20))])
    elif damage == "eleven-classes":
        _cifar_zip(archive, classes=(*data.CIFAR_CLASSES, "zebra"))
    else:
        _cifar_zip(archive, classes=("bird", "cat", "dog"))
    with pytest.raises(data.DatasetError, match=message):
        data.load("cifar10", root=root)
    if damage not in ("eleven-classes", "three-classes"):  # those unpack fine: the folder is refused, not the zip
        assert _nothing_left(root) == []


def test_a_cifar_folder_without_train_says_what_to_do(tmp_path):
    root = tmp_path / "data"
    (root / "cifar10-jpg" / "stuff").mkdir(parents=True)
    _cifar_zip(root / "cifar10-jpg.zip")
    with pytest.raises(data.DatasetError, match="is there but has no train/ folder inside"):
        data.load("cifar10", root=root)


def test_odd_entries_in_an_image_folder_are_skipped_and_counted(tmp_path):
    folder = _make_folder(tmp_path / "pets", per_class=5)
    os.mkfifo(folder / "cats" / "pipe.png")  # reading it would block for ever
    (folder / "dogs" / "gone.png").symlink_to(tmp_path / "nowhere.png")  # dangling
    (folder / "dogs" / "elsewhere.png").symlink_to(folder / "cats" / "0.png")  # a link, even to an image
    info = data.get_info(f"folder:{folder}?size=8&channels=1")
    assert "3 image-named entries that are not plain files (links, pipes) are skipped" in info.description
    assert info.train_size == 8  # four of every five of the 5 real images per class
    split = data.load(f"folder:{folder}?size=8&channels=1", root=tmp_path / "data")
    assert split.x_train.shape[0] + split.x_test.shape[0] == 10


def test_the_app_reads_folders_only_inside_the_allowed_roots(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNVIZ_FOLDER_ROOTS")
    assert folders.folder_roots() == [data.data_dir().resolve(), Path.home().resolve()]
    for outside in ("folder:/", "folder:/etc", f"folder:{data.data_dir()}/../../x", "folder:/proc/self"):
        with pytest.raises(data.DatasetError, match="the app reads image folders only inside"):
            folders.check_folder_allowed(outside)
    folders.check_folder_allowed(f"folder:{data.data_dir()}/pets?size=8")
    folders.check_folder_allowed("mnist")  # not a folder dataset
    monkeypatch.setenv("CNNVIZ_FOLDER_ROOTS", f"/{os.pathsep}{tmp_path}")  # "/" is never a root, even if named
    assert folders.folder_roots() == [tmp_path.resolve()]
    with pytest.raises(data.DatasetError):
        folders.check_folder_allowed("folder:/etc")


def test_test_image():
    split = data.load("mnist-sample")
    image, label, index = data.test_image(split, 7, 2)
    sevens = np.flatnonzero(split.y_test.numpy() == 7)
    assert (label, index) == (7, sevens[2])
    assert image.dtype == np.uint8 and image.shape == (1, 28, 28)
    np.testing.assert_array_equal(image, split.x_test[sevens[2]].numpy())
    with pytest.raises(ValueError, match=f"class 7 has {len(sevens)} test images; there is no image 999"):
        data.test_image(split, 7, 999)
    with pytest.raises(ValueError, match="has 10 classes"):
        data.test_image(split, 10, 0)
