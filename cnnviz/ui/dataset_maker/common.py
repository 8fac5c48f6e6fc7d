"""What the Make a dataset sections share: notices that outlive the rerun, and fresh widgets by a bumped key."""

from __future__ import annotations

import streamlit as st


def notice(text: str, kind: str = "success") -> None:
    """Say what the last action did, after the rerun that shows its result."""
    st.session_state.setdefault("maker_notices", []).append((kind, text))


def show_notices() -> None:
    """Say what is kept from the last action (and forget it)."""
    for kind, said in st.session_state.pop("maker_notices", []):
        {"success": st.success, "warning": st.warning, "error": st.error}[kind](said)


def bump(name: str) -> int:
    """A counter in a widget's key: bumping it gives a fresh, empty widget (a cleared canvas or uploader)."""
    st.session_state[name] = st.session_state.get(name, 0) + 1
    return st.session_state[name]
