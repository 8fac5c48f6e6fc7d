"""Made datasets: safe names, pictures stored as the network sees them, hostile files refused, damaged ones
reported, and a made dataset loaded, trained on and exported like any other."""

import json

import numpy as np
import pytest

from cnnviz import data, images, own_data, own_import, train
from toys import png, square


@pytest.mark.parametrize(
    "name, complaint",
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("<b>cat</b>", "remove / < >"),
        ("../../etc", "remove /"),
        ("a\\b", "remove \\"),
        ("x" * 31, "too long"),
        ("cat\x00", "remove"),
    ],
)
def test_hostile_names_are_refused_in_plain_words(name, complaint):
    with pytest.raises(own_data.OwnDataError) as caught:
        own_data.clean_name(name, own_data.Message("the class name"))
    assert complaint in str(caught.value) and "class name" in str(caught.value)


def test_names_in_any_script_are_kept_and_the_folder_name_is_safe():
    ds = own_data.create("猫和狗", ["猫", "狗"])
    assert ds.title == "猫和狗" and ds.classes == ("猫", "狗")
    assert ds.id == "dataset" and ds.folder == data.data_dir() / "mine" / "dataset"
    other = own_data.create("Cats & dogs", ["cat", "dog"])
    assert other.id == "cats-dogs"
    assert own_data.create("Cats and dogs!"[:-1], ["a", "b"]).id == "cats-and-dogs"
    with pytest.raises(own_data.OwnDataError, match="exists already"):
        own_data.create("cats & DOGS", ["a", "b"])


@pytest.mark.parametrize(
    "classes, complaint",
    [
        (["only"], "between 2 and 10"),
        ([str(i) for i in range(11)], "between 2 and 10"),
        (["Cat", "cat"], "same name"),
    ],
)
def test_class_lists_that_cannot_train_are_refused(classes, complaint):
    with pytest.raises(own_data.OwnDataError, match=complaint):
        own_data.create("Pets", classes)
    assert not (data.data_dir() / "mine" / "pets").exists()  # nothing half-made is left behind


def test_a_picture_is_stored_exactly_as_the_network_will_see_it():
    ds = own_data.create("Shapes", ["square", "dot"])
    stored = own_data.add_example(ds, 0, png(square()))
    expected = images.prepare_image(square(), ds.info()).image  # light ink cropped and centred, 28x28
    assert np.array_equal(stored, expected) and stored.shape == (1, 28, 28)
    (path,) = own_data.examples(ds)[0]
    assert path.name == "000001.png" and np.array_equal(own_data.read_example(path), expected[0])
    own_data.add_example(ds, 0, square())
    assert [p.name for p in own_data.examples(ds)[0]] == ["000001.png", "000002.png"]
    own_data.delete_example(ds, 0, "000001.png")
    assert [p.name for p in own_data.examples(ds)[0]] == ["000002.png"]
    own_data.add_example(ds, 0, square())  # numbering goes on after the newest, never reusing a name
    assert [p.name for p in own_data.examples(ds)[0]] == ["000002.png", "000003.png"]


def test_deleting_the_newest_example_and_adding_another_reloads_the_dataset():
    """The new example takes the deleted one's name at once: the loaded copy must still be the new pictures."""
    ds = own_data.create("Blocks", ["big", "small"])
    for c in (0, 1):
        for _ in range(5):
            own_data.add_example(ds, c, square())
    first = data.load(ds.name)
    newest = own_data.examples(ds)[0][-1].name
    own_data.delete_example(ds, 0, newest)
    bar = np.zeros((60, 60), np.uint8)
    bar[25:35, 5:55] = 255
    own_data.add_example(ds, 0, bar)  # a bar, not a square, stored under the deleted one's name
    assert own_data.examples(ds)[0][-1].name == newest
    again = data.load(ds.name)
    assert again is not first
    stored = np.concatenate([again.x_train.numpy(), again.x_test.numpy()])[:, 0]
    bar_as_stored = own_data.read_example(own_data.examples(ds)[0][-1])
    assert not np.array_equal(bar_as_stored, own_data.read_example(own_data.examples(ds)[0][0]))
    assert any(np.array_equal(image, bar_as_stored) for image in stored)


def test_photos_of_a_colour_dataset_are_resized_not_centred():
    ds = own_data.create("Fruit", ["apple", "pear"], size=32, channels=3, drawings=False)
    photo = np.zeros((40, 80, 3), np.uint8)
    photo[:, :40, 0] = 200  # red left half
    stored = own_data.add_example(ds, 1, png(photo))
    assert stored.shape == (3, 32, 32) and stored[0, :, :14].min() > 150 and stored[0, :, 18:].max() < 50


@pytest.mark.parametrize(
    "content, complaint",
    [
        (b"", "empty"),
        (b"not an image at all", "not an image"),
        (png(np.zeros((30, 30))), "no ink"),
    ],
)
def test_pictures_that_cannot_be_used_are_refused_and_nothing_is_saved(content, complaint):
    ds = own_data.create("Shapes", ["a", "b"])
    with pytest.raises(own_data.OwnDataError) as caught:
        own_data.add_example(ds, 0, content)
    assert complaint in str(caught.value).lower()
    assert own_data.examples(ds) == [[], []]


def test_delete_example_cannot_reach_outside_the_dataset(tmp_path):
    ds = own_data.create("Shapes", ["a", "b"])
    victim = ds.folder / "dataset.json"
    for name in ("../dataset.json", "/etc/passwd", "000001.png/../../dataset.json"):
        with pytest.raises(own_data.OwnDataError):
            own_data.delete_example(ds, 0, name)
    assert victim.is_file()


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: r.update(size=10_000),
        lambda r: r.update(classes=[{"name": "a", "folder": "../../x"}, {"name": "b", "folder": "c1"}]),
        lambda r: r.update(classes=[{"name": "<script>", "folder": "c0"}, {"name": "b", "folder": "c1"}]),
        lambda r: r.pop("title"),
        lambda r: r.update(drawings="yes"),
    ],
)
def test_a_damaged_description_is_reported_and_never_loaded(damage):
    ds = own_data.create("Shapes", ["a", "b"])
    record = json.loads((ds.folder / "dataset.json").read_text())
    damage(record)
    (ds.folder / "dataset.json").write_text(json.dumps(record))
    made, problems = own_data.list_made()
    assert made == [] and len(problems) == 1 and "dataset.json" in problems[0]
    with pytest.raises(data.DatasetError):
        data.load(ds.name)
    assert ds.name not in data.list_datasets()
    with pytest.raises(own_data.OwnDataError):
        own_data.read("../mine")


def test_a_class_with_too_few_examples_says_what_is_missing():
    ds = own_data.create("Shapes", ["square", "dot"])
    for _ in range(5):
        own_data.add_example(ds, 0, square())
    own_data.add_example(ds, 1, square())
    problem = own_data.problem(ds)
    assert "at least 5 examples" in problem and "dot (1)" in problem and "square" not in problem.split(";")[1]
    empty = own_data.add_class(ds, "ring")
    with pytest.raises(data.DatasetError, match="ring"):
        data.load(empty.name)  # a class with nothing to train on


def test_a_made_dataset_trains_with_augmentation_and_exports_as_an_image_folder():
    ds = own_import.example_set()
    run = train.run_training(train.config_for("lenet5", ds.name, epochs=8, batch_size=16, augment=True))
    assert run.status == "finished" and run.test_accuracy >= 0.8  # 24 test digits; 1.0 seen, chance is 0.33
    from cnnviz import export, runs

    assert runs.read_run(run.run_id).record.config.augment is True
    text = export.script(run.run_id)
    assert f"DATA = {str(ds.folder)!r}" in text and "CLASSES = ['c0', 'c1', 'c2']" in text
    assert "augment(x_train[idx], moves)" in text


def test_the_batch_size_fits_what_is_left_to_train_on():
    assert own_data.batch_size(1000) == 16  # enough pictures: the usual batch
    assert own_data.batch_size(12) == 10  # a tenth is held back to validate, the rest fits in one batch
    assert own_data.batch_size(1) == 1  # never an empty batch
