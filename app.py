"""cnnviz: `streamlit run app.py`. Page config, navigation over pages/, the shared sidebar; nothing else."""

import streamlit as st

from cnnviz import ui
from cnnviz.screens import SECTIONS

ui.ensure_navigation(in_app=True)
st.set_page_config(page_title="cnnviz: see what a CNN does", page_icon=":material/grid_on:", layout="wide")

ui.init_state()  # the language from the URL before the first labels are written
navigation = st.navigation(
    {
        ui.t(section): [
            st.Page(path, title=ui.t(title), icon=icon, default=path == "pages/home.py") for path, title, icon in pages
        ]
        for section, pages in SECTIONS.items()
    },
    expanded=True,
)  # every screen in sight
ui.sidebar()
ui.warm_up()  # slow imports for later screens start in the background
navigation.run()
