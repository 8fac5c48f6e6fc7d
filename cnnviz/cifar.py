"""CIFAR-10: read from an image-folder copy (`cifar10-jpg/` or its zip in the data root) when there is one, else
from torchvision's official archive, downloaded if missing (`data.load` calls `load_cifar`).
"""

from __future__ import annotations

import urllib.error
from pathlib import Path

import numpy as np

from . import folders
from .data import CIFAR_CLASSES, DATASETS, DataSplit, DatasetError, Progress, as_split
from .i18n import Message


def load_cifar(root: Path, progress: Progress | None) -> DataSplit:
    """CIFAR-10 from an image folder `cifar10-jpg/` (or its zip) in the data root, else torchvision's download."""
    folder = root / "cifar10-jpg"
    archive = root / "cifar10-jpg.zip"
    if folder.exists() and not (folder / "train").is_dir():
        raise DatasetError(
            "{folder} is there but has no train/ folder inside (train/<class>/*.jpg and "
            "test/<class>/*.jpg): complete it, or remove it to unpack cifar10-jpg.zip again",
            folder=folder,
        )
    if not folder.exists() and archive.is_file():
        folders.unzip(archive, folder, progress)
    if (folder / "train").is_dir():
        found = sorted(folders.images_by_class(folder / "train"))
        if found != sorted(CIFAR_CLASSES):
            raise DatasetError(
                "{folder} has the class folders {found}, but CIFAR-10 needs exactly these ten: "
                "{classes}. To train on other classes, use it as your own image folder: "
                "folder:{folder}",
                folder=folder,
                found=", ".join(found) or Message("(none)"),
                classes=", ".join(CIFAR_CLASSES),
            )
        split = folders.load_folder(f"folder:{folder}?size=32&channels=3", root, progress)
        return DataSplit(DATASETS["cifar10"], split.x_train, split.y_train, split.x_test, split.y_test)
    return _load_official(root, progress)


def _load_official(root: Path, progress: Progress | None) -> DataSplit:
    from torchvision import datasets

    try:
        # torchvision checks the archive's md5 against the official one before reading it
        train = datasets.CIFAR10(str(root), train=True, download=True)
        test = datasets.CIFAR10(str(root), train=False, download=True)
    except (RuntimeError, OSError, urllib.error.URLError):
        raise DatasetError(
            "CIFAR-10 is not in the data folder and could not be downloaded (no network?). Either unpack an "
            "image-folder copy to {folder} (train/<class>/*.jpg and test/<class>/*.jpg), put "
            "cifar10-jpg.zip in {root}, or put the official cifar-10-python.tar.gz in {root}.",
            folder=root / "cifar10-jpg",
            root=root,
        ) from None
    to_chw = lambda a: np.transpose(a, (0, 3, 1, 2))  # noqa: E731  (N, H, W, C) -> (N, C, H, W)
    return as_split(DATASETS["cifar10"], to_chw(train.data), train.targets, to_chw(test.data), test.targets)
