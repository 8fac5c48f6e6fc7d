"""cnnviz: `streamlit run app.py`. Page config, navigation over pages/, the shared sidebar; nothing else."""
import streamlit as st

from cnnviz import ui
from cnnviz.i18n import N_

ui.ensure_navigation(in_app=True)
st.set_page_config(page_title="cnnviz: see what a CNN does", page_icon=":material/grid_on:", layout="wide")

SECTIONS = {
    N_("Start"): [("pages/home.py", N_("Home"), ":material/home:")],
    N_("Learn"): [("pages/lesson.py", N_("Guided lesson"), ":material/school:"),
                  ("pages/convolution.py", N_("Convolution"), ":material/blur_on:"),
                  ("pages/architecture.py", N_("Architecture"), ":material/account_tree:")],
    N_("Train"): [("pages/train.py", N_("Train"), ":material/model_training:")],
    N_("Inspect"): [("pages/kernels.py", N_("Kernels"), ":material/grid_view:"),
                    ("pages/feature_maps.py", N_("Feature maps"), ":material/layers:"),
                    ("pages/evaluation.py", N_("Evaluation"), ":material/fact_check:"),
                    ("pages/explain.py", N_("Explain a decision"), ":material/psychology:"),
                    ("pages/receptive_field.py", N_("Receptive field"), ":material/center_focus_strong:")],
    N_("Experiment"): [("pages/experiment.py", N_("Experiment"), ":material/science:"),
                       ("pages/pretrained.py", N_("Pretrained networks"), ":material/photo_camera:")],
}

ui.init_state()  # the language from the URL before the first labels are written
navigation = st.navigation({ui.t(section): [st.Page(path, title=ui.t(title), icon=icon, default=path == "pages/home.py")
                                            for path, title, icon in pages]
                            for section, pages in SECTIONS.items()})
ui.sidebar()
navigation.run()
