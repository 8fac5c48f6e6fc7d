"""The Feature maps page (AppTest): empty state, every layer's maps, the prediction, uploads and the canvas."""

import io

import numpy as np
import pytest
from PIL import Image

from pagetest import array, chart, markdown, open_page, tiles

from cnnviz import data, evaluate, hooks, images, runs, train

PAGE = "pages/feature_maps.py"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    home = tmp_path_factory.mktemp("feature-maps-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNVIZ_HOME", str(home))
        mp.setenv("CNNVIZ_DATA_DIR", str(home / "data"))
        run_id = train.run_training(train.config_for("lenet5", epochs=1, batch_size=256)).run_id
    return home, run_id


@pytest.fixture
def lenet(store, monkeypatch):
    home, run_id = store
    monkeypatch.setenv("CNNVIZ_HOME", str(home))
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(home / "data"))
    _, model = runs.load_model(run_id)
    return run_id, model, data.load("mnist-sample")


def _x(split, cls, idx):
    _, _, g = data.test_image(split, cls, idx)
    return data.normalize(split.x_test[g : g + 1], split.info)[0].numpy()  # (1, 28, 28)


def test_empty_store_shows_the_quick_start():
    at = open_page(PAGE, None)
    assert any("there is none yet" in i.value for i in at.info)
    assert at.button(key="quick_start_empty")
    assert not at.get("plotly_chart")


def test_layer_choice_shows_that_layers_maps(lenet):
    run_id, model, split = lenet
    acts = hooks.activations(model, _x(split, 0, 0))
    at = open_page(PAGE, run_id)
    assert at.select_slider(key="fm_layer").value == "conv1"
    assert "**conv1**: 6 maps of 24×24" in markdown(at)
    fig = chart(at, "fm_maps")
    assert len(fig["data"]) == 1 and len(tiles(fig)) == 6  # one tiled trace
    np.testing.assert_allclose(np.stack(tiles(fig)), acts["conv1"], rtol=1e-6)
    assert fig["layout"]["annotations"][0]["text"].startswith("ch 0 [")  # each map's value range

    for layer, text, n, shape in (
        ("pool1", "**pool1**: 6 maps of 12×12", 6, (12, 12)),
        ("conv2_relu", "**conv2_relu**: 16 maps of 8×8", 16, (8, 8)),
        ("pool2", "**pool2**: 16 maps of 4×4", 16, (4, 4)),
    ):
        at.select_slider(key="fm_layer").set_value(layer).run()
        assert not at.exception
        assert text in markdown(at)
        fig = chart(at, "fm_maps")
        assert len(tiles(fig)) == n and tiles(fig)[0].shape == shape
        np.testing.assert_allclose(np.stack(tiles(fig)), acts[layer], rtol=1e-6)

    at.select_slider(key="fm_layer").set_value("dense1").run()
    assert "**dense1**: 120 units" in markdown(at)
    np.testing.assert_allclose(array(chart(at, "fm_maps")["data"][0]["z"]), acts["dense1"][None], rtol=1e-6)
    at.select_slider(key="fm_layer").set_value("softmax").run()
    bars = chart(at, "fm_maps")["data"][0]
    assert bars["type"] == "bar"
    np.testing.assert_allclose(array(bars["x"]), acts["softmax"], rtol=1e-6)
    assert not at.exception


def test_class_and_index_change_the_prediction(lenet):
    run_id, model, split = lenet
    at = open_page(PAGE, run_id)
    before = array(chart(at, "fm_probs")["data"][0]["x"])
    np.testing.assert_allclose(before, evaluate.predict(model, _x(split, 0, 0)[None])[0], rtol=1e-6)

    at.selectbox(key="fm_class").set_value(7).run()
    assert not at.exception
    probs = evaluate.predict(model, _x(split, 7, 0)[None])[0]
    after = array(chart(at, "fm_probs")["data"][0]["x"])
    np.testing.assert_allclose(after, probs, rtol=1e-6)
    assert not np.allclose(after, before)
    assert f"Prediction: **{int(probs.argmax())}** ({probs.max():.1%})" in markdown(at)
    assert "← true" in chart(at, "fm_probs")["data"][0]["text"][7]

    at.number_input(key="fm_index").set_value(3).run()
    np.testing.assert_allclose(
        array(chart(at, "fm_probs")["data"][0]["x"]), evaluate.predict(model, _x(split, 7, 3)[None])[0], rtol=1e-6
    )
    at.number_input(key="fm_index").set_value(10_000).run()  # beyond the class: clamped, not a crash
    assert not at.exception


def test_upload_is_prepared_and_bad_files_are_refused(lenet):
    run_id, model, split = lenet
    at = open_page(PAGE, run_id)
    at.radio(key="fm_source").set_value("upload").run()
    assert not at.exception and not at.get("plotly_chart")
    photo = np.full((90, 70, 3), 240, np.uint8)  # a dark "7" on white paper, in colour
    photo[15:22, 15:55] = (20, 20, 60)
    photo[15:75, 48:55] = (20, 20, 60)
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, format="PNG")
    at.file_uploader(key="fm_upload").set_value(("seven.png", buf.getvalue(), "image/png")).run()
    assert not at.exception and not at.error
    notes = " ".join(c.value for c in at.caption)
    assert "converted colour to grey" in notes and "inverted" in notes
    prepared = images.prepare_image(images.load_image_bytes(buf.getvalue()), split.info)
    np.testing.assert_allclose(
        array(chart(at, "fm_probs")["data"][0]["x"]), evaluate.predict(model, prepared.tensor)[0], rtol=1e-6
    )
    np.testing.assert_array_equal(tiles(chart(at, "fm_input"))[0], prepared.image[0])

    at.file_uploader(key="fm_upload").set_value(("broken.png", b"\x89PNG\r\n\x1a\nnot really", "image/png")).run()
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)


def test_a_photo_shows_each_step_of_its_preparation(lenet):
    from test_images import phone_photo

    run_id, _, split = lenet
    at = open_page(PAGE, run_id)
    at.radio(key="fm_source").set_value("upload").run()
    buf = io.BytesIO()
    Image.fromarray(phone_photo(split.x_test[int(np.flatnonzero(split.y_test.numpy() == 3)[0]), 0].numpy())).save(
        buf, format="PNG"
    )
    at.file_uploader(key="fm_upload").set_value(("three.jpg", buf.getvalue(), "image/png")).run()
    assert not at.exception and not at.error
    expander = next(e for e in at.expander if e.label == "How the photo was prepared")
    prepared = images.prepare_image(images.load_image_bytes(buf.getvalue()), split.info)
    steps = expander.get("image")[0]
    assert len(steps.value) == 5 and steps.captions == [title for title, _ in prepared.steps]


def test_canvas_without_a_drawing_asks_for_one(lenet):
    run_id, _, _ = lenet
    at = open_page(PAGE, run_id)
    at.radio(key="fm_source").set_value("draw").run()
    assert not at.exception
    assert any("Draw something" in i.value for i in at.info)


def _odd_files() -> dict[str, tuple[bytes, str]]:
    """Every odd upload a class of students produces: (bytes, 'refused' or 'converted')."""

    def png(arr):
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, format="PNG")
        return buf.getvalue()

    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 255
    full = png(digit)
    gif = io.BytesIO()
    frames = [Image.fromarray(np.roll(digit, s, axis=1)) for s in (0, 3)]
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:])
    cmyk = io.BytesIO()
    Image.fromarray(np.dstack([digit] * 3)).convert("CMYK").save(cmyk, format="JPEG")
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[8:32, 18:22] = (0, 0, 0, 255)  # black strokes on a transparent canvas
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, format="PNG")
    return {
        "text named .png": (b"hello, this is not an image", "refused"),
        "truncated PNG": (full[: len(full) // 2], "refused"),
        "truncated JPEG": (cmyk.getvalue()[:200], "refused"),
        "20,000 x 20,000 bomb": (bomb.getvalue(), "refused"),
        "empty file": (b"", "refused"),
        "animated GIF": (gif.getvalue(), "converted"),
        "16-bit PNG": (png(digit.astype(np.uint16) * 257), "converted"),
        "RGBA with transparency": (png(rgba), "converted"),
        "CMYK JPEG": (cmyk.getvalue(), "converted"),
        "1x1 image": (png(np.full((1, 1), 255, np.uint8)), "converted"),
    }


@pytest.mark.parametrize("name", list(_odd_files()))
def test_odd_uploads_are_refused_plainly_or_converted(lenet, name):
    content, outcome = _odd_files()[name]
    run_id, _, _ = lenet
    at = open_page(PAGE, run_id)
    at.radio(key="fm_source").set_value("upload").run()
    at.file_uploader(key="fm_upload").set_value((f"{name}.png", content, "image/png")).run()
    assert not at.exception
    if outcome == "refused":
        assert at.error and "Traceback" not in at.error[0].value
        assert not any(getattr(c, "key", None) == "fm_probs" for c in at.get("plotly_chart"))
    else:
        assert not at.error
        assert any(getattr(c, "key", None) == "fm_probs" for c in at.get("plotly_chart"))
    # and the app keeps working: back to a test image
    at.radio(key="fm_source").set_value("test").run()
    assert not at.exception and any(getattr(c, "key", None) == "fm_probs" for c in at.get("plotly_chart"))
