"""Attribution: which pixels made a network answer what it did, for one image and one class.

Saliency, SmoothGrad, Integrated Gradients and Grad-CAM come from Captum. Every function works on a private
working copy of the model (eval mode, parameters frozen, see `working_copy`), so the caller's network, which the
app caches and shares between sessions, is never switched to training, given gradients or left with hooks.
Grad-CAM works on any network: its layer is named as `named_modules()` names it ("conv2" for the networks
`arch.build` makes, "layer4" or "features.28" for torchvision's).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import data, hooks
from .i18n import N_, Invalid

METHODS = ("saliency", "smoothgrad", "integrated_gradients", "gradcam")  # what `attribute` accepts
TITLES = {
    "saliency": N_("Gradient saliency"),
    "smoothgrad": N_("SmoothGrad"),
    "integrated_gradients": N_("Integrated Gradients"),
    "gradcam": N_("Grad-CAM"),
}  # as the screens name them
ABOUT = {  # each method in a sentence, for the screens
    "saliency": N_(
        "How strongly the class score reacts to a tiny change of each pixel (the gradient). Quick, but speckled."
    ),
    "smoothgrad": N_(
        "The same gradient averaged over many copies of the image with a little noise added: the "
        "speckle cancels out and the shape that matters remains."
    ),
    "integrated_gradients": N_(
        "Adds up the gradient along the way from a black image to this one, so the pixel "
        "scores sum to how much the class score rose between the two."
    ),
    "gradcam": N_(
        "Weighs a convolution layer's feature maps by how much they raise the class score: coarse, at that "
        "layer's resolution, but it shows where the network looked."
    ),
}


@dataclass(frozen=True, eq=False)
class Attribution:
    """One attribution map for one image and class."""

    method: str
    target: int
    heat: np.ndarray  # (H, W) float32 in 0..1: how much each pixel matters, for overlays
    raw: np.ndarray  # (H, W) float32, signed: positive pushes towards the class, negative away
    delta: float | None = None  # Integrated Gradients: completeness error sum(attr) - (f(x) - f(baseline))


# ---------------------------------------------------------------- the working copy and the input


def working_copy(model: nn.Module) -> nn.Module:
    """A private eval-mode copy of a network with frozen parameters, for analyses that hook, backpropagate or
    switch modes (featurevis and embedding use it too).

    The copy has modules of its own, so hooks and mode switches never reach the original, and Parameters of its
    own that share the original's storage: no memory and no time, even for VGG-16's 528 MB.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"expected a torch network (nn.Module), got {type(model).__name__}")
    memo = {id(p): nn.Parameter(p.detach(), requires_grad=False) for p in model.parameters()}
    memo |= {id(b): b for b in model.buffers()}  # read only: eval mode updates no running statistics
    return copy.deepcopy(model, memo).eval()


def image_batch(x: np.ndarray | torch.Tensor, single: bool) -> torch.Tensor:
    """A float tensor (N, C, H, W) on the CPU from an array or tensor; (C, H, W) gets a batch dimension.

    Args: single: x must be one image, (C, H, W) or (1, C, H, W).
    """
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


def _check_target(logits: torch.Tensor, target: int) -> int:
    k = logits.shape[1]
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= int(target) < k:
        raise Invalid("target class must be a class index in 0..{last}, got {got!r}", last=k - 1, got=target)
    return int(target)


def normalise01(a: np.ndarray) -> np.ndarray:
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


def import_captum() -> None:
    """Import Captum's attribution methods now (about a second, much longer on a busy machine: it brings in
    matplotlib and sympy), so that the first screen to explain a decision does not wait for it."""
    import captum.attr  # noqa: F401


# ---------------------------------------------------------------- the methods


def saliency(model: nn.Module, x: np.ndarray | torch.Tensor, target: int) -> Attribution:
    """Vanilla gradient saliency: |d logit_target / d pixel|, largest over colour channels.

    Args: x one normalised image (C, H, W); target class index.  Returns: Attribution with (H, W) maps.
    """
    from captum.attr import Saliency

    work, xb = working_copy(model), image_batch(x, single=True)  # (1, C, H, W)
    target = _check_target(hooks.run(work, xb), target)
    return _grad_maps("saliency", target, Saliency(work).attribute(xb.requires_grad_(), target=target, abs=False))


def smoothgrad(
    model: nn.Module, x: np.ndarray | torch.Tensor, target: int, samples: int = 32, noise: float = 0.15, seed: int = 0
) -> Attribution:
    """SmoothGrad: the gradient averaged over `samples` noisy copies of the image (Captum NoiseTunnel).

    Args: noise standard deviation as a fraction of the image's value range; seed makes the noise repeatable.
    """
    from captum.attr import NoiseTunnel, Saliency

    if not 1 <= samples <= 1000 or not 0 <= noise <= 1:
        raise Invalid(
            "SmoothGrad needs 1..1000 samples and a noise level in 0..1, got {samples}, {noise}",
            samples=samples,
            noise=noise,
        )
    work, xb = working_copy(model), image_batch(x, single=True)
    target = _check_target(hooks.run(work, xb), target)
    sigma = noise * float(xb.max() - xb.min()) or noise
    with torch.random.fork_rng(devices=[]):  # repeatable noise without disturbing anyone's random stream
        torch.manual_seed(seed)
        attr = NoiseTunnel(Saliency(work)).attribute(
            xb.requires_grad_(),
            nt_type="smoothgrad",
            nt_samples=samples,
            nt_samples_batch_size=samples,
            stdevs=sigma,
            target=target,
            abs=False,
        )
    return _grad_maps("smoothgrad", target, attr)


def black_baseline(info: data.DatasetInfo) -> np.ndarray:
    """An all-black image in the network's normalised units (not 0, which is the mean grey): (C, H, W)."""
    return data.normalize(torch.zeros(1, *info.input_shape, dtype=torch.uint8), info)[0].numpy()


def integrated_gradients(
    model: nn.Module,
    x: np.ndarray | torch.Tensor,
    target: int,
    baseline: np.ndarray | torch.Tensor | None = None,
    steps: int = 64,
) -> Attribution:
    """Integrated Gradients from `baseline` to x (Gauss-Legendre, `steps` points).

    Args: baseline (C, H, W) normalised, default all zeros (the mean image); pass `black_baseline(info)` for
    black.  Returns: Attribution whose raw map sums to about f(x) - f(baseline) (see `delta`).
    """
    from captum.attr import IntegratedGradients

    work, xb = working_copy(model), image_batch(x, single=True)
    base = torch.zeros_like(xb) if baseline is None else image_batch(baseline, single=True)
    if base.shape != xb.shape:
        raise ValueError(f"the baseline has shape {tuple(base.shape[1:])}, the image {tuple(xb.shape[1:])}")
    if not 2 <= steps <= 2000:
        raise Invalid("Integrated Gradients needs 2..2000 steps, got {steps}", steps=steps)
    target = _check_target(hooks.run(work, xb), target)
    attr, delta = IntegratedGradients(work).attribute(
        xb, baselines=base, target=target, n_steps=steps, internal_batch_size=steps, return_convergence_delta=True
    )
    return _grad_maps("integrated_gradients", target, attr, float(delta.item()))


def grad_cam(
    model: nn.Module, x: np.ndarray | torch.Tensor, target: int, layer: str, relu_attributions: bool = False
) -> Attribution:
    """Grad-CAM (Captum's LayerGradCam) on a layer with feature maps, upsampled bilinearly to the input size.

    Args: layer a `named_modules()` name: "conv2" or "conv2_relu" here, "layer4" or "features.28" in torchvision's
        networks; relu_attributions: ReLU the coarse map before upsampling it (the paper's order, as the
        Pretrained screen shows it); by default the signed map is upsampled and `raw` keeps its sign.
    Returns: Attribution with heat = ReLU(map) / its max and raw = the upsampled map, both (H, W).
    """
    from captum.attr import LayerAttribution, LayerGradCam

    work, xb = working_copy(model), image_batch(x, single=True)  # (1, C, H, W)
    module = hooks.modules(work, [layer])[layer]
    maps = []

    def checked(inputs: torch.Tensor) -> torch.Tensor:
        # the one forward pass Captum makes, checked on its way (a separate check would double VGG-16's time)
        with hooks.watching(work, [layer], lambda _name, out: maps.append(out)):
            logits = hooks.run(work, inputs)
        if maps[-1].ndim != 4:
            raise Invalid(
                "Grad-CAM needs a layer with feature maps (a convolution); {layer} outputs shape {shape}",
                layer=layer,
                shape=tuple(maps[-1].shape[1:]),
            )
        _check_target(logits, target)
        return logits

    target = int(target) if isinstance(target, np.integer) else target  # Captum takes Python ints only
    cam = LayerGradCam(checked, module).attribute(
        xb.requires_grad_(), target=target, relu_attributions=relu_attributions
    )  # (1, 1, h, w)
    up = LayerAttribution.interpolate(cam.detach(), tuple(xb.shape[2:]), interpolate_mode="bilinear")  # (1, 1, H, W)
    raw = up[0, 0].double().numpy()
    return Attribution("gradcam", target, normalise01(np.maximum(raw, 0)), raw.astype(np.float32))


def attribute(
    method: str, model: nn.Module, x: np.ndarray | torch.Tensor, target: int, layer: str | None = None, **options
) -> Attribution:
    """Any method of METHODS by name (the screens' entry point); `layer` is needed by Grad-CAM only.

    Args: options: the method's own settings (samples, noise, baseline, steps, relu_attributions).
    """
    if method == "gradcam":
        if not layer:
            raise Invalid("Grad-CAM needs a convolution layer to look at")
        return grad_cam(model, x, target, layer, **options)
    functions = {"saliency": saliency, "smoothgrad": smoothgrad, "integrated_gradients": integrated_gradients}
    if method not in functions:
        raise ValueError(f"unknown attribution method {method!r}; choose one of {', '.join(METHODS)}")
    return functions[method](model, x, target, **options)
