"""The Receptive field screen in parts (pages/receptive_field.py lays them out): the network to look at, the
layer-by-layer table, the unit picked and its field described and checked, and the input with that field on top.
Layout only: the fields and costs are computed in receptive.py."""

from .network import pick_network
from .picture import field_picture
from .table import layer_table
from .unit import check_button, describe_unit, pick_unit

__all__ = ["check_button", "describe_unit", "field_picture", "layer_table", "pick_network", "pick_unit"]
