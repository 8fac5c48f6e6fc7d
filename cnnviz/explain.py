"""Why a network decided: attribution maps, what a filter looks for, and a 2-D map of what it learned.

Attribution (saliency, SmoothGrad, Integrated Gradients, Grad-CAM) comes from Captum. Every function
works on a private copy of the model (eval mode, parameters frozen), so the caller's network, which the
app caches and shares between sessions, is never switched to training, given gradients or left with hooks.

The embedding map uses PCA computed with numpy's SVD: no scikit-learn, t-SNE or UMAP dependency, and
PCA is linear, so snapshots projected onto the final network's axes can be compared frame by frame.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import data, runs
from .i18n import Invalid

Progress = Callable[[float, str], None]  # (fraction done 0..1, what is happening)
METHODS = ("saliency", "smoothgrad", "integrated_gradients", "gradcam")  # what `attribute` accepts
AM_STEPS, AM_LR = 80, 0.08  # activation maximisation defaults: readable 28x28 pictures in about a second
EMBEDDING_IMAGES = 1000  # the embedding map uses the first test images, for speed


@dataclass(frozen=True, eq=False)
class Attribution:
    """One attribution map for one image and class."""

    method: str
    target: int
    heat: np.ndarray  # (H, W) float32 in 0..1: how much each pixel matters, for overlays
    raw: np.ndarray  # (H, W) float32, signed: positive pushes towards the class, negative away
    delta: float | None = None  # Integrated Gradients: completeness error sum(attr) - (f(x) - f(baseline))


# ---------------------------------------------------------------- helpers


def _working_copy(model: nn.Module) -> nn.Module:
    """A private eval-mode copy with frozen parameters: hooks and mode switches never touch the original."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"expected a torch network (nn.Module), got {type(model).__name__}")
    work = copy.deepcopy(model).eval()
    work.requires_grad_(False)
    return work


def _batch(x, single: bool) -> torch.Tensor:
    """A float tensor (N, C, H, W) on the CPU from an array or tensor; (C, H, W) gets a batch dimension."""
    t = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if not t.is_floating_point():
        raise ValueError(f"the network wants normalised float input (see data.normalize), got {t.dtype}")
    t = t.unsqueeze(0) if t.ndim == 3 else t
    if t.ndim != 4 or (single and t.shape[0] != 1):
        want = "one image (C, H, W) or (1, C, H, W)" if single else "a batch (N, C, H, W)"
        raise ValueError(f"expected {want}, got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise Invalid("the input holds NaN or infinite values")
    return t.float().cpu().clone()


def _module(model: nn.Module, layer: str) -> nn.Module:
    modules = dict(model.named_children())
    if layer not in modules:
        raise Invalid("no layer {layer!r} in this network; its layers: {names}", layer=layer, names=", ".join(modules))
    return modules[layer]


def _prefix(model: nn.Module, layer: str) -> nn.Sequential:
    """The network up to and including `layer` (an nn.Sequential slice: it shares the modules)."""
    if not isinstance(model, nn.Sequential):
        raise ValueError("expected an nn.Sequential network as built by arch.build")
    names = [name for name, _ in model.named_children()]
    _module(model, layer)
    return model[:names.index(layer) + 1]


def _run(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    try:
        return model(x)
    except RuntimeError as e:  # a shape mismatch surfaces deep inside torch; say it plainly
        raise Invalid("an input of shape {shape} does not fit this network: {reason}", shape=tuple(x.shape),
                      reason=str(e)[:200]) from None


def conv_layer_names(model: nn.Module) -> list[str]:
    """Names of a network's convolution modules in order (from the modules, not the spec: robust to reloads)."""
    return [name for name, m in model.named_children() if isinstance(m, nn.Conv2d)]


def _check_target(logits: torch.Tensor, target: int) -> int:
    k = logits.shape[1]
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= int(target) < k:
        raise Invalid("target class must be a class index in 0..{last}, got {got!r}", last=k - 1, got=target)
    return int(target)


def normalise01(a) -> np.ndarray:
    """Non-negative map divided by its maximum (all zeros stays all zeros): float32 in 0..1."""
    a = np.nan_to_num(np.asarray(a, dtype=np.float64))
    peak = float(a.max()) if a.size else 0.0
    return (a / peak if peak > 0 else np.zeros_like(a)).clip(0, 1).astype(np.float32)


def _grad_maps(method: str, target: int, attr: torch.Tensor, delta=None) -> Attribution:
    """(1, C, H, W) input attribution -> signed map summed over channels, heat from the largest |value|."""
    a = attr.detach()[0].double()  # (C, H, W)
    raw = a.sum(0).numpy().astype(np.float32)
    heat = a.sum(0).abs() if method == "integrated_gradients" else a.abs().amax(0)  # IG is additive over channels
    return Attribution(method, target, normalise01(heat.numpy()), raw, delta)


# ---------------------------------------------------------------- attribution


def saliency(model: nn.Module, x, target: int) -> Attribution:
    """Vanilla gradient saliency: |d logit_target / d pixel|, largest over colour channels.

    Args: x one normalised image (C, H, W); target class index.  Returns: Attribution with (H, W) maps.
    """
    from captum.attr import Saliency

    work, xb = _working_copy(model), _batch(x, single=True)  # (1, C, H, W)
    target = _check_target(_run(work, xb), target)
    return _grad_maps("saliency", target, Saliency(work).attribute(xb.requires_grad_(), target=target, abs=False))


def smoothgrad(model: nn.Module, x, target: int, samples: int = 32, noise: float = 0.15, seed: int = 0) -> Attribution:
    """SmoothGrad: the gradient averaged over `samples` noisy copies of the image (Captum NoiseTunnel).

    Args: noise standard deviation as a fraction of the image's value range; seed makes the noise repeatable.
    """
    from captum.attr import NoiseTunnel, Saliency

    if not 1 <= samples <= 1000 or not 0 <= noise <= 1:
        raise Invalid("SmoothGrad needs 1..1000 samples and a noise level in 0..1, got {samples}, {noise}",
                      samples=samples, noise=noise)
    work, xb = _working_copy(model), _batch(x, single=True)
    target = _check_target(_run(work, xb), target)
    sigma = noise * float(xb.max() - xb.min()) or noise
    with torch.random.fork_rng(devices=[]):  # repeatable noise without disturbing anyone's random stream
        torch.manual_seed(seed)
        attr = NoiseTunnel(Saliency(work)).attribute(xb.requires_grad_(), nt_type="smoothgrad", nt_samples=samples,
                                                     nt_samples_batch_size=samples, stdevs=sigma, target=target,
                                                     abs=False)
    return _grad_maps("smoothgrad", target, attr)


def black_baseline(info: data.DatasetInfo) -> np.ndarray:
    """An all-black image in the network's normalised units (not 0, which is the mean grey): (C, H, W)."""
    return data.normalize(torch.zeros(1, *info.input_shape, dtype=torch.uint8), info)[0].numpy()


def integrated_gradients(model: nn.Module, x, target: int, baseline=None, steps: int = 64) -> Attribution:
    """Integrated Gradients from `baseline` to x (Gauss-Legendre, `steps` points).

    Args: baseline (C, H, W) normalised, default all zeros (the mean image); pass `black_baseline(info)` for
    black.  Returns: Attribution whose raw map sums to about f(x) - f(baseline) (see `delta`).
    """
    from captum.attr import IntegratedGradients

    work, xb = _working_copy(model), _batch(x, single=True)
    base = torch.zeros_like(xb) if baseline is None else _batch(baseline, single=True)
    if base.shape != xb.shape:
        raise ValueError(f"the baseline has shape {tuple(base.shape[1:])}, the image {tuple(xb.shape[1:])}")
    if not 2 <= steps <= 2000:
        raise Invalid("Integrated Gradients needs 2..2000 steps, got {steps}", steps=steps)
    target = _check_target(_run(work, xb), target)
    attr, delta = IntegratedGradients(work).attribute(xb, baselines=base, target=target, n_steps=steps,
                                                      internal_batch_size=steps, return_convergence_delta=True)
    return _grad_maps("integrated_gradients", target, attr, float(delta.item()))


def grad_cam(model: nn.Module, x, target: int, layer: str) -> Attribution:
    """Grad-CAM on a convolution layer (its module or activation), upsampled bilinearly to the input size.

    Args: layer e.g. "conv2" or "conv2_relu".  Returns: heat = ReLU(cam) / max; raw = the signed cam.
    """
    from captum.attr import LayerAttribution, LayerGradCam

    work, xb = _working_copy(model), _batch(x, single=True)
    module = _module(work, layer)
    target = _check_target(_run(work, xb), target)
    outputs = []
    handle = module.register_forward_hook(lambda _m, _i, out: outputs.append(out))
    try:
        _run(work, xb)
    finally:
        handle.remove()
    if outputs[0].ndim != 4:
        raise Invalid("Grad-CAM needs a layer with feature maps (a convolution); {layer} outputs shape {shape}",
                      layer=layer, shape=tuple(outputs[0].shape[1:]))
    cam = LayerGradCam(work, module).attribute(xb.requires_grad_(), target=target)  # (1, 1, h, w)
    up = LayerAttribution.interpolate(cam.detach(), tuple(xb.shape[2:]), interpolate_mode="bilinear")  # (1, 1, H, W)
    raw = up[0, 0].double().numpy()
    return Attribution("gradcam", target, normalise01(np.maximum(raw, 0)), raw.astype(np.float32))


def attribute(method: str, model: nn.Module, x, target: int, layer: str | None = None, **options) -> Attribution:
    """Any method of METHODS by name (the page's entry point); `layer` is needed by Grad-CAM only."""
    if method == "gradcam":
        if not layer:
            raise Invalid("Grad-CAM needs a convolution layer to look at")
        return grad_cam(model, x, target, layer)
    functions = {"saliency": saliency, "smoothgrad": smoothgrad, "integrated_gradients": integrated_gradients}
    if method not in functions:
        raise ValueError(f"unknown attribution method {method!r}; choose one of {', '.join(METHODS)}")
    return functions[method](model, x, target, **options)


# ---------------------------------------------------------------- what a filter looks for


@dataclass(frozen=True, eq=False)
class FilterImages:
    """Synthetic inputs that excite channels of one layer as much as possible."""

    layer: str
    channels: tuple[int, ...]
    images: np.ndarray  # (K, C, H, W) float32 pixel values in 0..1 (the network sees them normalised)
    activation: np.ndarray  # (K,) the layer's output the images reach (centre unit or mean, as optimised)
    box: tuple[int, int, int, int]  # (top, bottom, left, right): the pixels the objective depends on

    def crop(self, margin: int = 2) -> np.ndarray:
        """The images cut to `box` plus a margin: a centre unit only sees its receptive field. (K, C, h, w)."""
        top, bottom, left, right = self.box
        h, w = self.images.shape[2:]
        return self.images[:, :, max(0, top - margin):min(h, bottom + margin),
                           max(0, left - margin):min(w, right + margin)]


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Depthwise 3x3 Gaussian blur with reflected borders: (N, C, H, W) -> same shape."""
    g = torch.exp(-torch.tensor([1.0, 0.0, 1.0]) / (2 * sigma ** 2))
    k = (g[:, None] * g[None, :]) / (g.sum() ** 2)  # (3, 3)
    c = x.shape[1]
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), k.expand(c, 1, 3, 3).to(x), groups=c)


_MONOTONIC = (nn.ReLU, nn.Sigmoid, nn.Tanh)


def _objective(maps: torch.Tensor, where: str) -> torch.Tensor:
    """(K, h, w) channel maps -> (K,): the centre unit's output, or the mean over all positions."""
    if where == "centre":
        return maps[:, maps.shape[1] // 2, maps.shape[2] // 2]
    return maps.flatten(1).mean(1)


def activation_maximisation(model: nn.Module, layer: str, info: data.DatasetInfo, channels=None,
                            steps: int = AM_STEPS, lr: float = AM_LR, where: str = "centre", jitter: int = 1,
                            blur_every: int = 4, blur_sigma: float = 0.5, l2: float = 1e-3, batch_size: int = 64,
                            seed: int = 0, progress: Progress | None = None) -> FilterImages:
    """Synthesise, by gradient ascent on the input, an image that excites each channel of a layer most.

    All channels are optimised at once, as one batch. The objective is the channel's unit at the centre of
    its map (`where="centre"`: the pattern it looks for, in context) or its mean over all positions
    ("mean": a texture; on a first layer this degenerates to a flat image). For an activation layer
    (conv1_relu) the input of the activation is maximised: same maximiser, but the gradient survives
    where a ReLU is off. Starting from small noise around the mean image, each step rolls the image by
    up to `jitter` pixels and decays it towards the mean (L2), every `blur_every` steps blurs it, and
    always clamps it to the valid pixel range; the last quarter of the steps runs without jitter and
    blur to sharpen. This keeps 28x28 pictures smooth and readable in ~60-100 steps.

    Args: layer a conv layer (or its activation) name; info the dataset (normalisation, input shape);
    channels indices (default all); progress(fraction, message) called as it goes.
    Returns: FilterImages with images (K, C, H, W) in 0..1 and the activation each reached.
    """
    if where not in ("centre", "mean"):
        raise ValueError(f"where must be 'centre' or 'mean', got {where!r}")
    if not 1 <= steps <= 5000 or not 0 < lr <= 10 or jitter < 0 or blur_every < 0 or l2 < 0:
        raise Invalid("unusable settings: steps {steps} (1..5000), lr {lr} (0..10], jitter {jitter}, "
                      "blur_every {blur_every}, l2 {l2} (all >= 0)", steps=steps, lr=lr, jitter=jitter,
                      blur_every=blur_every, l2=l2)
    shown = _prefix(_working_copy(model), layer)
    work = shown[:-1] if len(shown) > 1 and isinstance(shown[-1], _MONOTONIC) else shown
    c, h, w = info.input_shape
    mean = torch.tensor(info.mean, dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(info.std, dtype=torch.float32).view(1, -1, 1, 1)
    lo, hi = (0 - mean) / std, (1 - mean) / std  # the valid pixel range in normalised units
    with torch.no_grad():
        out = _run(work, torch.zeros(1, c, h, w))
    if out.ndim != 4:
        raise Invalid("{layer} has no channels to visualise (its output shape is {shape})", layer=layer,
                      shape=tuple(out.shape[1:]))
    n_channels = out.shape[1]
    channels = list(range(n_channels)) if channels is None else [int(ch) for ch in channels]
    if not channels or min(channels) < 0 or max(channels) >= n_channels:
        raise Invalid("{layer} has channels 0..{last}, got {got}", layer=layer, last=n_channels - 1, got=channels)
    gen = torch.Generator().manual_seed(seed)
    images, reached, field = [], [], torch.zeros(h, w, dtype=torch.bool)
    total = len(channels) * steps
    for start in range(0, len(channels), batch_size):
        chunk = torch.tensor(channels[start:start + batch_size])
        x = (0.1 * torch.randn(len(chunk), c, h, w, generator=gen)).clamp(lo, hi).requires_grad_()  # (K, C, H, W)
        optimiser = torch.optim.Adam([x], lr=lr)
        for step in range(steps):
            settle = step >= 0.75 * steps  # the last quarter sharpens without regularisers
            dy, dx = (0, 0) if settle else (int(v) for v in torch.randint(-jitter, jitter + 1, (2,), generator=gen))
            acts = work(torch.roll(x, (dy, dx), dims=(2, 3)))  # (K, channels, h', w')
            objective = _objective(acts[torch.arange(len(chunk)), chunk], where)  # (K,)
            loss = -objective.sum() + l2 * x.pow(2).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            with torch.no_grad():
                if blur_every and (step + 1) % blur_every == 0 and not settle:
                    x.copy_(_gaussian_blur(x, blur_sigma))
                x.copy_(torch.maximum(torch.minimum(x, hi), lo))
            done = start * steps + (step + 1) * len(chunk)
            if progress and (step % max(1, steps // 20) == 0 or step == steps - 1):
                progress(done / total, f"channel {int(chunk[0])}-{int(chunk[-1])}: step {step + 1} of {steps}")
        probe = x.detach().clone().requires_grad_()
        grad = torch.autograd.grad(_objective(work(probe)[torch.arange(len(chunk)), chunk], where).sum(), probe)[0]
        field |= grad.abs().sum((0, 1)) > 0  # (H, W): where the objective looks
        with torch.no_grad():
            reached.append(_objective(shown(x)[torch.arange(len(chunk)), chunk], where))
            images.append((x * std + mean).clamp(0, 1))
    rows, cols = torch.nonzero(field.any(1)).flatten(), torch.nonzero(field.any(0)).flatten()
    box = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1) if len(rows) else (0, h, 0, w)
    return FilterImages(layer, tuple(channels), torch.cat(images).numpy().astype(np.float32),
                        torch.cat(reached).numpy().astype(np.float32), box)


def channel_max_activation(model: nn.Module, x, layer: str, channel: int, batch_size: int = 500) -> np.ndarray:
    """Each image's strongest response of one channel: the max of its output map over positions.

    Args: x normalised images (N, C, H, W).  Returns: float32 (N,).
    """
    work, xb = _prefix(_working_copy(model), layer), _batch(x, single=False)
    parts = []
    with torch.inference_mode():
        for i in range(0, len(xb), batch_size):
            out = _run(work, xb[i:i + batch_size])
            if out.ndim != 4 or not 0 <= channel < out.shape[1]:
                raise Invalid("{layer} has no channel {channel} (its output shape is {shape})", layer=layer,
                              channel=channel, shape=tuple(out.shape[1:]))
            parts.append(out[:, channel].flatten(1).amax(1))
    return torch.cat(parts).numpy() if parts else np.zeros(0, np.float32)


def top_activating(model: nn.Module, x, layer: str, channel: int, k: int = 8, batch_size: int = 500) -> np.ndarray:
    """Indices of the k images (of x) that excite a channel most, strongest first: int64 (min(k, N),)."""
    scores = channel_max_activation(model, x, layer, channel, batch_size)
    return np.argsort(-scores, kind="stable")[:max(0, int(k))].astype(np.int64)


# ---------------------------------------------------------------- embedding map


@dataclass(frozen=True, eq=False)
class PCA:
    """A fitted 2-D PCA: project with `project`."""

    mean: np.ndarray  # (D,)
    components: np.ndarray  # (2, D) unit rows; the largest-|loading| entry of each row is positive
    explained_ratio: np.ndarray  # (2,) share of the total variance along each component


def fit_pca(features) -> PCA:
    """PCA by the SVD of the centred data (numpy only), with a deterministic sign per component.

    Args: features (N, D) with N >= 2.
    """
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2 or f.shape[1] < 1:
        raise Invalid("PCA needs features (N, D) with at least 2 rows, got shape {shape}", shape=f.shape)
    if not np.isfinite(f).all():
        raise Invalid("the features hold NaN or infinite values")
    mean = f.mean(0)
    _, s, vt = np.linalg.svd(f - mean, full_matrices=False)
    comps = np.zeros((2, f.shape[1]))
    comps[:min(2, len(vt))] = vt[:2]
    for row in comps:
        if row.any():
            row *= np.sign(row[np.argmax(np.abs(row))])
    var = np.zeros(2)
    var[:min(2, len(s))] = s[:2] ** 2
    total = float((s ** 2).sum())
    return PCA(mean, comps, var / total if total > 0 else np.zeros(2))


def project(pca: PCA, features) -> np.ndarray:
    """Coordinates of features (N, D) on a fitted PCA: float32 (N, 2)."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[1] != pca.mean.shape[0]:
        raise ValueError(f"features must be (N, {pca.mean.shape[0]}), got shape {f.shape}")
    return ((f - pca.mean) @ pca.components.T).astype(np.float32)


def standardise(points) -> np.ndarray:
    """Points (N, 2) centred and scaled to unit RMS distance from their centre (all zeros stay zeros).

    Early in training the features are tiny; scaling each frame alike lets the eye compare how the
    classes are arranged rather than how large the numbers are.
    """
    p = np.asarray(points, dtype=np.float64)
    p = p - p.mean(0)
    rms = float(np.sqrt((p ** 2).sum(1).mean())) if len(p) else 0.0
    return (p / rms if rms > 0 else p).astype(np.float32)


def pca_2d(features) -> tuple[np.ndarray, np.ndarray]:
    """Features (N, D) projected on their first two principal components: ((N, 2) points, (2,) variance ratio)."""
    pca = fit_pca(features)
    return project(pca, features), pca.explained_ratio


def penultimate_features(model: nn.Module, x, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """The input of the last dense layer (what the classifier sees) and the predicted classes.

    Args: x normalised images (N, C, H, W).  Returns: (float32 (N, D) features, int64 (N,) predictions).
    """
    work, xb = _working_copy(model), _batch(x, single=False)
    if not isinstance(work, nn.Sequential):
        raise ValueError("expected an nn.Sequential network as built by arch.build")
    last = max((i for i, m in enumerate(work) if isinstance(m, nn.Linear)), default=None)
    if last is None:
        raise Invalid("this network has no dense layer to take features from")
    head, tail = work[:last], work[last:]  # features = head(x); the classifier = tail(features)
    feats, preds = [], []
    with torch.inference_mode():
        for i in range(0, len(xb), batch_size):
            f = _run(head, xb[i:i + batch_size]).flatten(1)  # (B, D)
            feats.append(f)
            preds.append(tail(f).argmax(1))
    return torch.cat(feats).numpy(), torch.cat(preds).numpy().astype(np.int64)


@dataclass(frozen=True, eq=False)
class Timeline:
    """The embedding at each training snapshot, projected on the final network's PCA axes."""

    points: np.ndarray  # (T, N, 2), each frame standardised (see `standardise`)
    predictions: np.ndarray  # (T, N) int64
    steps: tuple[int, ...]
    epochs: tuple[float, ...]


def snapshot_model(model: nn.Module, run_id: str, index: int) -> nn.Module:
    """The network as it was at snapshot `index` of its run: a copy of `model` with the snapshot's weights.

    Raises: ValueError when the snapshot holds only the conv kernels (networks over 500,000 parameters).
    """
    state = runs.load_snapshot(run_id, index)
    missing = sorted(set(model.state_dict()) - set(state))
    if missing:
        raise Invalid("snapshot {index} of run {run_id} keeps only the convolution kernels (the network is too "
                      "large for full snapshots), so the network cannot be rebuilt as it was then", index=index,
                      run_id=run_id)
    past = _working_copy(model)
    try:
        past.load_state_dict(state)
    except RuntimeError as e:
        raise Invalid("snapshot {index} of run {run_id} does not fit this network: {reason}", index=index,
                      run_id=run_id, reason=str(e)[:200]) from None
    return past


def timeline_available(model: nn.Module, run_id: str) -> bool:
    """Whether the run's snapshots hold whole networks (not only conv kernels), so the embedding can be replayed."""
    from safetensors import safe_open

    snaps = runs.list_snapshots(run_id)
    if not snaps:
        return False
    with safe_open(str(snaps[0]["path"]), "pt") as f:
        return set(model.state_dict()) <= set(f.keys())


def embedding_timeline(model: nn.Module, run_id: str, x, pca: PCA, progress: Progress | None = None) -> Timeline:
    """Penultimate features of x at every snapshot of a run, projected with `pca` (fit it on the final weights).

    Fitting the axes once, on the final network, and projecting every snapshot onto them keeps the picture
    still while the points move: refitting per snapshot would rotate and flip the axes from frame to frame.
    Each frame is then standardised (centred, unit RMS spread), so frames share one plotting range.

    Args: model the run's network (its final weights; a copy gets each snapshot's); x normalised images
    (N, C, H, W).  Raises: ValueError when the run has no snapshots or they hold only conv kernels.
    """
    snaps = runs.list_snapshots(run_id)
    if not snaps:
        raise Invalid("run {run_id} has no snapshots", run_id=run_id)
    points, preds = [], []
    for i, snap in enumerate(snaps):
        feats, pred = penultimate_features(snapshot_model(model, run_id, snap["index"]), x)
        points.append(standardise(project(pca, feats)))
        preds.append(pred)
        if progress:
            progress((i + 1) / len(snaps), f"snapshot {i + 1} of {len(snaps)}")
    return Timeline(np.stack(points), np.stack(preds), tuple(s["step"] for s in snaps),
                    tuple(s["epoch"] for s in snaps))
