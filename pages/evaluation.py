"""Evaluation: test accuracy, the confusion matrix and its images, per-class accuracy, mistakes, two runs compared.

The screen's sections are in cnnviz/ui/evaluation_screen/.
"""

import streamlit as st

from cnnviz import ui
from cnnviz.ui import evaluation_screen, t

ui.ensure_navigation()

loaded = ui.require_loaded()
st.title(t("Evaluation"))
caption = st.empty()
at = ui.whole_network(loaded, ui.moment(loaded))
ev = ui.evaluation(loaded, at)
names = [str(c) for c in ev.class_names]
caption.caption(
    ui.run_caption(loaded) + ("" if at is None else " · " + t("at {moment}", moment=ui.moment_label(loaded, at)))
)

evaluation_screen.headline(loaded, ev)  # test accuracy, mistakes, loss, parameters and the one-sentence report
event = evaluation_screen.confusion(ev, names)  # the confusion matrix beside the accuracy per class
# one cell's images (a click on the matrix picks it), then every mistake
cell = evaluation_screen.cell_images(ev, loaded.split, names, event)
evaluation_screen.all_mistakes(ev, loaded.split)
if ev.n_wrong:
    evaluation_screen.why_mistake(loaded, ev, names, at, cell)  # one mistake taken apart
evaluation_screen.compare_runs(loaded)  # two runs side by side (stops here without another run)
