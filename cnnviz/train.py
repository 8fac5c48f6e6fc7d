"""The training loop: trains a spec on a dataset into a new run, yielding progress events.

The app's training processes (`jobs`), the command line, the benchmarks and the tests all train
through `train()`, so what one shows is what the others measure.
"""

from __future__ import annotations

import math
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from . import __version__, augment, cost, data
from .arch import ArchSpec, build, count_torch_params, infer_shapes
from .evaluate import logits
from .i18n import Invalid, Message
from .presets import preset_spec
from .control import Control
from .runs import RunWriter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import IO

OPTIMIZERS = ("adam", "sgd", "adadelta", "rmsprop")
DEFAULT_LR = {"adam": 6e-3, "sgd": 0.05, "adadelta": 1.0, "rmsprop": 1e-3}
SCHEDULES = ("onecycle", "constant")
FIRST_LAYER_MODES = ("learned", "handcrafted")
LOG_POINTS_PER_EPOCH = 20
FULL_SNAPSHOT_MAX_PARAMS = 500_000  # above this, snapshots keep conv kernels only


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
    first_layer: str = "learned"  # or "handcrafted": conv1 fixed to conv.handcrafted_bank, only the rest learns
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


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def make_optimizer(name: str, params: Iterable[nn.Parameter], lr: float) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr)
    return torch.optim.RMSprop(params, lr=lr)


def one_cycle_lr(peak: float, step: int, total: int, warmup: float = 0.25) -> float:
    """Linear warm-up to `peak` over the first quarter of training, then cosine decay to peak/1000."""
    t = step / max(total, 1)
    if t < warmup:
        return peak * (0.04 + 0.96 * t / warmup)
    progress = (t - warmup) / (1 - warmup)
    return peak * (0.001 + 0.999 * 0.5 * (1 + math.cos(math.pi * progress)))


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of `model` on normalised inputs x (N, C, H, W) and labels y (N,)."""
    if len(x) == 0:
        return 0.0, 0.0
    scores, y = logits(model, x, batch_size), y.cpu()  # (N, K)
    return float(F.cross_entropy(scores, y)), float((scores.argmax(1) == y).double().mean())


def split_sizes(n: int, fraction: float = 0.1) -> tuple[int, int]:
    """(training, validation) images when `fraction` of n training images is held back for validation."""
    n_val = int(round(n * fraction))
    return n - n_val, n_val


def split_validation(n: int, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded, fixed permutation of n training indices split into (train, validation)."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed + 1))
    n_val = split_sizes(n, fraction)[1]
    return perm[n_val:], perm[:n_val]


def snapshot_tensors(model: nn.Module) -> dict[str, torch.Tensor]:
    state = model.state_dict()
    if count_torch_params(model) <= FULL_SNAPSHOT_MAX_PARAMS:
        return state
    return {k: v for k, v in state.items() if v.ndim == 4}


def fix_first_layer(model: nn.Module) -> None:
    """Set the first conv layer to handcrafted kernels (zero bias) and freeze it."""
    from .conv import handcrafted_bank

    first = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    out_c, in_c, k, _ = first.weight.shape
    with torch.no_grad():
        first.weight.copy_(torch.from_numpy(handcrafted_bank(out_c, in_c, k)))
        first.bias.zero_()
    first.weight.requires_grad_(False)
    first.bias.requires_grad_(False)


def grad_norms(model: nn.Module) -> dict[str, float]:
    """L2 norm of each layer's weight gradient (layers with weights only), after a backward pass."""
    return {
        name.rsplit(".", 1)[0]: p.grad.norm().item()
        for name, p in model.named_parameters()
        if name.endswith("weight") and p.grad is not None
    }


def versions() -> dict:
    return {"cnnviz": __version__, "torch": torch.__version__, "python": platform.python_version()}


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


@dataclass
class _Setup:
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


def _prepare(config: TrainConfig, split: data.DataSplit) -> _Setup:
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
    return _Setup(
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


def _estimate(config: TrainConfig, s: _Setup) -> float | None:
    """The builder's estimate of an epoch, when this machine's calibration for these threads is cached."""
    if s.device.type != "cpu":
        return None
    cal = cost.cached_calibration(torch.get_num_threads())
    if cal is None:
        return None
    return round(cost.epoch_seconds(config.spec, len(s.x_train), len(s.x_val), config.batch_size, cal), 3)


def _open_run(
    config: TrainConfig, info: data.DatasetInfo, s: _Setup, params: int, run_id: str | None, lock
) -> RunWriter:
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
    s = _prepare(config, split)
    params = count_torch_params(s.model)
    writer = _open_run(config, split.info, s, params, run_id, lock)
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


def _loop(
    config: TrainConfig, s: _Setup, control: Control, writer: RunWriter, split: data.DataSplit
) -> Iterator[Event]:
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
    s: _Setup,
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


def _step(config: TrainConfig, s: _Setup, control: Control, state: _State, idx: torch.Tensor) -> None:
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


def _log_window(config: TrainConfig, s: _Setup, writer: RunWriter, state: _State, epoch: int) -> Event | None:
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


def _snapshot(s: _Setup, writer: RunWriter, step: int) -> None:
    """The weights at `step` into snapshots/, when it is one of the planned snapshot steps."""
    if step in s.snapshot_steps:
        writer.snapshot(step, step / s.steps_per_epoch, snapshot_tensors(s.model))


def _validate(config: TrainConfig, s: _Setup, writer: RunWriter, state: _State, epoch: int) -> Event:
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


def _finish(config: TrainConfig, s: _Setup, writer: RunWriter, state: _State, split: data.DataSplit) -> Event:
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
