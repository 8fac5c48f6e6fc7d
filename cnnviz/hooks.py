"""Forward hooks: the outputs of a network's layers, caught on their way through. The one activation capture.

    with hooks.watching(model, ["conv1_relu"], lambda name, out: ...):   # a callback per output
        model(x)
    hooks.layer_outputs(model, x)                                        # {layer: output} of one pass

Layers are named as `model.named_modules()` names them: "conv1", "pool2" for the networks `arch.build`
makes, dotted paths ("features.3", "layer4") for torchvision's. Hooks are always removed again, so a
network shared between screens never keeps one.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import numpy as np
import torch
from torch import nn

from .i18n import Invalid

OnOutput = Callable[[str, torch.Tensor], None]


def modules(model: nn.Module, names: Iterable[str] | None = None) -> dict[str, nn.Module]:
    """The named layers of a network ({name: module}, in the order asked); all its direct children by default.

    Raises: Invalid naming the layers there are when one is not in the network.
    """
    if names is None:
        children = dict(model.named_children())
        if not children:
            raise ValueError("the model has no layers to hook (expected an nn.Sequential from arch.build)")
        return children
    every = dict(model.named_modules())
    missing = [n for n in names if n not in every or n == ""]
    if missing:
        raise Invalid(
            "no layer {layer!r} in this network; its layers: {names}",
            layer=missing[0],
            names=", ".join(n for n, _ in model.named_children()),
        )
    return {n: every[n] for n in names}


@contextmanager
def watching(model: nn.Module, names: Iterable[str] | None, on_output: OnOutput) -> Iterator[None]:
    """Call `on_output(name, output)` for every output of the named layers while inside (all children by default)."""
    handles = [
        module.register_forward_hook(lambda _m, _i, out, name=name: on_output(name, out))
        for name, module in modules(model, names).items()
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def run(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """model(x), with an input the network cannot take said plainly (the shape error surfaces deep in torch)."""
    try:
        return model(x)
    except RuntimeError as e:
        raise Invalid(
            "an input of shape {shape} does not fit this network: {reason}", shape=tuple(x.shape), reason=str(e)[:200]
        ) from None


def device(model: nn.Module) -> torch.device:
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def layer_outputs(
    model: nn.Module, x: torch.Tensor, names: Iterable[str] | None = None, grad: bool = False
) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """One forward pass of `x` in eval mode, keeping the outputs of the named layers (all children by default).

    Args: x a float batch (N, C, H, W); grad: keep the graph (outputs stay attached) instead of inference mode.
    Returns: ({layer: output (N, ...)}, in the order the layers ran; the network's own output).
    """
    kept: dict[str, torch.Tensor] = {}

    def keep(name: str, out: torch.Tensor) -> None:
        kept[name] = out if grad else out.detach()

    was_training = model.training
    model.eval()
    try:
        with watching(model, names, keep), torch.inference_mode(not grad):
            out = run(model, x.to(device(model)))
    finally:
        model.train(was_training)
    return kept, out


def activations(model: nn.Module, x: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's output for one input, plus the class probabilities.

    Args: model an nn.Sequential as built by `arch.build`; x one normalised image (C, H, W) or (1, C, H, W).
    Returns: {layer name: float32 output with the batch dimension removed}, in network order, e.g.
        conv1 (6, 24, 24), conv1_relu, pool1, ..., dense3 (10,), then "softmax" (K,) summing to 1.
    """
    t = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if not t.is_floating_point():
        raise ValueError(f"the network wants normalised float input (see data.normalize), got {t.dtype}")
    t = t.unsqueeze(0) if t.ndim == 3 else t
    if t.ndim != 4 or t.shape[0] != 1:
        raise ValueError(f"expected one image (C, H, W) or (1, C, H, W), got shape {tuple(t.shape)}")
    kept, logits = layer_outputs(model, t.float())
    outputs = {name: out[0].to("cpu", torch.float32).numpy().copy() for name, out in kept.items()}
    outputs["softmax"] = torch.softmax(logits.float(), dim=1)[0].cpu().numpy()
    return outputs
