"""The Kernels page (AppTest): empty state, layer/channel/scale choices, the snapshot timeline, kernels applied."""

import io

import numpy as np
import pytest
from PIL import Image

from pagetest import array, chart, markdown, open_page, tiles

from cnnviz import data, images, kernels, runs, train

PAGE = "pages/kernels.py"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One run store for the module: LeNet-5 and an MLP on the MNIST sample, a 3-channel tiny CNN on a folder."""
    home = tmp_path_factory.mktemp("kernels-home")
    folder = home / "colour"
    rng = np.random.default_rng(0)
    for c, name in enumerate(("red", "blue")):
        (folder / name).mkdir(parents=True)
        for i in range(10):
            img = rng.integers(0, 80, (16, 16, 3), dtype=np.uint8)
            img[..., 0 if c == 0 else 2] += 150
            Image.fromarray(img).save(folder / name / f"{i}.png")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNVIZ_HOME", str(home))
        mp.setenv("CNNVIZ_DATA_DIR", str(home / "data"))
        ids = {
            "lenet5": train.run_training(train.config_for("lenet5", epochs=1, batch_size=256)).run_id,
            "mlp": train.run_training(train.config_for("mlp", epochs=1)).run_id,
            "rgb": train.run_training(
                train.config_for("tiny-cnn", f"folder:{folder}?size=16&channels=3", epochs=1, batch_size=4, snapshots=3)
            ).run_id,
        }
    return home, ids


@pytest.fixture
def use_store(store, monkeypatch):
    home, ids = store
    monkeypatch.setenv("CNNVIZ_HOME", str(home))
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("CNNVIZ_FOLDER_ROOTS", str(home))  # the colour run's image folder is in the module's store
    return ids


def test_empty_store_shows_the_quick_start():
    at = open_page(PAGE, None)
    assert any("there is none yet" in i.value for i in at.info)
    assert at.button(key="quick_start_empty")
    assert not at.get("plotly_chart")


def test_layer_and_channel_choices_show_those_kernels(use_store):
    run_id = use_store["lenet5"]
    _, model = runs.load_model(run_id)
    at = open_page(PAGE, run_id)
    assert "**conv1**: 6 kernels of 5×5, input channel 0 (of 1)" in markdown(at)
    fig = chart(at, "kn_final")
    want = kernels.of_layer(model, "conv1")[:, 0]  # (6, 5, 5)
    assert len(fig["data"]) == 1 and len(tiles(fig)) == 6  # one tiled trace
    for tile, k in zip(tiles(fig), want):
        np.testing.assert_array_equal(tile, k)

    at.selectbox(key="kn_layer").set_value("conv2").run()
    assert not at.exception
    assert "**conv2**: 16 kernels of 5×5, input channel 0 (of 6)" in markdown(at)
    at.selectbox(key="kn_channel").set_value(3).run()
    fig = chart(at, "kn_final")
    want = kernels.of_layer(model, "conv2")[:, 3]  # (16, 5, 5)
    assert len(tiles(fig)) == 16
    for tile, k in zip(tiles(fig), want):
        np.testing.assert_array_equal(tile, k)
    assert "input channel 3 (of 6)" in markdown(at)


def test_scale_toggle_switches_between_one_and_per_kernel_ranges(use_store):
    at = open_page(PAGE, use_store["lenet5"])
    shared = chart(at, "kn_final")
    assert all(t.get("coloraxis") == "coloraxis" for t in shared["data"])
    at.toggle(key="kn_shared").set_value(False).run()
    own = chart(at, "kn_final")
    assert not any(t.get("coloraxis") for t in own["data"])
    (trace,) = own["data"]  # each kernel divided by its own max |value|: symmetric around zero on its own range
    assert (trace["zmin"], trace["zmax"], trace["zmid"]) == (-1, 1, 0)
    assert len(tiles(own)) == 6
    for colour, k, same in zip(_colours(own), tiles(own), tiles(shared)):
        np.testing.assert_array_equal(k, same)  # the true values, whatever the scale
        np.testing.assert_allclose(colour, k / np.abs(k).max(), rtol=1e-6)


def _colours(fig: dict) -> list[np.ndarray]:
    """Each tile of a grid's z: its colours (tiles() gives the true values, which differ when rescaled)."""
    z = array(fig["data"][0]["z"])
    return [z[r0 : r0 + h, c0 : c0 + w] for r0, c0, h, w in fig["layout"]["meta"]["tiles"]]


def test_the_moment_of_training_shows_each_snapshots_kernels(use_store):
    run_id = use_store["lenet5"]
    snaps = runs.list_snapshots(run_id)
    at = open_page(PAGE, run_id)
    moment = at.select_slider(key="moment")
    assert moment.value is None  # the end of training first
    np.testing.assert_array_equal(
        np.stack(tiles(chart(at, "kn_final"))), kernels.of_layer(runs.load_model(run_id)[1], "conv1")[:, 0]
    )
    moment.set_value(0).run()
    first = tiles(chart(at, "kn_final"))
    np.testing.assert_array_equal(np.stack(first), kernels.of_layer(runs.load_snapshot(run_id, 0), "conv1")[:, 0])
    assert "step 0" in chart(at, "kn_final")["layout"]["title"]["text"]
    assert at.query_params["at"] == "0"

    middle = len(snaps) // 2
    at.select_slider(key="moment").set_value(middle).run()
    assert not at.exception
    fig = chart(at, "kn_final")
    np.testing.assert_array_equal(
        np.stack(tiles(fig)), kernels.of_layer(runs.load_snapshot(run_id, middle), "conv1")[:, 0]
    )
    assert f"step {snaps[middle]['step']}" in fig["layout"]["title"]["text"]
    assert not np.array_equal(np.stack(tiles(fig)), np.stack(first))  # training moved them
    # one colour scale for every moment: the largest |weight| over the whole of training
    every = [kernels.of_layer(runs.load_snapshot(run_id, s["index"]), "conv1") for s in snaps]
    assert fig["layout"]["coloraxis"]["cmax"] == pytest.approx(max(float(np.abs(k).max()) for k in every))

    at.selectbox(key="kn_layer").set_value("conv2").run()  # the moment stays, the layer changes
    np.testing.assert_array_equal(
        np.stack(tiles(chart(at, "kn_final")))[:, None],
        kernels.of_layer(runs.load_snapshot(run_id, middle), "conv2")[:, :1],
    )


def test_first_layer_applied_to_test_images_and_uploads(use_store):
    run_id = use_store["lenet5"]
    _, model = runs.load_model(run_id)
    split = data.load("mnist-sample")
    at = open_page(PAGE, run_id)

    def expected(cls, idx):
        _, _, g = data.test_image(split, cls, idx)
        return kernels.apply_first_layer(model, data.normalize(split.x_test[g : g + 1], split.info)[0].numpy())

    fig = chart(at, "kn_applied")
    assert len(tiles(fig)) == 6 and tiles(fig)[0].shape == (24, 24)
    np.testing.assert_allclose(np.stack(tiles(fig)), expected(0, 0), rtol=1e-6)

    at.selectbox(key="kn_class").set_value(7).run()
    at.number_input(key="kn_index").set_value(4).run()
    assert not at.exception
    np.testing.assert_allclose(np.stack(tiles(chart(at, "kn_applied"))), expected(7, 4), rtol=1e-6)

    at.radio(key="kn_source").set_value("upload").run()
    assert any("Upload a picture" in i.value for i in at.info)
    photo = np.zeros((60, 40), np.uint8)
    photo[10:50, 18:23] = 255  # a "1"
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, format="PNG")
    at.file_uploader(key="kn_upload").set_value(("one.png", buf.getvalue(), "image/png")).run()
    assert not at.exception and not at.error
    prepared = images.prepare_image(images.load_image_bytes(buf.getvalue()), split.info)
    np.testing.assert_allclose(
        np.stack(tiles(chart(at, "kn_applied"))),
        kernels.apply_first_layer(model, prepared.tensor[0].numpy()),
        rtol=1e-6,
    )
    assert any("cropped" in c.value for c in at.caption)  # the preparation notes are shown

    at.file_uploader(key="kn_upload").set_value(("notes.txt", b"not an image", "text/plain")).run()
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)


def test_network_without_conv_layers_says_so(use_store):
    at = open_page(PAGE, use_store["mlp"])
    assert any("no convolution layers" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_colour_first_layer_offers_the_rgb_composite(use_store):
    at = open_page(PAGE, use_store["rgb"])
    assert at.selectbox(key="kn_channel").value == "rgb"
    fig = chart(at, "kn_final")
    assert len(tiles(fig)) == 8 and {t["type"] for t in fig["data"]} == {"image"}
    at.selectbox(key="kn_channel").set_value(2).run()
    fig = chart(at, "kn_final")
    assert {t["type"] for t in fig["data"]} == {"heatmap"}
    _, model = runs.load_model(use_store["rgb"])
    np.testing.assert_array_equal(tiles(fig)[5], kernels.of_layer(model, "conv1")[5, 2])
    at.selectbox(key="kn_layer").set_value("conv2").run()  # no composite beyond the first layer
    assert "rgb" not in at.selectbox(key="kn_channel").options
    assert not at.exception
