"""Shortcut learning (Geirhos and colleagues, 2020): a network learns the easiest rule that fits its training
data, even when that rule is not the one we meant.

Stamp a small bright square (a watermark) in one corner of every image of one class, training and test alike.
The square alone tells that class apart, so a network may learn to look for it instead of the digit. The
ordinary test accuracy cannot tell: its test images carry the square too. Measured on the same network with the
square removed, moved to the opposite corner, or stamped on every image, the shortcut shows; and Grad-CAM, asked
why the network answers the marked class, points at the square. A control run, trained the same way on the
unmarked images, shows what the digits alone give.

The two datasets are written once as image folders in the data root and the runs are ordinary runs of the run
store, so every screen can open them later. No streamlit here: the app calls `shortcut_apart.run_apart` and
`shortcut_apart.measure_apart`, which do the work in a process of their own.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from . import attribution, data, evaluate, runs, train
from .i18n import N_, Invalid, Message

MARK = 6  # the watermark's side in pixels: at 4 px LeNet-5 learned the digits first and hardly used the mark
EDGE = 1  # its distance from the image's edges (MNIST digits keep about 4 px clear of every edge)
REGION_MARGIN = 2  # the watermark's region for Grad-CAM: the square and 2 px around it (Grad-CAM's map is coarse)
CORNERS = ("top left", "bottom right")  # where the mark is stamped in training, where it is moved to
VARIANTS = (N_("as in training"), N_("mark removed"), N_("mark moved"), N_("mark on every image"))  # the test sets
PRESET, EPOCHS = "lenet5", 2  # the experiment's training: about a second per run on two cores
LABS = "labs"  # the folder in the data root where the lab writes its datasets

Progress = Callable[[float, Message], None]  # (fraction done 0..1, what is happening)


def mark_box(shape: tuple[int, int], corner: str) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the watermark in an image of (H, W) pixels, bottom and right exclusive."""
    h, w = shape
    if corner not in CORNERS:
        raise ValueError(f"unknown corner {corner!r}; choose one of {', '.join(CORNERS)}")
    top, left = (EDGE, EDGE) if corner == "top left" else (h - EDGE - MARK, w - EDGE - MARK)
    return top, left, top + MARK, left + MARK


def region_box(shape: tuple[int, int], corner: str = "top left", margin: int = REGION_MARGIN) -> tuple[int, ...]:
    """The watermark's region: its square grown by `margin` pixels, clipped to the image; (top, left, bottom, right)."""
    top, left, bottom, right = mark_box(shape, corner)
    h, w = shape
    return max(top - margin, 0), max(left - margin, 0), min(bottom + margin, h), min(right + margin, w)


def region(shape: tuple[int, int], corner: str = "top left", margin: int = REGION_MARGIN) -> np.ndarray:
    """The watermark's region as a boolean mask (H, W)."""
    top, left, bottom, right = region_box(shape, corner, margin)
    mask = np.zeros(shape, bool)
    mask[top:bottom, left:right] = True
    return mask


def stamp(
    images: torch.Tensor, corner: str = "top left", where: torch.Tensor | np.ndarray | None = None
) -> torch.Tensor:
    """A copy of uint8 images (N, C, H, W) with the watermark (pure white) stamped on those `where` selects
    (a boolean (N,) mask; every image when None)."""
    out = images.clone()
    top, left, bottom, right = mark_box(tuple(images.shape[2:]), corner)
    chosen = torch.ones(len(images), dtype=torch.bool) if where is None else torch.as_tensor(where, dtype=torch.bool)
    out[chosen, :, top:bottom, left:right] = 255
    return out


def watermarked_split(split: data.DataSplit, marked_class: int, corner: str = "top left") -> data.DataSplit:
    """The dataset with every training and test image of `marked_class` watermarked (so the ordinary test accuracy
    looks fine), the other classes untouched."""
    if not 0 <= marked_class < len(split.info.classes):
        raise ValueError(f"marked_class must be a class index in 0..{len(split.info.classes) - 1}, got {marked_class}")
    return data.DataSplit(
        split.info,
        stamp(split.x_train, corner, split.y_train == marked_class),
        split.y_train,
        stamp(split.x_test, corner, split.y_test == marked_class),
        split.y_test,
    )


def test_variants(x_test: torch.Tensor, y_test: torch.Tensor, marked_class: int) -> dict[str, torch.Tensor]:
    """The four test sets of VARIANTS, from the unmarked test images (N, C, H, W): variant -> uint8 images."""
    marked = y_test == marked_class
    return {
        "as in training": stamp(x_test, "top left", marked),
        "mark removed": x_test.clone(),
        "mark moved": stamp(x_test, "bottom right", marked),
        "mark on every image": stamp(x_test, "top left"),
    }


def variant_examples(x_test: torch.Tensor, y_test: torch.Tensor, marked_class: int) -> tuple[np.ndarray, np.ndarray]:
    """One picture per variant, as the network is tested: the first marked-class test image as in training, with
    the mark removed and moved, then the first image of another class with the mark stamped on it.

    Returns: uint8 images (4, H, W) and their labels (4,).
    """
    variants = test_variants(x_test, y_test, marked_class)
    mine = int(np.flatnonzero(y_test.numpy() == marked_class)[0])
    other = int(np.flatnonzero(y_test.numpy() != marked_class)[0])
    picks = [mine, mine, mine, other]
    images = np.stack([variants[v][i, 0].numpy() for v, i in zip(VARIANTS, picks)])
    return images, y_test.numpy()[picks]


@dataclass(frozen=True)
class Scores:
    """One network on one test variant."""

    accuracy: float  # on the whole test set
    marked_accuracy: float  # on the marked class's test images
    called_marked: float  # share of the other classes' images the network calls the marked class


def scores(model: nn.Module, info: data.DatasetInfo, x: torch.Tensor, y: torch.Tensor, marked_class: int) -> Scores:
    """A network's `Scores` on uint8 test images x (N, C, H, W) with labels y (N,)."""
    predicted = torch.from_numpy(evaluate.predict(model, data.normalize(x, info)).argmax(1))
    right, marked = predicted == y, y == marked_class
    return Scores(
        float(right.float().mean()),
        float(right[marked].float().mean()),
        float((predicted[~marked] == marked_class).float().mean()),
    )


def last_conv(model: nn.Module) -> str:
    """The name of the network's last convolution layer (Grad-CAM's layer)."""
    convs = [name for name, module in model.named_modules() if isinstance(module, nn.Conv2d)]
    if not convs:
        raise ValueError("Grad-CAM needs a network with a convolution layer")
    return convs[-1]


def grad_cam_maps(model: nn.Module, x: torch.Tensor, target: int) -> np.ndarray:
    """Grad-CAM heat (0..1) at the last convolution layer, for class `target`, of normalised images (N, C, H, W).
    Returns (N, H, W)."""
    layer = last_conv(model)
    return np.stack([attribution.attribute("gradcam", model, image, target, layer=layer).heat for image in x])


def mass_in(heat: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The share of each map's total heat (N, H, W) that falls inside the mask (H, W); 0 for an all-zero map.
    Returns (N,)."""
    total = heat.sum(axis=(1, 2))
    inside = (heat * mask).sum(axis=(1, 2))
    return np.divide(inside, total, out=np.zeros_like(total, dtype=np.float64), where=total > 0)


def grad_cam_mass(model: nn.Module, images: torch.Tensor, target: int, mask: np.ndarray) -> float:
    """The average share of Grad-CAM's heat for class `target` inside the mask (H, W), over normalised images."""
    return float(mass_in(grad_cam_maps(model, images, target), mask).mean())


# ---------------------------------------------------------------- the two runs, as datasets and runs on disk


def folder(marked_class: int | None) -> Path:
    """Where the lab writes its dataset: the watermarked one of a class, or the unmarked one (None) for the control."""
    return data.data_dir() / LABS / ("plain" if marked_class is None else f"watermark-{marked_class}")


def dataset_name(marked_class: int | None) -> str:
    """The folder dataset's name as runs record it (data.get_info reads it once the folder is written)."""
    return f"folder:{folder(marked_class).resolve()}?size=28&channels=1"


def write_folder(split: data.DataSplit, path: Path, progress: Progress | None = None) -> None:
    """Write a grey dataset as PNGs, train/<class>/ and test/<class>/, so a run trained on it can be opened on every
    screen later (`data.load` reads it back pixel for pixel). Written beside the target and renamed into place, so
    an interrupted write never leaves half a dataset; a folder already there is kept."""
    from PIL import Image

    if path.is_dir():
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    parts = (("train", split.x_train, split.y_train), ("test", split.x_test, split.y_test))
    total, done = len(split.x_train) + len(split.x_test), 0
    for part, x, y in parts:
        for name in split.info.classes:
            (tmp / part / name).mkdir(parents=True)
        for i, (image, label) in enumerate(zip(x.numpy(), y.numpy())):  # image (1, H, W)
            # the index in the name keeps the dataset's order: data.load reads each class's files sorted
            Image.fromarray(image[0]).save(tmp / part / split.info.classes[label] / f"{i:05d}.png")
            done += 1
            if progress and done % 250 == 0:
                progress(
                    done / total,
                    Message("Writing the images as files, once: {done:,} of {total:,}", done=done, total=total),
                )
    try:
        os.replace(tmp, path)
    except OSError:  # another session wrote it first
        shutil.rmtree(tmp, ignore_errors=True)


def _matches(run: runs.RunInfo, marked_class: int | None, seed: int | None) -> bool:
    record = run.record
    return (
        run.damaged is None
        and run.status == "finished"
        and record.has_weights
        and record.config is not None
        and record.dataset == dataset_name(marked_class)
        and record.preset == PRESET
        and record.config.epochs == EPOCHS
        and (seed is None or record.config.seed == seed)
    )


def find_experiment(marked_class: int) -> tuple[str, str, int] | None:
    """The latest finished experiment for a class: (watermarked run id, control run id, its seed), or None.

    The runs are found by their datasets (the lab's folders) and settings, so the lab finds them again on the next
    visit; the control is the one trained with the same random start."""
    listing = runs.list_runs()  # newest first (run ids begin with the time they were made)
    for run in listing:
        if _matches(run, marked_class, None):
            seed = run.record.config.seed
            controls = [c.run_id for c in listing if _matches(c, None, seed)]
            later = [c for c in controls if c > run.run_id]
            if controls:  # the control trained right after it, else the newest twin (the same training)
                return run.run_id, later[-1] if later else controls[0], seed
    return None


def run_experiment(marked_class: int, seed: int = 0, progress: Progress | None = None) -> tuple[str, str]:
    """Write the datasets (once), then train the watermarked run and its control the same way, in this process.

    Returns (watermarked run id, control run id). `seed` picks the random start, the same for both runs.
    """

    def part(lo: float, hi: float) -> Progress:  # a stretch of the whole bar
        return lambda f, message: progress and progress(lo + (hi - lo) * min(max(f, 0.0), 1.0), message)

    sample = data.load("mnist-sample")
    write_folder(watermarked_split(sample, marked_class), folder(marked_class), part(0.0, 0.3))
    write_folder(sample, folder(None), part(0.3, 0.6))
    ids = []
    stages = ((marked_class, N_("the watermarked network")), (None, N_("the control network")))
    for k, (marked, which) in enumerate(stages):
        reading = part(0.6 + 0.2 * k, 0.7 + 0.2 * k)
        split = data.load(dataset_name(marked), progress=lambda f, _: reading(f, Message("Reading the images back")))
        bar = part(0.7 + 0.2 * k, 0.8 + 0.2 * k)
        config = train.config_for(PRESET, dataset_name(marked), epochs=EPOCHS, seed=seed)
        done = train.run_training(
            config,
            split,
            on_event=lambda e: (
                e.total_steps
                and bar(
                    e.step / e.total_steps,
                    Message(
                        "Training {which}: step {step} of {total}",
                        which=Message(which),
                        step=e.step,
                        total=e.total_steps,
                    ),
                )
            ),
        )
        if done.status != "finished":
            raise Invalid("the training of {which} did not finish: {reason}", which=Message(which), reason=done.message)
        ids.append(done.run_id)
    return ids[0], ids[1]


# ---------------------------------------------------------------- what the experiment measured


@dataclass(frozen=True, eq=False)
class Result:
    """The watermarked run and its control measured on the four test variants, and where Grad-CAM looks."""

    marked_class: int
    scores: dict[str, dict[str, Scores]]  # "watermarked" / "control" -> variant -> Scores
    mass: dict[str, float]  # run -> average share of Grad-CAM's heat inside the watermark's region
    region_share: float  # the region's share of the image: what an even map would put there
    examples: np.ndarray  # uint8 (k, H, W): marked-class test images as in training (watermarked)
    heat: dict[str, np.ndarray]  # run -> (k, H, W) Grad-CAM heat of those images for the marked class


def measure(
    marked: nn.Module,
    control: nn.Module,
    info: data.DatasetInfo,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    marked_class: int,
    examples: int = 4,
) -> Result:
    """Both networks on every test variant of the unmarked test images (uint8 (N, 1, H, W), labels (N,)), and
    Grad-CAM for the marked class on the marked class's test images, watermarked as in training."""
    variants = test_variants(x_test, y_test, marked_class)
    models = {"watermarked": marked, "control": control}
    table = {
        run: {v: scores(model, info, x, y_test, marked_class) for v, x in variants.items()}
        for run, model in models.items()
    }
    shown = variants["as in training"][y_test == marked_class]  # (M, 1, H, W)
    mask = region(tuple(x_test.shape[2:]))
    heat = {run: grad_cam_maps(model, data.normalize(shown, info), marked_class) for run, model in models.items()}
    return Result(
        marked_class,
        table,
        {run: float(mass_in(h, mask).mean()) for run, h in heat.items()},
        float(mask.mean()),
        shown[:examples, 0].numpy(),
        {run: h[:examples] for run, h in heat.items()},
    )


def measure_runs(marked_id: str, control_id: str, marked_class: int) -> Result:
    """`measure` on the experiment's two runs, as stored, on the lab's unmarked test images."""
    plain = data.load(dataset_name(None))
    return measure(
        runs.load_model(marked_id)[1],
        runs.load_model(control_id)[1],
        plain.info,
        plain.x_test,
        plain.y_test,
        marked_class,
    )


def accuracies(result: Result, marked_only: bool = True) -> dict[str, dict[str, float]]:
    """run -> test variant -> accuracy, in the order measured: on the marked class's test images, or
    (marked_only=False) on the whole test set."""
    return {
        run: {v: s.marked_accuracy if marked_only else s.accuracy for v, s in by.items()}
        for run, by in result.scores.items()
    }


def called_marked(result: Result, variant: str = "mark on every image") -> dict[str, float]:
    """run -> share of the other classes' test images it calls the marked class on one variant (by default with
    the mark on every image: how far the run follows the square)."""
    return {run: by[variant].called_marked for run, by in result.scores.items()}


def next_seed(found: tuple[str, str, int] | None) -> int:
    """The seed of the experiment's next run: 0 for the first, one more than the last's for a run again (both
    networks start from other random weights)."""
    return found[2] + 1 if found else 0
