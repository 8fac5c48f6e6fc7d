"""Pretrained networks: VGG-16 and ResNet-18, trained on ImageNet, looking at your own photo."""

import hashlib

import streamlit as st

from cnnviz import figures, imagenet_weights, pretrained, ui
from cnnviz.ui import t

ui.ensure_navigation()


def _download(name: str, entry: pretrained.ModelEntry) -> None:
    if st.button(
        t("Download the weights ({mb:.0f} MB)", mb=entry.size_mb),
        key="pt_download",
        type="primary",
        icon=":material/download:",
    ):
        bar = st.progress(0.0, text=t("Connecting…"))
        try:
            imagenet_weights.download_weights(entry, progress=lambda f, msg: bar.progress(f or 0.0, text=msg))
        except imagenet_weights.WeightsError as e:
            bar.empty()
            st.error(t("The download did not work: {reason}", reason=ui.reason(e)))
        else:
            bar.empty()
            st.rerun()


def network(name: str, entry: pretrained.ModelEntry) -> pretrained.Network:
    """The network with its ImageNet weights, or (when asked for) random ones; else what to do, and the page stops."""
    if imagenet_weights.weights_present(entry):
        try:
            with st.spinner(t("Loading {model}…", model=entry.title)):
                return ui.pretrained_network(name, trained=True)
        except imagenet_weights.WeightsError as e:
            st.error(t("The weights file cannot be used: {reason}", reason=ui.reason(e)))
            _download(name, entry)
    else:
        folder = imagenet_weights.weights_file(entry).parent
        st.info(
            t(
                "The ImageNet weights of {model} are not on this computer. Download them here, or put the file "
                "**{file}** ({mb:.0f} MB, from {url}) into the folder `{folder}` and reload.",
                model=entry.title,
                file=entry.file_name,
                mb=entry.size_mb,
                url=entry.url,
                folder=str(folder),
            )
        )
        _download(name, entry)
    random_ok = st.checkbox(
        t("Random weights (for exploring the code path)"),
        key="pt_random",
        help=t(
            "The same network, untrained: its kernels are noise and its guesses meaningless, "
            "but every view on this screen works."
        ),
    )
    if not random_ok:
        st.stop()
    with st.spinner(t("Building {model} with random weights…", model=entry.title)):
        net = ui.pretrained_network(name, trained=False)
    st.warning(
        t("Untrained: {model} with random weights. Nothing below means anything about the photo.", model=entry.title),
        icon=":material/warning:",
    )
    return net


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
    if source == "upload":
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


st.title(t("Pretrained networks"))
st.markdown(
    t(
        "Networks trained by others on ImageNet: 1.2 million photos of 1,000 kinds of things. Show one your "
        "own photo and see what it guesses, what its first kernels look like, what each stage makes of the "
        "photo, and where it looked (Grad-CAM)."
    )
)

# ---------------------------------------------------------------- which network, which weights, which photo
names = pretrained.list_models()
ui.keep_valid("pt_model", names, names[0])
pick, about = st.columns([1, 2])
name = pick.selectbox(t("Network"), names, key="pt_model", format_func=lambda n: pretrained.get_entry(n).title)
entry = pretrained.get_entry(name)
about.caption(t(entry.description))
net = network(name, entry)
source_col, image_col, cam_col = st.columns([0.9, 1.5, 1.5])
prepared, image_key, caption = photo(name, source_col, image_col)
if prepared.notes:
    source_col.caption(t("Prepared: {notes}", notes="; ".join(ui.reason(n) for n in prepared.notes)))

with st.spinner(t("Running {model}…", model=entry.title)):
    seen = ui.pretrained_look(net, image_key, prepared.tensor)
ui.chart(
    image_col,
    figures.image(prepared.image, title=caption),
    key="pt_image",
    width="stretch",
    help=t(
        "The photo as the network receives it: scaled and cut to 224×224 pixels. Hover over a "
        "pixel to read its row, column and colour values."
    ),
)
with cam_col:
    choices = [int(i) for i in seen.top]
    ui.keep_valid("pt_cam_class", choices, choices[0])
    target = st.selectbox(
        t("Where it looked (Grad-CAM) for"),
        choices,
        key="pt_cam_class",
        format_func=lambda i: seen.names[choices.index(i)],
    )
    with st.spinner(t("Grad-CAM…")):
        heat = ui.pretrained_grad_cam(net, image_key, prepared.tensor, target)
    ui.chart(
        st,
        figures.overlay(prepared.image, heat, alpha=0.45),
        key="pt_cam",
        width="stretch",
        help=t(
            "Grad-CAM for the class chosen above, laid over the photo: red where the last convolutional "
            "stage found the most evidence for that class, blue where it found little or none. The map is "
            "coarse (one value per cell of that stage, scaled up) and runs from 0 to 1 for this photo "
            "alone."
        ),
    )
    st.caption(
        t(
            "Where the last convolutional stage ({stage}) found evidence for this class: red is strong.",
            stage=entry.gradcam_stage,
        )
    )

guess, bars = st.columns([1, 2.8])
guess.markdown(t("Top 5 of 1,000 classes: **{name}** ({p:.1%})", name=seen.names[0], p=float(seen.probs[seen.top[0]])))
guess.caption(t("The probabilities of all 1,000 classes sum to 1; these are the five largest."))
ui.chart(
    bars,
    figures.probability_bars(seen.probs[seen.top], list(seen.names)),
    key="pt_top5",
    width="stretch",
    help=t(
        "The five most likely of the 1,000 classes, most likely at the top; each bar's length is the "
        "network's probability for that class. The blue bar is its answer; the other 995 classes share "
        "what is left of 100%."
    ),
)

# ---------------------------------------------------------------- inside the network
st.subheader(t("First-layer kernels"))
kernels = pretrained.first_layer_kernels(net)  # (64, 3, k, k)
st.caption(
    t(
        "The {n} colour kernels of the first convolution, {k}×{k} pixels each, shown as RGB pictures "
        "(each stretched to its own range). Trained networks learn edges, colour blobs and stripes here.",
        n=kernels.shape[0],
        k=kernels.shape[-1],
    )
)
ui.chart(
    st,
    figures.kernel_grid_rgb(kernels, titles=[str(i) for i in range(len(kernels))], max_cols=16),
    key="pt_kernels",
    width="stretch",
    help=t(
        "Each square is one kernel of the first layer, drawn as a tiny colour picture: its red, green and "
        "blue slices become the picture's three colours, stretched to the kernel's own range. Bright "
        "parts are its largest weights and dark parts its lowest; a coloured blob means it reacts to that "
        "colour, a light-dark stripe to an edge."
    ),
)

st.subheader(t("Feature maps"))
stages = pretrained.stage_names(name)
ui.keep_valid("pt_stage", stages, stages[0])
stage = st.select_slider(
    t("Stage"), stages, key="pt_stage", help=t("From the first convolution to the last stage before the classifier.")
)
c, h, w = seen.shapes[stage]
maps = seen.maps[stage]
st.caption(
    t("{stage}: {c} maps of {h}×{w}; the first {n} shown", stage=stage, c=c, h=h, w=w, n=len(maps))
    + (t(", averaged down to {s}×{s} for display", s=maps.shape[-1]) if maps.shape[-1] < w else "")
    + "."
)
ui.chart(
    st,
    figures.feature_map_grid(maps),
    key="pt_maps",
    width="stretch",
    help=t(
        "Each picture is one channel's feature map: it lights up where that channel found its pattern in "
        "the image. If no value is negative the maps are grey (black low, white high); otherwise blue is "
        "positive, red negative and white zero. Every map has its own colour range, given in brackets, so "
        "compare where maps light up, not how bright they are."
    ),
)
