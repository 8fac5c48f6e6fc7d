"""Make a dataset, Classes and the dataset: add or remove a class, delete the whole dataset."""

from __future__ import annotations

import streamlit as st

from ... import own_data, ui
from ..text import t
from .common import notice


def manage(ds: own_data.OwnDataset) -> None:
    with st.expander(t("Classes and the dataset"), icon=":material/settings:"):
        left, right = st.columns(2, vertical_alignment="bottom")
        name = left.text_input(t("New class"), key="maker_new_class", max_chars=own_data.MAX_NAME_CHARS)
        if right.button(t("Add the class"), key="maker_add_class", icon=":material/add:") and name.strip():
            try:
                own_data.add_class(ds, name)
                st.rerun()
            except own_data.OwnDataError as e:
                st.error(ui.plain(ui.reason(e)), icon=":material/error:")
        index = st.session_state.get("maker_class", 0)
        if st.button(
            t("Remove the class {name} and its examples", name=ui.plain(ds.classes[index])),
            key="maker_remove_class",
            icon=":material/remove:",
        ):
            try:
                own_data.remove_class(ds, index)
                st.rerun()
            except own_data.OwnDataError as e:
                st.error(ui.plain(ui.reason(e)), icon=":material/error:")
        sure = st.checkbox(t("Yes, delete {title} and all its pictures", title=ui.plain(ds.title)), key="maker_sure")
        if st.button(t("Delete the dataset"), key="maker_delete", icon=":material/delete_forever:", disabled=not sure):
            own_data.delete(ds)
            notice(t("Deleted {title}.", title=ui.plain(ds.title)))
            st.rerun()
