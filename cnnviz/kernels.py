"""Kernels: the learned weights of a network's convolution layers, and the first layer slid over any image."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .arch import ArchSpec, layer_names
from .layer_types import Conv
from .i18n import Invalid, Message

MAX_APPLY_PIXELS = 4_000_000  # convolving a bigger photo with 32 kernels would take gigabytes


def conv_layers(spec: ArchSpec) -> list[str]:
    """Names of the convolution layers of a spec, in network order (conv1, conv2, ...)."""
    return [name for name, layer in zip(layer_names(spec), spec.layers) if isinstance(layer, Conv)]


def of_layer(model_or_state: nn.Module | dict, layer_name: str) -> np.ndarray:
    """The kernels of one conv layer.

    Args:
        model_or_state: a built network or a state dict (a snapshot, say).
        layer_name: e.g. "conv1".
    Returns:
        float32 array (out_channels, in_channels, kh, kw).
    """
    state = model_or_state.state_dict() if isinstance(model_or_state, nn.Module) else model_or_state
    weight = state.get(f"{layer_name}.weight")
    if weight is None or weight.ndim != 4:
        known = sorted(k[: -len(".weight")] for k, v in state.items() if k.endswith(".weight") and v.ndim == 4)
        raise Invalid(
            "no convolution layer {layer!r}; conv layers here: {names}",
            layer=layer_name,
            names=", ".join(known) or Message("none"),
        )
    return weight.detach().to("cpu", torch.float32).numpy().copy()


def apply_first_layer(
    model_or_kernels: nn.Module | np.ndarray | torch.Tensor,
    image: np.ndarray | torch.Tensor,
    bias: np.ndarray | torch.Tensor | None = None,
    stride: int = 1,
    padding: int = 0,
) -> np.ndarray:
    """The first conv layer's kernels convolved with any image (before the activation), as F.conv2d does.

    Args:
        model_or_kernels: a network (its first nn.Conv2d gives weights, bias, stride and padding), or
            kernels (M, C, kh, kw) used with `bias` (M,), `stride` and `padding`.
        image: float (C, H, W) or (H, W), normalised the dataset's way; any size.
    Returns:
        float32 feature maps (M, H', W').
    """
    if isinstance(model_or_kernels, nn.Module):
        conv = next((m for m in model_or_kernels.modules() if isinstance(m, nn.Conv2d)), None)
        if conv is None:
            raise Invalid("this network has no convolution layer (an MLP has no kernels to apply)")
        weight, bias, stride, padding = conv.weight, conv.bias, conv.stride, conv.padding
    else:
        weight = torch.as_tensor(np.asarray(model_or_kernels, dtype=np.float32))
        if weight.ndim != 4:
            raise ValueError(f"kernels must be (M, C, kh, kw), got shape {tuple(weight.shape)}")
        bias = None if bias is None else torch.as_tensor(np.asarray(bias, dtype=np.float32))
    img = torch.as_tensor(np.asarray(image, dtype=np.float32))
    img = img.unsqueeze(0) if img.ndim == 2 else img
    if img.ndim != 3 or img.shape[0] != weight.shape[1]:
        raise Invalid(
            "the kernels take {c}-channel images (C, H, W), got shape {shape}",
            c=weight.shape[1],
            shape=tuple(img.shape),
        )
    if img.shape[1] * img.shape[2] > MAX_APPLY_PIXELS:
        raise Invalid(
            "the image is {w}x{h}: scale it to at most {mp} megapixels first",
            w=img.shape[2],
            h=img.shape[1],
            mp=MAX_APPLY_PIXELS // 1_000_000,
        )
    with torch.inference_mode():
        weight = weight.detach().cpu().float()
        bias = None if bias is None else bias.detach().cpu().float()
        try:
            out = F.conv2d(img.unsqueeze(0), weight, bias, stride, padding)  # (1, M, H', W')
        except RuntimeError as e:
            raise Invalid(
                "cannot convolve an image of shape {image} with kernels {kernels}: {reason}",
                image=tuple(img.shape),
                kernels=tuple(weight.shape),
                reason=str(e)[:200],
            ) from None
    return out[0].numpy()
