"""The Convolution screen's image and kernel: a dataset image, an upload or a tiny example, and a registry kernel
or one typed by hand."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ... import images, kernel_catalogue, playground, ui
from ..text import t
from . import common

CUSTOM = "custom"


def pick_image():
    """The grey (H, W) 0..255 image the playground works on and its caption; None when there is none yet."""
    sources = {"dataset": t("A dataset image"), "upload": t("Upload an image"), "example": t("A tiny example")}
    ui.keep_valid("conv_source", list(sources), "dataset")
    source = st.radio(t("Image"), list(sources), key="conv_source", horizontal=True, format_func=sources.get)
    if source == "example":
        examples = playground.EXAMPLES
        ui.keep_valid("conv_example", list(examples), "edge")
        name = st.selectbox(t("Example"), list(examples), key="conv_example", format_func=lambda n: t(examples[n]))
        return playground.example(name), t(examples[name])
    if source == "upload":
        upload = st.file_uploader(t("An image file (PNG, JPEG, ...)"), key="conv_upload")
        if upload is None:
            st.info(t("Upload a photo or a drawing; it is turned to grey for the one-channel convolution."))
            return None, ""
        try:
            picture = ui.colour_picture(upload.getvalue(), common.MAIN_SIDE)
        except ValueError as e:
            st.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
            return None, ""
        grey = images.grey(picture.rgb)  # (H, W)
        (w, h), (h2, w2) = picture.size, grey.shape
        if max(w, h) > common.MAIN_SIDE:
            st.caption(
                t(
                    "Your {w}×{h} picture was scaled down to {w2}×{h2} pixels and turned to grey.",
                    w=w,
                    h=h,
                    w2=w2,
                    h2=h2,
                )
            )
        if picture.notes:
            st.caption("; ".join(ui.reason(note) for note in picture.notes))
        return grey, upload.name
    split = ui.load_dataset(ui.dataset_name())
    classes = split.info.classes
    a, b = st.columns(2)
    picked = ui.pick_test_image("conv", split, classes, a, b, url=True)
    if picked is None:
        return None, ""
    img, label, g = picked  # (C, H, W) uint8
    return images.grey(img), t("test image {g}: {name}", g=g, name=classes[label])


def pick_kernel():
    """A registry kernel or the user's own numbers as (kh, kw); None (with a warning) when they are not usable."""
    names = kernel_catalogue.list_kernels() + [CUSTOM]
    ui.keep_valid("conv_kernel", names, "edges", url="kernel")
    name = st.selectbox(
        t("Kernel"),
        names,
        key="conv_kernel",
        format_func=lambda n: (
            t("Custom: type your own numbers") if n == CUSTOM else t(kernel_catalogue.KERNELS[n].title)
        ),
    )
    if name != CUSTOM:
        kernel = kernel_catalogue.get_kernel(name)
        st.caption(t(kernel.explanation))
        return kernel.weights
    size = st.radio(t("Kernel size"), [3, 5], key="conv_custom_size", horizontal=True, format_func=lambda n: f"{n}×{n}")
    columns = [str(c + 1) for c in range(size)]
    edited = st.data_editor(
        pd.DataFrame(kernel_catalogue.starting_cells(size), columns=columns),
        key=f"conv_custom_{size}",
        hide_index=True,
        width="content",
        column_config={c: st.column_config.TextColumn(c, width="small") for c in columns},
    )
    st.caption(t("Type numbers or fractions such as 1/9; the grid starts as the identity kernel."))
    try:
        return kernel_catalogue.typed_kernel(edited.to_numpy())
    except ValueError as e:
        st.warning(t("The kernel cannot be used yet: {reason}", reason=ui.reason(e)))
        return None
