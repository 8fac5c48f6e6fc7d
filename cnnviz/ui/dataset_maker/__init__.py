"""The Make a dataset screen in sections, one module each (pages/dataset_maker.py lays them out): layout only, the
compute lives in own_data.py and own_import.py."""

from .adding import add_examples
from .chooser import choose
from .common import show_notices
from .gallery import gallery
from .manage import manage
from .new_form import new_dataset_form
from .training_form import train_on

__all__ = ["add_examples", "choose", "gallery", "manage", "new_dataset_form", "show_notices", "train_on"]
