"""The Explain screen's tabs, one module each (pages/explain.py lays them out): layout only, the compute lives
in attribution.py, featurevis.py and embedding.py."""

from .attribution_tab import attribution_tab
from .embedding_tab import embedding_tab
from .filters_tab import filters_tab

__all__ = ["attribution_tab", "embedding_tab", "filters_tab"]
