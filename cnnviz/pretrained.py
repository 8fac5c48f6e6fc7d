"""ImageNet networks (VGG-16 of the book chapter, ResNet-18): where they come from, and photos prepared for them.

Weights are torchvision's ImageNet files, read from the torch hub cache and downloaded only when asked, checked
before they are loaded (`imagenet_weights`). `load(name, weights=None)` gives the same network with random
weights, for exploring the code path offline (and for the tests). `look` runs a photo through one (top-5 and
every stage's maps); Grad-CAM on them is `attribution.grad_cam` on `Network.model`, at `ModelEntry.gradcam_layer`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np
import torch
import torchvision
from torch import nn
from torchvision.models import ResNet18_Weights, VGG16_Weights
from torchvision.transforms import functional as TF

from . import hooks, imagenet_weights
from .i18n import Message

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage


@dataclass(frozen=True)
class ModelEntry:
    """A torchvision ImageNet network the app offers, with the layers it shows."""

    id: str
    title: str
    description: str
    builder: Callable[..., nn.Module]  # torchvision.models.vgg16 etc., called with weights=None
    weights: object  # the torchvision weights enum member: categories, transforms, url, sizes
    url: str  # where the file comes from; its last part is the file name in the hub cache
    first_conv: str  # module path of the first convolution
    stages: tuple[tuple[str, str], ...]  # (stage name shown, module path), input to output
    gradcam_stage: str  # the last convolutional stage, where Grad-CAM looks

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    @property
    def sha256_prefix(self) -> str:
        """The first hex digits of the file's SHA-256, carried in its name (torchvision's convention)."""
        return self.file_name.rsplit("-", 1)[-1].split(".")[0]

    @property
    def size_mb(self) -> float:
        return float(self.weights.meta.get("_file_size", 0.0))

    @property
    def gradcam_layer(self) -> str:
        """The module path of the Grad-CAM stage ("layer4", "features.29")."""
        return dict(self.stages)[self.gradcam_stage]


_VGG_STAGES = (
    ("conv1_2", "features.3"),
    ("pool1", "features.4"),
    ("conv2_2", "features.8"),
    ("pool2", "features.9"),
    ("conv3_3", "features.15"),
    ("pool3", "features.16"),
    ("conv4_3", "features.22"),
    ("pool4", "features.23"),
    ("conv5_3", "features.29"),
    ("pool5", "features.30"),
)
_RESNET_STAGES = (
    ("conv1", "relu"),
    ("maxpool", "maxpool"),
    ("layer1", "layer1"),
    ("layer2", "layer2"),
    ("layer3", "layer3"),
    ("layer4", "layer4"),
)

MODELS: dict[str, ModelEntry] = {
    m.id: m
    for m in (
        ModelEntry(
            "resnet18",
            "ResNet-18",
            "18 layers with shortcut connections (He et al. 2015): 11.7M parameters, "
            "1.8 GMACs per image, a 45 MB download.",
            torchvision.models.resnet18,
            ResNet18_Weights.IMAGENET1K_V1,
            ResNet18_Weights.IMAGENET1K_V1.url,
            "conv1",
            _RESNET_STAGES,
            "layer4",
        ),
        ModelEntry(
            "vgg16",
            "VGG-16",
            "The book chapter's network (Simonyan & Zisserman 2014): 13 3x3 convolutions and "
            "3 dense layers, 138M parameters, 15.5 GMACs per image, a 528 MB download.",
            torchvision.models.vgg16,
            VGG16_Weights.IMAGENET1K_V1,
            VGG16_Weights.IMAGENET1K_V1.url,
            "features.0",
            _VGG_STAGES,
            "conv5_3",
        ),
    )
}


def list_models() -> list[str]:
    return list(MODELS)


def get_entry(name: str) -> ModelEntry:
    if name not in MODELS:
        raise ValueError(f"unknown network {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name]


def categories(name: str) -> list[str]:
    """The 1,000 ImageNet class names, from torchvision (no download needed)."""
    return list(get_entry(name).weights.meta["categories"])


# ---------------------------------------------------------------- the network


@dataclass(frozen=True, eq=False)
class Network:
    """A built ImageNet network in eval mode, and whether it holds the trained weights."""

    entry: ModelEntry
    model: nn.Module
    trained: bool
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # hooks must not mix across sessions


def load(name: str, weights: str | None = "imagenet", seed: int = 0) -> Network:
    """Build a network with its ImageNet weights from the hub cache, or random weights (weights=None, from `seed`).

    Raises:
        WeightsError when the ImageNet weights are absent (see `imagenet_weights.missing_message`) or damaged.
    """
    entry = get_entry(name)
    if weights not in ("imagenet", None):
        raise ValueError(f"weights must be 'imagenet' or None, got {weights!r}")
    state = imagenet_weights.read_weights(entry) if weights else None
    with torch.random.fork_rng(devices=[]):  # the same random network every time, without touching global state
        torch.manual_seed(seed)
        model = entry.builder(weights=None)  # never torchvision's own downloader
    if state is not None:
        model.load_state_dict(state)
    for m in model.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False  # in-place ReLUs would overwrite the maps hooks keep, and upset Captum
    return Network(entry, model.eval(), state is not None)


@dataclass(frozen=True, eq=False)
class Prepared:
    """A photo made ready for an ImageNet network."""

    image: np.ndarray  # (224, 224, 3) uint8: what the network sees, before normalisation
    tensor: torch.Tensor  # (1, 3, 224, 224) float32, normalised with ImageNet's mean and std
    notes: tuple[str, ...]


def prepare(image: PILImage | np.ndarray, name: str = "resnet18") -> Prepared:
    """Resize (shorter side 256), centre-crop 224 and normalise, as the weights' `transforms()` do.

    Args:
        image: a PIL image (e.g. from images.load_image_bytes) or uint8 array (H, W), (H, W, 3) or (C, H, W).
    """
    from PIL import Image

    preset = get_entry(name).weights.transforms()
    notes = []
    if not isinstance(image, Image.Image):
        a = np.asarray(image)
        if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
            a = a.transpose(1, 2, 0)  # (C, H, W) -> (H, W, C)
        if a.ndim == 3 and a.shape[-1] == 1:
            a = a[..., 0]
        if a.dtype != np.uint8 or a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] != 3) or a.size == 0:
            raise ValueError(f"expected a uint8 image (H, W), (H, W, 3) or (C, H, W), got {a.dtype} {a.shape}")
        image = Image.fromarray(a)
    if image.mode in ("LA", "RGBA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
        notes.append(Message("composited the transparent parts onto white"))
    if image.mode != "RGB":
        if image.mode not in ("RGBA",):
            notes.append(
                Message("copied grey into the 3 colour channels")
                if image.mode in ("L", "1")
                else Message("converted {mode} to RGB", mode=image.mode)
            )
        image = image.convert("RGB")
    w, h = image.size
    resized = TF.resize(image, preset.resize_size, interpolation=preset.interpolation, antialias=True)
    crop = TF.center_crop(resized, preset.crop_size)
    notes.append(
        Message(
            "resized {w}x{h} to {rw}x{rh} (shorter side {side}) and kept the centre {c}x{c}",
            w=w,
            h=h,
            rw=resized.size[0],
            rh=resized.size[1],
            side=preset.resize_size[0],
            c=preset.crop_size[0],
        )
    )
    u8 = np.asarray(crop, dtype=np.uint8).copy()  # (224, 224, 3)
    tensor = TF.normalize(TF.to_tensor(crop), preset.mean, preset.std).unsqueeze(0)  # (1, 3, 224, 224)
    return Prepared(u8, tensor, tuple(notes))


def first_layer_kernels(net: Network) -> np.ndarray:
    """The first convolution's colour kernels: float32 (64, 3, k, k) (k = 3 for VGG-16, 7 for ResNet-18)."""
    conv = net.model.get_submodule(net.entry.first_conv)
    return conv.weight.detach().to("cpu", torch.float32).numpy().copy()


def stage_names(name: str) -> list[str]:
    return [label for label, _ in get_entry(name).stages]


@dataclass(frozen=True, eq=False)
class Look:
    """What a network makes of one image: class probabilities and the first channels of every stage."""

    probs: np.ndarray  # (1000,) float32 summing to 1
    top: np.ndarray  # (k,) int64 class indices, most probable first
    names: tuple[str, ...]  # their ImageNet names
    maps: dict[str, np.ndarray]  # stage -> float32 (min(C, max_channels), h, w), h, w <= max_size
    shapes: dict[str, tuple[int, int, int]]  # stage -> its full output shape (C, H, W)


def look(net: Network, x: torch.Tensor, k: int = 5, max_channels: int = 32, max_size: int = 56) -> Look:
    """One forward pass: softmax, top-k classes, and every stage's first channels (caught by `hooks`).

    Maps larger than max_size a side are averaged down: 32 maps of 224x224 would be megabytes of figure.
    Args: x (1, 3, 224, 224) from `prepare`.
    """
    paths = dict(net.entry.stages)  # stage -> module path
    with net.lock:
        kept, logits = hooks.layer_outputs(net.model, x, paths.values())
    probs = torch.softmax(logits.float(), dim=1)[0].numpy()  # (1000,)
    maps, shapes = {}, {}
    for stage, path in paths.items():
        out = kept[path][0]  # (C, H, W); no in-place op follows (see load)
        shapes[stage] = tuple(int(s) for s in out.shape)
        part = out[:max_channels]
        if max(part.shape[1:]) > max_size:
            part = nn.functional.adaptive_avg_pool2d(part, max_size)
        maps[stage] = part.float().numpy().copy()
    top = np.argsort(-probs, kind="stable")[:k]
    names = categories(net.entry.id)
    return Look(probs, top, tuple(names[i] for i in top), maps, shapes)
