"""Tests for cnnviz.images: uploads decoded safely, images prepared the MNIST way."""

import io
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from cnnviz import data, images

MNIST = data.get_info("mnist-sample")
CIFAR = data.get_info("cifar10")
FASHION = data.get_info("fashion-mnist")


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


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"", "the file is empty"),
        (b"hello, this is not a picture", "not an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image|damaged"),
        ("a string", "expected the bytes of an image file"),
    ],
)
def test_load_bad_bytes(payload, message):
    with pytest.raises(ValueError, match=message):
        images.load_image_bytes(payload)


def test_load_truncated_png():
    noise = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    whole = encode(Image.fromarray(noise))
    with pytest.raises(ValueError, match="damaged or cut short"):
        images.load_image_bytes(whole[: len(whole) // 2])


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


@pytest.mark.parametrize(
    "fmt, mode", [("PNG", "RGBA"), ("JPEG", "RGB"), ("GIF", "P"), ("BMP", "RGB"), ("TIFF", "RGB"), ("WEBP", "RGB")]
)
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


# ---------------------------------------------------------------- plain pixels for the convolution playground


def test_colour_picture_scales_the_longer_side_and_keeps_the_files_size():
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (300, 600, 3), dtype=np.uint8)  # (H, W, 3): 600 wide
    picture = images.colour_picture(encode(Image.fromarray(rgb)), 256)
    assert picture.size == (600, 300) and picture.notes == ()
    assert picture.rgb.shape == (3, 128, 256) and picture.rgb.dtype == np.float64
    expected = Image.fromarray(rgb)
    expected.thumbnail((256, 256), Image.LANCZOS)
    np.testing.assert_array_equal(picture.rgb, np.asarray(expected, np.float64).transpose(2, 0, 1))
    small = images.colour_picture(encode(Image.fromarray(rgb[:20, :30])), 256)  # small pictures stay as they are
    np.testing.assert_array_equal(small.rgb, rgb[:20, :30].transpose(2, 0, 1).astype(np.float64))


def test_colour_picture_puts_transparency_on_white_and_grey_into_three_channels():
    rgba = np.zeros((4, 5, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:2, :, 3] = 255  # the top half opaque red-ish, the bottom half fully transparent
    picture = images.colour_picture(encode(Image.fromarray(rgba, "RGBA")), 64)
    np.testing.assert_array_equal(picture.rgb[:, 0, 0], [200, 0, 0])
    np.testing.assert_array_equal(picture.rgb[:, 3, 0], [255, 255, 255])
    grey = images.colour_picture(encode(Image.new("L", (3, 2), 77)), 64)
    np.testing.assert_array_equal(grey.rgb, np.full((3, 2, 3), 77.0))
    gif = encode(Image.new("L", (6, 6), 9), "GIF", save_all=True, append_images=[Image.new("L", (6, 6), 1)])
    assert images.colour_picture(gif, 64).notes == ("used the first of 2 frames",)
    with pytest.raises(images.ImageError, match="this file is not an image"):
        images.colour_picture(b"not an image at all", 64)


def test_shrink_cuts_the_longer_side_with_lanczos_and_leaves_small_images_alone():
    rng = np.random.default_rng(5)
    img = rng.uniform(0, 255, (100, 40))
    small = images.shrink(img, 64)
    assert small.shape == (64, 26)  # 40 * 0.64 = 25.6
    reference = np.asarray(Image.fromarray(img.astype(np.float32)).resize((26, 64), Image.LANCZOS), np.float64)
    np.testing.assert_allclose(small, np.clip(reference, 0, 255))
    assert small.min() >= 0 and small.max() <= 255  # Lanczos overshoots; the result stays a picture
    assert images.shrink(img, 100) is img
    colour = np.stack([img, 255 - img, np.full_like(img, 30.0)])  # (3, 100, 40): channel by channel
    shrunk = images.shrink(colour, 64)
    assert shrunk.shape == (3, 64, 26)
    np.testing.assert_allclose(shrunk[0], small)
    np.testing.assert_allclose(shrunk[2], 30.0, atol=1e-4)
    assert images.shrink(np.zeros((1, 300)), 64).shape == (1, 64)  # never below one pixel


def test_grey_is_the_luma_of_colour_and_one_channel_as_it_is():
    rgb = np.zeros((3, 1, 3), np.uint8)
    rgb[0, 0, 0], rgb[1, 0, 1], rgb[2, 0, 2] = 255, 255, 255  # pure red, green, blue pixels
    np.testing.assert_allclose(images.grey(rgb), [[0.299 * 255, 0.587 * 255, 0.114 * 255]])
    expected = np.asarray(Image.fromarray(rgb.transpose(1, 2, 0)).convert("L"), np.float64)  # Pillow rounds
    np.testing.assert_array_equal(np.round(images.grey(rgb)), expected)
    one = np.arange(6, dtype=np.uint8).reshape(1, 2, 3)
    assert images.grey(one).dtype == np.float64
    np.testing.assert_array_equal(images.grey(one), one[0])


# ---------------------------------------------------------------- photos of digits


def phone_photo(digit: np.ndarray, seed: int = 0) -> np.ndarray:
    """An MNIST digit as a phone would photograph it on paper: dark ink, 360 px, lit strongly from the left
    (paper 250 on one side, 110 on the other) and a little sensor noise."""
    ink = np.asarray(Image.fromarray(digit).resize((280, 280), Image.BILINEAR), np.float64)
    page = np.zeros((360, 360))
    page[40:320, 40:320] = ink
    paper = np.linspace(250, 110, 360)[None, :].repeat(360, 0)
    noise = np.random.default_rng(seed).normal(0, 3, page.shape)
    return np.clip(paper * (1 - 0.8 * page / 255) + noise, 0, 255).astype(np.uint8)


def ink_box(img: np.ndarray) -> tuple[int, int]:
    rows, cols = np.flatnonzero(img.any(1)), np.flatnonzero(img.any(0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_a_photo_with_uneven_lighting_is_cropped_to_its_digit_and_read_right(use_run):
    from cnnviz.loaded import LoadedRun

    loaded = LoadedRun.open(use_run("lenet5-b128"))
    split = loaded.split
    threes = np.flatnonzero(split.y_test.numpy() == 3)[:10]
    agree = 0
    for i, index in enumerate(threes):
        digit = split.x_test[index, 0].numpy()
        prepared = images.prepare_image(phone_photo(digit, seed=i), MNIST)
        height, width = ink_box(prepared.image[0])
        own_height, own_width = ink_box(digit)
        assert max(height, width) == 20  # the digit fills MNIST's 20-pixel box, not the lighting gradient
        assert abs(width / height - own_width / own_height) < 0.15  # and keeps its shape
        with torch.no_grad():
            on_photo = int(loaded.model(prepared.tensor).argmax())
            on_digit = int(loaded.model(data.normalize(split.x_test[index : index + 1], split.info)).argmax())
        agree += on_photo == on_digit
    assert agree >= 8  # the network reads the photo as it reads the digit itself (9 of 10 when measured)
    titles = [title for title, _ in prepared.steps]
    assert len(titles) == 5 and titles[-1].startswith("cropped, scaled and centred")
    assert prepared.steps[-1][1].shape == (28, 28) and np.array_equal(prepared.steps[-1][1], prepared.image[0])
    assert any("evened out its lighting" in str(note) for note in prepared.notes)


def test_evenly_lit_images_keep_the_plain_path_and_record_no_steps():
    drawing = np.zeros((200, 200), np.uint8)
    drawing[50:150, 90:110] = 255
    scan = 255 - drawing  # dark ink on white paper, evenly lit
    for image in (drawing, scan):
        prepared = images.prepare_image(image, MNIST)
        assert prepared.steps == ()
        assert ink_box(prepared.image[0])[0] == 20


def test_a_large_filled_shape_is_a_drawing_not_unevenly_lit_paper():
    shape = np.zeros((60, 60), np.uint8)
    shape[10:50, 10:50] = 255  # a filled square: wider than any stroke, yet no lighting to remove
    prepared = images.prepare_image(shape, MNIST)
    assert not prepared.steps and prepared.image[0, 14, 14] == 255  # filled to its centre, not hollowed to a ring
