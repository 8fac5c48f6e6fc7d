"""The Convolution screen's tabs, one module each, and its image and kernel pickers (pages/convolution.py lays
them out): layout only, the maths lives in conv.py, formulas.py, kernel_catalogue.py and playground.py."""

from .colour_tab import colour_tab
from .convolution_tab import convolution_tab
from .picker import pick_image
from .pooling_tab import pooling_tab
from .step_tab import step_tab
from .why_tab import why_tab

__all__ = ["colour_tab", "convolution_tab", "pick_image", "pooling_tab", "step_tab", "why_tab"]
