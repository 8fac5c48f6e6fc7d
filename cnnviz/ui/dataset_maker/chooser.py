"""Make a dataset, the picker: a made dataset or a new one, and the example set added with one click."""

from __future__ import annotations

import streamlit as st

from ... import own_data, own_import, ui
from ..text import t

NEW = "__new__"


def choose() -> own_data.OwnDataset | None:
    """The dataset picked (None: a new one)."""
    made, problems = own_data.list_made()
    for problem in problems:
        st.warning(t("A made dataset cannot be read: {reason}", reason=ui.plain(ui.reason(problem))))
    ids = [d.id for d in made]
    titles = {d.id: d.title for d in made}
    if "_maker_open" in st.session_state:  # a dataset just made: show it (set before its picker is drawn)
        st.session_state["maker_dataset"] = st.session_state.pop("_maker_open")
    if st.session_state.get("maker_dataset") not in [*ids, NEW]:
        st.session_state["maker_dataset"] = ids[0] if ids else NEW
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        t("Dataset"),
        [*ids, NEW],
        key="maker_dataset",
        format_func=lambda i: t("New dataset…") if i == NEW else t(titles[i]),
    )
    if own_import.EXAMPLE_ID not in ids and right.button(
        t("Add the example: 3, 5 and 8 from MNIST"), key="maker_example", icon=":material/auto_awesome:"
    ):
        with st.spinner(t("Copying 120 digits from the MNIST sample…")):
            own_import.example_set()
        st.session_state["_maker_open"] = own_import.EXAMPLE_ID
        st.rerun()
    return None if chosen == NEW else next(d for d in made if d.id == chosen)
