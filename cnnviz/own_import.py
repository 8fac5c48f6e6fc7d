"""Pictures brought into a made dataset from elsewhere: a zip of class folders (`import_zip`, within
`folders.unzip`'s limits), and the ready-made example dataset, digits from the MNIST sample (`example_set`).

Every picture goes in as `own_data` stores any example (prepared as the dataset's examples are); the example set
is written whole in a temporary folder and renamed into place.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import data, folders
from .i18n import N_, Message
from .own_data import (
    MAX_CLASSES,
    OwnDataError,
    OwnDataset,
    add_class,
    add_example,
    clean_name,
    read,
    root,
    save_png,
    write_json,
)

MAX_ZIP_BYTES = 50 * 2**20


@dataclass(frozen=True)
class ZipImport:
    dataset: OwnDataset
    added: dict[str, int]  # class name -> pictures added
    skipped: list[tuple[str, Message]]  # (the picture or folder left out, why)


def import_zip(ds: OwnDataset, content: bytes, progress: data.Progress | None = None) -> ZipImport:
    """Add the pictures of a zip of class folders ("cat/1.jpg", "dog/2.png", or all of it inside one folder):
    a folder named like a class adds to it (ignoring case), another becomes a new class while there is room."""
    if len(content) > MAX_ZIP_BYTES:
        raise OwnDataError(
            "the zip is {mb:.0f} MB; at most {limit} MB", mb=len(content) / 2**20, limit=MAX_ZIP_BYTES // 2**20
        )
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise OwnDataError("this file is not a zip archive")
    added: dict[str, int] = {}
    skipped: list[tuple[str, Message]] = []
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "upload.zip"
        archive.write_bytes(content)
        unpacked = Path(tmp) / "unpacked"
        try:
            folders.unzip(archive, unpacked, None)  # its limits: no path escapes, links, bombs or huge totals
        except data.DatasetError as e:
            raise OwnDataError(e.message) from None
        top = [p for p in unpacked.iterdir() if not p.name.startswith(("_", "."))]
        if len(top) == 1 and top[0].is_dir() and any(p.is_dir() for p in top[0].iterdir()):
            unpacked = top[0]  # everything inside one folder: its sub-folders are the classes
        try:
            by_class, _ = folders.scan_classes(unpacked)
        except data.DatasetError as e:
            raise OwnDataError(e.message) from None
        if not by_class:
            raise OwnDataError(
                "the zip holds no folders of pictures: put each class's pictures in a folder named after the class"
            )
        total, done = sum(len(fs) for fs in by_class.values()), 0
        for folder_name, files in by_class.items():
            try:
                name = clean_name(folder_name, Message("the class name"))
            except OwnDataError as e:
                skipped.append((f"{folder_name[:40]}/", e.message))
                continue
            index = next((i for i, c in enumerate(ds.classes) if c.casefold() == name.casefold()), None)
            if index is None:
                if len(ds.classes) >= MAX_CLASSES:
                    skipped.append((f"{name}/", Message("the dataset has {n} classes already", n=MAX_CLASSES)))
                    continue
                ds = add_class(ds, name)
                index = ds.classes.index(name)
            for path in files:
                try:
                    add_example(ds, index, path.read_bytes())
                    added[ds.classes[index]] = added.get(ds.classes[index], 0) + 1
                except OwnDataError as e:
                    skipped.append((str(path.relative_to(unpacked)), e.message))
                except OSError as e:
                    skipped.append(
                        (str(path.relative_to(unpacked)), Message("cannot read it: {reason}", reason=e.strerror))
                    )
                done += 1
                if progress:
                    progress(done / total, f"{done:,} of {total:,} pictures")
    return ZipImport(ds, added, skipped)


# ---------------------------------------------------------------- the ready-made example


EXAMPLE_ID = "three-digits"
EXAMPLE_DIGITS = (3, 5, 8)  # three digits that share strokes, so the network has something to learn
EXAMPLE_PER_CLASS = 40


def example_set() -> OwnDataset:
    """The example made dataset: 40 handwritten 3s, 5s and 8s from the MNIST sample (made once, then reused)."""
    try:
        return read(EXAMPLE_ID)
    except OwnDataError:
        if (root() / EXAMPLE_ID).exists():
            shutil.rmtree(root() / EXAMPLE_ID)  # a damaged earlier copy: make it again
    sample = data.load("mnist-sample")
    folder = root() / EXAMPLE_ID
    ds = OwnDataset(
        EXAMPLE_ID,
        N_("Three digits (example)"),
        tuple(map(str, EXAMPLE_DIGITS)),
        tuple(f"c{i}" for i in range(len(EXAMPLE_DIGITS))),
        28,
        1,
        True,
    )
    tmp = root() / f".{EXAMPLE_ID}.part"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    labels = sample.y_train.numpy()
    for f, digit in zip(ds.folders, EXAMPLE_DIGITS):
        (tmp / f).mkdir()
        for n, i in enumerate(np.flatnonzero(labels == digit)[:EXAMPLE_PER_CLASS], start=1):
            save_png(sample.x_train[i].numpy(), tmp / f / f"{n:06d}.png")
    write_json(tmp, ds)
    os.replace(tmp, folder)  # appears whole or not at all
    return ds
