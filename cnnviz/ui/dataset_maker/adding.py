"""Make a dataset, Add examples: to a class, from a drawing, the camera, uploaded pictures or a zip."""

from __future__ import annotations

import streamlit as st

from ... import own_data, ui
from ..text import t
from .common import bump, notice
from .zip_import import import_zip


def _sources() -> dict[str, str]:
    """Where examples come from, by key: their labels in the session's language."""
    return {
        "draw": ":material/draw: " + t("Draw"),
        "camera": ":material/photo_camera: " + t("Camera"),
        "upload": ":material/upload: " + t("Upload pictures"),
        "zip": ":material/folder_zip: " + t("Upload a zip"),
    }


def _add(ds: own_data.OwnDataset, index: int, pictures: list[tuple[str, bytes]]) -> None:
    """Store the pictures in class `index`; say how many were added and why any was not."""
    added, refused = 0, []
    for name, content in pictures:
        try:
            own_data.add_example(ds, index, content)
            added += 1
        except own_data.OwnDataError as e:
            refused.append(f"{ui.plain(name)}: {ui.plain(ui.reason(e))}")
    for line in refused:
        notice(t("Not added: {reason}", reason=line), "error")
    if added:
        notice(t("Added {n} to {name}.", n=added, name=ui.plain(ds.classes[index])))
    st.rerun()


def add_examples(ds: own_data.OwnDataset) -> None:
    st.subheader(t("Add examples"))
    names = list(ds.classes)
    ui.keep_valid("maker_class", list(range(len(names))), 0)
    index = st.segmented_control(
        t("To the class"), list(range(len(names))), key="maker_class", format_func=lambda i: names[i], required=True
    )
    labels = _sources()
    sources = [s for s in labels if s != "draw" or ds.channels == 1]
    ui.keep_valid("maker_source", sources, sources[0])
    source = st.segmented_control(t("From"), sources, key="maker_source", format_func=labels.get, required=True)
    if source == "draw":
        _from_drawing(ds, index)
    elif source == "camera":
        photo = st.camera_input(t("Take a photo"), key=f"maker_camera_{st.session_state.get('maker_camera_n', 0)}")
        if photo is not None and st.button(
            t("Add this photo"), key="maker_add_photo", type="primary", icon=":material/add:"
        ):
            bump("maker_camera_n")
            _add(ds, index, [(t("the photo"), photo.getvalue())])
    elif source == "upload":
        files = st.file_uploader(
            t("Pictures (PNG, JPEG, ...)"),
            accept_multiple_files=True,
            key=f"maker_upload_{st.session_state.get('maker_upload_n', 0)}",
        )
        if files and st.button(
            t("Add {n} picture(s)", n=len(files)), key="maker_add_upload", type="primary", icon=":material/add:"
        ):
            bump("maker_upload_n")
            _add(ds, index, [(f.name, f.getvalue()) for f in files])
    else:
        import_zip(ds)


def _from_drawing(ds: own_data.OwnDataset, index: int) -> None:
    box = st.container()
    drawn = ui.drawing(
        "maker",
        box,
        box,
        hint=t("Draw one example with the mouse, large and centred."),
        empty=t("Draw in the black box, then add the drawing to the class."),
        key=f"maker_canvas_{st.session_state.get('maker_canvas_n', 0)}",
    )
    if drawn and st.button(t("Add this drawing"), key="maker_add_drawing", type="primary", icon=":material/add:"):
        bump("maker_canvas_n")
        _add(ds, index, [(t("your drawing"), drawn)])
