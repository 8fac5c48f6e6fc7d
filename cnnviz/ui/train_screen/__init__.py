"""The Train screen in parts (pages/train.py lays them out): the new-run form, the buttons that steer a run and the
panel of trainings, a run watched live or after it ended, and how it ended."""

from .controls import controls, jobs_panel
from .form import new_run
from .live import live_starting, read, run_view
from .outcome import outcome

__all__ = ["controls", "jobs_panel", "live_starting", "new_run", "outcome", "read", "run_view"]
