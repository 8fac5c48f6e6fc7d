"""Pictures brought into a made dataset: a zip of class folders adds to classes by name and refuses hostile
archives; the ready-made example set is the MNIST sample's own digits, held out and reloaded like any made
dataset."""

import io
import zipfile

import numpy as np
import pytest

from cnnviz import data, own_data, own_import
from toys import png, square


def zipped(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return out.getvalue()


def test_a_zip_of_class_folders_adds_to_classes_by_name_and_makes_new_ones():
    ds = own_data.create("Shapes", ["Square", "dot"])
    archive = zipped(
        {
            "shapes/square/1.png": png(square()),
            "shapes/square/2.png": png(square(ink=(5, 50))),
            "shapes/ring/1.png": png(square(ink=(20, 40))),
            "shapes/ring/bad.png": b"broken",
            "shapes/<x>/1.png": png(square()),
        }
    )
    done = own_import.import_zip(ds, archive)
    assert done.dataset.classes == ("Square", "dot", "ring")
    assert done.added == {"Square": 2, "ring": 1}
    assert sorted(where for where, _ in done.skipped) == ["<x>/", "ring/bad.png"]
    assert [len(f) for f in own_data.examples(done.dataset)] == [2, 0, 1]
    assert own_data.read(ds.id) == done.dataset  # the new class is on disk


@pytest.mark.parametrize(
    "entries, complaint",
    [
        ({"../evil/1.png": png(square())}, "leaves the folder"),
        ({"loose.png": png(square())}, "no folders of pictures"),
    ],
)
def test_hostile_or_shapeless_zips_are_refused(entries, complaint):
    ds = own_data.create("Shapes", ["a", "b"])
    with pytest.raises(own_data.OwnDataError, match=complaint):
        own_import.import_zip(ds, zipped(entries))
    assert own_data.examples(ds) == [[], []] and not (data.data_dir() / "evil").exists()
    with pytest.raises(own_data.OwnDataError, match="not a zip"):
        own_import.import_zip(ds, b"PK but not really")


def test_the_example_set_loads_holds_out_every_fifth_and_reloads_after_a_change():
    ds = own_import.example_set()
    assert own_import.example_set() == ds and ds.classes == ("3", "5", "8")
    split = data.load(ds.name)
    assert split.x_train.shape == (96, 1, 28, 28) and split.x_test.shape == (24, 1, 28, 28)
    assert split.y_train.bincount().tolist() == [32, 32, 32] and split.info.is_digits
    sample = data.load("mnist-sample")
    first_three = sample.x_train[int(np.flatnonzero(sample.y_train.numpy() == 3)[0])]
    assert np.array_equal(split.x_train[0], first_three)  # the MNIST sample's own pixels
    assert data.is_loaded(ds.name)
    own_data.add_example(ds, 2, square())
    assert not data.is_loaded(ds.name)  # a new example: the next load reads the folder again
    assert data.load(ds.name).x_train.shape[0] + data.load(ds.name).x_test.shape[0] == 121
