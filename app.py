"""cnnviz: `streamlit run app.py`. Page config, navigation over pages/, the shared sidebar; nothing else."""
import streamlit as st

from cnnviz import ui

ui.ensure_navigation(in_app=True)
st.set_page_config(page_title="cnnviz: see what a CNN does", page_icon=":material/grid_on:", layout="wide")

SECTIONS = {
    "Start": [("pages/home.py", "Home", ":material/home:")],
    "Learn": [("pages/lesson.py", "Guided lesson", ":material/school:"),
              ("pages/convolution.py", "Convolution", ":material/blur_on:"),
              ("pages/architecture.py", "Architecture", ":material/account_tree:")],
    "Train": [("pages/train.py", "Train", ":material/model_training:")],
    "Inspect": [("pages/kernels.py", "Kernels", ":material/grid_view:"),
                ("pages/feature_maps.py", "Feature maps", ":material/layers:"),
                ("pages/evaluation.py", "Evaluation", ":material/fact_check:"),
                ("pages/explain.py", "Explain a decision", ":material/psychology:"),
                ("pages/receptive_field.py", "Receptive field", ":material/center_focus_strong:")],
    "Experiment": [("pages/experiment.py", "Experiment", ":material/science:"),
                   ("pages/pretrained.py", "Pretrained networks", ":material/photo_camera:")],
}

navigation = st.navigation({ui.t(section): [st.Page(path, title=ui.t(title), icon=icon, default=path == "pages/home.py")
                                            for path, title, icon in pages]
                            for section, pages in SECTIONS.items()})
ui.sidebar()
navigation.run()
