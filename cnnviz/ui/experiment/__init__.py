"""The Experiment screen's tabs, one module each (pages/experiment.py lays them out): layout only, the compute
lives in cnnviz's concept modules."""

from .compare_tab import compare_tab
from .edit_tab import edit_tab
from .handcrafted_tab import handcrafted_tab
from .health_tab import health_tab
from .robustness_tab import robustness_tab
from .timeline_tab import timeline_tab

__all__ = ["compare_tab", "edit_tab", "handcrafted_tab", "health_tab", "robustness_tab", "timeline_tab"]
