"""Dataset registry: the embedded MNIST sample, MNIST, Fashion-MNIST, CIFAR-10 and image folders.

Every dataset is held in memory as uint8 tensors (N, C, H, W) and batched by indexing, so an epoch
costs no Python work per image. `normalize` turns a uint8 batch into the model's float input.
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import urllib.error
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

import numpy as np
import torch

from . import settings
from .i18n import Invalid, Message, Translated

Progress = Callable[[float, str], None]  # (fraction done 0..1, what is happening)
ASSETS = Path(__file__).parent / "assets"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
FOLDER_MAX_SIZE = 128
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
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

DATASETS: dict[str, DatasetInfo] = {d.name: d for d in (
    DatasetInfo("mnist-sample", "MNIST sample (offline, 5,000 digits)", DIGITS, (1, 28, 28), *_MNIST_NORM,
                "5,000 real MNIST digits shipped with cnnviz: 4,000 train / 1,000 test. Trains in seconds.", True,
                4_000),
    DatasetInfo("mnist", "MNIST (70,000 digits)", DIGITS, (1, 28, 28), *_MNIST_NORM,
                "The handwritten digits: 60,000 train / 10,000 test.", True, 60_000),
    DatasetInfo("fashion-mnist", "Fashion-MNIST (70,000 clothes)", FASHION_CLASSES, (1, 28, 28), (0.2860,), (0.3530,),
                "Zalando's clothing images in MNIST's format: harder than digits.", train_size=60_000),
    DatasetInfo("cifar10", "CIFAR-10 (60,000 colour photos)", CIFAR_CLASSES, (3, 32, 32),
                (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616),
                "32x32 colour photos of 10 classes: 50,000 train / 10,000 test.", train_size=50_000),
)}


def data_dir() -> Path:
    """Where datasets are downloaded or placed: $CNNVIZ_DATA_DIR, default ~/.cache/cnnviz/data."""
    return Path(os.environ.get("CNNVIZ_DATA_DIR") or Path.home() / ".cache" / "cnnviz" / "data")


def list_datasets() -> list[str]:
    """The built-in datasets, then the learner's made ones (`mine:<id>`, see own_data.py)."""
    from . import own_data

    return [*DATASETS, *(d.name for d in own_data.list_made()[0])]


def get_info(name: str) -> DatasetInfo:
    """The registry entry for a dataset name (a `folder:` dataset is scanned to find its classes)."""
    if name.startswith("folder:"):
        return _folder_info(*_parse_folder(name))
    if name.startswith("mine:"):
        return made_dataset(name).info()
    if name not in DATASETS:
        raise DatasetError("unknown dataset {got!r}; choose one of {names} or folder:<path>", got=name,
                           names=", ".join(DATASETS))
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
        raise Invalid("class index {index} is out of range: {name} has {n} classes", index=class_index,
                      name=split.info.name, n=len(classes))
    where = np.flatnonzero(split.y_test.numpy() == class_index)
    if not 0 <= index < len(where):
        raise Invalid("class {name} has {n} test images; there is no image {index} (use 0..{last})",
                      name=classes[class_index], n=len(where), index=index, last=len(where) - 1)
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
            _cache[key] = _load_folder(name, root, progress)
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


def made_dataset(name: str):
    """The made dataset `mine:<id>` (an own_data.OwnDataset); DatasetError (with the reason) when it cannot be
    read."""
    from . import own_data

    try:
        return own_data.read(name[len("mine:"):])
    except own_data.OwnDataError as e:
        raise DatasetError(e.message) from None


DOWNLOAD_MB = {"mnist": 11, "fashion-mnist": 30, "cifar10": 163}  # the official archives, about


def needs_download(name: str, root: Path | None = None) -> int | None:
    """About how many MB loading `name` would download first, or None when it is here (or never downloads)."""
    root = Path(root or data_dir()).resolve()
    if name not in DOWNLOAD_MB or (name, root) in _cache:
        return None
    if name == "cifar10":
        here = ((root / "cifar10-jpg").exists() or (root / "cifar10-jpg.zip").is_file()
                or (root / "cifar-10-python.tar.gz").is_file() or (root / "cifar-10-batches-py").is_dir())
    else:
        from torchvision import datasets

        cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}[name]
        here = all((root / cls.__name__ / "raw" / f).is_file() for f, _ in cls.resources)
    return None if here else DOWNLOAD_MB[name]


def _as_split(info, x_train, y_train, x_test, y_test) -> DataSplit:
    def images(x):
        x = torch.as_tensor(np.ascontiguousarray(x), dtype=torch.uint8)
        return x.unsqueeze(1) if x.ndim == 3 else x  # (N, H, W) -> (N, 1, H, W)
    return DataSplit(info, images(x_train), torch.as_tensor(np.asarray(y_train), dtype=torch.int64),
                     images(x_test), torch.as_tensor(np.asarray(y_test), dtype=torch.int64))


def _load_sample(root: Path, progress: Progress | None) -> DataSplit:
    with np.load(ASSETS / "mnist_sample.npz") as f:  # plain arrays: allow_pickle stays False
        return _as_split(DATASETS["mnist-sample"], f["x_train"], f["y_train"], f["x_test"], f["y_test"])


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
        raise DatasetError("{name}: could not read the files in {folder}: {reason}", name=name, folder=raw,
                           reason=e) from None
    return _as_split(DATASETS[name], train.data.numpy(), train.targets.numpy(), test.data.numpy(),
                     test.targets.numpy())


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
            raise DatasetError("cannot create the data folder {folder}: {reason}", folder=raw,
                               reason=e.strerror) from None
        for mirror in cls.mirrors:
            if _download(mirror + filename, raw / filename, progress) and check_integrity(str(raw / filename), md5):
                break
        else:
            names = ", ".join(f for f, _ in cls.resources)
            raise DatasetError(
                "{name} is not in the data folder and could not be downloaded (no network?). "
                "Put the four official files ({files}) in {folder} and try again.", name=cls.__name__,
                files=names, folder=raw)


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


# ---------------------------------------------------------------- CIFAR-10 and image folders


def _load_cifar(root: Path, progress: Progress | None) -> DataSplit:
    """CIFAR-10 from an image folder `cifar10-jpg/` (or its zip) in the data root, else torchvision's download."""
    folder = root / "cifar10-jpg"
    archive = root / "cifar10-jpg.zip"
    if folder.exists() and not (folder / "train").is_dir():
        raise DatasetError("{folder} is there but has no train/ folder inside (train/<class>/*.jpg and "
                           "test/<class>/*.jpg): complete it, or remove it to unpack cifar10-jpg.zip again",
                           folder=folder)
    if not folder.exists() and archive.is_file():
        _unzip(archive, folder, progress)
    if (folder / "train").is_dir():
        found = sorted(_images_by_class(folder / "train"))
        if found != sorted(CIFAR_CLASSES):
            raise DatasetError("{folder} has the class folders {found}, but CIFAR-10 needs exactly these ten: "
                               "{classes}. To train on other classes, use it as your own image folder: "
                               "folder:{folder}", folder=folder, found=", ".join(found) or Message("(none)"),
                               classes=", ".join(CIFAR_CLASSES))
        split = _load_folder(f"folder:{folder}?size=32&channels=3", root, progress)
        return DataSplit(DATASETS["cifar10"], split.x_train, split.y_train, split.x_test, split.y_test)
    return _load_cifar_official(root, progress)


def _load_cifar_official(root: Path, progress: Progress | None) -> DataSplit:
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
            folder=root / "cifar10-jpg", root=root) from None
    to_chw = lambda a: np.transpose(a, (0, 3, 1, 2))  # noqa: E731  (N, H, W, C) -> (N, C, H, W)
    return _as_split(DATASETS["cifar10"], to_chw(train.data), train.targets, to_chw(test.data), test.targets)


def max_unzip_mb() -> int:
    """How much a zip may unpack to: CNNVIZ_MAX_UNZIP_MB, default 2048 (CIFAR-10 as JPEGs is about 150)."""
    try:
        return settings.whole_number("CNNVIZ_MAX_UNZIP_MB", 2048)
    except ValueError as e:
        raise DatasetError(e.message) from None  # settings raises i18n.Invalid


ZIP_MAX_ENTRIES = 200_000
ZIP_MAX_RATIO = 100  # unpacked / packed size of one entry: JPEGs barely compress, a zip bomb does by 1000x


def _unzip(archive: Path, dest: Path, progress: Progress | None) -> None:
    """Unpack into a temporary folder next to `dest`, within size, count and ratio limits, then rename it into
    place; on any failure the temporary folder is removed and `dest` is untouched."""
    tmp = dest.with_name(f"{dest.name}.part-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive) as z:
            members = z.infolist()
            total = sum(m.file_size for m in members)
            if len(members) > ZIP_MAX_ENTRIES:
                raise DatasetError("{archive} holds {n:,} entries, more than {limit:,}", archive=archive.name,
                                   n=len(members), limit=ZIP_MAX_ENTRIES)
            if total > max_unzip_mb() << 20:
                raise DatasetError("{archive} would unpack to {mb:,.0f} MB, more than the {limit:,} MB allowed "
                                   "(set CNNVIZ_MAX_UNZIP_MB to raise it)", archive=archive.name,
                                   mb=total / 2 ** 20, limit=max_unzip_mb())
            for i, m in enumerate(members):
                if m.flag_bits & 0x1:
                    raise DatasetError("{archive} is encrypted; unpack it yourself into {dest}", archive=archive.name,
                                       dest=dest)
                if m.file_size > ZIP_MAX_RATIO * max(m.compress_size, 1) and m.file_size > 1 << 20:
                    raise DatasetError("{archive}: {entry} unpacks {ratio:,} times larger than it is packed; refusing "
                                       "a likely zip bomb", archive=archive.name, entry=m.filename,
                                       ratio=m.file_size // max(m.compress_size, 1))
                target = (tmp / m.filename).resolve()
                if not target.is_relative_to(tmp.resolve()):
                    raise DatasetError("{archive}: refusing an entry that leaves the folder: {entry}",
                                       archive=archive.name, entry=m.filename)
                z.extract(m, tmp)  # extraction stops at the declared size and checks the CRC
                if progress and i % 2000 == 0:
                    progress(i / len(members), f"unpacking {archive.name}")
        inner = tmp / dest.name if (tmp / dest.name).is_dir() else tmp  # zips often hold one top folder
        os.replace(inner, dest)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
        raise DatasetError("{archive} cannot be unpacked: {reason}", archive=archive.name, reason=e) from None
    except OSError as e:
        raise DatasetError("{archive} cannot be unpacked into {folder}: {reason}", archive=archive.name,
                           folder=dest.parent, reason=e.strerror or e) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def folder_roots() -> list[Path]:
    """Where the app may read image folders: CNNVIZ_FOLDER_ROOTS (paths separated by the OS path separator),
    else the data root and the home folder of whoever runs the server. Never the whole disk."""
    text = os.environ.get("CNNVIZ_FOLDER_ROOTS", "").strip()
    roots = [Path(p).expanduser() for p in text.split(os.pathsep) if p.strip()] if text else [data_dir(), Path.home()]
    return [r.resolve() for r in roots if r.resolve() != Path(r.resolve().anchor)]


def check_folder_allowed(name: str) -> None:
    """Raise DatasetError unless a `folder:` dataset lies inside one of `folder_roots()` (the app calls this for
    every folder a user types or a run names; the command line trusts its user)."""
    if not name.startswith("folder:"):
        return
    path = Path(name[len("folder:"):].partition("?")[0]).expanduser().resolve()
    roots = folder_roots()
    if not any(path.is_relative_to(root) for root in roots):
        raise DatasetError("the app reads image folders only inside {roots}; {path} is outside (whoever runs "
                           "the server can allow more with CNNVIZ_FOLDER_ROOTS)",
                           roots=", ".join(map(str, roots)) or Message("(nowhere)"), path=path)


def _parse_folder(name: str) -> tuple[Path, int | None, int | None]:
    """'folder:<path>[?size=S&channels=C]' -> (path, size, channels)."""
    body = name[len("folder:"):]
    path, _, query = body.partition("?")
    options = {k: v[-1] for k, v in parse_qs(query).items()}
    try:
        size = int(options["size"]) if "size" in options else None
        channels = int(options["channels"]) if "channels" in options else None
    except ValueError:
        raise DatasetError("folder options must be whole numbers: {query!r}", query=query) from None
    if size is not None and not 8 <= size <= FOLDER_MAX_SIZE:
        raise DatasetError("folder image size must be between 8 and {limit}, got {got}", limit=FOLDER_MAX_SIZE,
                           got=size)
    if channels not in (None, 1, 3):
        raise DatasetError("folder channels must be 1 (grey) or 3 (colour), got {got}", got=channels)
    folder = Path(path).expanduser()
    if not path or not folder.is_dir():
        raise DatasetError("image folder not found: {path}", path=path or Message("(empty path)"))
    return folder.resolve(), size, channels


def _class_dirs(folder: Path) -> tuple[Path, Path | None]:
    """The folder holding one sub-folder per class for training, and the test one if `train/` + `test/` exist."""
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        return folder / "train", folder / "test"
    return folder, None


def _images_by_class(folder: Path) -> dict[str, list[Path]]:
    """Image files per class sub-folder; only regular files count (a FIFO named x.png would block the reader,
    a link could lead anywhere), and a folder that cannot be read is an error, never silently dropped."""
    return _scan_classes(folder)[0]


def _scan_classes(folder: Path) -> tuple[dict[str, list[Path]], int]:
    """(image files per class, how many image-named entries were skipped because they are not regular files)."""
    def unreadable(error: OSError):
        raise DatasetError("cannot read the folder {folder}: {reason}", folder=error.filename, reason=error.strerror)

    try:
        classes = sorted(d.name for d in folder.iterdir() if d.is_dir() and not d.is_symlink()
                         and not d.name.startswith("."))
    except OSError as e:
        raise DatasetError("cannot read the folder {folder}: {reason}", folder=folder, reason=e.strerror) from None
    found, skipped = {}, 0
    for c in classes:
        files = []
        for where, dirs, names in os.walk(folder / c, onerror=unreadable):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in names:
                path = Path(where) / name
                if path.suffix.lower() not in IMAGE_SUFFIXES:
                    continue
                if path.is_symlink() or not path.is_file():
                    skipped += 1
                else:
                    files.append(path)
        if files:
            found[c] = sorted(files)
    return found, skipped


@functools.lru_cache(maxsize=16)
def _folder_info(folder: Path, size: int | None, channels: int | None) -> DatasetInfo:
    from PIL import Image

    train_dir, _ = _class_dirs(folder)
    by_class, skipped = _scan_classes(train_dir)
    if len(by_class) < 2:
        raise DatasetError("{folder} needs at least two sub-folders of images, one per class (found {n})",
                           folder=folder, n=len(by_class))
    first = next(iter(by_class.values()))[0]
    try:
        with Image.open(first) as im:
            w, h = im.size
            mode = im.mode
    except OSError as e:
        raise DatasetError("cannot read {path}: {reason}", path=first, reason=e) from None
    size = size or min(max(w, h), 64)
    channels = channels or (1 if mode in ("1", "L", "I", "I;16", "F") else 3)
    return DatasetInfo(f"folder:{folder}?size={size}&channels={channels}", f"Folder {folder.name}",
                       tuple(by_class), (channels, size, size), (0.5,) * channels, (0.25,) * channels,
                       f"Your images in {folder}, one sub-folder per class, as {channels}x{size}x{size}."
                       + (f" {skipped:,} image-named entries that are not plain files (links, pipes) are skipped."
                          if skipped else ""),
                       train_size=_folder_train_size(folder, by_class))


def _folder_train_size(folder: Path, by_class: dict[str, list[Path]]) -> int:
    """Training images of a folder dataset: all of train/, or four of every five (`_load_folder`'s split)."""
    if _class_dirs(folder)[1] is not None:
        return sum(len(fs) for fs in by_class.values())
    return sum(len(_hold_out(fs)[0]) for fs in by_class.values())


def _hold_out(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """(train, test) of one class without a test/ folder: every fifth image is held out for testing."""
    return [f for i, f in enumerate(files) if i % 5 != 4], files[4::5]


def _read_images(files: list[Path], size: int, channels: int, progress: Progress | None, done0: int,
                 total: int) -> np.ndarray:
    from PIL import Image, ImageOps

    out = np.empty((len(files), size, size, channels), np.uint8)
    for i, path in enumerate(files):
        try:
            with Image.open(path) as im:
                im = ImageOps.exif_transpose(im).convert("L" if channels == 1 else "RGB")
                out[i] = np.asarray(im.resize((size, size), Image.BILINEAR)).reshape(size, size, channels)
        except (OSError, ValueError, Image.DecompressionBombError) as e:
            raise DatasetError("cannot read image {path}: {reason}", path=path, reason=e) from None
        if progress and (done0 + i) % 500 == 0:
            progress((done0 + i) / total, f"reading images: {done0 + i:,} of {total:,}")
    return out


def _load_folder(name: str, root: Path, progress: Progress | None) -> DataSplit:
    """An ImageFolder-style tree, resized to a square and converted once, then cached as .npz in the data root."""
    folder, size, channels = _parse_folder(name)
    info = _folder_info(folder, size, channels)
    channels, size, _ = info.input_shape
    train_dir, test_dir = _class_dirs(folder)
    train_files = _images_by_class(train_dir)
    if test_dir is not None:
        test_files = {c: _images_by_class(test_dir).get(c, []) for c in train_files}
    else:
        split = {c: _hold_out(fs) for c, fs in train_files.items()}
        train_files, test_files = {c: s[0] for c, s in split.items()}, {c: s[1] for c, s in split.items()}
    listing = "\n".join(f"{p}:{p.stat().st_mtime_ns}" for fs in (*train_files.values(), *test_files.values())
                        for p in fs)
    digest = hashlib.sha256(f"{info.name}\n{listing}".encode()).hexdigest()[:16]
    cache = root / "folders" / f"{folder.name}-{digest}.npz"
    if cache.is_file():
        with np.load(cache) as f:
            return _as_split(info, f["x_train"], f["y_train"], f["x_test"], f["y_test"])

    def flatten(by_class):
        files = [p for fs in by_class.values() for p in fs]
        labels = [i for i, fs in enumerate(by_class.values()) for _ in fs]
        return files, np.array(labels, np.int64)

    (tr_files, y_train), (te_files, y_test) = flatten(train_files), flatten(test_files)
    total = len(tr_files) + len(te_files)
    x_train = _read_images(tr_files, size, channels, progress, 0, total).transpose(0, 3, 1, 2)
    x_test = _read_images(te_files, size, channels, progress, len(tr_files), total).transpose(0, 3, 1, 2)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".part.npz")
        np.savez(tmp, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        os.replace(tmp, cache)
    except OSError:
        pass  # an unwritable data root only costs a slower next load
    return _as_split(info, x_train, y_train, x_test, y_test)


_LOADERS = {
    "mnist-sample": _load_sample,
    "mnist": lambda root, progress: _load_torchvision("mnist", root, progress),
    "fashion-mnist": lambda root, progress: _load_torchvision("fashion-mnist", root, progress),
    "cifar10": _load_cifar,
}
