"""Pretrained networks, the photo: an upload of the user's own, or a test image of the sidebar's dataset, prepared
as the networks were trained (224×224, its centre kept)."""

from __future__ import annotations

import hashlib

import streamlit as st

from ... import pretrained, ui
from ..text import t


def _upload(source_col, image_col) -> tuple[pretrained.Prepared, str, str]:
    """The photo uploaded, or what to do and the page stops: (prepared, its cache key, caption)."""
    upload = source_col.file_uploader(t("A photo (PNG, JPEG, ...)"), key="pt_upload")
    if upload is None:
        image_col.info(
            t(
                "Upload a photo: it is resized to 256 pixels on its shorter side and its centre "
                "224×224 is kept, the way the networks were trained."
            )
        )
        st.stop()
    content = upload.getvalue()
    try:
        prepared = ui.prepared_photo(content)
    except ValueError as e:
        source_col.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
        st.stop()
    return prepared, "upload-" + hashlib.sha1(content).hexdigest(), upload.name


def _sample(name: str, source_col) -> tuple[pretrained.Prepared, str, str]:
    """A test image of the sidebar's dataset, picked by its index: (prepared, its cache key, caption)."""
    dataset = ui.dataset_name()
    split = ui.load_dataset(dataset)
    n_test = len(split.y_test)
    st.session_state["pt_sample"] = min(max(int(st.session_state.get("pt_sample", 0)), 0), n_test - 1)
    index = int(
        source_col.number_input(
            t("Test image (0–{last})", last=n_test - 1), min_value=0, max_value=n_test - 1, step=1, key="pt_sample"
        )
    )
    u8 = split.x_test[index].numpy()  # (C, H, W)
    label = split.info.classes[int(split.y_test[index])]
    _, h, w = u8.shape
    source_col.caption(
        t(
            "A {h}×{w} test image of the sidebar's dataset, upscaled to 224×224. ImageNet has no such "
            "images, so expect odd guesses: upload a photo for a fair test.",
            h=h,
            w=w,
        )
    )
    return (
        pretrained.prepare(u8, name),
        f"sample-{dataset}-{index}",
        t("{dataset} test image {i} ({label})", dataset=dataset, i=index, label=label),
    )


def photo(name: str, source_col, image_col) -> tuple[pretrained.Prepared, str, str]:
    """The photo picked (an upload or a test image of the sidebar's dataset): (prepared, its cache key, caption)."""
    sources = ["sample", "upload"]
    ui.keep_valid("pt_source", sources, "sample")
    source = source_col.radio(
        t("Photo"),
        sources,
        key="pt_source",
        format_func=lambda s: t("a built-in test image") if s == "sample" else t("upload your own"),
    )
    return _upload(source_col, image_col) if source == "upload" else _sample(name, source_col)
