"""What the Explain screen's tabs share: a method's title and a computation whose failure stops the page."""

from __future__ import annotations

import streamlit as st

from ... import attribution, ui
from ..text import t


def title(method: str) -> str:
    return t(attribution.TITLES[method])


def computed(compute):
    """compute(), or its reason shown and the page stopped (a network or an input that cannot be used)."""
    try:
        return compute()
    except ValueError as e:
        st.error(ui.reason(e))
        st.stop()
