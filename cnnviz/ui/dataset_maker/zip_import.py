"""Make a dataset, a zip of class folders: imported into the dataset, with what was left out and why."""

from __future__ import annotations

import streamlit as st

from ... import own_data, own_import, ui
from ..text import t
from .common import bump, notice


def import_zip(ds: own_data.OwnDataset) -> None:
    st.caption(
        t(
            "A zip with one folder of pictures per class: folders named like a class add to it, others become "
            "new classes (up to 10)."
        )
    )
    archive = st.file_uploader(
        t("A zip of class folders"), type=["zip"], key=f"maker_zip_{st.session_state.get('maker_zip_n', 0)}"
    )
    if archive is None or not st.button(
        t("Import the zip"), key="maker_import", type="primary", icon=":material/unarchive:"
    ):
        return
    bar = st.progress(0.0, text=t("Importing…"))
    try:
        done = own_import.import_zip(ds, archive.getvalue(), lambda f, _: bar.progress(min(f, 1.0)))
    except own_data.OwnDataError as e:
        st.error(t("Not imported: {reason}", reason=ui.plain(ui.reason(e))), icon=":material/error:")
        return
    bar.empty()
    bump("maker_zip_n")
    added = ", ".join(f"{ui.plain(c)} {n}" for c, n in done.added.items()) or "0"
    notice(t("Imported: {added}.", added=added))
    for where, why in done.skipped[:10]:
        notice(t("Left out {what}: {reason}", what=ui.plain(where), reason=ui.plain(ui.reason(why))), "warning")
    if len(done.skipped) > 10:
        notice(t("…and {n} more left out.", n=len(done.skipped) - 10), "warning")
    st.rerun()
