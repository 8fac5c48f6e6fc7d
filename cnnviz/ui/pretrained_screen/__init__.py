"""The Pretrained networks screen in parts (pages/pretrained.py lays them out): the network and its ImageNet
weights, the photo it looks at, what it guesses and where it looked, and its first kernels and feature maps.
Layout only: the networks live in pretrained.py and imagenet_weights.py."""

from .answer import grad_cam, photo_chart, top_five
from .inside import feature_maps, first_kernels
from .network import network, pick_network
from .photo import photo

__all__ = ["feature_maps", "first_kernels", "grad_cam", "network", "photo", "photo_chart", "pick_network", "top_five"]
