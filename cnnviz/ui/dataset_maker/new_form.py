"""Make a dataset, a new one: its name, classes, picture size, colour and kind of pictures."""

from __future__ import annotations

import streamlit as st

from ... import own_data, ui
from ..text import t
from .common import notice


def new_dataset_form() -> None:
    with st.form("maker_new"):
        name = st.text_input(t("Name"), max_chars=own_data.MAX_NAME_CHARS, placeholder=t("Shapes"))
        classes = st.text_area(
            t("Classes, one per line"),
            placeholder=t("circle\nsquare\ntriangle"),
            help=t("Between 2 and 10 classes. Names may hold letters, digits, spaces and - _ . , ' ( ) + &."),
        )
        a, b, c = st.columns(3)
        size = a.selectbox(t("Picture size"), own_data.SIZES, format_func=lambda s: f"{s}×{s}")
        colour = b.selectbox(t("Colour"), [1, 3], format_func=lambda n: t("grey") if n == 1 else t("colour"))
        drawings = c.selectbox(
            t("Kind of pictures"),
            [True, False],
            format_func=lambda d: t("drawings (centred like MNIST)") if d else t("photos"),
        )
        if not st.form_submit_button(t("Create the dataset"), type="primary", icon=":material/add:"):
            return
    try:
        ds = own_data.create(name, [line for line in classes.splitlines() if line.strip()], size, colour, drawings)
    except own_data.OwnDataError as e:
        st.error(t("Not created: {reason}", reason=ui.plain(ui.reason(e))), icon=":material/error:")
        return
    st.session_state["_maker_open"] = ds.id
    notice(t("Created {title}. Now add examples to each class.", title=ui.plain(ds.title)))
    st.rerun()
