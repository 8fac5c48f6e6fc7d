"""The Kernels screen in sections, one module each (pages/kernels.py lays them out): layout only, the compute
lives in kernels.py (the page needs no `cnnviz.kernels`, whose name this package shares)."""

from .applied import first_layer_applied
from .empty import require_layers
from .learned import learned_kernels

__all__ = ["first_layer_applied", "learned_kernels", "require_layers"]
