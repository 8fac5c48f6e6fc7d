"""Dataset registry: the embedded MNIST sample, MNIST, Fashion-MNIST, CIFAR-10 and image folders.

Every dataset is held in memory as uint8 tensors (N, C, H, W) and batched by indexing, so an epoch
costs no Python work per image. `normalize` turns a uint8 batch into the model's float input.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import torch

from .i18n import Invalid, Translated

if TYPE_CHECKING:
    from .own_data import OwnDataset

Progress = Callable[[float, str], None]  # (fraction done 0..1, what is happening)
ASSETS = Path(__file__).parent / "assets"
DIGITS = tuple(str(d) for d in range(10))


class DatasetError(Translated, ValueError):
    """A dataset that cannot be loaded, with what to do about it."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    classes: tuple[str, ...]
    input_shape: tuple[int, int, int]  # (C, H, W)
    mean: tuple[float, ...]
    std: tuple[float, ...]
    description: str
    is_digits: bool = False  # drawn digits get MNIST-style centring
    train_size: int | None = None  # training images, when known before loading (for cost estimates)


@dataclass(frozen=True)
class DataSplit:
    """A dataset in memory: uint8 images (N, C, H, W) and int64 labels (N,)."""

    info: DatasetInfo
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


_MNIST_NORM = ((0.1307,), (0.3081,))
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

DATASETS: dict[str, DatasetInfo] = {
    d.name: d
    for d in (
        DatasetInfo(
            "mnist-sample",
            "MNIST sample (offline, 5,000 digits)",
            DIGITS,
            (1, 28, 28),
            *_MNIST_NORM,
            "5,000 real MNIST digits shipped with cnnviz: 4,000 train / 1,000 test. Trains in seconds.",
            True,
            4_000,
        ),
        DatasetInfo(
            "mnist",
            "MNIST (70,000 digits)",
            DIGITS,
            (1, 28, 28),
            *_MNIST_NORM,
            "The handwritten digits: 60,000 train / 10,000 test.",
            True,
            60_000,
        ),
        DatasetInfo(
            "fashion-mnist",
            "Fashion-MNIST (70,000 clothes)",
            FASHION_CLASSES,
            (1, 28, 28),
            (0.2860,),
            (0.3530,),
            "Zalando's clothing images in MNIST's format: harder than digits.",
            train_size=60_000,
        ),
        DatasetInfo(
            "cifar10",
            "CIFAR-10 (60,000 colour photos)",
            CIFAR_CLASSES,
            (3, 32, 32),
            (0.4914, 0.4822, 0.4465),
            (0.2470, 0.2435, 0.2616),
            "32x32 colour photos of 10 classes: 50,000 train / 10,000 test.",
            train_size=50_000,
        ),
    )
}


def data_dir() -> Path:
    """Where datasets are downloaded or placed: $CNNVIZ_DATA_DIR, default ~/.cache/cnnviz/data."""
    return Path(os.environ.get("CNNVIZ_DATA_DIR") or Path.home() / ".cache" / "cnnviz" / "data")


def list_datasets() -> list[str]:
    """The built-in datasets, then the learner's made ones (`mine:<id>`, see own_data.py)."""
    from . import own_data

    return [*DATASETS, *(d.name for d in own_data.list_made()[0])]


def get_info(name: str) -> DatasetInfo:
    """The registry entry for a dataset name (a `folder:` dataset is scanned to find its classes)."""
    from . import folders  # folders reads this module's types

    if name.startswith("folder:"):
        return folders.folder_info(*folders.parse_folder(name))
    if name.startswith("mine:"):
        return made_dataset(name).info()
    if name not in DATASETS:
        raise DatasetError(
            "unknown dataset {got!r}; choose one of {names} or folder:<path>", got=name, names=", ".join(DATASETS)
        )
    return DATASETS[name]


def normalize(x: torch.Tensor, info: DatasetInfo) -> torch.Tensor:
    """uint8 (N, C, H, W) -> float32 standardised with the dataset's mean and std."""
    mean = torch.tensor(info.mean, dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(info.std, dtype=torch.float32).view(1, -1, 1, 1)
    return (x.float() / 255.0 - mean) / std


def test_image(split: DataSplit, class_index: int, index: int) -> tuple[np.ndarray, int, int]:
    """The index-th test image of a class.

    Returns:
        (uint8 image (C, H, W), label, its index in the whole test set).
    """
    classes = split.info.classes
    if not 0 <= class_index < len(classes):
        raise Invalid(
            "class index {index} is out of range: {name} has {n} classes",
            index=class_index,
            name=split.info.name,
            n=len(classes),
        )
    where = np.flatnonzero(split.y_test.numpy() == class_index)
    if not 0 <= index < len(where):
        raise Invalid(
            "class {name} has {n} test images; there is no image {index} (use 0..{last})",
            name=classes[class_index],
            n=len(where),
            index=index,
            last=len(where) - 1,
        )
    g = int(where[index])
    return split.x_test[g].numpy().copy(), int(class_index), g


test_image.__test__ = False  # not a pytest test, despite its name


def load(name: str, root: Path | None = None, progress: Progress | None = None) -> DataSplit:
    """Load a dataset into memory (downloading or unpacking first if needed).

    Raises:
        DatasetError with the files to place and where, when it cannot be found or fetched.
    """
    return _load_cached(name, Path(root or data_dir()).resolve(), progress)


def _load_cached(name: str, root: Path, progress: Progress | None) -> DataSplit:
    # a small cache of whole datasets: the app, the CLI and the benchmarks load the same ones repeatedly
    key = _cache_key(name, root)
    if key not in _cache:
        if name.startswith("mine:"):
            from . import own_data

            _cache[key] = own_data.load(made_dataset(name), progress)
        elif name.startswith("folder:"):
            from . import folders

            _cache[key] = folders.load_folder(name, root, progress)
        else:
            get_info(name)  # raises the unknown-name message
            _cache[key] = _LOADERS[name](root, progress)
        while len(_cache) > 4:
            _cache.pop(next(iter(_cache)))
    return _cache[key]


_cache: dict[tuple[str, Path], DataSplit] = {}


def _cache_key(name: str, root: Path) -> tuple[str, Path]:
    if name.startswith("mine:"):  # a made dataset changes as examples are added: a copy is kept per version
        from . import own_data

        return f"{name}#{own_data.stamp(made_dataset(name))}", root
    return name, root


def is_loaded(name: str, root: Path | None = None) -> bool:
    """Whether loading `name` now would be instant (it is in memory, as it is on disk)."""
    try:
        return _cache_key(name, Path(root or data_dir()).resolve()) in _cache
    except DatasetError:
        return False


def made_dataset(name: str) -> OwnDataset:
    """The made dataset `mine:<id>` (an own_data.OwnDataset); DatasetError (with the reason) when it cannot be
    read."""
    from . import own_data

    try:
        return own_data.read(name[len("mine:") :])
    except own_data.OwnDataError as e:
        raise DatasetError(e.message) from None


DOWNLOAD_MB = {"mnist": 11, "fashion-mnist": 30, "cifar10": 163}  # the official archives, about


def needs_download(name: str, root: Path | None = None) -> int | None:
    """About how many MB loading `name` would download first, or None when it is here (or never downloads)."""
    root = Path(root or data_dir()).resolve()
    if name not in DOWNLOAD_MB or (name, root) in _cache:
        return None
    if name == "cifar10":
        here = (
            (root / "cifar10-jpg").exists()
            or (root / "cifar10-jpg.zip").is_file()
            or (root / "cifar-10-python.tar.gz").is_file()
            or (root / "cifar-10-batches-py").is_dir()
        )
    else:
        from torchvision import datasets

        cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}[name]
        here = all((root / cls.__name__ / "raw" / f).is_file() for f, _ in cls.resources)
    return None if here else DOWNLOAD_MB[name]


def as_split(
    info: DatasetInfo, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray
) -> DataSplit:
    """Arrays (N, H, W) or (N, C, H, W) and labels as a DataSplit of uint8 and int64 tensors."""

    def images(x):
        x = torch.as_tensor(np.ascontiguousarray(x), dtype=torch.uint8)
        return x.unsqueeze(1) if x.ndim == 3 else x  # (N, H, W) -> (N, 1, H, W)

    return DataSplit(
        info,
        images(x_train),
        torch.as_tensor(np.asarray(y_train), dtype=torch.int64),
        images(x_test),
        torch.as_tensor(np.asarray(y_test), dtype=torch.int64),
    )


def _load_sample(root: Path, progress: Progress | None) -> DataSplit:
    with np.load(ASSETS / "mnist_sample.npz") as f:  # plain arrays: allow_pickle stays False
        return as_split(DATASETS["mnist-sample"], f["x_train"], f["y_train"], f["x_test"], f["y_test"])


# ---------------------------------------------------------------- MNIST-style datasets via torchvision


def _load_torchvision(name: str, root: Path, progress: Progress | None) -> DataSplit:
    from torchvision import datasets

    cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}[name]
    raw = root / cls.__name__ / "raw"
    _fetch_missing(cls, raw, progress)
    try:
        train = cls(str(root), train=True, download=True)
        test = cls(str(root), train=False, download=True)
    except (RuntimeError, OSError) as e:
        raise DatasetError(
            "{name}: could not read the files in {folder}: {reason}", name=name, folder=raw, reason=e
        ) from None
    return as_split(DATASETS[name], train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy())


def _fetch_missing(cls, raw: Path, progress: Progress | None) -> None:
    """Download the official .gz files that are not in `raw` yet, checking each md5."""
    from torchvision.datasets.utils import check_integrity

    missing = [(f, md5) for f, md5 in cls.resources if not check_integrity(str(raw / f), md5)]
    for i, (filename, md5) in enumerate(missing):
        if progress:
            progress(i / len(missing), f"downloading {filename}")
        try:
            raw.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatasetError(
                "cannot create the data folder {folder}: {reason}", folder=raw, reason=e.strerror
            ) from None
        for mirror in cls.mirrors:
            if _download(mirror + filename, raw / filename, progress) and check_integrity(str(raw / filename), md5):
                break
        else:
            names = ", ".join(f for f, _ in cls.resources)
            raise DatasetError(
                "{name} is not in the data folder and could not be downloaded (no network?). "
                "Put the four official files ({files}) in {folder} and try again.",
                name=cls.__name__,
                files=names,
                folder=raw,
            )


def _download(url: str, dest: Path, progress: Progress | None) -> bool:
    tmp = dest.with_suffix(dest.suffix + ".part")
    try:
        with urllib.request.urlopen(url, timeout=20) as response, open(tmp, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                done += len(chunk)
                if progress and total:
                    progress(min(done / total, 1.0), f"downloading {dest.name}: {done >> 10:,} of {total >> 10:,} KiB")
        os.replace(tmp, dest)
        return True
    except (urllib.error.URLError, OSError, TimeoutError):
        tmp.unlink(missing_ok=True)
        return False


def _load_cifar(root: Path, progress: Progress | None) -> DataSplit:
    from .cifar import load_cifar  # cifar reads this module's types

    return load_cifar(root, progress)


_LOADERS = {
    "mnist-sample": _load_sample,
    "mnist": lambda root, progress: _load_torchvision("mnist", root, progress),
    "fashion-mnist": lambda root, progress: _load_torchvision("fashion-mnist", root, progress),
    "cifar10": _load_cifar,
}
