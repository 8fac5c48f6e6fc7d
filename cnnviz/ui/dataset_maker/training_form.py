"""Make a dataset, Train on it: a network, the epochs and augmentation, then the Train screen watches it train."""

from __future__ import annotations

import streamlit as st

from ... import own_data, presets, train, ui
from ..text import t


def train_on(ds: own_data.OwnDataset) -> None:
    st.subheader(t("Train on it"))
    problem = own_data.problem(ds)
    if problem:
        st.info(ui.reason(problem), icon=":material/info:")
    a, b, c = st.columns(3, vertical_alignment="bottom")
    preset = a.selectbox(
        t("Network"), presets.list_presets(), key="maker_preset", format_func=lambda k: t(presets.PRESETS[k].title)
    )
    epochs = b.number_input(
        t("Epochs"),
        1,
        200,
        30,
        key="maker_epochs",
        help=t("A tiny dataset needs many passes; each one takes a moment."),
    )
    augment = c.toggle(
        t("Shift and turn the pictures"),
        value=True,
        key="maker_augment",
        help=t(
            "Every batch shows each picture moved by up to 2 pixels and turned by up to 10 "
            "degrees, so a few examples become many and the network learns shapes, not pixels."
        ),
    )
    if not st.button(
        t("Train"), key="maker_train", type="primary", icon=":material/play_arrow:", disabled=problem is not None
    ):
        return
    split = ui.load_dataset(ds.name)
    config = train.config_for(
        preset,
        ds.name,
        epochs=int(epochs),
        augment=bool(augment),
        batch_size=own_data.batch_size(len(split.x_train)),
    )
    if ui.start_training(config, split):
        st.switch_page("pages/train.py")
