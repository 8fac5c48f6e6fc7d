"""Every figure of the app, remembered: `cnnviz.figures` behind a cache, so a screen redrawn with inputs it has
shown before (a slider moved back, a select box set to a class seen a moment ago) sends the figure built then
instead of building it again. Building is most of a rerun's Python time: Plotly validates every property of every
trace and layout as a figure is made (the playground's step figure: ~75 ms), while sending one that is made costs
~6 ms.

The screens use it as `figures.<name>(...)` exactly as they would use `cnnviz.figures`. The key is the builder,
its arguments (numpy arrays by their bytes) and the session's language, since builders write their labels in it.
A figure from here is shared by every session: it is drawn, never changed (no screen updates a figure it gets).
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.runtime.caching.cache_errors import UnhashableParamError

from ... import figures as _figures
from ...i18n import current_language

MAX_FIGURES = 128  # the largest figures (a gallery of 48 images) hold a few MB of Python objects each
NOT_BUILDERS = {"tile_values"}  # readers of a figure, not builders: always called as they are


@st.cache_resource(max_entries=MAX_FIGURES, show_spinner=False)
def _built(name: str, language: str, args: tuple, kwargs: dict):
    return getattr(_figures, name)(*args, **kwargs)


def _remembered(name: str):
    build = getattr(_figures, name)

    def remembered(*args, **kwargs):
        try:
            return _built(name, current_language(), args, kwargs)
        except UnhashableParamError:  # an argument Streamlit cannot hash: build it afresh
            return build(*args, **kwargs)

    remembered.__name__, remembered.__doc__ = name, build.__doc__
    return remembered


def __getattr__(name: str) -> Any:
    value = getattr(_figures, name)  # AttributeError for a name cnnviz.figures does not have
    if callable(value) and name not in NOT_BUILDERS and not isinstance(value, type):
        value = _remembered(name)
    globals()[name] = value  # made once per name
    return value
