"""The Evaluation screen in sections, one module each (pages/evaluation.py lays them out): layout only, the
compute lives in evaluate.py and mistake.py.

Not `ui/evaluation/`: that name would shadow the `ui.evaluation` cache (as `train_screen` leaves `ui.training`).
"""

from .cell import cell_images
from .compare import compare_runs
from .confusion import confusion
from .headline import headline
from .mistakes import all_mistakes
from .why import why_mistake

__all__ = ["all_mistakes", "cell_images", "compare_runs", "confusion", "headline", "why_mistake"]
