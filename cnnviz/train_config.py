"""The training settings: `TrainConfig`, everything that decides a run, checked before anything trains; the
optimisers and schedules it may name, and a learning rate as typed in a box (`parse_lr`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from . import cost
from .arch import ArchSpec, infer_shapes
from .i18n import Invalid

OPTIMIZERS = ("adam", "sgd", "adadelta", "rmsprop")
DEFAULT_LR = {"adam": 6e-3, "sgd": 0.05, "adadelta": 1.0, "rmsprop": 1e-3}
SCHEDULES = ("onecycle", "constant")
FIRST_LAYER_MODES = ("learned", "handcrafted")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run (with the seed, the same config gives the same run on the CPU)."""

    spec: ArchSpec
    dataset: str = "mnist-sample"
    optimizer: str = "adam"
    lr: float | None = None  # None: the optimiser's default from DEFAULT_LR
    batch_size: int = 64
    epochs: int = 3
    seed: int = 0
    val_fraction: float = 0.1
    schedule: str = "onecycle"
    device: str = "auto"
    snapshots: int = 20
    preset: str | None = None
    first_layer: str = "learned"  # or "handcrafted": conv1 fixed to kernel_catalogue.handcrafted_bank, the rest learns
    augment: bool = False  # every batch shifted and turned a little (augment.py): for tiny datasets

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.optimizer]

    def validate(self) -> None:
        """Raise ValueError with a plain message for any setting that cannot train."""
        if self.optimizer not in OPTIMIZERS:
            raise Invalid(
                "unknown optimizer {got!r}; choose one of {names}", got=self.optimizer, names=", ".join(OPTIMIZERS)
            )
        if self.schedule not in SCHEDULES:
            raise Invalid(
                "unknown schedule {got!r}; choose one of {names}", got=self.schedule, names=", ".join(SCHEDULES)
            )
        lr = self.learning_rate
        if not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
            raise Invalid("the learning rate must be a positive number, got {got}", got=lr)
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise Invalid("the batch size must be at least 1, got {got}", got=self.batch_size)
        if not isinstance(self.epochs, int) or not 1 <= self.epochs <= 1000:
            raise Invalid("epochs must be between 1 and 1000, got {got}", got=self.epochs)
        if not 0 <= self.val_fraction <= 0.5:
            raise Invalid("the validation fraction must be between 0 and 0.5, got {got}", got=self.val_fraction)
        if not isinstance(self.augment, bool):
            raise Invalid("augment must be true or false, got {got!r}", got=self.augment)
        if self.first_layer not in FIRST_LAYER_MODES:
            raise Invalid(
                "first_layer must be one of {names}, got {got!r}",
                names=", ".join(FIRST_LAYER_MODES),
                got=self.first_layer,
            )
        if self.first_layer == "handcrafted" and not any(layer.type == "conv" for layer in self.spec.layers):
            raise Invalid("a handcrafted first layer needs a network with a convolution layer")
        if self.device not in ("auto", "cpu", "cuda"):
            raise Invalid("device must be auto, cpu or cuda, got {got!r}", got=self.device)
        if self.device == "cuda" and not torch.cuda.is_available():
            raise Invalid("device cuda was asked for, but no CUDA GPU is available here")
        infer_shapes(self.spec)
        cost.check_limits(self.spec, self.batch_size, self.optimizer)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["spec"] = self.spec.to_dict()
        d["lr"] = self.learning_rate
        return d

    @staticmethod
    def from_dict(d: dict) -> TrainConfig:
        """The config stored in a run's run.json (`to_dict`'s output); ValueError if it is not one."""
        if not isinstance(d, dict) or not isinstance(d.get("spec"), dict):
            raise Invalid("the stored training settings are not a settings object with an architecture")
        known = {f for f in TrainConfig.__dataclass_fields__}
        try:
            return TrainConfig(**{**{k: v for k, v in d.items() if k in known}, "spec": ArchSpec.from_dict(d["spec"])})
        except TypeError as e:
            raise Invalid("the stored training settings cannot be read: {reason}", reason=e) from None


def parse_lr(text: str | None, required: bool = False) -> float | None:
    """A learning rate as typed in a box: None for an empty box (the optimiser's default), unless `required`.

    Raises:
        Invalid: for anything but a positive finite number (or an empty box when `required`), repeating the text
            as typed.
    """
    text = (text or "").strip()
    if not text:
        if required:
            raise Invalid("type a learning rate first")
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise Invalid("the learning rate must be a positive number such as 0.001, got {value}", value=text)
    return value
