"""Whether a network and its settings fit a dataset, and the seeded hold-out of its training images.

`fit_problem` is the one rule for a network and a dataset (the Architecture and Train screens ask it before a run is
made); `check_fits` adds the batch rule; `split_sizes` and `split_validation` split the training images as every
training (and the exported script) splits them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from . import data
from .arch import ArchSpec, infer_shapes
from .i18n import Invalid, Message

if TYPE_CHECKING:
    from .train_config import TrainConfig


def split_sizes(n: int, fraction: float = 0.1) -> tuple[int, int]:
    """(training, validation) images when `fraction` of n training images is held back for validation."""
    n_val = int(round(n * fraction))
    return n - n_val, n_val


def split_validation(n: int, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded, fixed permutation of n training indices split into (train, validation)."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed + 1))
    n_val = split_sizes(n, fraction)[1]
    return perm[n_val:], perm[:n_val]


def fit_problem(spec: ArchSpec, info: data.DatasetInfo) -> Message | None:
    """Why a network cannot train on a dataset, or None when it fits: it must take the dataset's images and end in
    one output per class.

    Args:
        spec: the network (its layers must be valid: `arch.SpecError` otherwise).
        info: the dataset (its input shape (C, H, W) and class names).
    Returns:
        The problem as an i18n Message, or None.
    """
    if tuple(spec.input_shape) != tuple(info.input_shape):
        return Message(
            "the network expects inputs {want} but {dataset} gives {got}",
            want=_shape(spec.input_shape),
            dataset=info.name,
            got=_shape(info.input_shape),
        )
    out_shape = infer_shapes(spec)[-1].output_shape if spec.layers else tuple(spec.input_shape)
    if tuple(out_shape) != (len(info.classes),):
        return Message(
            "the network must end in a dense layer of {n} units, one per class of {dataset}, but its output is {shape}",
            n=len(info.classes),
            dataset=info.name,
            shape=_shape(out_shape),
        )
    return None


def _shape(shape) -> str:
    return "\u00d7".join(map(str, shape))


def check_fits(config: TrainConfig, split: data.DataSplit) -> None:
    """Raise ValueError unless the network fits the dataset (`fit_problem`) and a batch fits in the training images
    (before any run or process is made for it)."""
    n_train = split_sizes(len(split.x_train), config.val_fraction)[0]
    if config.batch_size > n_train:
        raise Invalid(
            "the batch size {batch} is larger than the {n:,} training images", batch=config.batch_size, n=n_train
        )
    problem = fit_problem(config.spec, split.info)
    if problem:
        raise Invalid(problem)
