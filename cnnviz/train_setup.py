"""A training prepared before its first step: the network on its device, the data normalised there once and
split, the optimiser and the step plan (`prepare`), and the run folder opened with everything known by then
(`open_run`).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import nn

from . import __version__, cost, data
from .arch import build
from .fits import split_validation
from .optim import fix_first_layer, make_optimizer, pick_device
from .run_writer import RunWriter

if TYPE_CHECKING:
    from .train_config import TrainConfig

LOG_POINTS_PER_EPOCH = 20


def versions() -> dict:
    return {"cnnviz": __version__, "torch": torch.__version__, "python": platform.python_version()}


@dataclass
class Setup:
    """What the loop needs, prepared once: model, optimiser, the data on the device, the step plan."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    device: torch.device
    x_train: torch.Tensor  # (N, C, H, W), normalised
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    steps_per_epoch: int
    total_steps: int
    log_every: int
    snapshot_steps: set[int]
    augment: torch.Generator | None  # draws each batch's moves when the run augments its images


def prepare(config: TrainConfig, split: data.DataSplit) -> Setup:
    """Everything the loop needs for `config` on `split`, made once (seeded from `config.seed`)."""
    device = pick_device(config.device)
    torch.manual_seed(config.seed)
    model = build(config.spec).to(device)
    if config.first_layer == "handcrafted":
        fix_first_layer(model)
    # Whole dataset on the device, normalised once: an epoch is then pure indexing, no per-image work.
    train_idx, val_idx = split_validation(len(split.x_train), config.val_fraction, config.seed)
    x_all = data.normalize(split.x_train, split.info).to(device)  # (N, C, H, W)
    y_all = split.y_train.to(device)
    x_train, y_train = x_all[train_idx.to(device)], y_all[train_idx.to(device)]
    x_val, y_val = x_all[val_idx.to(device)], y_all[val_idx.to(device)]
    steps_per_epoch = len(x_train) // config.batch_size  # the ragged last batch is dropped: batches train evenly
    total_steps = steps_per_epoch * config.epochs
    snapshot_steps = {round(i * total_steps / max(config.snapshots - 1, 1)) for i in range(config.snapshots)}
    optimizer = make_optimizer(
        config.optimizer, [p for p in model.parameters() if p.requires_grad], config.learning_rate
    )
    return Setup(
        model,
        optimizer,
        device,
        x_train,
        y_train,
        x_val,
        y_val,
        steps_per_epoch,
        total_steps,
        max(1, steps_per_epoch // LOG_POINTS_PER_EPOCH),
        snapshot_steps,
        torch.Generator().manual_seed(config.seed + 2) if config.augment else None,
    )


def _estimate(config: TrainConfig, s: Setup) -> float | None:
    """The builder's estimate of an epoch, when this machine's calibration for these threads is cached."""
    if s.device.type != "cpu":
        return None
    cal = cost.cached_calibration(torch.get_num_threads())
    if cal is None:
        return None
    return round(cost.epoch_seconds(config.spec, len(s.x_train), len(s.x_val), config.batch_size, cal), 3)


def open_run(config: TrainConfig, info: data.DatasetInfo, s: Setup, params: int, run_id: str | None, lock) -> RunWriter:
    """The run folder with everything known before the first step (a queued run's folder is taken over)."""
    return RunWriter(
        {
            "preset": config.preset,
            "spec": config.spec.to_dict(),
            "dataset": info.name,
            "dataset_title": info.title,
            "classes": list(info.classes),
            "input_shape": list(info.input_shape),
            "config": config.to_dict(),
            "params": params,
            "versions": versions(),
            "device": str(s.device),
            "train_images": len(s.x_train),
            "val_images": len(s.x_val),
            "steps_per_epoch": s.steps_per_epoch,
            "total_steps": s.total_steps,
            "estimated_seconds_per_epoch": _estimate(config, s),
            "threads": torch.get_num_threads(),
        },
        label=config.preset or config.spec.name,
        run_id=run_id,
        lock=lock,
    )
