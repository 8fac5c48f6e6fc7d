"""The Architecture screen in parts (pages/architecture.py lays them out): the design kept in the session and the
callbacks that change it, the header and summary, the actions (cost, train, export, import) and the layer rows."""

from . import design
from .actions import actions
from .layers import layers_section
from .overview import diagram, header, summary

__all__ = ["actions", "design", "diagram", "header", "layers_section", "summary"]
