"""Glossary: every term the screens use, in one line, with the screen where it lives (both languages)."""

import pandas as pd
import streamlit as st

from cnnviz import glossary, i18n, screens, ui
from cnnviz.ui import t

ui.ensure_navigation()

st.title(t("Glossary"))
st.caption(t("The words the screens use, one line each. The Chinese screens use exactly one Chinese name per term."))
query = st.text_input(t("Search"), key="glossary_search", placeholder=t("e.g. stride, 池化, gradient"))
found = glossary.search(query, translate=t)
if not found:
    st.info(t("No term matches {query}.", query=ui.plain(query)))
    st.stop()
columns = {"term": t("Term"), "meaning": t("Meaning"), "screen": t("Screen")}
rows = [{"term": t(term.term), "meaning": t(term.meaning), "screen": t(screens.TITLES[term.page])} for term in found]
if i18n.current_language() != i18n.DEFAULT:  # a learner reading Chinese meets the English terms in papers and code
    columns = {"term": t("Term"), "english": "English", "meaning": t("Meaning"), "screen": t("Screen")}
    rows = [
        {"term": row["term"], "english": term.term, "meaning": row["meaning"], "screen": row["screen"]}
        for row, term in zip(rows, found)
    ]
# a table, not a dataframe: its cells wrap, so every meaning is read whole
st.table(pd.DataFrame(rows, columns=list(columns)).rename(columns=columns), hide_index=True, border="horizontal")
st.caption(t("Open the screens these terms live on:"))
pages = list(dict.fromkeys(term.page for term in found))
for col, page in zip(st.columns(min(len(pages), 6)) * (len(pages) // 6 + 1), pages):
    col.page_link(page, label=t(screens.TITLES[page]))
