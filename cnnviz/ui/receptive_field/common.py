"""What the Receptive field screen's parts share: a widget's value kept in range, and a span of pixels as read."""

from __future__ import annotations

import streamlit as st

from ..text import t


def clamp(key: str, top: int) -> None:
    """The session's value under `key` kept within 0..top (a new network may have fewer units or images)."""
    st.session_state[key] = min(max(int(st.session_state.get(key, 0)), 0), top)


def span(a: int, b: int) -> str:
    """Half-open [a, b) as the inclusive range people read (a typographic minus for padding positions)."""
    if b - a <= 1:
        return str(a).replace("-", "−")
    return f"{a}–{b - 1}" if a >= 0 else t("{a} to {b}", a=str(a).replace("-", "−"), b=b - 1)
