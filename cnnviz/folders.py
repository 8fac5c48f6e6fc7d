"""Image folders as datasets: one sub-folder of pictures per class (optionally `train/` and `test/` inside), and
the zips they come in.

A folder is named `folder:<path>[?size=S&channels=C]`; its pictures are resized to a square and converted once,
then cached as .npz in the data root. In the app a folder must lie inside `folder_roots()`. Only regular files
are read (a link could lead anywhere, a pipe would block), and a zip is unpacked only within limits: no entry
outside its folder, no links, no bombs, no huge totals.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import zipfile
import zlib
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np

from . import settings
from .data import DataSplit, DatasetError, DatasetInfo, Progress, as_split, data_dir
from .i18n import Message

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
FOLDER_MAX_SIZE = 128


def max_unzip_mb() -> int:
    """How much a zip may unpack to: CNNVIZ_MAX_UNZIP_MB, default 2048 (CIFAR-10 as JPEGs is about 150)."""
    try:
        return settings.whole_number("CNNVIZ_MAX_UNZIP_MB", 2048)
    except ValueError as e:
        raise DatasetError(e.message) from None  # settings raises i18n.Invalid


ZIP_MAX_ENTRIES = 200_000
ZIP_MAX_RATIO = 100  # unpacked / packed size of one entry: JPEGs barely compress, a zip bomb does by 1000x


def unzip(archive: Path, dest: Path, progress: Progress | None) -> None:
    """Unpack into a temporary folder next to `dest`, within size, count and ratio limits, then rename it into
    place; on any failure the temporary folder is removed and `dest` is untouched."""
    tmp = dest.with_name(f"{dest.name}.part-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive) as z:
            members = z.infolist()
            total = sum(m.file_size for m in members)
            if len(members) > ZIP_MAX_ENTRIES:
                raise DatasetError(
                    "{archive} holds {n:,} entries, more than {limit:,}",
                    archive=archive.name,
                    n=len(members),
                    limit=ZIP_MAX_ENTRIES,
                )
            if total > max_unzip_mb() << 20:
                raise DatasetError(
                    "{archive} would unpack to {mb:,.0f} MB, more than the {limit:,} MB allowed "
                    "(set CNNVIZ_MAX_UNZIP_MB to raise it)",
                    archive=archive.name,
                    mb=total / 2**20,
                    limit=max_unzip_mb(),
                )
            for i, m in enumerate(members):
                if m.flag_bits & 0x1:
                    raise DatasetError(
                        "{archive} is encrypted; unpack it yourself into {dest}", archive=archive.name, dest=dest
                    )
                if m.file_size > ZIP_MAX_RATIO * max(m.compress_size, 1) and m.file_size > 1 << 20:
                    raise DatasetError(
                        "{archive}: {entry} unpacks {ratio:,} times larger than it is packed; refusing "
                        "a likely zip bomb",
                        archive=archive.name,
                        entry=m.filename,
                        ratio=m.file_size // max(m.compress_size, 1),
                    )
                target = (tmp / m.filename).resolve()
                if not target.is_relative_to(tmp.resolve()):
                    raise DatasetError(
                        "{archive}: refusing an entry that leaves the folder: {entry}",
                        archive=archive.name,
                        entry=m.filename,
                    )
                z.extract(m, tmp)  # extraction stops at the declared size and checks the CRC
                if progress and i % 2000 == 0:
                    progress(i / len(members), f"unpacking {archive.name}")
        inner = tmp / dest.name if (tmp / dest.name).is_dir() else tmp  # zips often hold one top folder
        os.replace(inner, dest)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
        raise DatasetError("{archive} cannot be unpacked: {reason}", archive=archive.name, reason=e) from None
    except OSError as e:
        raise DatasetError(
            "{archive} cannot be unpacked into {folder}: {reason}",
            archive=archive.name,
            folder=dest.parent,
            reason=e.strerror or e,
        ) from None
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
    path = Path(name[len("folder:") :].partition("?")[0]).expanduser().resolve()
    roots = folder_roots()
    if not any(path.is_relative_to(root) for root in roots):
        raise DatasetError(
            "the app reads image folders only inside {roots}; {path} is outside (whoever runs "
            "the server can allow more with CNNVIZ_FOLDER_ROOTS)",
            roots=", ".join(map(str, roots)) or Message("(nowhere)"),
            path=path,
        )


def parse_folder(name: str) -> tuple[Path, int | None, int | None]:
    """'folder:<path>[?size=S&channels=C]' -> (path, size, channels)."""
    body = name[len("folder:") :]
    path, _, query = body.partition("?")
    options = {k: v[-1] for k, v in parse_qs(query).items()}
    try:
        size = int(options["size"]) if "size" in options else None
        channels = int(options["channels"]) if "channels" in options else None
    except ValueError:
        raise DatasetError("folder options must be whole numbers: {query!r}", query=query) from None
    if size is not None and not 8 <= size <= FOLDER_MAX_SIZE:
        raise DatasetError(
            "folder image size must be between 8 and {limit}, got {got}", limit=FOLDER_MAX_SIZE, got=size
        )
    if channels not in (None, 1, 3):
        raise DatasetError("folder channels must be 1 (grey) or 3 (colour), got {got}", got=channels)
    folder = Path(path).expanduser()
    if not path or not folder.is_dir():
        raise DatasetError("image folder not found: {path}", path=path or Message("(empty path)"))
    return folder.resolve(), size, channels


def class_dirs(folder: Path) -> tuple[Path, Path | None]:
    """The folder holding one sub-folder per class for training, and the test one if `train/` + `test/` exist."""
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        return folder / "train", folder / "test"
    return folder, None


def images_by_class(folder: Path) -> dict[str, list[Path]]:
    """Image files per class sub-folder; only regular files count (a FIFO named x.png would block the reader,
    a link could lead anywhere), and a folder that cannot be read is an error, never silently dropped."""
    return scan_classes(folder)[0]


def scan_classes(folder: Path) -> tuple[dict[str, list[Path]], int]:
    """(image files per class, how many image-named entries were skipped because they are not regular files)."""

    def unreadable(error: OSError):
        raise DatasetError("cannot read the folder {folder}: {reason}", folder=error.filename, reason=error.strerror)

    try:
        classes = sorted(
            d.name for d in folder.iterdir() if d.is_dir() and not d.is_symlink() and not d.name.startswith(".")
        )
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
def folder_info(folder: Path, size: int | None, channels: int | None) -> DatasetInfo:
    from PIL import Image

    train_dir, _ = class_dirs(folder)
    by_class, skipped = scan_classes(train_dir)
    if len(by_class) < 2:
        raise DatasetError(
            "{folder} needs at least two sub-folders of images, one per class (found {n})",
            folder=folder,
            n=len(by_class),
        )
    first = next(iter(by_class.values()))[0]
    try:
        with Image.open(first) as im:
            w, h = im.size
            mode = im.mode
    except OSError as e:
        raise DatasetError("cannot read {path}: {reason}", path=first, reason=e) from None
    size = size or min(max(w, h), 64)
    channels = channels or (1 if mode in ("1", "L", "I", "I;16", "F") else 3)
    return DatasetInfo(
        f"folder:{folder}?size={size}&channels={channels}",
        f"Folder {folder.name}",
        tuple(by_class),
        (channels, size, size),
        (0.5,) * channels,
        (0.25,) * channels,
        f"Your images in {folder}, one sub-folder per class, as {channels}x{size}x{size}."
        + (f" {skipped:,} image-named entries that are not plain files (links, pipes) are skipped." if skipped else ""),
        train_size=_train_size(folder, by_class),
    )


def _train_size(folder: Path, by_class: dict[str, list[Path]]) -> int:
    """Training images of a folder dataset: all of train/, or four of every five (`load_folder`'s split)."""
    if class_dirs(folder)[1] is not None:
        return sum(len(fs) for fs in by_class.values())
    return sum(len(hold_out(fs)[0]) for fs in by_class.values())


def hold_out(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """(train, test) of one class without a test/ folder: every fifth image is held out for testing."""
    return [f for i, f in enumerate(files) if i % 5 != 4], files[4::5]


def read_images(
    files: list[Path], size: int, channels: int, progress: Progress | None, done0: int, total: int
) -> np.ndarray:
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


def load_folder(name: str, root: Path, progress: Progress | None) -> DataSplit:
    """An ImageFolder-style tree, resized to a square and converted once, then cached as .npz in the data root."""
    folder, size, channels = parse_folder(name)
    info = folder_info(folder, size, channels)
    channels, size, _ = info.input_shape
    train_dir, test_dir = class_dirs(folder)
    train_files = images_by_class(train_dir)
    if test_dir is not None:
        test_files = {c: images_by_class(test_dir).get(c, []) for c in train_files}
    else:
        split = {c: hold_out(fs) for c, fs in train_files.items()}
        train_files, test_files = {c: s[0] for c, s in split.items()}, {c: s[1] for c, s in split.items()}
    listing = "\n".join(
        f"{p}:{p.stat().st_mtime_ns}" for fs in (*train_files.values(), *test_files.values()) for p in fs
    )
    digest = hashlib.sha256(f"{info.name}\n{listing}".encode()).hexdigest()[:16]
    cache = root / "folders" / f"{folder.name}-{digest}.npz"
    if cache.is_file():
        with np.load(cache) as f:
            return as_split(info, f["x_train"], f["y_train"], f["x_test"], f["y_test"])

    def flatten(by_class):
        files = [p for fs in by_class.values() for p in fs]
        labels = [i for i, fs in enumerate(by_class.values()) for _ in fs]
        return files, np.array(labels, np.int64)

    (tr_files, y_train), (te_files, y_test) = flatten(train_files), flatten(test_files)
    total = len(tr_files) + len(te_files)
    x_train = read_images(tr_files, size, channels, progress, 0, total).transpose(0, 3, 1, 2)
    x_test = read_images(te_files, size, channels, progress, len(tr_files), total).transpose(0, 3, 1, 2)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".part.npz")
        np.savez(tmp, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        os.replace(tmp, cache)
    except OSError:
        pass  # an unwritable data root only costs a slower next load
    return as_split(info, x_train, y_train, x_test, y_test)
