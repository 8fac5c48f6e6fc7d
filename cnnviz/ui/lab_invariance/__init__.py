"""The invariance lab in parts (pages/lab_invariance.py lays them out): the partner run to compare with (found, or
trained), the accuracies on shifted, turned and scaled test images with example pictures, and how alike each
layer's maps stay under a shift. Layout only: the measurements live in invariance.py."""

from .accuracy import accuracy_charts, accuracy_summary, measured, test_images
from .maps import maps_section
from .partner import partner_run

__all__ = ["accuracy_charts", "accuracy_summary", "maps_section", "measured", "partner_run", "test_images"]
