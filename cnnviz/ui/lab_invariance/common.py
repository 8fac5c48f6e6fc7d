"""What the invariance lab's parts share: a network's name as the learner knows it."""

from __future__ import annotations

from ... import presets
from ...record import RunRecord
from ..text import t


def name(record: RunRecord) -> str:
    """The network's name as the learner knows it: its preset's title, else the run's own name."""
    return t(presets.PRESETS[record.preset].title) if record.preset in presets.PRESETS else record.name
