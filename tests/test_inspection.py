"""Tests for cnnviz.inspection: hand-computed activations, plain-PyTorch references, MNIST-style image preparation."""
import io
import struct
import zlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file

from cnnviz import arch, data, images, runs, train
from cnnviz import inspection as ins
from cnnviz.arch import ArchSpec, Conv, Dense, Flatten

MNIST = data.get_info("mnist-sample")
CIFAR = data.get_info("cifar10")
FASHION = data.get_info("fashion-mnist")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One LeNet-5 run trained for one short epoch on part of the embedded sample, in its own run store."""
    home = tmp_path_factory.mktemp("inspect-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNVIZ_HOME", str(home))
        full = data.load("mnist-sample")
        # a quarter of the training images keeps the fixture quick; the test set stays whole
        split = data.DataSplit(full.info, full.x_train[:1000], full.y_train[:1000], full.x_test, full.y_test)
        event = train.run_training(train.config_for("lenet5", epochs=1, batch_size=64, seed=0, snapshots=3), split)
    assert event.status == "finished"
    ins.clear_cache()
    return home, event.run_id


@pytest.fixture
def run_id(trained, isolated_home, monkeypatch):
    """The trained run, with CNNVIZ_HOME pointing at its store (after conftest's per-test home)."""
    home, rid = trained
    monkeypatch.setenv("CNNVIZ_HOME", str(home))
    return rid


def toy_model():
    """input (1, 4, 4) -> conv 1@3x3 relu -> flatten -> dense 2, with hand-set weights."""
    spec = ArchSpec((1, 4, 4), (Conv(1, 3, activation="relu"), Flatten(), Dense(2, "none")), "toy")
    model = arch.build(spec)
    with torch.no_grad():
        model.conv1.weight.copy_(torch.tensor([[[[2., 0, -1], [1, 0, -1], [1, 0, -1]]]]))
        model.conv1.bias.fill_(0.5)
        model.dense1.weight.copy_(torch.tensor([[1., 0, 2, -1], [0, 1, 0, 1]]))
        model.dense1.bias.copy_(torch.tensor([0.5, -1.0]))
    return spec, model


TOY_X = torch.tensor([[[3., 2, 0, 1],
                       [0, 1, 3, 1],
                       [2, 0, 1, 0],
                       [1, 3, 0, 2]]])  # (1, 4, 4)


# ---------------------------------------------------------------- activations, kernels, predictions


def test_toy_activations_by_hand():
    _, model = toy_model()
    model.train()  # activations must switch to eval and back
    acts = ins.activations(model, TOY_X)
    assert list(acts) == ["conv1", "conv1_relu", "flatten", "dense1", "softmax"]
    # conv at (0,0): 2*3 + 0 + 2 - (0 + 3 + 1) + 0.5 = 4.5; (0,1): 4+1+0 - (1+1+0) + 0.5 = 3.5;
    # (1,0): 0+2+1 - (3+1+0) + 0.5 = -0.5; (1,1): 2+0+3 - (1+0+2) + 0.5 = 2.5
    np.testing.assert_array_equal(acts["conv1"], [[[4.5, 3.5], [-0.5, 2.5]]])
    np.testing.assert_array_equal(acts["conv1_relu"], [[[4.5, 3.5], [0.0, 2.5]]])
    np.testing.assert_array_equal(acts["flatten"], [4.5, 3.5, 0.0, 2.5])
    # dense: 4.5 + 2*0 - 2.5 + 0.5 = 2.5 and 3.5 + 2.5 - 1 = 5.0
    np.testing.assert_array_equal(acts["dense1"], [2.5, 5.0])
    np.testing.assert_allclose(acts["softmax"], [1 / (1 + np.exp(2.5)), 1 / (1 + np.exp(-2.5))], rtol=1e-6)
    assert model.training and not model.conv1._forward_hooks  # state restored, hooks removed
    np.testing.assert_allclose(ins.predict(model, TOY_X[None]), acts["softmax"][None], rtol=1e-6)


def test_toy_kernels_and_first_layer():
    spec, model = toy_model()
    assert ins.conv_layers(spec) == ["conv1"]
    k = ins.kernels(model, "conv1")
    assert k.shape == (1, 1, 3, 3) and k.dtype == np.float32
    np.testing.assert_array_equal(k[0, 0], [[2, 0, -1], [1, 0, -1], [1, 0, -1]])
    np.testing.assert_array_equal(ins.kernels(model.state_dict(), "conv1"), k)
    np.testing.assert_array_equal(ins.apply_first_layer(model, TOY_X), [[[4.5, 3.5], [-0.5, 2.5]]])
    with pytest.raises(ValueError, match="no convolution layer 'dense1'; conv layers here: conv1"):
        ins.kernels(model, "dense1")


def test_activations_lenet5_keys_order_shapes():
    spec = arch.preset_spec("lenet5")
    model = arch.build(spec)
    acts = ins.activations(model, torch.randn(1, 1, 28, 28))
    expected = {"conv1": (6, 24, 24), "conv1_relu": (6, 24, 24), "pool1": (6, 12, 12), "conv2": (16, 8, 8),
                "conv2_relu": (16, 8, 8), "pool2": (16, 4, 4), "flatten": (256,), "dense1": (120,),
                "dense1_relu": (120,), "dense2": (84,), "dense2_relu": (84,), "dense3": (10,), "softmax": (10,)}
    assert list(acts) == list(expected)
    assert {name: a.shape for name, a in acts.items()} == expected
    assert acts["softmax"].sum() == pytest.approx(1.0, abs=1e-6)
    assert ins.conv_layers(spec) == ["conv1", "conv2"]
    # every hook saw the same forward pass: relu of conv1 is conv1 clipped at 0
    np.testing.assert_array_equal(acts["conv1_relu"], np.maximum(acts["conv1"], 0))


def test_activations_cover_every_layer_type():
    spec = arch.preset_spec("fast")  # conv, batchnorm, pool; keras-cnn has dropout
    model = arch.build(spec).train()
    acts = ins.activations(model, torch.randn(1, 28, 28))  # a (C, H, W) input is accepted
    assert list(acts)[:-1] == [name for name, _ in model.named_children()]
    drop = arch.build(arch.preset_spec("keras-cnn"))
    acts = ins.activations(drop, torch.randn(1, 1, 28, 28))
    np.testing.assert_array_equal(acts["dropout1"], acts["pool1"])  # eval mode: dropout is the identity


def test_activation_input_errors():
    model = arch.build(arch.preset_spec("lenet5"))
    with pytest.raises(ValueError, match="normalised float input"):
        ins.activations(model, torch.zeros(1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"one image .* got shape \(2, 1, 28, 28\)"):
        ins.activations(model, torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="does not fit this network"):
        ins.activations(model, torch.zeros(3, 32, 32))


def test_apply_first_layer_equals_conv2d(run_id):
    _, model = runs.load_model(run_id)
    image = torch.randn(1, 37, 53)  # a photo of any size
    want = F.conv2d(image[None], model.conv1.weight, model.conv1.bias)[0]
    np.testing.assert_allclose(ins.apply_first_layer(model, image.numpy()), want.detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    w, b = torch.randn(4, 3, 3, 3), torch.randn(4)
    colour = torch.randn(3, 20, 30)
    out = ins.apply_first_layer(w.numpy(), colour.numpy(), bias=b.numpy(), stride=2, padding=1)
    np.testing.assert_allclose(out, F.conv2d(colour[None], w, b, stride=2, padding=1)[0].numpy(), rtol=1e-5,
                               atol=1e-5)
    with pytest.raises(ValueError, match="take 1-channel images"):
        ins.apply_first_layer(model, np.zeros((3, 28, 28), np.float32))
    with pytest.raises(ValueError, match="no convolution layer"):
        ins.apply_first_layer(arch.build(arch.preset_spec("mlp")), np.zeros((1, 28, 28)))


def test_kernels_at_snapshots(run_id):
    snaps = runs.list_snapshots(run_id)
    assert len(snaps) == 3
    first, last = ins.kernels_at(run_id, "conv1", 0), ins.kernels_at(run_id, "conv2", len(snaps) - 1)
    assert first.shape == (6, 1, 5, 5) and last.shape == (16, 6, 5, 5)
    _, model = runs.load_model(run_id)
    np.testing.assert_array_equal(ins.kernels_at(run_id, "conv2", len(snaps) - 1), ins.kernels(model, "conv2"))
    assert not np.array_equal(first, ins.kernels(model, "conv1"))  # training moved them
    with pytest.raises(ValueError, match="has 3 snapshots; there is no snapshot 7"):
        ins.kernels_at(run_id, "conv1", 7)


# ---------------------------------------------------------------- evaluation


def test_confusion_matrix_by_hand():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    cm = ins.confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(cm, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert cm.dtype == np.int64
    np.testing.assert_array_equal(ins.confusion_matrix([], [], 2), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"y_pred holds labels outside 0..2: 0..3"):
        ins.confusion_matrix([0, 1], [0, 3], 3)
    with pytest.raises(ValueError, match="y_true has 2 labels but y_pred has 1"):
        ins.confusion_matrix([0, 1], [0], 3)


def test_evaluate_run_matches_plain_pytorch(run_id):
    evaluation = ins.evaluate_run(run_id)
    # independent reference: read the safetensors file, build, run the test set in one batch
    meta = runs.read_run(run_id).meta
    model = arch.build(ArchSpec.from_dict(meta["spec"]))
    model.load_state_dict(load_file(str(runs.run_path(run_id) / "weights.safetensors")))
    model.eval()
    split = data.load("mnist-sample")
    x = (split.x_test.float() / 255 - 0.1307) / 0.3081
    with torch.no_grad():
        logits = model(x)
    pred = logits.argmax(1).numpy()
    true = split.y_test.numpy()
    cm = np.zeros((10, 10), np.int64)
    for t, p in zip(true, pred):
        cm[t, p] += 1
    assert evaluation.n_test == 1000 == len(true)
    assert evaluation.accuracy == (pred == true).mean()
    assert evaluation.accuracy == pytest.approx(meta["test_accuracy"], abs=1e-9)
    assert evaluation.loss == pytest.approx(F.cross_entropy(logits, split.y_test).item(), rel=1e-5)
    np.testing.assert_array_equal(evaluation.confusion, cm)
    np.testing.assert_array_equal(evaluation.predictions, pred)
    np.testing.assert_array_equal(evaluation.labels, true)
    np.testing.assert_allclose(evaluation.probs, torch.softmax(logits, 1).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(evaluation.confidence, evaluation.probs.max(1))
    np.testing.assert_allclose(evaluation.per_class_accuracy, np.diag(cm) / cm.sum(1))
    assert evaluation.best_class == int(np.argmax(np.diag(cm) / cm.sum(1)))
    assert evaluation.worst_class == int(np.argmin(np.diag(cm) / cm.sum(1)))
    assert evaluation.n_wrong == int((pred != true).sum()) > 0
    assert evaluation.class_names == tuple(str(d) for d in range(10)) and evaluation.is_digits
    assert evaluation.probs.dtype == np.float32 and evaluation.confusion.dtype == np.int64


def test_evaluate_run_is_cached_and_read_only(run_id):
    first = ins.evaluate_run(run_id)
    assert ins.evaluate_run(run_id) is first
    with pytest.raises(ValueError):
        first.confusion[0, 0] = 5
    ins.clear_cache()
    again = ins.evaluate_run(run_id)
    assert again is not first and again.accuracy == first.accuracy


def test_evaluate_missing_run(run_id):
    with pytest.raises(runs.RunError, match="no run 'nope'"):
        ins.evaluate_run("nope")


def test_mistakes_sorted_by_confidence(run_id):
    evaluation = ins.evaluate_run(run_id)
    wrong = ins.mistakes(evaluation)
    assert len(wrong) == evaluation.n_wrong
    assert all(evaluation.predictions[i] != evaluation.labels[i] for i in wrong)
    conf = evaluation.confidence[wrong]
    assert np.all(conf[:-1] >= conf[1:])
    assert ins.mistakes(evaluation, limit=5) == wrong[:5]
    row = ins.mistakes(evaluation, true_class=evaluation.worst_class)
    assert row and all(evaluation.labels[i] == evaluation.worst_class for i in row)
    assert set(row) <= set(wrong)


def _fake_evaluation(per_class, names, is_digits, n_test, n_wrong):
    per_class = np.asarray(per_class, float)
    empty = np.zeros(0, np.int64)
    return ins.Evaluation("r", "d", names, is_digits, 1 - n_wrong / n_test, 0.1, np.zeros((2, 2), np.int64),
                          per_class, int(np.argmax(per_class)), int(np.argmin(per_class)), empty, empty,
                          np.zeros(0, np.float32), np.zeros((0, 2), np.float32), n_test, n_wrong)


def test_report_sentence(run_id):
    seed = _fake_evaluation([0.9871, 0.996], ("9", "3"), True, 10_000, 79)
    assert ins.report(seed) == "79 of 10,000 misclassified; best digit 3 at 99.60%, worst 9 at 98.71%"
    fashion = _fake_evaluation([0.98, 0.6], ("Trouser", "Shirt"), False, 2000, 210)
    assert ins.report(fashion) == "210 of 2,000 misclassified; best class Trouser at 98.00%, worst Shirt at 60.00%"
    real = ins.evaluate_run(run_id)
    assert ins.report(real).startswith(f"{real.n_wrong} of 1,000 misclassified; best digit ")


def test_test_image():
    split = data.load("mnist-sample")
    image, label, index = ins.test_image(split, 7, 2)
    sevens = np.flatnonzero(split.y_test.numpy() == 7)
    assert (label, index) == (7, sevens[2])
    assert image.dtype == np.uint8 and image.shape == (1, 28, 28)
    np.testing.assert_array_equal(image, split.x_test[sevens[2]].numpy())
    with pytest.raises(ValueError, match=f"class 7 has {len(sevens)} test images; there is no image 999"):
        ins.test_image(split, 7, 999)
    with pytest.raises(ValueError, match="has 10 classes"):
        ins.test_image(split, 10, 0)


# ---------------------------------------------------------------- prepare_image


def centre_of_mass(img):
    img = img.astype(float)
    rows, cols = np.indices(img.shape)
    return (rows * img).sum() / img.sum(), (cols * img).sum() / img.sum()


def bbox(img):
    rows, cols = np.flatnonzero(img.any(1)), np.flatnonzero(img.any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_digit_is_cropped_scaled_and_centred_like_mnist():
    canvas = np.zeros((60, 40), np.uint8)
    canvas[5:15, 25:33] = 255  # a white 8x10 block in a corner, far from the centre
    prepared = images.prepare_image(canvas, MNIST)
    img = prepared.image[0]
    assert prepared.image.shape == (1, 28, 28) and prepared.image.dtype == np.uint8
    cy, cx = centre_of_mass(img)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    assert bbox(img) == (20, 16)  # longer side 20, aspect kept (10x8 -> 20x16)
    assert img.max() == 255 and img[0].max() == 0
    assert any("cropped 40x60 to the ink: 8x10" in n for n in prepared.notes)
    assert not any("invert" in n for n in prepared.notes)
    want = (torch.from_numpy(prepared.image).float() / 255 - 0.1307) / 0.3081
    torch.testing.assert_close(prepared.tensor, want[None])


def test_light_background_digit_is_inverted():
    paper = np.full((50, 50), 230, np.uint8)
    paper[10:40, 22:28] = 20  # a dark "1" on light paper
    prepared = images.prepare_image(Image.fromarray(paper), MNIST)
    img = prepared.image[0]
    assert "inverted: dark digit on light background" in prepared.notes
    assert img[0, 0] == 0 and img.max() == 255
    assert bbox(img)[0] == 20
    cy, cx = centre_of_mass(img)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1


def test_rgba_transparent_background_goes_to_black():
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., :3] = 255  # invisible white background (as a drawing canvas gives)
    rgba[10:30, 18:22] = (255, 255, 255, 255)  # opaque white stroke
    prepared = images.prepare_image(Image.fromarray(rgba, "RGBA"), MNIST)
    assert not any("invert" in n for n in prepared.notes)
    assert any("onto black" in n for n in prepared.notes)
    grey = np.zeros((40, 40), np.uint8)
    grey[10:30, 18:22] = 255
    np.testing.assert_array_equal(prepared.image, images.prepare_image(grey, MNIST).image)
    black_ink = np.zeros((40, 40, 4), np.uint8)
    black_ink[10:30, 18:22, 3] = 255  # opaque black stroke on nothing: must not vanish into black
    inked = images.prepare_image(black_ink, "mnist-sample")
    assert "composited the transparent parts onto white" in inked.notes
    np.testing.assert_array_equal(inked.image, prepared.image)
    with pytest.raises(ValueError, match="fully transparent"):
        images.prepare_image(np.zeros((10, 10, 4), np.uint8), MNIST)


def test_colour_and_layouts():
    rgb = np.zeros((30, 30, 3), np.uint8)
    rgb[5:25, 12:18] = (255, 0, 0)  # a red stroke
    prepared = images.prepare_image(rgb, MNIST)
    assert "converted colour to grey" in prepared.notes
    assert prepared.image.max() == 255  # stretched: red alone is only 76 grey
    chw = images.prepare_image(rgb.transpose(2, 0, 1), MNIST)  # (C, H, W) arrays work too
    np.testing.assert_array_equal(chw.image, prepared.image)
    sixteen = images.prepare_image((rgb[..., 0].astype(np.uint16) * 257), MNIST)
    assert "scaled 16-bit values to 8-bit" in sixteen.notes
    floats = images.prepare_image(rgb[..., 0] / 255.0, MNIST)
    np.testing.assert_array_equal(floats.image, images.prepare_image(rgb[..., 0], MNIST).image)
    with pytest.raises(ValueError, match="1 to 4 channels"):
        images.prepare_image(np.zeros((5, 6, 7)), MNIST)
    with pytest.raises(ValueError, match="NaN"):
        images.prepare_image(np.full((5, 5), np.nan), MNIST)


def test_blank_images_are_empty():
    for blank in (np.zeros((28, 28), np.uint8), np.full((28, 28), 255, np.uint8), np.full((9, 9), 128, np.uint8)):
        with pytest.raises(ValueError, match="the image is empty"):
            images.prepare_image(blank, MNIST)


def test_tiny_images():
    dot = images.prepare_image(np.full((1, 1), 255, np.uint8), MNIST)
    assert bbox(dot.image[0]) == (20, 20) and dot.image.max() == 255
    with pytest.raises(ValueError, match="empty"):
        images.prepare_image(np.zeros((1, 1), np.uint8), MNIST)
    pixel = images.prepare_image(Image.new("RGB", (1, 1), (10, 200, 30)), CIFAR)
    assert pixel.image.shape == (3, 32, 32)
    np.testing.assert_array_equal(pixel.image[:, 5, 7], [10, 200, 30])


def test_non_digit_datasets_resize_and_convert():
    photo = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    prepared = images.prepare_image(photo, CIFAR)
    assert prepared.image.shape == (3, 32, 32) and prepared.tensor.shape == (1, 3, 32, 32)
    assert "resized 640x480 -> 32x32 (aspect ratio not kept)" in prepared.notes
    torch.testing.assert_close(prepared.tensor, data.normalize(torch.from_numpy(prepared.image)[None], CIFAR))
    grey = images.prepare_image(np.full((28, 28), 77, np.uint8), CIFAR)
    assert "copied grey into the 3 colour channels" in grey.notes and (grey.image == 77).all()
    fashion = images.prepare_image(photo[:28, :28], FASHION)
    assert fashion.image.shape == (1, 28, 28) and fashion.notes == ("converted colour to grey",)
    want = np.round(photo[:28, :28] @ np.array([0.299, 0.587, 0.114]))
    np.testing.assert_array_equal(fashion.image[0], want)


# ---------------------------------------------------------------- load_image_bytes


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size in its header and holds no pixel data (a decompression-bomb stand-in)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_load_png_roundtrip():
    arr = np.random.default_rng(1).integers(0, 256, (12, 9), dtype=np.uint8)
    im = images.load_image_bytes(encode(Image.fromarray(arr)))
    assert im.mode == "L" and im.size == (9, 12)
    np.testing.assert_array_equal(np.asarray(im), arr)
    assert im.info["cnnviz_notes"] == ()


@pytest.mark.parametrize("payload, message", [
    (b"", "the file is empty"),
    (b"hello, this is not a picture", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image|damaged"),
    ("a string", "expected the bytes of an image file"),
])
def test_load_bad_bytes(payload, message):
    with pytest.raises(ValueError, match=message):
        images.load_image_bytes(payload)


def test_load_truncated_png():
    noise = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    whole = encode(Image.fromarray(noise))
    with pytest.raises(ValueError, match="damaged or cut short"):
        images.load_image_bytes(whole[:len(whole) // 2])


def test_load_huge_images():
    with pytest.raises(ValueError, match=r"8,000x6,000 pixels: too large to open safely \(the limit is 40"):
        images.load_image_bytes(png_header_only(8000, 6000))  # 48 megapixels
    with pytest.raises(ValueError, match="too large to open safely"):
        images.load_image_bytes(png_header_only(20000, 20000))  # over Pillow's own bomb limit
    with pytest.raises(ValueError, match="10x10 pixels: too large"):
        images.load_image_bytes(encode(Image.new("L", (10, 10))), max_pixels=99)


def test_load_sixteen_bit_cmyk_gif():
    deep = Image.fromarray(np.array([[0, 32896, 65535]], np.uint16))
    assert deep.mode.startswith("I;16")
    im = images.load_image_bytes(encode(deep))
    assert im.mode == "L"
    np.testing.assert_array_equal(np.asarray(im), [[0, 128, 255]])
    assert "scaled 16-bit values to 8-bit" in im.info["cnnviz_notes"]

    cmyk = images.load_image_bytes(encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "TIFF"))
    assert cmyk.mode == "RGB" and cmyk.getpixel((0, 0)) == (255, 0, 0)
    assert "converted CMYK to RGB" in cmyk.info["cnnviz_notes"]

    frames = [Image.new("L", (6, 6), v) for v in (200, 10, 90)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    first = images.load_image_bytes(gif)
    assert first.size == (6, 6) and np.asarray(first.convert("L")).max() == 200
    assert "used the first of 3 frames" in first.info["cnnviz_notes"]
    prepared = images.prepare_image(first, CIFAR)
    assert prepared.notes[0] == "used the first of 3 frames"


def test_load_one_pixel_and_prepare():
    im = images.load_image_bytes(encode(Image.new("RGBA", (1, 1), (255, 255, 255, 255))))
    prepared = images.prepare_image(im, MNIST)
    assert bbox(prepared.image[0]) == (20, 20)


@pytest.mark.parametrize("fmt, mode", [("PNG", "RGBA"), ("JPEG", "RGB"), ("GIF", "P"), ("BMP", "RGB"),
                                       ("TIFF", "RGB"), ("WEBP", "RGB")])
def test_cut_files_never_escape_as_other_errors(fmt, mode):
    """Every prefix of a real file either decodes or raises a ValueError, whatever Pillow does inside."""
    rng = np.random.default_rng(3)
    image = Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)).convert(mode)
    whole = encode(image, fmt)
    for cut in sorted({1, 4, 8, 16, 30, 60, 100, len(whole) // 3, len(whole) // 2, len(whole) - 1}):
        try:
            im = images.load_image_bytes(whole[:cut])
        except ValueError:
            continue
        assert im.mode in ("L", "LA", "RGB", "RGBA")
    assert images.load_image_bytes(whole).size == (24, 24)
