"""Kernels: each conv layer's learned kernels, how they formed during training, and what the first ones see."""
import hashlib

import streamlit as st

from cnnviz import data, figures, images, inspection, runs, ui
from cnnviz.ui import t

ui.ensure_navigation()

RGB = "rgb"  # channel choice: the three colour slices of a first-layer kernel as one picture


@st.cache_data(max_entries=64, show_spinner=False)
def _snapshot_kernels(run_id: str, sha: str, layer: str, index: int):
    return inspection.kernels_at(run_id, layer, index)  # (out, in, kh, kw)


@st.cache_data(max_entries=4, show_spinner=False)
def _snapshots(run_id: str, sha: str) -> list[dict]:
    return [{k: s[k] for k in ("index", "step", "epoch")} for s in runs.list_snapshots(run_id)]


@st.cache_data(max_entries=16, show_spinner=False)
def _prepared_upload(content: bytes, dataset: str) -> images.PreparedImage:
    return images.prepare_image(images.load_image_bytes(content), data.get_info(dataset))


@st.cache_data(max_entries=32, show_spinner=False)
def _first_layer_maps(run_id: str, sha: str, image_key: str, _model, _x):
    return inspection.apply_first_layer(_model, _x)  # (M, H', W')



def _kernel_figure(k, channel, shared: bool, title: str):
    if channel == RGB:
        return figures.kernel_grid_rgb(k, title=title)
    return figures.kernel_grid(k[:, channel], shared_scale=shared, title=title)


run = ui.require_run()
spec, model = ui.load_model(run)
sha = run.meta["weights_sha256"]

st.title(t("Kernels"))
st.caption(t("Run {run} · {dataset}", run=run.run_id,
             dataset=ui.dataset_title(run.meta.get("dataset"), run.meta.get("dataset_title"))))

layers = inspection.conv_layers(spec)
if not layers:
    st.info(t("This network has no convolution layers (it is a plain multi-layer perceptron), so it has no "
              "kernels to show. Train a CNN such as LeNet-5 and pick it in the sidebar."))
    ui.quick_start_button(key="kn_quick_start")
    st.stop()

# ---------------------------------------------------------------- the final kernels
st.markdown(t("A kernel is a small grid of weights the network learned. Red and blue are weights of opposite sign; "
              "white is zero. A kernel responds most where the image looks like it."))
ui.keep_valid("kn_layer", layers, layers[0], url="layer")
c1, c2, c3 = st.columns([1, 1, 1])
layer = c1.selectbox(t("Layer"), layers, key="kn_layer")
final = inspection.kernels(model, layer)  # (out, in, kh, kw)
n_out, n_in, kh, kw = final.shape
channels = ([RGB] if layer == layers[0] and n_in == 3 else []) + list(range(n_in))
ui.keep_valid("kn_channel", channels, channels[0])
channel = c2.selectbox(t("Input channel"), channels, key="kn_channel",
                       format_func=lambda c: t("RGB composite") if c == RGB else t("channel {c}", c=c),
                       help=t("Each kernel has one slice per input channel; pick which slice to show."))
if "kn_shared" not in st.session_state:
    st.session_state["kn_shared"] = True
shared = c3.toggle(t("One colour scale for all kernels"), key="kn_shared", disabled=channel == RGB,
                   help=t("On: colours compare across kernels. Off: each kernel uses its own range, "
                          "so weak kernels show their pattern too."))

where = t("RGB composite") if channel == RGB else t("input channel {c}", c=channel)
st.markdown(t("**{layer}**: {n} kernels of {kh}×{kw}, {where} (of {n_in})", layer=layer, n=n_out, kh=kh, kw=kw,
              where=where, n_in=n_in))
ui.chart(st, _kernel_figure(final, channel, shared, t("{layer} after training", layer=layer)), key="kn_final",
             help=(t("Each square is one kernel of the first layer, drawn as a tiny colour picture: its red, green "
                     "and blue slices become the picture's three colours, stretched to the kernel's own range. Bright "
                     "parts are its largest weights and dark parts its lowest; a coloured blob means it reacts to "
                     "that colour, a light-dark stripe to an edge.")
                   if channel == RGB else
                   t("Each square is one kernel, one cell per weight: blue is a positive weight, red a negative one, "
                     "white zero. All kernels share one colour scale (the bar on the right), so the same colour means "
                     "the same weight in every kernel.")
                   if shared else
                   t("Each square is one kernel, one cell per weight: blue is a positive weight, red a negative one, "
                     "white zero. Each kernel has its own colour range, so compare their patterns, not the strength "
                     "of their colours.")))

# ---------------------------------------------------------------- timeline over the snapshots
st.subheader(t("Watch the kernels form"))
snaps = _snapshots(run.run_id, sha)
if not snaps:
    st.info(t("This run kept no snapshots during training, so there is no timeline to show."))
else:
    indices = [s["index"] for s in snaps]
    ui.keep_valid("kn_snapshot", indices, indices[0])
    index = indices[0] if len(indices) == 1 else st.select_slider(
        t("Training snapshot"), indices, key="kn_snapshot",
        format_func=lambda i: t("step {step} · epoch {epoch:.2f}", step=snaps[i]["step"], epoch=snaps[i]["epoch"]),
        help=t("Snapshots were saved at {n} points during training. Slide to watch random noise turn into "
               "edge and stroke detectors.", n=len(snaps)))
    try:
        past = _snapshot_kernels(run.run_id, sha, layer, index)
    except (ValueError, OSError) as e:
        st.error(t("This snapshot cannot be read: {reason}", reason=ui.reason(e)))
    else:
        snap = snaps[index]
        ui.chart(st, _kernel_figure(past, channel, shared, t("{layer} at step {step} (epoch {epoch:.2f})",
                                                            layer=layer, step=snap["step"], epoch=snap["epoch"])),
                     key="kn_timeline",
                     help=(t("Each square is one kernel of the first layer, drawn as a tiny colour picture: its red, "
                             "green and blue slices become the picture's three colours, stretched to the kernel's own "
                             "range. Bright parts are its largest weights and dark parts its lowest; a coloured blob "
                             "means it reacts to that colour, a light-dark stripe to an edge.")
                           if channel == RGB else
                           t("Each square is one kernel, one cell per weight: blue is a positive weight, red a "
                             "negative one, white zero. All kernels share one colour scale (the bar on the right), so "
                             "the same colour means the same weight in every kernel.")
                           if shared else
                           t("Each square is one kernel, one cell per weight: blue is a positive weight, red a "
                             "negative one, white zero. Each kernel has its own colour range, so compare their "
                             "patterns, not the strength of their colours.")))
        st.caption(t("Snapshot {i} of {n}. Step 0 shows the random starting weights.", i=index + 1, n=len(snaps)))

# ---------------------------------------------------------------- the first layer applied to an image
st.subheader(t("What the first-layer kernels highlight"))
st.markdown(t("As in the book chapter, the network's own first-layer filters are slid over an image: "
              "each output map shows where the image matches one filter (an edge of some direction, a stroke, "
              "a blob). Blue means the image matches the filter there, red that it matches the opposite pattern."))
split = ui.run_split(run)
info = split.info
classes = [str(c) for c in (run.meta.get("classes") or info.classes)]
sources = ["test", "upload"]
ui.keep_valid("kn_source", sources, "test")
source = st.radio(t("Image"), sources, key="kn_source", horizontal=True,
                  format_func=lambda s: {"test": t("a test image"), "upload": t("upload your own")}[s])
x = image_u8 = None
caption = ""
if source == "test":
    a, b = st.columns(2)
    picked = ui.pick_test_image("kn", split, classes, a, b, url=True)
    if picked is not None:
        image_u8, label, g = picked
        x = data.normalize(split.x_test[g:g + 1], info)[0].numpy()  # (C, H, W) as the network saw it in training
        caption = t("test image #{g} · {name}", g=g, name=classes[label])
        image_key = f"test-{g}"
else:
    upload = st.file_uploader(t("An image file (PNG, JPEG, ...)"), key="kn_upload")
    if upload is None:
        st.info(t("Upload a picture to see what each first-layer kernel picks out in it."))
    else:
        content = upload.getvalue()
        try:
            prepared = _prepared_upload(content, info.name)
        except ValueError as e:
            st.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
        else:
            image_u8, x = prepared.image, prepared.tensor[0].numpy()
            caption = upload.name
            image_key = "upload-" + hashlib.sha1(content).hexdigest()
            if prepared.notes:
                st.caption(t("Prepared like the training images: {notes}", notes="; ".join(prepared.notes)))

if x is not None:
    try:
        maps = _first_layer_maps(run.run_id, sha, image_key, model, x)
    except ValueError as e:
        st.error(ui.reason(e))
    else:
        left, right = st.columns([1, 3])
        shown = image_u8[0] if image_u8.shape[0] == 1 else image_u8.transpose(1, 2, 0)  # (H, W) or (H, W, 3)
        ui.chart(left, figures.image_gallery(shown[None], [caption]), key="kn_input",
                       help=t("The picture the network is given, one square per pixel. Hover over a pixel to read its "
                              "row, column and value; a grey picture runs from black (its darkest pixel) to white "
                              "(its brightest)."))
        cols = -(-len(maps) // 2) if len(maps) <= 8 else 8  # a few maps: two rows of large ones
        ui.chart(right, figures.feature_map_grid(maps, max_cols=cols, title=t(
            "{layer} kernels applied (before the activation)", layer=layers[0])), key="kn_applied",
                        help=t("Each picture is one channel's feature map: it lights up where that channel found its "
                               "pattern in the image. If no value is negative the maps are grey (black low, white "
                               "high); otherwise blue is positive, red negative and white zero. Every map has its own "
                               "colour range, given in brackets, so compare where maps light up, not how bright they "
                               "are."))
        st.caption(t("{n} maps of {h}×{w}, one per first-layer kernel; each has its own colour range (in brackets).",
                     n=maps.shape[0], h=maps.shape[1], w=maps.shape[2]))
