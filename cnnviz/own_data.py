"""Datasets a learner makes in the app: a few classes of their own pictures, kept under the data root.

A made dataset is a folder `<data root>/mine/<id>/` holding `dataset.json` (its title, picture size, colour and
kind, and its classes in order) and one sub-folder of PNG examples per class (`c0` ... `c9`). Every example is
stored already prepared the way the network will see it (`images.prepare_image`), so what is trained on and what
is inspected later agree pixel for pixel. The dataset is named `mine:<id>` wherever a dataset can be chosen.

Everything read back from disk is checked before use: the JSON's fields and types, the names, and that every
path stays inside the dataset's own folder; a damaged dataset is reported, never loaded half-way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import data, folders, images
from .i18n import Message, Translated

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PIL.Image import Image as PILImage

PREFIX = "mine:"
MIN_CLASSES, MAX_CLASSES = 2, 10
MAX_EXAMPLES_PER_CLASS = 500
MIN_EXAMPLES_TO_TRAIN = 5  # per class: one in five is held out to test, so five give one test picture
MAX_NAME_CHARS = 30
SIZES = (28, 32, 64)  # picture sides offered: MNIST's, CIFAR's, and a larger one for photos
MAX_FILE_BYTES = 10 * 2**20  # one uploaded picture
NAME_PUNCTUATION = set(" -_.,'()+&")  # besides letters and digits of any script
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,47}")
_FOLDER = re.compile(r"c[0-9]")
_EXAMPLE = re.compile(r"[0-9]{6}\.png")
_MAX_JSON_BYTES = 64 * 1024


class OwnDataError(Translated, ValueError):
    """A name, picture or upload that cannot be used, or a made dataset that cannot be read, in plain words."""


@dataclass(frozen=True)
class OwnDataset:
    id: str
    title: str
    classes: tuple[str, ...]  # as the learner named them, in label order
    folders: tuple[str, ...]  # each class's sub-folder ("c0"...), in the same (sorted) order
    size: int  # pictures are size x size
    channels: int  # 1 grey, 3 colour
    drawings: bool  # drawn shapes: light on dark, cropped and centred like MNIST's digits

    @property
    def name(self) -> str:
        return PREFIX + self.id

    @property
    def folder(self) -> Path:
        return root() / self.id

    def info(self, train_size: int | None = None) -> data.DatasetInfo:
        description = Message(
            "Your own {kind}: {n} classes, {colour} pictures of {size}x{size} pixels.",
            kind=Message("drawings") if self.drawings else Message("pictures"),
            n=len(self.classes),
            colour=Message("grey") if self.channels == 1 else Message("colour"),
            size=self.size,
        )
        return data.DatasetInfo(
            self.name,
            self.title,
            self.classes,
            (self.channels, self.size, self.size),
            (0.5,) * self.channels,
            (0.25,) * self.channels,
            description,
            is_digits=self.drawings,
            train_size=train_size,
        )


def root() -> Path:
    return data.data_dir() / "mine"


# ---------------------------------------------------------------- names


def clean_name(text: str, what: Message) -> str:
    """A dataset or class name as typed, trimmed; OwnDataError says plainly what is wrong with it."""
    name = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not name:
        raise OwnDataError("{what} is empty: type a name", what=what)
    if len(name) > MAX_NAME_CHARS:
        raise OwnDataError(
            "{what} {name!r} is too long: at most {n} characters", what=what, name=name[:40] + "…", n=MAX_NAME_CHARS
        )
    bad = sorted({c for c in name if not (c.isalnum() or c in NAME_PUNCTUATION)})
    if bad:
        raise OwnDataError(
            "{what} {name!r} may hold only letters, digits, spaces and - _ . , ' ( ) + &; remove {bad}",
            what=what,
            name=name,
            bad=" ".join(bad),
        )
    return name


def _check_classes(classes) -> tuple[str, ...]:
    names = tuple(clean_name(c, Message("the class name")) for c in classes)
    if not MIN_CLASSES <= len(names) <= MAX_CLASSES:
        raise OwnDataError(
            "a dataset needs between {low} and {high} classes, got {n}", low=MIN_CLASSES, high=MAX_CLASSES, n=len(names)
        )
    folded = [n.casefold() for n in names]
    twice = sorted({n for n in names if folded.count(n.casefold()) > 1})
    if twice:
        raise OwnDataError("two classes have the same name: {names}", names=", ".join(twice))
    return names


def _new_id(title: str) -> str:
    """A folder name from the title: its Latin letters and digits, else "dataset"; numbered when taken."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    base = "-".join(re.findall(r"[a-z0-9]+", ascii_title))[:40].strip("-") or "dataset"
    taken = {p.name for p in root().iterdir()} if root().is_dir() else set()
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# ---------------------------------------------------------------- reading and writing dataset.json


def write_json(folder: Path, ds: OwnDataset) -> None:
    """Write `folder`/dataset.json for `ds` (its title, picture size, colour, kind and classes), atomically."""
    record = {
        "title": ds.title,
        "size": ds.size,
        "channels": ds.channels,
        "drawings": ds.drawings,
        "classes": [{"name": c, "folder": f} for c, f in zip(ds.classes, ds.folders)],
    }
    tmp = folder / "dataset.json.part"
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, folder / "dataset.json")  # never a half-written file, even if the server dies here


def read(dataset_id: str) -> OwnDataset:
    """The made dataset `dataset_id`, checked field by field; OwnDataError if it is missing or damaged."""
    if not isinstance(dataset_id, str) or not _ID.fullmatch(dataset_id):
        raise OwnDataError("{id!r} is not the name of a made dataset", id=str(dataset_id)[:60])
    path = root() / dataset_id / "dataset.json"
    try:
        if path.stat().st_size > _MAX_JSON_BYTES:
            raise OwnDataError("{path} is too large to be a dataset description", path=path)
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OwnDataError("there is no made dataset {id!r} in {folder}", id=dataset_id, folder=root()) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise OwnDataError("{path} cannot be read: {reason}", path=path, reason=e) from None
    try:
        entries = record["classes"]
        folders = tuple(e["folder"] for e in entries)
        size, channels, drawings = record["size"], record["channels"], record["drawings"]
        ok = (
            isinstance(record["title"], str)
            and size in SIZES
            and channels in (1, 3)
            and isinstance(drawings, bool)
            and all(isinstance(f, str) and _FOLDER.fullmatch(f) for f in folders)
            and list(folders) == sorted(set(folders))
        )
        if not ok:
            raise OwnDataError("{path} holds values that are not allowed", path=path)
        title = clean_name(record["title"], Message("the dataset name"))
        classes = _check_classes(e["name"] for e in entries)
    except OwnDataError as e:
        raise OwnDataError("{path}: {reason}", path=path, reason=e.message) from None
    except (KeyError, TypeError) as e:
        raise OwnDataError("{path} lacks a field or has one of the wrong kind: {reason}", path=path, reason=e) from None
    return OwnDataset(dataset_id, title, classes, folders, size, channels, drawings)


def list_made() -> tuple[list[OwnDataset], list[Message]]:
    """(every made dataset that can be read, by title; a message for each one that cannot)."""
    found, problems = [], []
    if root().is_dir():
        for folder in sorted(root().iterdir()):
            if folder.is_dir() and not folder.is_symlink() and (folder / "dataset.json").exists():
                try:
                    found.append(read(folder.name))
                except OwnDataError as e:
                    problems.append(e.message)
    return sorted(found, key=lambda d: d.title.casefold()), problems


def create(title: str, classes: Sequence[str], size: int = 28, channels: int = 1, drawings: bool = True) -> OwnDataset:
    """A new, empty made dataset."""
    title = clean_name(title, Message("the dataset name"))
    names = _check_classes(classes)
    if size not in SIZES or channels not in (1, 3):
        raise OwnDataError(
            "pictures are {sizes} pixels square, grey (1) or colour (3); got {size} and {channels}",
            sizes="/".join(map(str, SIZES)),
            size=size,
            channels=channels,
        )
    if drawings and channels != 1:
        raise OwnDataError("drawings are grey: choose grey pictures, or photos for colour")
    if any(d.title.casefold() == title.casefold() for d in list_made()[0]):
        raise OwnDataError("a dataset called {title!r} exists already: choose another name", title=title)
    ds = OwnDataset(_new_id(title), title, names, tuple(f"c{i}" for i in range(len(names))), size, channels, drawings)
    ds.folder.mkdir(parents=True)
    for f in ds.folders:
        (ds.folder / f).mkdir()
    write_json(ds.folder, ds)
    return ds


def delete(ds: OwnDataset) -> None:
    """Remove the dataset and its pictures (runs trained on it keep their weights and numbers)."""
    if ds.folder.resolve().parent == root().resolve():  # never anything outside the store
        shutil.rmtree(ds.folder)


def add_class(ds: OwnDataset, name: str) -> OwnDataset:
    names = _check_classes([*ds.classes, name])
    folder = next(f"c{i}" for i in range(MAX_CLASSES) if f"c{i}" not in ds.folders)
    (ds.folder / folder).mkdir(exist_ok=True)
    pairs = sorted(zip([*ds.folders, folder], names))  # label order is folder order
    out = OwnDataset(
        ds.id, ds.title, tuple(n for _, n in pairs), tuple(f for f, _ in pairs), ds.size, ds.channels, ds.drawings
    )
    write_json(ds.folder, out)
    return out


def remove_class(ds: OwnDataset, index: int) -> OwnDataset:
    if len(ds.classes) <= MIN_CLASSES:
        raise OwnDataError("a dataset needs at least {n} classes: add another before removing this one", n=MIN_CLASSES)
    out = OwnDataset(
        ds.id,
        ds.title,
        ds.classes[:index] + ds.classes[index + 1 :],
        ds.folders[:index] + ds.folders[index + 1 :],
        ds.size,
        ds.channels,
        ds.drawings,
    )
    write_json(ds.folder, out)
    shutil.rmtree(ds.folder / ds.folders[index], ignore_errors=True)
    return out


# ---------------------------------------------------------------- examples


def examples(ds: OwnDataset) -> list[list[Path]]:
    """Each class's example files, oldest first; only plain files named as this module writes them."""
    out = []
    for f in ds.folders:
        folder = ds.folder / f
        names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        out.append(
            [
                folder / n
                for n in names
                if _EXAMPLE.fullmatch(n) and (folder / n).is_file() and not (folder / n).is_symlink()
            ]
        )
    return out


def stamp(ds: OwnDataset) -> str:
    """Changes whenever an example is added or removed: the loaded copy of the dataset is keyed on it. A count and
    the newest name would not (deleting the newest example and adding one reuses its name), and a folder's
    modification time alone may not either (two changes within one tick of the file system's clock): so each
    example's name, size and modification time."""

    def version(path: Path) -> str:
        try:
            st = os.stat(path)
        except OSError:
            return f"{path.name}:gone"
        return f"{path.name}:{st.st_size}:{st.st_mtime_ns}"

    digest = hashlib.sha256()
    for folder, files in zip(ds.folders, examples(ds)):
        digest.update(";".join([folder, *map(version, files)]).encode() + b"\n")
    return digest.hexdigest()[:16]


def read_example(path: Path) -> np.ndarray:
    """One stored example as uint8 (H, W) or (H, W, 3)."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im)


def add_example(ds: OwnDataset, index: int, picture: bytes | PILImage | np.ndarray) -> np.ndarray:
    """Prepare a picture (file bytes, a PIL image or an array) as the dataset's examples are and save it in class
    `index`; returns what was stored, uint8 (C, H, W)."""
    if not 0 <= index < len(ds.classes):
        raise OwnDataError("there is no class number {index}", index=index)
    if isinstance(picture, bytes) and len(picture) > MAX_FILE_BYTES:
        raise OwnDataError(
            "the picture is {mb:.1f} MB; at most {limit} MB", mb=len(picture) / 2**20, limit=MAX_FILE_BYTES // 2**20
        )
    files = examples(ds)[index]
    if len(files) >= MAX_EXAMPLES_PER_CLASS:
        raise OwnDataError(
            "class {name} has {n} examples already, the most a class may hold",
            name=ds.classes[index],
            n=MAX_EXAMPLES_PER_CLASS,
        )
    try:
        if isinstance(picture, bytes):
            picture = images.load_image_bytes(picture)  # refuses empty, broken and oversized files
        prepared = images.prepare_image(picture, ds.info())
    except images.ImageError as e:
        raise OwnDataError(e.message) from None
    number = int(files[-1].stem) + 1 if files else 1
    save_png(prepared.image, ds.folder / ds.folders[index] / f"{number:06d}.png")
    return prepared.image


def save_png(image: np.ndarray, path: Path) -> None:
    """Store one example, uint8 (C, H, W), as a PNG file, atomically."""
    from PIL import Image

    a = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
    tmp = path.with_suffix(".part")
    Image.fromarray(a).save(tmp, format="PNG")
    os.replace(tmp, path)


def delete_example(ds: OwnDataset, index: int, filename: str) -> None:
    if not 0 <= index < len(ds.classes) or not _EXAMPLE.fullmatch(filename):
        raise OwnDataError("there is no example {name!r} here", name=str(filename)[:40])
    (ds.folder / ds.folders[index] / filename).unlink(missing_ok=True)


def problem(ds: OwnDataset) -> Message | None:
    """Why the dataset cannot be trained on yet, or None."""
    counts = [len(files) for files in examples(ds)]
    short = [(c, n) for c, n in zip(ds.classes, counts) if n < MIN_EXAMPLES_TO_TRAIN]
    if short:
        return Message(
            "every class needs at least {least} examples before training (one in five is kept aside to "
            "test the network); {list} still need more",
            least=MIN_EXAMPLES_TO_TRAIN,
            list=", ".join(f"{c} ({n})" for c, n in short),
        )
    return None


def batch_size(n_train: int) -> int:
    """The batch size to train on a made dataset of n_train training pictures: 16, or fewer when the part left
    after the validation tenth is held back is smaller (a tiny dataset still gets whole batches)."""
    return min(16, max(1, int(n_train * 0.9)))


def load(ds: OwnDataset, progress: data.Progress | None = None) -> data.DataSplit:
    """The dataset in memory; every fifth example of each class is held out for testing, as for image folders."""
    train_files, test_files = zip(*(folders.hold_out(files) for files in examples(ds)))
    empty = [c for c, files in zip(ds.classes, train_files) if not files]
    if empty:
        raise data.DatasetError(
            "the classes {names} of {title} have no examples to train on yet", names=", ".join(empty), title=ds.title
        )

    def flat(by_class):
        return [p for fs in by_class for p in fs], np.array([i for i, fs in enumerate(by_class) for _ in fs], np.int64)

    (tr, y_train), (te, y_test) = flat(train_files), flat(test_files)
    total = len(tr) + len(te)
    x_train = folders.read_images(tr, ds.size, ds.channels, progress, 0, total).transpose(0, 3, 1, 2)
    x_test = folders.read_images(te, ds.size, ds.channels, progress, len(tr), total).transpose(0, 3, 1, 2)
    return data.as_split(ds.info(len(tr)), x_train, y_train, x_test, y_test)
