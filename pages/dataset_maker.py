"""Make a dataset: name a few classes, add pictures by drawing, camera or upload, then train a network on them.

The screen's sections are in cnnviz/ui/dataset_maker/.
"""

import streamlit as st

from cnnviz import own_data, ui
from cnnviz.ui import dataset_maker, t

ui.ensure_navigation()

st.title(t("Make a dataset"))
st.markdown(
    t(
        "Name a few classes, give each some examples: drawn with the mouse, taken with the camera or uploaded. "
        "Then train a network on them in seconds and take it apart on every inspection screen."
    )
)
dataset_maker.show_notices()  # what the last action did
made = dataset_maker.choose()  # a made dataset, or None for a new one
if made is None:
    dataset_maker.new_dataset_form()
    st.stop()
counts = own_data.examples(made)
st.caption(
    ui.dataset_description(made.info())
    + " "
    + " · ".join(f"{ui.plain(c)}: {len(f)}" for c, f in zip(made.classes, counts))
)
dataset_maker.add_examples(made)  # to a class: drawn, from the camera, uploaded or a zip
dataset_maker.gallery(made, counts)  # the class's examples, each with its delete button
dataset_maker.train_on(made)
dataset_maker.manage(made)  # add or remove classes, delete the dataset
