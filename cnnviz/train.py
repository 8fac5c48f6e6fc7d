"""The training loop: trains a spec on a dataset into a new run, yielding progress events.

The app's training processes (`jobs`), the command line, the benchmarks and the tests all train
through `train()`, so what one shows is what the others measure. The settings are a `train_config.TrainConfig`
(`config_for` makes one for a preset on a dataset); a training is prepared in `train_setup`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterator

import torch
import torch.nn.functional as F

from . import augment, data
from .arch import count_torch_params
from .control import Control
from .fits import check_fits
from .optim import evaluate, grad_norms, one_cycle_lr, snapshot_tensors
from .presets import preset_spec
from .run_writer import RunWriter
from .train_config import TrainConfig
from .train_setup import Setup, open_run, prepare

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO


@dataclass
class Event:
    """One progress report. kind: 'start', 'step' (logged train metrics), 'epoch' (with validation), 'done'."""

    kind: str
    run_id: str
    step: int = 0
    total_steps: int = 0
    epoch: float = 0.0
    loss: float | None = None
    train_acc: float | None = None
    val_loss: float | None = None
    val_acc: float | None = None
    lr: float = 0.0
    images_per_second: float = 0.0
    elapsed: float = 0.0
    eta: float | None = None
    status: str = "running"
    message: str = ""
    test_accuracy: float | None = None
    extra: dict = field(default_factory=dict)


def train(
    config: TrainConfig,
    split: data.DataSplit | None = None,
    control: Control | None = None,
    run_id: str | None = None,
    lock: IO | None = None,
) -> Iterator[Event]:
    """Train `config` into a run in the run store, yielding progress events.

    Args:
        config: the training setup (validated first; ValueError for bad settings).
        split: the dataset already in memory (loaded from `config.dataset` when None).
        control: stop / pause / learning-rate commands from another thread; requests written to the run
            folder's control.json by other processes are obeyed too.
        run_id, lock: train a queued run (and its lock, if the launcher already holds it) instead of a new one.
    Yields:
        Event objects; the last has kind 'done' and the run's final status.
    """
    config.validate()
    control = control or Control()
    split = split or data.load(config.dataset)
    check_fits(config, split)
    s = prepare(config, split)
    params = count_torch_params(s.model)
    writer = open_run(config, split.info, s, params, run_id, lock)
    control.watch(writer.path)
    try:
        yield Event(
            "start",
            writer.run_id,
            total_steps=s.total_steps,
            lr=config.learning_rate,
            extra={"params": params, "device": str(s.device), "train_images": len(s.x_train)},
        )
        yield from _loop(config, s, control, writer, split)
    except BaseException as e:
        # a crash (or Ctrl-C, or SIGTERM turned into KeyboardInterrupt) must not leave a run claiming to be running
        failure = "interrupted" if isinstance(e, (KeyboardInterrupt, GeneratorExit)) else "failed"
        try:
            writer.update(
                status=failure,
                message=f"{type(e).__name__}: {e}"[:500] if failure == "failed" else "interrupted before the end",
                ended=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            )
        except (OSError, ValueError):  # the run folder itself may be what failed (RunError is a ValueError)
            pass
        raise
    finally:
        writer.close()


class _State:
    """Where the loop is: the step, the status, the timings, and the sums over the current logging window."""

    def __init__(self, config: TrainConfig, device: torch.device):
        self.step, self.status, self.message = 0, "finished", ""
        self.lr = config.learning_rate
        self.val_loss: float | None = None
        self.val_acc: float | None = None
        # train_seconds: forward/backward/step only. active: wall clock less pauses, for an honest time left.
        self.train_seconds, self.paused, self.started = 0.0, 0.0, time.perf_counter()
        self.window_start, self.seen = self.started, 0  # the logging window: its start and its images
        self.loss_sum = torch.zeros((), device=device)
        self.correct_sum = torch.zeros((), device=device, dtype=torch.long)

    def active(self, now: float | None = None) -> float:
        """Seconds since the start, pauses left out."""
        return (time.perf_counter() if now is None else now) - self.started - self.paused

    def wait_while_paused(self, control: Control) -> None:
        waited = control.wait_while_paused()
        self.paused += waited
        self.window_start += waited  # a pause is no part of the window's images per second

    def end(self, status: str, message: str) -> None:
        self.status, self.message = status, message


def _loop(config: TrainConfig, s: Setup, control: Control, writer: RunWriter, split: data.DataSplit) -> Iterator[Event]:
    """The epochs, from the first step to the final 'done' event (the run's status written)."""
    state = _State(config, s.device)
    order_gen = torch.Generator().manual_seed(config.seed)
    _snapshot(s, writer, 0)
    s.model.train()
    for epoch in range(config.epochs):
        yield from _epoch(config, s, control, writer, state, epoch, order_gen)
        if state.status != "finished":
            break
        yield _validate(config, s, writer, state, epoch)
    yield _finish(config, s, writer, state, split)


def _epoch(
    config: TrainConfig,
    s: Setup,
    control: Control,
    writer: RunWriter,
    state: _State,
    epoch: int,
    order_gen: torch.Generator,
) -> Iterator[Event]:
    """One pass over the training images in a seeded order, yielding an event at each logged step; it ends early
    (`state.status` says why) on a stop request or a loss that is no longer a number."""
    order = torch.randperm(len(s.x_train), generator=order_gen).to(s.device)
    for b in range(s.steps_per_epoch):
        state.wait_while_paused(control)
        if control.stop_requested.is_set():
            state.end("stopped", f"stopped by the user at step {state.step:,} of {s.total_steps:,}")
            return
        _step(config, s, control, state, order[b * config.batch_size : (b + 1) * config.batch_size])
        # every logged point averages exactly `log_every` steps (windows run on across epochs)
        if state.step % s.log_every == 0:
            event = _log_window(config, s, writer, state, epoch)
            if event is None:
                return
            yield event
        _snapshot(s, writer, state.step)


def _step(config: TrainConfig, s: Setup, control: Control, state: _State, idx: torch.Tensor) -> None:
    """One optimiser step on the training images at `idx` (B,), added to the window's sums."""
    t_step = time.perf_counter()
    state.lr = control.lr_override or (
        one_cycle_lr(config.learning_rate, state.step, s.total_steps)
        if config.schedule == "onecycle"
        else config.learning_rate
    )
    for group in s.optimizer.param_groups:
        group["lr"] = state.lr
    xb, yb = s.x_train[idx], s.y_train[idx]
    if s.augment is not None:
        xb = augment.augment(xb, s.augment)
    scores = s.model(xb)  # (B, K)
    loss = F.cross_entropy(scores, yb)
    s.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    s.optimizer.step()
    state.step += 1
    state.loss_sum += loss.detach() * len(yb)
    state.correct_sum += (scores.detach().argmax(1) == yb).sum()
    state.seen += len(yb)
    state.train_seconds += time.perf_counter() - t_step


def _log_window(config: TrainConfig, s: Setup, writer: RunWriter, state: _State, epoch: int) -> Event | None:
    """The logging window's mean loss and accuracy written to metrics.jsonl, as a 'step' event; None when the loss
    is no longer a number (the run has failed)."""
    step, mean_loss = state.step, state.loss_sum.item() / state.seen
    if not math.isfinite(mean_loss):
        state.end(
            "failed",
            f"the loss became {mean_loss} at step {step:,} (epoch {epoch + 1}): the learning "
            f"rate {state.lr:g} is probably too large for {config.optimizer}; try a smaller one",
        )
        return None
    now = time.perf_counter()
    active = state.active(now)
    event = Event(
        "step",
        writer.run_id,
        step,
        s.total_steps,
        step / s.steps_per_epoch,
        mean_loss,
        state.correct_sum.item() / state.seen,
        lr=state.lr,
        images_per_second=state.seen / max(now - state.window_start, 1e-9),
        elapsed=state.train_seconds,
        eta=active / step * (s.total_steps - step),
    )
    writer.log(
        {
            "kind": "step",
            "step": step,
            "epoch": event.epoch,
            "train_loss": mean_loss,
            "train_acc": event.train_acc,
            "lr": state.lr,
            "images_per_second": event.images_per_second,
            "elapsed": state.train_seconds,
            "active": active,
            "eta": event.eta,
            "grad_norms": grad_norms(s.model),
        }
    )
    state.loss_sum.zero_(), state.correct_sum.zero_()
    state.seen, state.window_start = 0, now
    return event


def _snapshot(s: Setup, writer: RunWriter, step: int) -> None:
    """The weights at `step` into snapshots/, when it is one of the planned snapshot steps."""
    if step in s.snapshot_steps:
        writer.snapshot(step, step / s.steps_per_epoch, snapshot_tensors(s.model))


def _validate(config: TrainConfig, s: Setup, writer: RunWriter, state: _State, epoch: int) -> Event:
    """The validation loss and accuracy after an epoch (the last ones kept when nothing is held back), logged."""
    if len(s.x_val):
        state.val_loss, state.val_acc = evaluate(s.model, s.x_val, s.y_val)
    step, active = state.step, state.active()
    writer.log(
        {
            "kind": "epoch",
            "step": step,
            "epoch": epoch + 1,
            "val_loss": state.val_loss,
            "val_acc": state.val_acc,
            "elapsed": state.train_seconds,
            "active": active,
        }
    )
    return Event(
        "epoch",
        writer.run_id,
        step,
        s.total_steps,
        float(epoch + 1),
        val_loss=state.val_loss,
        val_acc=state.val_acc,
        lr=state.lr,
        elapsed=state.train_seconds,
        images_per_second=step * config.batch_size / state.train_seconds,
        eta=active / step * (s.total_steps - step),
    )


def _finish(config: TrainConfig, s: Setup, writer: RunWriter, state: _State, split: data.DataSplit) -> Event:
    """The run's final write: status, timings, and for a run that learned something its test score and weights."""
    if state.status != "failed" and state.step == 0:
        state.end("failed", "stopped before the first step: nothing was learned")
    step, seconds = state.step, state.train_seconds
    final = {
        "status": state.status,
        "message": state.message,
        "steps_done": step,
        "epochs_done": step / s.steps_per_epoch,
        "train_seconds": round(seconds, 3),
        "paused_seconds": round(state.paused, 3),
        "active_seconds": round(state.active(), 3),
        "images_per_second": round(step * config.batch_size / seconds, 1) if seconds else 0.0,
        "val_accuracy": state.val_acc,
        "ended": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if state.status != "failed":
        x_test = data.normalize(split.x_test, split.info).to(s.device)
        test_loss, test_acc = evaluate(s.model, x_test, split.y_test.to(s.device))
        final.update(test_accuracy=test_acc, test_loss=test_loss)
        writer.save_weights(s.model.state_dict())
    writer.update(**final)
    return Event(
        "done",
        writer.run_id,
        step,
        s.total_steps,
        step / s.steps_per_epoch,
        status=state.status,
        message=state.message,
        test_accuracy=final.get("test_accuracy"),
        elapsed=seconds,
        images_per_second=final["images_per_second"],
        val_acc=state.val_acc,
    )


def run_training(
    config: TrainConfig,
    split: data.DataSplit | None = None,
    control: Control | None = None,
    on_event: Callable[[Event], object] | None = None,
) -> Event:
    """Train to the end and return the final 'done' event; `on_event` sees every event."""
    last = None
    for event in train(config, split, control):
        if on_event:
            on_event(event)
        last = event
    return last


def config_for(preset: str, dataset: str = "mnist-sample", **settings) -> TrainConfig:
    """A TrainConfig for a preset adapted to a dataset's input shape and class count."""
    info = data.get_info(dataset)
    return TrainConfig(
        spec=preset_spec(preset, info.input_shape, len(info.classes)), dataset=dataset, preset=preset, **settings
    )


def with_settings(config: TrainConfig, **settings) -> TrainConfig:
    return replace(config, **settings)
