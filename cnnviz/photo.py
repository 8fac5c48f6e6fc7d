"""A photographed digit cleaned up for `images.prepare_image`: light ink on a dark but unevenly lit background
becomes the ink alone on black.

The lighting is estimated by a grey opening (a minimum then a maximum filter wider than any stroke) and removed,
the ink is found by Otsu's threshold, and its connected regions are kept when large enough, specks and the
paper's edge dropped. Each step is kept as a picture, for the input picker to show.
"""

from __future__ import annotations

import numpy as np

from .i18n import N_, Message

WORK_SIDE = 160  # a photo's lighting is evened out at this size: plenty for a 20-pixel digit, and fast
UNEVEN_LIGHTING = 20  # grey levels between the darkest and brightest lighting: above this it is a photo, not a drawing
TWO_TONE_LEVELS, TWO_TONE_SHARE = 8, 0.97  # a drawing: 97% of its pixels within 8 levels of its darkest or brightest


def _grey_u8(g: np.ndarray) -> np.ndarray:
    return np.clip(np.round(g), 0, 255).astype(np.uint8)


def _lighting(g: np.ndarray) -> np.ndarray:
    """The lighting under light strokes on a darker background: the strokes opened away (a minimum then a maximum
    filter wider than any stroke), then blurred smooth."""
    from PIL import Image, ImageFilter

    size = max(3, (max(g.shape) // 5) | 1)  # odd, a fifth of the photo: wider than any pen stroke
    im = Image.fromarray(_grey_u8(g)).filter(ImageFilter.MinFilter(size)).filter(ImageFilter.MaxFilter(size))
    return np.asarray(im.filter(ImageFilter.GaussianBlur(size / 2)), dtype=np.float64)


def _otsu(values: np.ndarray) -> float:
    """Otsu's threshold: the grey level that best splits the values into two classes (most between-class variance)."""
    hist = np.bincount(_grey_u8(values).ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    weight = np.cumsum(hist)
    mass = np.cumsum(hist * levels)
    total, total_mass = weight[-1], mass[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mass * weight - total * mass) ** 2 / (weight * (total - weight))
    return float(np.nanargmax(between[:-1]))


def _regions(mask: np.ndarray) -> np.ndarray:
    """Labels of the 8-connected regions of a boolean mask (0: not in the mask), by flood fill."""
    labels = np.zeros(mask.shape, np.int32)
    h, w = mask.shape
    count = 0
    for start in zip(*np.nonzero(mask)):
        if labels[start]:
            continue
        count += 1
        labels[start] = count
        stack = [start]
        while stack:
            y, x = stack.pop()
            for ny in (y - 1, y, y + 1):
                for nx in (x - 1, x, x + 1):
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not labels[ny, nx]:
                        labels[ny, nx] = count
                        stack.append((ny, nx))
    return labels


def photo_ink(g: np.ndarray, notes: list[str], steps: list) -> np.ndarray | None:
    """Light strokes on a dark but unevenly lit background -> the strokes alone on black, or None when the lighting
    is even (a drawing, a scan, an MNIST image: those keep the plain path).

    `g` is grey float (H, W), its longer side at most WORK_SIDE (the caller shrinks it: `images.shrink`); what was
    done goes to `notes`, each step's picture to `steps`."""
    from PIL import Image, ImageFilter

    low, high = float(g.min()), float(g.max())
    if np.mean((g <= low + TWO_TONE_LEVELS) | (g >= high - TWO_TONE_LEVELS)) >= TWO_TONE_SHARE:
        return None  # ink and paper and hardly a tone between: a drawing or a clean graphic, whatever its shapes
    lighting = _lighting(g)
    if np.percentile(lighting, 98) - np.percentile(lighting, 2) <= UNEVEN_LIGHTING:
        return None
    ink = np.clip(g - lighting, 0.0, None)
    threshold = _otsu(ink)
    labels = _regions(ink > threshold)
    areas = np.bincount(labels.ravel())[1:]
    if not len(areas):
        return None
    keep = np.flatnonzero(areas >= 0.15 * areas.max()) + 1  # the digit's parts; specks and paper grain go
    border = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))) - {0}
    inner = [k for k in keep if k not in border]  # a shadow or the paper's edge touches the border; a digit need not
    keep = inner or list(keep)
    strokes = np.isin(labels, keep)
    near = np.asarray(Image.fromarray(strokes.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(3))) > 0
    kept = np.where(near, ink, 0.0)  # the strokes with their soft edges
    notes.append(
        Message(
            "a photo: evened out its lighting and kept the ink ({n} region(s), threshold {level:.0f})",
            n=len(keep),
            level=threshold,
        )
    )

    def stretched(a: np.ndarray) -> np.ndarray:
        return a * (255.0 / max(float(a.max()), 1.0))

    for title, image in (
        (N_("the photo in grey, ink made light"), g),
        (N_("its lighting, estimated"), lighting),
        (N_("lighting removed"), stretched(ink)),
        (N_("the ink: Otsu's threshold, specks dropped"), stretched(kept)),
    ):
        steps.append((title, _grey_u8(image)))
    return kept
