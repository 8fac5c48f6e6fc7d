"""Make a dataset, the gallery: the chosen class's examples, newest first, each with its delete button."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ... import own_data, ui
from ..text import t

GALLERY_COLUMNS = 8
SHOWN_PER_CLASS = 24  # the newest examples of a class shown with their delete buttons (three rows), unless all


def gallery(ds: own_data.OwnDataset, files: list[list[Path]]) -> None:
    index = st.session_state.get("maker_class", 0)
    st.subheader(t("Examples of {name} ({n})", name=ui.plain(ds.classes[index]), n=len(files[index])))
    if not files[index]:
        st.caption(t("None yet."))
        return
    every = len(files[index]) > SHOWN_PER_CLASS and st.toggle(
        t("Show all {n}, not only the newest {k}", n=len(files[index]), k=SHOWN_PER_CLASS), key="maker_show_all"
    )
    shown = files[index][::-1] if every else files[index][-SHOWN_PER_CLASS:][::-1]  # newest first
    for start in range(0, len(shown), GALLERY_COLUMNS):  # row by row, so every picture sits above its button
        for column, path in zip(st.columns(GALLERY_COLUMNS), shown[start : start + GALLERY_COLUMNS]):
            box = column.container(border=True, horizontal_alignment="center")
            box.image(own_data.read_example(path), width=64)
            if box.button(
                "",
                key=f"maker_del_{ds.id}_{index}_{path.name}",
                icon=":material/delete:",
                help=t("Delete this example"),
            ):
                own_data.delete_example(ds, index, path.name)
                st.rerun()
