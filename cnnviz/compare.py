"""Comparing runs: one row per run for the comparison table, and the run's twin with the other first layer.

Everything reads the typed run record (`runs.read_run(...).record`), never run.json itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from . import runs
from .i18n import Invalid
from .record import RunRecord
from .train_config import TrainConfig

TWIN_SETTINGS = ("spec", "dataset", "optimizer", "lr", "batch_size", "epochs", "seed", "first_layer")


@dataclass(frozen=True)
class RunSummary:
    """What the comparison table shows of one run."""

    run_id: str
    label: str  # short, for legends: preset, first-layer mode and the id's random tail
    dataset: str
    classes: tuple[str, ...]
    first_layer: str  # "learned" or "handcrafted"
    test_accuracy: float | None
    params: int | None
    train_seconds: float | None
    images_per_second: float | None
    epochs: float | None


def summarise(record: RunRecord) -> RunSummary:
    """The comparison row of a run."""
    first = record.first_layer
    label = f"{record.name}{' (handcrafted conv1)' if first == 'handcrafted' else ''} #{record.run_id[-4:]}"
    return RunSummary(
        record.run_id,
        label,
        record.dataset,
        tuple(map(str, record.classes)),
        first,
        record.test_accuracy,
        record.params,
        record.train_seconds,
        record.images_per_second,
        record.epochs_done,
    )


def twin_config(record: RunRecord) -> TrainConfig:
    """The run's training setup with the other first-layer mode (learned <-> handcrafted), all else equal.

    Raises: Invalid when the run did not record its settings, or when they cannot train with the other mode
    (a handcrafted first layer needs a convolution).
    """
    if record.config is None:
        raise Invalid("run {run_id} does not record its training setup, so it cannot be repeated", run_id=record.run_id)
    other = "learned" if record.first_layer == "handcrafted" else "handcrafted"
    config = dataclasses.replace(record.config, first_layer=other)
    config.validate()
    return config


def find_twins(record: RunRecord, listing: list[runs.RunInfo]) -> list[runs.RunInfo]:
    """The runs of `listing` (in its order, any status) with this run's setup but the other first-layer mode.

    Args: listing: the run store's runs, as `runs.list_runs()` gives them (newest first).
    """
    want = twin_config(record).to_dict()
    return [
        r
        for r in listing
        if r.record is not None
        and r.run_id != record.run_id
        and r.record.config is not None
        and all(r.record.config.to_dict()[k] == want[k] for k in TWIN_SETTINGS)
    ]


def shared_classes(summaries: list[RunSummary]) -> tuple[tuple[str, ...], list[int]]:
    """The class names most of the runs share (the first such group on a tie), and the positions of those runs.

    Class-by-class views can only set side by side runs trained on the same classes.
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    for n, s in enumerate(summaries):
        groups.setdefault(s.classes, []).append(n)
    return max(groups.items(), key=lambda kv: len(kv[1]))
