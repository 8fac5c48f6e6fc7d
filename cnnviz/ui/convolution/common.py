"""What the Convolution screen's tabs share: the picture sizes, the filled-in output-size formula and the position
of a walk over an output map."""

from __future__ import annotations

import streamlit as st

from ... import playground
from ..text import t

MAIN_SIDE, STEP_SIDE = 256, 64  # longest side of an uploaded picture: main views / the step-by-step view


def formula_lines(sizes, square: bool) -> None:
    """The filled-in output-size formula: once for a square case, else for rows and columns."""
    if square:
        st.markdown(f"`{sizes[0].formula}` → **{sizes[0].size}×{sizes[0].size}**")
    else:
        for what, s in zip((t("rows"), t("columns")), sizes):
            st.markdown(f"{what}: `{s.formula}`")


def keep_position(prefix: str, out) -> None:
    """The walk over `out` (session key prefix_pos) starts at the strongest value whenever out's shape changes,
    and stays inside out."""
    if f"{prefix}_pos" not in st.session_state or st.session_state.get(f"{prefix}_shape") != out.shape:
        st.session_state[f"{prefix}_pos"] = playground.strongest(out)
        st.session_state[f"{prefix}_shape"] = out.shape
    st.session_state[f"{prefix}_pos"] = min(max(int(st.session_state[f"{prefix}_pos"]), 0), out.size - 1)
