"""The typed run record: a run's run.json, read once and checked, as one frozen dataclass.

`runs.read_run` checks every field a screen reads (`runs.meta_problem`); a run that passes gets a
`RunRecord` (`RunInfo.record`), so screens, the command line and the exporters read `record.dataset`,
`record.spec` or `record.config.epochs` instead of loose `meta[...]` lookups. The raw dict stays with
the store (`RunInfo.meta`), which is the only code that writes run.json.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .arch import ArchSpec

if TYPE_CHECKING:
    from .train import TrainConfig


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
        """"learned", or "handcrafted" for a run whose first conv layer was fixed to handcrafted kernels."""
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
        """A record from a run.json that `runs.meta_problem` passed; ValueError when its settings cannot be read."""
        from .train import TrainConfig  # train writes runs, so it imports the store: not at the top

        config = TrainConfig.from_dict(meta["config"]) if "config" in meta else None
        known = RunRecord.__dataclass_fields__
        plain = {k: v for k, v in meta.items() if k in known and k not in ("spec", "config", "classes", "versions")}
        versions = meta.get("versions")
        return RunRecord(**plain, spec=ArchSpec.from_dict(meta["spec"]), config=config,
                         classes=tuple(meta.get("classes") or ()),
                         versions=dict(versions) if isinstance(versions, dict) else {})
