"""The shortcut-learning lab in parts (pages/lab_shortcut.py lays them out): the digit and the experiment's test
sets, running the experiment and measuring its two runs, the accuracies, where Grad-CAM looks, and the buttons
that open the runs on other screens. Layout only: the experiment lives in shortcut.py and shortcut_apart.py."""

from .accuracy import accuracy_section
from .experiment import experiment_setup
from .gradcam import gradcam_section
from .look_closer import look_closer
from .running import experiment_runs, measured

__all__ = ["accuracy_section", "experiment_runs", "experiment_setup", "gradcam_section", "look_closer", "measured"]
