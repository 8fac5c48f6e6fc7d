"""cnnviz: `streamlit run app.py`. Page config, navigation over pages/, the shared sidebar; nothing else."""
import streamlit as st

from cnnviz import ui

st.set_page_config(page_title="cnnviz: see what a CNN does", page_icon=":material/grid_on:", layout="wide")

PAGES = [
    ("pages/home.py", "Home", ":material/home:"),
    ("pages/convolution.py", "Convolution", ":material/blur_on:"),
    ("pages/architecture.py", "Architecture", ":material/account_tree:"),
    ("pages/train.py", "Train", ":material/model_training:"),
    ("pages/kernels.py", "Kernels", ":material/grid_view:"),
    ("pages/feature_maps.py", "Feature maps", ":material/layers:"),
    ("pages/evaluation.py", "Evaluation", ":material/fact_check:"),
]

navigation = st.navigation([st.Page(path, title=ui.t(title), icon=icon, default=(i == 0))
                            for i, (path, title, icon) in enumerate(PAGES)])
ui.sidebar()
navigation.run()
