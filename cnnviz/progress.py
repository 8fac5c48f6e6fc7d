"""How far a training run has got: the numbers the Train screen shows while it trains and after it ended, and the
runs still queued or training.

Read from what the store already holds (the run's record and the tail of its metrics.jsonl), never from the
training process, so every tab, server and the command line see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import runs
from .record import RunRecord


@dataclass(frozen=True)
class Progress:
    """A run's progress (None: not known yet, or not for a run in this state)."""

    step: int  # steps done
    total_steps: int  # 0 until the training process has planned them
    epoch: float  # the steps done counted in epochs
    epochs: int | None  # the epochs asked for
    fraction: float  # of the steps done, 0..1
    images_per_second: float | None  # over the last logged steps while live; the run's average once it ended
    seconds_left: float | None  # the trainer's own estimate, live runs only
    train_seconds: float | None  # forward, backward and optimiser steps, once the run ended
    train_loss: float | None  # the mean of the last logged steps
    val_acc: float | None  # after the last epoch
    lr: float | None  # at the last logged step


def of_run(record: RunRecord, records: list[dict], live: bool) -> Progress:
    """A run's progress from its record and its latest metric records.

    Args:
        record: the run's run.json.
        records: its newest metric records, oldest first (`metrics.last_records`): 'step' and 'epoch' ones.
        live: the run is queued or training (`runs.LIVE`); an ended run counts the steps its record says it did.
    Returns:
        The Progress.
    """
    last = next((r for r in reversed(records) if r.get("kind") == "step"), None)
    last_epoch = next((r for r in reversed(records) if r.get("kind") == "epoch"), None)
    logged = last["step"] if last else 0
    step = logged if live or record.steps_done is None else record.steps_done
    total = record.total_steps or 0
    return Progress(
        step=step,
        total_steps=total,
        epoch=step / record.steps_per_epoch if record.steps_per_epoch else 0.0,
        epochs=record.epochs,
        fraction=min(step / total, 1.0) if total else 0.0,
        images_per_second=(last or {}).get("images_per_second") if live else record.images_per_second,
        # the trainer's estimate: wall-clock time per step so far (pauses left out) times the steps left
        seconds_left=(last or {}).get("eta") if live else None,
        train_seconds=None if live else record.train_seconds,
        train_loss=(last or {}).get("train_loss"),
        val_acc=(last_epoch or {}).get("val_acc"),
        lr=(last or {}).get("lr"),
    )


def epoch_seconds(record: RunRecord) -> tuple[float, float] | None:
    """Seconds per epoch as estimated before training and as it really took (pauses left out) for a run that
    recorded both, else None.

    Returns:
        (estimated, taken), both > 0, or None.
    """
    estimate, active, epochs = record.estimated_seconds_per_epoch, record.active_seconds, record.epochs_done
    if not all(v is not None and v > 0 for v in (estimate, active, epochs)):
        return None
    return estimate, active / epochs


def live_runs(listing: list[runs.RunInfo]) -> list[runs.RunInfo]:
    """The runs of a listing that are queued or training, in any process, oldest first."""
    return sorted((r for r in listing if not r.damaged and r.status in runs.LIVE), key=lambda r: r.run_id)
