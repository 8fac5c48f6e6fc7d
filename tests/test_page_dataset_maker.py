"""The Make a dataset screen: create a dataset, add examples by drawing, camera, upload and zip, delete one,
refuse hostile names and files in plain words, then train on it and inspect the network."""

import io
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from cnnviz import data, jobs, own_data, own_import, runs
from pagetest import open_page

PAGE = "pages/dataset_maker.py"


def png(side=60, ink=(15, 45), fmt="PNG") -> bytes:
    a = np.zeros((side, side), np.uint8)
    a[ink[0] : ink[1], ink[0] : ink[1]] = 255
    out = io.BytesIO()
    Image.fromarray(a).convert("RGB" if fmt == "JPEG" else "L").save(out, format=fmt)
    return out.getvalue()


def texts(at, kind: str) -> list[str]:
    return [str(el.value) for el in at.get(kind)]


def create(at, name: str, classes: str):
    at.text_input[0].set_value(name)
    at.text_area[0].set_value(classes)
    next(b for b in at.get("button") if "Create the dataset" in str(b.label)).click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def maker():
    return open_page(PAGE, None)


def test_a_dataset_made_by_upload_camera_and_drawing_holds_each_example(maker, monkeypatch):
    at = create(maker, "Shapes", "square\nring")
    assert any("Created Shapes" in s for s in texts(at, "success"))
    (ds,) = own_data.list_made()[0]
    assert ds.classes == ("square", "ring") and st_value(at, "maker_dataset") == ds.id

    at.button_group(key="maker_source").set_value("upload").run()
    at.file_uploader(key="maker_upload_0").set_value(
        [("a.png", png(), "image/png"), ("b.png", png(ink=(10, 50)), "image/png")]
    ).run()
    next(b for b in at.button if b.key == "maker_add_upload").click().run()
    assert any("Added 2 to square" in s for s in texts(at, "success"))
    assert [len(f) for f in own_data.examples(ds)] == [2, 0]

    at.button_group(key="maker_class").set_value(1).run()
    at.button_group(key="maker_source").set_value("camera").run()
    at.camera_input(key="maker_camera_0").set_value(("photo.jpg", png(fmt="JPEG"), "image/jpeg")).run()
    at.button(key="maker_add_photo").click().run()
    assert [len(f) for f in own_data.examples(ds)] == [2, 1]
    assert not at.get("camera_input") or at.camera_input[0].key == "maker_camera_1"  # a fresh camera for the next

    # the canvas is a browser component: here it hands back what a learner's stroke gives
    stroke = SimpleNamespace(image_bytes=png(side=280, ink=(80, 200)), json_data={"objects": [{"type": "path"}]})
    monkeypatch.setattr("streamlit_drawable_canvas.st_canvas", lambda **kwargs: stroke)
    at.button_group(key="maker_source").set_value("draw").run()
    at.button(key="maker_add_drawing").click().run()
    assert [len(f) for f in own_data.examples(ds)] == [2, 2]
    stored = own_data.read_example(own_data.examples(ds)[1][-1])
    assert stored.shape == (28, 28) and stored.max() > 200 and stored[0].max() == 0  # centred, light on dark

    # the class's gallery shows both examples, newest first, and one can be deleted
    assert len(at.get("image")) == 2
    delete = [b for b in at.button if str(b.key).startswith(f"maker_del_{ds.id}_1_")]
    assert [b.key for b in delete] == [f"maker_del_{ds.id}_1_000002.png", f"maker_del_{ds.id}_1_000001.png"]
    delete[0].click().run()
    assert [p.name for p in own_data.examples(ds)[1]] == ["000001.png"]
    assert not at.exception


def st_value(at, key):
    return at.session_state[key] if key in at.session_state else None


@pytest.mark.parametrize(
    "name, classes, complaint",
    [
        ("<b>Shapes</b>", "a\nb", "may hold only letters"),
        ("Shapes", "<script>alert(1)</script>\nb", "may hold only letters"),
        ("../../escape", "a\nb", "remove /"),
        ("Shapes", "only one", "between 2 and 10 classes"),
        ("Shapes", "cat\nCat", "same name"),
        ("", "a\nb", "is empty"),
    ],
)
def test_hostile_or_unusable_names_get_a_plain_message_and_make_nothing(maker, name, classes, complaint):
    at = create(maker, name, classes)
    errors = texts(at, "error")
    assert len(errors) == 1 and complaint in errors[0] and errors[0].startswith("Not created")
    assert "<script>" not in errors[0] and "<b>" not in errors[0]  # shown escaped, as typed, never as HTML
    assert own_data.list_made() == ([], []) and not (data.data_dir() / "escape").exists()


def test_hostile_uploads_are_refused_one_by_one_and_the_rest_is_kept(maker):
    at = create(maker, "Shapes", "square\nring")
    at.button_group(key="maker_source").set_value("upload").run()
    at.file_uploader(key="maker_upload_0").set_value(
        [
            ("good.png", png(), "image/png"),
            ("evil.png", b"<html>not a picture</html>", "image/png"),
            ("blank.png", png(ink=(0, 0)), "image/png"),
        ]
    ).run()
    at.button(key="maker_add_upload").click().run()
    errors = texts(at, "error")
    assert len(errors) == 2 and "evil.png" in errors[0] and "blank.png" in errors[1]
    assert any("Added 1 to square" in s for s in texts(at, "success"))
    (ds,) = own_data.list_made()[0]
    assert [len(f) for f in own_data.examples(ds)] == [1, 0]

    at.button_group(key="maker_source").set_value("zip").run()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../outside/1.png", png())
    at.file_uploader(key="maker_zip_0").set_value(("evil.zip", archive.getvalue(), "application/zip")).run()
    at.button(key="maker_import").click().run()
    assert any("Not imported" in e and "leaves the folder" in e for e in texts(at, "error"))
    assert [len(f) for f in own_data.examples(ds)] == [1, 0] and not at.exception


def test_a_class_with_too_few_examples_cannot_be_trained_yet(maker):
    at = create(maker, "Shapes", "square\nring")
    assert any("at least 5 examples" in s for s in texts(at, "info"))
    assert at.button(key="maker_train").disabled


def test_the_example_set_in_one_click_trains_and_every_inspection_screen_opens_it(maker):
    at = maker
    next(b for b in at.button if b.key == "maker_example").click().run()
    assert st_value(at, "maker_dataset") == own_import.EXAMPLE_ID and not at.exception
    assert at.button(key="maker_train").disabled is False
    at.number_input(key="maker_epochs").set_value(5).run()
    at.button(key="maker_train").click().run()
    assert not at.exception, at.exception
    (run,) = runs.list_runs()
    done = jobs.wait(run.run_id, timeout=300)
    assert done.status == "finished", done.message
    record = done.record
    assert record.dataset == "mine:three-digits" and record.config.augment and record.classes == ("3", "5", "8")
    assert record.config.batch_size == 16 and record.config.epochs == 5

    for page in ("pages/kernels.py", "pages/feature_maps.py", "pages/evaluation.py", "pages/explain.py"):
        shown = open_page(page, run.run_id)
        assert not shown.exception and not shown.get("error"), (page, texts(shown, "error"))
    ev = open_page("pages/evaluation.py", run.run_id)
    assert any("3" in str(o) for o in ev.get("selectbox")[0].options) or ev.get("plotly_chart")
