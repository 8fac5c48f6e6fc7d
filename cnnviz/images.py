"""Your own images: decode uploads safely and prepare any picture exactly as the network saw its training data.

`load_image_bytes` turns anything Pillow can read into a plain grey/colour image, refusing what is not an
image, damaged or too large; every upload of the app goes through it. `prepare_image` converts channels and
size, and centres a drawn or photographed digit the way MNIST digits were made (a photo's uneven lighting first
removed by `photo`); both say what they changed.
`colour_picture`, `shrink` and `grey` give the convolution playground plain pixels to compute on.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from . import data
from .i18n import N_, Message, Translated
from .photo import WORK_SIDE, photo_ink

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

MAX_PIXELS = 40_000_000  # larger uploads are refused before they are decoded
DIGIT_BOX = 20  # MNIST digits were scaled to fit 20x20 and centred by mass in 28x28
_CHANNEL_COUNTS = (1, 2, 3, 4)  # grey, grey + alpha, RGB, RGBA
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma weights of red, green and blue, as Pillow's convert("L")


@dataclass(frozen=True, eq=False)
class PreparedImage:
    """An image made ready for a network: what it sees, what it is fed, and what was done to get there."""

    image: np.ndarray  # (C, H, W) uint8, before normalisation
    tensor: torch.Tensor  # (1, C, H, W) float32, normalised the dataset's way
    notes: tuple[str, ...]  # e.g. "converted colour to grey", "inverted: dark digit on light background"
    steps: tuple[tuple[str, np.ndarray], ...] = ()  # a photo's preparation: (title, uint8 (H, W)) per step


@dataclass(frozen=True, eq=False)
class Picture:
    """An upload as plain colour pixels, for computing on the picture itself rather than feeding a network."""

    rgb: np.ndarray  # (3, H, W) float64 0..255, transparent parts on white
    size: tuple[int, int]  # (W, H) of the file, before any scaling
    notes: tuple[str, ...]  # what decoding did, as `load_image_bytes` notes it


class ImageError(Translated, ValueError):
    """An image that cannot be used, with the reason in plain words."""


def load_image_bytes(data_bytes: bytes, max_pixels: int = MAX_PIXELS) -> PILImage:
    """Decode an uploaded file into a PIL image in mode L, LA, RGB or RGBA.

    Animated images give their first frame, CMYK and other colour spaces become RGB, 16-bit images
    are scaled to 8 bits, and EXIF rotation is applied; what was done is kept in `image.info["cnnviz_notes"]`.

    Raises:
        ImageError (a ValueError) for empty input, non-images, damaged or truncated files and images
        over `max_pixels`.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not isinstance(data_bytes, (bytes, bytearray, memoryview)):
        raise ImageError("expected the bytes of an image file, got {type}", type=type(data_bytes).__name__)
    if len(data_bytes) == 0:
        raise ImageError("the file is empty (0 bytes): there is no image to read")
    notes: list[str] = []
    too_big = Message("too large to open safely (the limit is {mp:g} megapixels)", mp=max_pixels / 1e6)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Corrupt EXIF data" etc.: the pixels decide
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # Pillow only warns below 2x its limit
            im = Image.open(io.BytesIO(bytes(data_bytes)))
            w, h = im.size
            if w * h > max_pixels:  # checked on the header, before anything is decoded
                raise ImageError("the image is {w:,}x{h:,} pixels: {reason}", w=w, h=h, reason=too_big)
            frames = getattr(im, "n_frames", 1)
            if frames > 1:
                im.seek(0)
                notes.append(Message("used the first of {n} frames", n=frames))
            im.load()
            if im.getexif().get(0x0112, 1) in range(2, 9):  # EXIF orientation: phones store photos sideways
                im = ImageOps.exif_transpose(im)
                notes.append(Message("turned upright as its EXIF orientation says"))
            im = _standard_mode(im, notes).copy()  # a copy no longer refers to the file
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("the image is {reason}", reason=too_big) from None
    except UnidentifiedImageError:
        raise ImageError("this file is not an image, or not in a format Pillow can read (try PNG or JPEG)") from None
    except Exception as e:  # Pillow raises OSError, SyntaxError, struct.error, ... for damaged files
        raise ImageError("the image file is damaged or cut short: {reason}", reason=e) from None
    im.info["cnnviz_notes"] = tuple(notes)
    return im


def colour_picture(data_bytes: bytes, side: int) -> Picture:
    """Decode an upload (as `load_image_bytes`) into RGB pixels, its longer side scaled down to at most `side`.

    Returns:
        Picture: rgb (3, H, W) float64 0..255, the file's (W, H) and the decoding notes.
    Raises:
        ImageError as `load_image_bytes`.
    """
    from PIL import Image

    im = load_image_bytes(data_bytes)
    size, notes = im.size, tuple(im.info.get("cnnviz_notes", ()))
    if im.mode in ("LA", "RGBA"):  # transparent parts on white, as an image viewer shows them
        im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im.convert("RGBA"))
    im = im.convert("RGB")
    im.thumbnail((side, side), Image.LANCZOS)
    return Picture(np.asarray(im, dtype=np.float64).transpose(2, 0, 1), size, notes)


def shrink(image: np.ndarray, side: int) -> np.ndarray:
    """An image with its longer side cut to `side` pixels (Lanczos, channel by channel); smaller ones unchanged.

    Args:
        image: float (H, W) or (C, H, W), values 0..255.
    Returns:
        float64 of the same layout, clipped to 0..255; the input itself when it already fits.
    """
    h, w = image.shape[-2:]
    if max(h, w) <= side:
        return image
    scale = side / max(h, w)
    width, height = max(1, round(w * scale)), max(1, round(h * scale))
    if image.ndim == 2:
        return _resize(image, width, height)
    return np.stack([_resize(channel, width, height) for channel in image])


def grey(image: np.ndarray) -> np.ndarray:
    """An image (C, H, W) as grey float64 (H, W): a single channel as it is, colour by its luma (LUMA)."""
    a = np.asarray(image, dtype=np.float64)
    return a[0] if a.shape[0] == 1 else np.tensordot(LUMA, a, axes=1)


def _standard_mode(im, notes: list[str]):
    """A PIL image in mode L, LA, RGB or RGBA (palette, 1-bit, 16-bit, float and CMYK images converted)."""
    from PIL import Image

    mode = im.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode in ("P", "PA"):
        return im.convert("RGBA" if mode == "PA" or "transparency" in im.info else "RGB")
    if mode in ("La", "RGBa"):  # premultiplied alpha
        return im.convert("RGBA")
    if mode.startswith("I") or mode == "F":
        grey, note = _scale_255(np.asarray(im))
        if note:
            notes.append(note)
        return Image.fromarray(np.clip(np.round(grey), 0, 255).astype(np.uint8))
    notes.append(Message("converted {mode} to RGB", mode=mode))
    return im.convert("RGB")


def _scale_255(a: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Pixel values of any number type as float64 in 0..255, and a note when they had to be rescaled."""
    if a.dtype == bool:
        return a * 255.0, None
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise ImageError("image pixels must be numbers, got dtype {dtype}", dtype=a.dtype)
    f = a.astype(np.float64)
    if a.dtype == np.uint8:
        return f, None
    if not np.isfinite(f).all():
        raise ImageError("the image holds NaN or infinite values")
    lo, hi = float(f.min()), float(f.max())
    if a.dtype == np.uint16 or (np.issubdtype(a.dtype, np.integer) and lo >= 0 and 255 < hi <= 65535):
        return f / 257.0, Message("scaled 16-bit values to 8-bit")
    if np.issubdtype(a.dtype, np.floating) and lo >= 0 and hi <= 1:
        return f * 255.0, Message("scaled values 0..1 to 0..255")
    if lo >= 0 and hi <= 255:
        return f, None
    span = hi - lo
    return (f - lo) * (255.0 / span), Message("stretched values {lo:g}..{hi:g} to 0..255", lo=lo, hi=hi)


def _pixels_hwc(image, notes: list[str]) -> np.ndarray:
    """Any PIL image, numpy array or tensor as float64 (H, W, C) in 0..255, with C = 1, 2, 3 or 4."""
    from PIL import Image

    if isinstance(image, Image.Image):
        notes.extend(image.info.get("cnnviz_notes", ()))
        w, h = image.size
        if w * h > MAX_PIXELS:
            raise ImageError(
                "the image is {w:,}x{h:,} pixels; the limit is {mp:g} megapixels", w=w, h=h, mp=MAX_PIXELS / 1e6
            )
        try:
            a = np.asarray(_standard_mode(image, notes))
        except ImageError:
            raise
        except Exception as e:  # a lazily loaded file may turn out damaged only now
            raise ImageError("the image cannot be read: {reason}", reason=e) from None
    else:
        a = image.detach().cpu().numpy() if isinstance(image, torch.Tensor) else np.asarray(image)
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 2:
        a = a[..., None]
    elif a.ndim == 3 and a.shape[0] in _CHANNEL_COUNTS and a.shape[-1] not in _CHANNEL_COUNTS:
        a = a.transpose(1, 2, 0)  # (C, H, W), the layout of this project's datasets
    if a.ndim != 3 or a.shape[-1] not in _CHANNEL_COUNTS:
        raise ImageError(
            "an image must be (H, W), (H, W, C) or (C, H, W) with 1 to 4 channels, got {shape}", shape=a.shape
        )
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ImageError("the image has no pixels (shape {shape})", shape=a.shape)
    if a.shape[0] * a.shape[1] > MAX_PIXELS:
        raise ImageError(
            "the image is {w:,}x{h:,} pixels; the limit is {mp:g} megapixels",
            w=a.shape[1],
            h=a.shape[0],
            mp=MAX_PIXELS / 1e6,
        )
    f, note = _scale_255(a)
    if note:
        notes.append(note)
    return f


def _resize(channel: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize one float channel with an antialiasing Lanczos filter (Pillow's), clipped to 0..255."""
    from PIL import Image

    im = Image.fromarray(np.ascontiguousarray(channel, dtype=np.float32))  # mode F keeps the precision
    return np.clip(np.asarray(im.resize((width, height), Image.LANCZOS), dtype=np.float64), 0.0, 255.0)


def _centre_digit(g: np.ndarray, height: int, width: int, notes: list[str], steps: list | None = None) -> np.ndarray:
    """A grey image (H0, W0) made into an MNIST-style digit: light ink on black, 20 px box, centred by mass.
    A photo's uneven lighting is removed first (its steps go to `steps`)."""
    if min(g.shape) >= 3:
        border = np.concatenate([g[0], g[-1], g[1:-1, 0], g[1:-1, -1]])
        background = float(np.median(border))
    else:
        background = 0.0  # too small to have a border: assume MNIST's black
    if background > 127.5:
        g, background = 255.0 - g, 255.0 - background
        notes.append(Message("inverted: dark digit on light background"))
    photo = photo_ink(shrink(g, WORK_SIDE), notes, steps if steps is not None else []) if min(g.shape) >= 16 else None
    if photo is not None:
        g, background = photo, 0.0
    ink = np.clip(g - background, 0.0, None)
    peak = float(ink.max())
    if peak < 24:  # under a tenth of the full scale: paper texture or noise, not a stroke
        raise ImageError("the image is empty: no ink stands out from the background (draw or upload a digit)")
    if photo is None and (background >= 8 or peak < 250):
        notes.append(Message("removed the background level {level:.0f} and stretched the contrast", level=background))
    ink *= 255.0 / peak
    ink[ink < 25.5] = 0.0  # faint specks would widen the bounding box
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]  # (h, w)
    ch, cw = crop.shape
    notes.append(Message("cropped {w}x{h} to the ink: {cw}x{ch} px", w=g.shape[1], h=g.shape[0], cw=cw, ch=ch))
    box = max(1, round(DIGIT_BOX * min(height, width) / 28))
    longer = max(ch, cw)
    nw, nh = max(1, round(cw * box / longer)), max(1, round(ch * box / longer))
    small = _resize(crop, nw, nh)  # (nh, nw)
    notes.append(Message("scaled to {w}x{h} (longer side {box} px)", w=nw, h=nh, box=box))
    total = small.sum()
    cy = (np.arange(nh) @ small.sum(1)) / total if total > 0 else (nh - 1) / 2
    cx = (np.arange(nw) @ small.sum(0)) / total if total > 0 else (nw - 1) / 2
    top = int(np.clip(np.floor(height / 2 - cy + 0.5), 0, height - nh))
    left = int(np.clip(np.floor(width / 2 - cx + 0.5), 0, width - nw))
    out = np.zeros((height, width))
    out[top : top + nh, left : left + nw] = small
    notes.append(Message("centred by its centre of mass in {w}x{h}", w=width, h=height))
    return out


def prepare_image(image: PILImage | np.ndarray | torch.Tensor, info: data.DatasetInfo | str) -> PreparedImage:
    """Turn any image into the input a network trained on `info` expects.

    Digits are made the way MNIST was: light ink on black, cropped to the ink, longer side 20 px,
    centred by centre of mass in 28x28. Other datasets get their channel count and size.

    Args:
        image: a PIL image, or an array / tensor (H, W), (H, W, C) or (C, H, W) of any number type and size.
        info: the dataset the network was trained on (or its name).
    Returns:
        PreparedImage with uint8 (C, H, W), the normalised tensor (1, C, H, W) and notes.
    Raises:
        ImageError (a ValueError) for unreadable, oversized, fully transparent or (for digits) blank images.
    """
    info = data.get_info(info) if isinstance(info, str) else info
    notes: list[str] = []
    steps: list[tuple[str, np.ndarray]] = []
    px = _pixels_hwc(image, notes)  # (H0, W0, C0) float 0..255
    h0, w0 = px.shape[:2]
    channels, height, width = info.input_shape
    if px.shape[-1] in (2, 4):
        alpha = px[..., -1:] / 255.0
        if alpha.max() == 0:
            raise ImageError("the image is empty: it is fully transparent")
        visible = alpha[..., 0] > 0.5
        if info.is_digits and visible.any():
            # MNIST draws light ink on black, but a canvas may hold dark strokes on nothing: keep them visible
            on_black = px[..., :-1].mean(-1)[visible].mean() >= 128
        else:
            on_black = channels == 1  # grey MNIST-style datasets sit on black, photos on white
        px = px[..., :-1] * alpha + (0.0 if on_black else 255.0) * (1 - alpha)
        if alpha.min() < 1:
            notes.append(
                Message("composited the transparent parts onto black")
                if on_black
                else Message("composited the transparent parts onto white")
            )
    if px.shape[-1] == 3 and (channels == 1 or info.is_digits):
        if not (np.array_equal(px[..., 0], px[..., 1]) and np.array_equal(px[..., 1], px[..., 2])):
            notes.append(Message("converted colour to grey"))
        px = px @ LUMA[:, None]
    if info.is_digits:
        px = _centre_digit(px[..., 0], height, width, notes, steps)[..., None]  # (H, W, 1)
    elif (h0, w0) != (height, width):
        stretched = abs(w0 / h0 - width / height) > 0.01 * width / height
        px = np.stack([_resize(px[..., c], width, height) for c in range(px.shape[-1])], axis=-1)
        sizes = dict(w0=w0, h0=h0, w=width, h=height)
        notes.append(
            Message("resized {w0}x{h0} -> {w}x{h} (aspect ratio not kept)", **sizes)
            if stretched
            else Message("resized {w0}x{h0} -> {w}x{h}", **sizes)
        )
    if px.shape[-1] != channels:
        if channels != 3:
            raise ImageError(
                "cannot make a {want}-channel image from {got} channel(s)", want=channels, got=px.shape[-1]
            )
        px = np.repeat(px, 3, axis=-1)
        notes.append(Message("copied grey into the 3 colour channels"))
    u8 = np.clip(np.round(px), 0, 255).astype(np.uint8).transpose(2, 0, 1).copy()  # (C, H, W)
    tensor = data.normalize(torch.from_numpy(u8).unsqueeze(0), info)  # (1, C, H, W)
    if steps:
        steps.append((N_("cropped, scaled and centred: what the network sees"), u8[0]))
    return PreparedImage(u8, tensor, tuple(notes), tuple(steps))
