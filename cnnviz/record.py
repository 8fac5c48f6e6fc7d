"""The typed run record: a run's run.json, read once and checked, as one frozen dataclass.

`runs.read_run` checks every field a screen reads (`meta_problem`, below); a run that passes gets a
`RunRecord` (`RunInfo.record`), so screens, the command line and the exporters read `record.dataset`,
`record.spec` or `record.config.epochs` instead of loose `meta[...]` lookups. The raw dict stays with
the store (`RunInfo.meta`), which is the only code that writes run.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .arch import ArchSpec
from .i18n import Message

if TYPE_CHECKING:
    from .train_config import TrainConfig


@dataclass(frozen=True)
class RunRecord:
    """What a run's run.json says about it (None where a run does not have it yet, e.g. queued ones)."""

    run_id: str
    status: str  # as stored; `RunInfo.status` also knows "interrupted" (a live status whose process died)
    dataset: str
    spec: ArchSpec
    config: TrainConfig | None = None  # None only for runs written without their settings (old or hand-made)
    classes: tuple[str, ...] = ()  # empty until the training process has loaded the dataset
    dataset_title: str | None = None  # a folder dataset's title, stored because the folder may be gone
    preset: str | None = None
    weights_sha256: str | None = None
    weights_bytes: int | None = None
    params: int | None = None
    test_accuracy: float | None = None
    test_loss: float | None = None
    val_accuracy: float | None = None
    epochs_done: float | None = None
    steps_done: int | None = None
    steps_per_epoch: int | None = None
    total_steps: int | None = None
    train_images: int | None = None
    val_images: int | None = None
    train_seconds: float | None = None  # of training, pauses excluded
    active_seconds: float | None = None
    paused_seconds: float | None = None
    images_per_second: float | None = None
    estimated_seconds_per_epoch: float | None = None
    threads: int | None = None  # of the training process
    device: str | None = None  # where it trained: "cpu", "cuda"
    message: str | None = None  # why a run failed or stopped
    created: str | None = None
    ended: str | None = None
    owner: str | None = None  # the browser session that queued it (the queue's per-session limit)
    executor: str | None = None  # "local" or "ray" once launched
    submitted: float | None = None  # when it was queued (time.time()), the queue's order
    versions: dict = field(default_factory=dict)

    @property
    def has_weights(self) -> bool:
        return self.weights_sha256 is not None

    @property
    def first_layer(self) -> str:
        """ "learned", or "handcrafted" for a run whose first conv layer was fixed to handcrafted kernels."""
        return self.config.first_layer if self.config else "learned"

    @property
    def name(self) -> str:
        """The network's short name: the preset, else the spec's own name."""
        return self.preset or self.spec.name or "run"

    @property
    def epochs(self) -> int | None:
        """The epochs asked for (epochs_done says how many ran)."""
        return self.config.epochs if self.config else None

    @staticmethod
    def from_meta(meta: dict) -> RunRecord:
        """A record from a run.json that `meta_problem` passed; ValueError when its settings cannot be read."""
        from .train_config import TrainConfig  # its checks import cost, which imports the store: not at the top

        config = TrainConfig.from_dict(meta["config"]) if "config" in meta else None
        known = RunRecord.__dataclass_fields__
        plain = {k: v for k, v in meta.items() if k in known and k not in ("spec", "config", "classes", "versions")}
        versions = meta.get("versions")
        return RunRecord(
            **plain,
            spec=ArchSpec.from_dict(meta["spec"]),
            config=config,
            classes=tuple(meta.get("classes") or ()),
            versions=dict(versions) if isinstance(versions, dict) else {},
        )


# ---------------------------------------------------------------- what a run.json must hold to be shown

STATUSES = ("queued", "starting", "running", "finished", "stopped", "failed", "interrupted")
MAX_CLASSES = 1000


def _is_number(value, lo: float = 0.0, hi: float = float("inf")) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and lo <= value <= hi


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _optional_number(value) -> bool:
    return value is None or _is_number(value)


# run.json fields the screens read: the check each must pass when present (None allowed where a run may lack it)
_META_CHECKS = {
    "dataset": lambda v: isinstance(v, str) and 0 < len(v) <= 4096,
    "dataset_title": lambda v: isinstance(v, str) and len(v) <= 4096,
    "preset": lambda v: v is None or (isinstance(v, str) and len(v) <= 100),
    "config": lambda v: isinstance(v, dict),
    "test_accuracy": lambda v: v is None or _is_number(v, 0, 1),
    "val_accuracy": lambda v: v is None or _is_number(v, 0, 1),
    "test_loss": _optional_number,
    "weights_sha256": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) is not None,
    "weights_bytes": _count,
    "params": _count,
    "train_seconds": _optional_number,
    "active_seconds": _optional_number,
    "paused_seconds": _optional_number,
    "images_per_second": _optional_number,
    "estimated_seconds_per_epoch": _optional_number,
    "epochs_done": _is_number,
    "steps_done": _count,
    "steps_per_epoch": _count,
    "total_steps": _count,
    "train_images": _count,
    "val_images": _count,
    "threads": _count,
    "device": lambda v: isinstance(v, str) and len(v) <= 100,
    "submitted": _optional_number,
    "message": lambda v: isinstance(v, str),
    "owner": lambda v: isinstance(v, str),
    "executor": lambda v: isinstance(v, str),
    "created": lambda v: isinstance(v, str),
    "ended": lambda v: isinstance(v, str),
}


# run.json -> ((inode, mtime, size), its problem, its record)
def _text(value) -> bool:
    return isinstance(value, str) and len(value) <= 4096


# the stored training settings (TrainConfig.to_dict): the check each must pass when present
_CONFIG_CHECKS = {
    "dataset": _text,
    "optimizer": _text,
    "schedule": _text,
    "device": _text,
    "lr": lambda v: _is_number(v),
    "batch_size": lambda v: _count(v) and v >= 1,
    "epochs": _count,
    "snapshots": _count,
    "seed": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "val_fraction": lambda v: _is_number(v, 0, 0.5),
    "preset": lambda v: v is None or _text(v),
    "first_layer": lambda v: v in ("learned", "handcrafted"),
    "augment": lambda v: isinstance(v, bool),
}


def _config_problem(config: dict) -> Message | None:
    for key, ok in _CONFIG_CHECKS.items():
        if key in config and not ok(config[key]):
            return Message("has invalid training settings: {key!r} is {got!r}", key=key, got=str(config[key])[:60])
    return None


def meta_problem(meta: object) -> Message | None:
    """What is wrong with a run.json's content (None when every field a screen reads has the right type,
    its architecture can be built within the limits, and it ends in one output per class)."""
    from . import arch, cost

    if not isinstance(meta, dict):
        return Message("is not a JSON object")
    if meta.get("status") not in STATUSES:
        return Message("has no valid status (got {got!r})", got=str(meta.get("status"))[:40])
    for key, ok in _META_CHECKS.items():
        if key in meta and not ok(meta[key]):
            return Message("has an invalid {key!r}: {got!r}", key=key, got=str(meta[key])[:60])
    if "weights_sha256" in meta and "weights_bytes" not in meta:
        return Message("has a weights checksum but no weights size")
    classes = meta.get("classes")
    # a run not yet claimed by its process (or that ended before) has no classes, and nothing reads them
    unclaimed = classes is None and meta["status"] != "running" and "weights_sha256" not in meta
    if not unclaimed and not (
        isinstance(classes, list) and 1 <= len(classes) <= MAX_CLASSES and all(isinstance(c, str) for c in classes)
    ):
        return Message("has no valid list of class names (got {got!r})", got=str(classes)[:60])
    try:
        spec = arch.ArchSpec.from_dict(meta.get("spec"))
        rows = arch.infer_shapes(spec)
        cost.check_limits(spec, 1)
    except ValueError as e:  # SpecError and TooLarge are ValueErrors
        # a planted run.json may hold values of any length: a long reason is cut, at the cost of its translation
        return Message(
            "has an architecture that cannot be used: {reason}", reason=e if len(str(e)) <= 200 else str(e)[:200]
        )
    if "config" in meta:
        problem = _config_problem(meta["config"])
        if problem:
            return problem
        try:
            from .train_config import TrainConfig  # its checks import cost, which imports the store: not at the top

            TrainConfig.from_dict(meta["config"])
        except ValueError as e:
            return Message("has training settings that cannot be read: {reason}", reason=e)
    if list(meta.get("input_shape", spec.input_shape)) != list(spec.input_shape):
        return Message("has an input shape that differs from its architecture's")
    out = rows[-1].output_shape if rows else tuple(spec.input_shape)
    if classes is not None and out != (len(classes),):
        return Message(
            "has an architecture with output {shape} for {n} classes", shape="x".join(map(str, out)), n=len(classes)
        )
    return None
