"""The receptive fields and multiply-accumulates of `receptive`, measured on a real network to check them.

`receptive` computes both exactly from the spec; here the spec is built with torch and measured instead: a
unit's field as the input pixels with a non-zero gradient (`gradient_support`, `confirmed_by_gradient`), and
the multiply-accumulates of every conv and dense module counted by forward hooks (`hook_macs`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
from torch import nn

from . import arch
from .arch import ArchSpec
from .layer_types import Pool
from .i18n import Invalid
from .receptive import _check_unit, _find, fields, unit_support


def gradient_support(
    spec: ArchSpec, layer_name: str, row: int = 0, col: int = 0, channel: int = 0, seed: int = 0
) -> np.ndarray:
    """Input pixels with a non-zero gradient of one unit: the receptive field measured by backpropagation.

    The spec up to `layer_name` is built in float64 with random positive weights and biases and fed a
    random positive image, so no sum cancels and every ReLU passes its gradient. Max-pooling becomes
    average pooling (same window, but gradient to every pixel, not only the maximum); batch norm and
    dropout run in eval mode (per-pixel affine, identity).
    Returns:
        bool (H, W): True where d unit / d pixel != 0 in any channel.
    """
    index = _find(spec, layer_name)
    field = fields(spec)[index]
    _check_unit(field, row, col)
    if not 0 <= channel < field.output_shape[0]:
        raise Invalid(
            "{layer} has {n} channels/units; there is no {channel}",
            layer=layer_name,
            n=field.output_shape[0],
            channel=channel,
        )
    layers = tuple(
        replace(layer, kind="avg") if isinstance(layer, Pool) else layer for layer in spec.layers[: index + 1]
    )
    model = arch.build(ArchSpec(spec.input_shape, layers, spec.name)).double().eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_((torch.rand(m.weight.shape, generator=g, dtype=torch.float64) + 0.5) / fan_in)
                m.bias.copy_(torch.rand(m.bias.shape, generator=g, dtype=torch.float64) * 0.1 + 0.05)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.fill_(1.0)
                m.bias.fill_(0.1)
                m.running_mean.zero_()
                m.running_var.fill_(1.0)
    x = (torch.rand((1, *spec.input_shape), generator=g, dtype=torch.float64) + 0.5).requires_grad_()
    y = model(x)[0]  # (C, H', W') or (units,)
    (y[channel, row, col] if y.ndim == 3 else y[channel]).backward()
    return (x.grad[0] != 0).any(dim=0).numpy()  # (H, W)


def confirmed_by_gradient(spec: ArchSpec, layer_name: str, row: int = 0, col: int = 0) -> bool:
    """Whether backpropagation finds exactly the computed field: `gradient_support` equals `unit_support`."""
    return bool((gradient_support(spec, layer_name, row, col) == unit_support(spec, layer_name, row, col)).all())


def hook_macs(model: nn.Module, input_shape: tuple[int, ...]) -> dict[str, int]:
    """Multiply-accumulates of every Conv2d and Linear module, counted by forward hooks on one input.

    Args:
        input_shape: (C, H, W) of one image; a zero image of that shape is fed through.
    Returns:
        {module name: MACs for one image}, in call order.
    """
    counts: dict[str, int] = {}

    def hook_for(name):
        def hook(module, _inputs, output):
            per_output = module.weight[0].numel() if isinstance(module, nn.Conv2d) else module.in_features
            counts[name] = counts.get(name, 0) + int(output[0].numel()) * int(per_output)

        return hook

    handles = [
        m.register_forward_hook(hook_for(name))
        for name, m in model.named_modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    was_training = model.training
    try:
        model.eval()
        with torch.inference_mode():
            model(torch.zeros((1, *input_shape), device=next(model.parameters()).device))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return counts
