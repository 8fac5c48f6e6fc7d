"""Experiments on trained runs: compare runs, replay training, test robustness, match kernels, edit a kernel.

Compute only (numpy arrays and small dataclasses); figures come from `figures.py`. Nothing here
modifies a run or a model it is given: edits work on copies. Network health lives in `health.py`.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, fields

import numpy as np
import torch
import torchvision.transforms.v2.functional as TF
from torch import nn
from torchvision.transforms import InterpolationMode

from . import conv, data, inspection, runs
from .arch import ArchSpec, build, layer_names
from .i18n import Invalid
from .train import TrainConfig

PROBE_IMAGES = 256  # the fixed batch whose activations the timeline follows
MAX_TIMELINE_VALUES = 50_000  # per snapshot: a histogram keeps its shape, the page stays light


# ---------------------------------------------------------------- comparing runs


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


def summarise(run_id: str) -> RunSummary:
    """The comparison row of a run, from its run.json."""
    meta = runs.read_run(run_id).meta
    first = (meta.get("config") or {}).get("first_layer", "learned")
    name = meta.get("preset") or meta.get("spec", {}).get("name", "run")
    label = f"{name}{' (handcrafted conv1)' if first == 'handcrafted' else ''} #{run_id[-4:]}"
    return RunSummary(run_id, label, meta.get("dataset", "?"), tuple(map(str, meta.get("classes") or ())), first,
                      meta.get("test_accuracy"), meta.get("params"), meta.get("train_seconds"),
                      meta.get("images_per_second"), meta.get("epochs_done"))


def twin_config(run_id: str) -> TrainConfig:
    """The run's training setup with the other first-layer mode (learned <-> handcrafted), all else equal."""
    cfg = dict(runs.read_run(run_id).meta.get("config") or {})
    if "spec" not in cfg:
        raise Invalid("run {run_id} does not record its training setup, so it cannot be repeated", run_id=run_id)
    names = {f.name for f in fields(TrainConfig)}
    settings = {k: v for k, v in cfg.items() if k in names and k != "spec"}
    settings["first_layer"] = "learned" if cfg.get("first_layer") == "handcrafted" else "handcrafted"
    config = TrainConfig(spec=ArchSpec.from_dict(cfg["spec"]), **settings)
    config.validate()
    return config


def find_twins(run_id: str) -> list[runs.RunInfo]:
    """Runs (newest first, any status) with this run's setup but the other first-layer mode."""
    want = twin_config(run_id).to_dict()
    same = ("spec", "dataset", "optimizer", "lr", "batch_size", "epochs", "seed", "first_layer")
    return [r for r in runs.list_runs() if not r.damaged and r.run_id != run_id
            and all((r.meta.get("config") or {}).get(k, "learned" if k == "first_layer" else None) == want[k]
                    for k in same)]


# ---------------------------------------------------------------- snapshots and the training timeline


def snapshot_steps(run_id: str) -> list[int]:
    return [s["step"] for s in runs.list_snapshots(run_id)]


def snapshot_model(run_id: str, index: int) -> nn.Module:
    """The run's network with the weights of snapshot `index`, in eval mode.

    Raises: ValueError when the snapshots keep only the conv kernels (models over 500k parameters).
    """
    spec = ArchSpec.from_dict(runs.read_run(run_id).meta["spec"])
    model = build(spec)
    state = runs.load_snapshot(run_id, index)
    missing = set(model.state_dict()) - set(state)
    if missing:
        raise Invalid("run {run_id} kept only its convolution kernels in its snapshots (it is too large to keep "
                      "whole networks), so the network cannot be rebuilt as it was during training", run_id=run_id)
    model.load_state_dict(state)
    return model.eval()


def has_full_snapshots(run_id: str) -> bool:
    """True when the snapshots hold whole networks (needed for accuracy and activations over training)."""
    snaps = runs.list_snapshots(run_id)
    if not snaps:
        return False
    spec = ArchSpec.from_dict(runs.read_run(run_id).meta["spec"])
    return set(build(spec).state_dict()) <= set(runs.load_snapshot(run_id, 0))


@dataclass(frozen=True)
class ClassTimeline:
    accuracy: np.ndarray  # (K, S): per-class accuracy at each snapshot, NaN for a class absent from the images
    steps: tuple[int, ...]  # (S,)
    classes: tuple[str, ...]  # (K,)
    n_images: int


def per_class_over_training(run_id: str, max_images: int = 1000) -> ClassTimeline:
    """Per-class accuracy of every snapshot on the first `max_images` test images.

    Raises: ValueError when the run has no snapshots or keeps only conv kernels in them.
    """
    info = runs.read_run(run_id)
    snaps = runs.list_snapshots(run_id)
    if not snaps:
        raise Invalid("run {run_id} kept no snapshots during training", run_id=run_id)
    split = data.load(info.meta["dataset"])
    classes = tuple(map(str, info.meta.get("classes") or split.info.classes))
    x = data.normalize(split.x_test[:max_images], split.info)  # (N, C, H, W)
    y = split.y_test[:max_images].numpy()
    support = np.bincount(y, minlength=len(classes))
    acc = np.full((len(classes), len(snaps)), np.nan)
    for s in range(len(snaps)):
        pred = inspection.predict(snapshot_model(run_id, s), x).argmax(1)  # (N,)
        hits = np.bincount(y[pred == y], minlength=len(classes))
        acc[support > 0, s] = hits[support > 0] / support[support > 0]
    return ClassTimeline(acc, tuple(s["step"] for s in snaps), classes, len(y))


def weight_timeline(run_id: str, layer: str) -> tuple[list[np.ndarray], list[int]]:
    """The flattened weights of one layer (e.g. 'conv1', 'dense2') at every snapshot, and the snapshot steps."""
    values, steps = [], []
    for s in runs.list_snapshots(run_id):
        state = runs.load_snapshot(run_id, s["index"])
        if f"{layer}.weight" not in state:
            raise Invalid("the snapshots of run {run_id} hold no weights for {layer!r}", run_id=run_id, layer=layer)
        values.append(state[f"{layer}.weight"].numpy().ravel())
        steps.append(s["step"])
    return values, steps


def weight_layers(run_id: str) -> list[str]:
    """Conv and dense layers whose weights the snapshots hold, in network order (conv only for large models)."""
    snaps = runs.list_snapshots(run_id)
    if not snaps:
        return []
    state = runs.load_snapshot(run_id, 0)
    names = layer_names(ArchSpec.from_dict(runs.read_run(run_id).meta["spec"]))
    return [n for n in names if f"{n}.weight" in state and state[f"{n}.weight"].ndim >= 2]


def activation_timeline(run_id: str, layer: str, x) -> tuple[list[np.ndarray], list[int]]:
    """One layer's outputs on a fixed probe batch x (N, C, H, W) at every snapshot (at most 50k values each)."""
    x = torch.as_tensor(x, dtype=torch.float32)
    values, steps = [], []
    for s in runs.list_snapshots(run_id):
        model = snapshot_model(run_id, s["index"])
        module = dict(model.named_children()).get(layer)
        if module is None:
            raise Invalid("no layer {layer!r}; layers here: {names}", layer=layer,
                          names=", ".join(n for n, _ in model.named_children()))
        caught = []
        handle = module.register_forward_hook(lambda _m, _i, out: caught.append(out.detach().numpy().ravel()))
        try:
            with torch.inference_mode():
                model(x)
        finally:
            handle.remove()
        v = caught[0]
        if v.size > MAX_TIMELINE_VALUES:  # an even thinning keeps every image and channel represented
            v = v[np.linspace(0, v.size - 1, MAX_TIMELINE_VALUES).astype(np.int64)]
        values.append(v)
        steps.append(s["step"])
    return values, steps


def kernel_replay(run_id: str, layer: str, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Kernels of `layer` at snapshot `index` and their change since snapshot 0: two (out, in, kh, kw) arrays."""
    now = inspection.kernels_at(run_id, layer, index)
    return now, now - inspection.kernels_at(run_id, layer, 0)


# ---------------------------------------------------------------- robustness


def transform(image, shift=(0, 0), angle: float = 0.0, scale: float = 1.0, noise_std: float = 0.0,
              occlude=None, seed: int = 0, fill: int = 0, occlude_fill: int | None = None) -> np.ndarray:
    """Shift, rotate, scale, add noise to and occlude an image, in that order.

    Args:
        image: uint8 (C, H, W).
        shift: (dx, dy) pixels, right and down. angle: degrees, clockwise (torchvision's sense).
        scale: zoom factor about the centre (1 = unchanged). noise_std: Gaussian noise, as a fraction of the
        full brightness range (0.1 = 25.5 grey levels). occlude: (row, col, size) square set to `fill`, or None.
        seed: seeds the noise. fill: the grey level (0..255) shown where the image moved away.
        occlude_fill: the grey level of the occluding square (default: fill).
    Returns:
        uint8 (C, H, W); with all settings at their defaults, the image itself (a copy).
    """
    a = np.asarray(image)
    if a.ndim != 3 or a.dtype != np.uint8:
        raise ValueError(f"transform expects a uint8 image (C, H, W), got {a.dtype} {a.shape}")
    if not (np.isfinite([angle, scale, noise_std, *shift]).all() and scale > 0 and noise_std >= 0):
        raise ValueError(f"bad settings: scale must be > 0 and noise_std >= 0 (got scale={scale}, "
                         f"noise_std={noise_std}, shift={shift}, angle={angle})")
    x = torch.from_numpy(a.copy())  # (C, H, W)
    if tuple(shift) != (0, 0) or angle != 0 or scale != 1:
        x = TF.affine(x, angle=float(angle), translate=[float(shift[0]), float(shift[1])], scale=float(scale),
                      shear=[0.0, 0.0], interpolation=InterpolationMode.BILINEAR, fill=[float(fill)] * x.shape[0])
    out = x.numpy()
    if noise_std > 0:
        noise = np.random.default_rng(seed).normal(0.0, noise_std * 255.0, out.shape)
        out = np.clip(np.round(out + noise), 0, 255).astype(np.uint8)
    if occlude is not None:
        r, c, size = (int(v) for v in occlude)
        if size < 1:
            raise ValueError(f"the occluding square needs a size of at least 1, got {size}")
        out[:, max(r, 0):max(r + size, 0), max(c, 0):max(c + size, 0)] = fill if occlude_fill is None else occlude_fill
    return out


def to_input(image, info: data.DatasetInfo) -> np.ndarray:
    """A uint8 image (C, H, W) as the network's float32 input (C, H, W), normalised the dataset's way."""
    return data.normalize(torch.as_tensor(np.asarray(image, dtype=np.uint8))[None], info)[0].numpy()


def fill_value(info: data.DatasetInfo, grey: int = 0) -> tuple[float, ...]:
    """A grey level 0..255 in the network's normalised units, per channel (0 = black, for `occlusion_map`)."""
    return tuple((grey / 255.0 - m) / s for m, s in zip(info.mean, info.std))


def occlusion_map(model: nn.Module, x, target: int, patch: int = 4, stride: int = 2, fill=0.0,
                  batch_size: int = 256) -> np.ndarray:
    """How much hiding each patch lowers the probability of `target`.

    Args:
        x: one normalised image (1, C, H, W) or (C, H, W). fill: the patch value in normalised units
        (a float or one per channel; see `fill_value`).
    Returns:
        float32 (H', W') with H' = (H - patch) // stride + 1: p(target | x) - p(target | x with the patch at
        (i*stride, j*stride) hidden). Positive = the patch helped the prediction.
    """
    x = torch.as_tensor(x, dtype=torch.float32)
    x = x.unsqueeze(0) if x.ndim == 3 else x
    if x.ndim != 4 or len(x) != 1:
        raise ValueError(f"occlusion_map takes one image (1, C, H, W), got shape {tuple(x.shape)}")
    _, c, h, w = x.shape
    if not (1 <= patch <= min(h, w) and stride >= 1):
        raise Invalid("patch must be 1..{most} and stride >= 1, got patch={patch}, stride={stride}", most=min(h, w),
                      patch=patch, stride=stride)
    rows, cols = range(0, h - patch + 1, stride), range(0, w - patch + 1, stride)
    value = torch.as_tensor(fill, dtype=torch.float32).reshape(-1, 1, 1).expand(c, patch, patch)
    batch = x.repeat(len(rows) * len(cols), 1, 1, 1)  # (H'*W', C, H, W): one occluded copy per position
    for n, (r, q) in enumerate((r, q) for r in rows for q in cols):
        batch[n, :, r:r + patch, q:q + patch] = value
    probs = inspection.predict(model, torch.cat([x, batch]), batch_size)  # (1 + H'*W', K)
    if not 0 <= target < probs.shape[1]:
        raise Invalid("target {target} is not a class index in 0..{last}", target=target, last=probs.shape[1] - 1)
    return (probs[0, target] - probs[1:, target]).reshape(len(rows), len(cols)).astype(np.float32)


def spread_map(drops: np.ndarray, size: tuple[int, int], patch: int, stride: int) -> np.ndarray:
    """Occlusion drops (H', W') back on the image grid (H, W): each pixel the mean drop of the patches covering it."""
    total, count = np.zeros(size), np.zeros(size)
    for i, r in enumerate(range(0, size[0] - patch + 1, stride)):
        for j, c in enumerate(range(0, size[1] - patch + 1, stride)):
            total[r:r + patch, c:c + patch] += drops[i, j]
            count[r:r + patch, c:c + patch] += 1
    return np.divide(total, count, out=np.zeros(size), where=count > 0)


# ---------------------------------------------------------------- learned against handcrafted kernels


@dataclass(frozen=True)
class KernelMatch:
    """A learned kernel's nearest handcrafted kernel."""

    channel: int  # output channel of the learned layer
    name: str | None  # conv.KERNELS name; None when the kernel is flat (constant) and matches nothing
    correlation: float  # |Pearson r| in 0..1
    sign: int  # +1: the same pattern, -1: the negated pattern (an edge of the opposite polarity)


def handcrafted_candidates(size: int) -> dict[str, np.ndarray]:
    """The handcrafted kernels placed in a size x size window exactly as conv.handcrafted_bank places them.

    Kernels that become constant there (a 3x3 box blur) carry no pattern to correlate with and are left out.
    """
    bank = conv.handcrafted_bank(len(conv.BANK_ORDER), 1, size)[:, 0].astype(np.float64)  # (M, size, size)
    return {name: k for name, k in zip(conv.BANK_ORDER, bank) if np.ptp(k) > 1e-12}


def correlations(kernels) -> tuple[list[str], np.ndarray]:
    """Pearson r of each learned kernel (averaged over input channels) with each handcrafted candidate.

    Args: kernels (N, C, k, k) or (N, k, k), square.
    Returns: (candidate names (M,), r (N, M) in -1..1; 0 for a flat learned kernel).
    """
    k = np.asarray(kernels, dtype=np.float64)
    k = k.mean(1) if k.ndim == 4 else k  # the bank copies one pattern to every input channel
    if k.ndim != 3 or k.shape[1] != k.shape[2] or k.shape[1] < 2:
        raise ValueError(f"kernels must be (N, C, k, k) or (N, k, k) with k >= 2, got shape {np.shape(kernels)}")
    cands = handcrafted_candidates(k.shape[1])
    names = list(cands)
    c = np.stack([v.ravel() - v.mean() for v in cands.values()])  # (M, k*k)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    f = k.reshape(len(k), -1)
    f = f - f.mean(1, keepdims=True)
    norm = np.linalg.norm(f, axis=1, keepdims=True)
    f = np.divide(f, norm, out=np.zeros_like(f), where=norm > 1e-12)
    return names, f @ c.T


def closest_handcrafted(kernels) -> list[KernelMatch]:
    """For each learned kernel, the handcrafted kernel with the largest |Pearson r|, and the sign of r."""
    names, r = correlations(kernels)
    out = []
    for i, row in enumerate(r):
        j = int(np.argmax(np.abs(row)))
        flat = not np.any(row)
        out.append(KernelMatch(i, None if flat else names[j], float(abs(row[j])), 0 if flat else int(np.sign(row[j]))))
    return out


# ---------------------------------------------------------------- edit and see


def with_kernel(model: nn.Module, layer: str, out_ch: int, in_ch: int, new_kernel) -> nn.Module:
    """A copy of `model` with one kernel slice replaced; `model` itself is never touched.

    Args: layer a conv layer name; new_kernel (kh, kw) finite numbers.
    Returns: a new nn.Module in eval mode.
    """
    module = dict(model.named_children()).get(layer)
    if not isinstance(module, nn.Conv2d):
        raise Invalid("{layer!r} is not a convolution layer of this network", layer=layer)
    n_out, n_in, kh, kw = module.weight.shape
    if not (0 <= out_ch < n_out and 0 <= in_ch < n_in):
        raise Invalid("{layer} has output channels 0..{last_out} and input channels 0..{last_in}, got {out_ch}, "
                      "{in_ch}", layer=layer, last_out=n_out - 1, last_in=n_in - 1, out_ch=out_ch, in_ch=in_ch)
    try:
        k = np.asarray(new_kernel, dtype=np.float64)
    except (TypeError, ValueError):
        raise Invalid("the kernel must hold numbers only") from None
    if k.shape != (kh, kw):
        raise Invalid("the kernel of {layer} is {kh}x{kw}, got shape {shape}", layer=layer, kh=kh, kw=kw,
                      shape=k.shape)
    if not np.isfinite(k).all():
        raise Invalid("the kernel holds an empty cell, NaN or infinity: every cell needs a number")
    edited = copy.deepcopy(model)
    weight = dict(edited.named_children())[layer].weight
    with torch.no_grad():
        weight[out_ch, in_ch] = torch.tensor(k, dtype=weight.dtype, device=weight.device)
    return edited.eval()
