"""Explain a decision: which pixels mattered, what each filter looks for, and a map of what the network learned."""

import numpy as np
import streamlit as st

from cnnviz import attribution, embedding, featurevis, figures, kernels, ui
from cnnviz.ui import t

ui.ensure_navigation()

AM_STEP_CHOICES = (10, 20, 40, 60, 80, 100, 150)  # activation maximisation steps offered (tests pick 10)
TOP_K = 8  # test images shown beside a filter


def _title(method: str) -> str:
    return t(attribution.TITLES[method])


def _computed(compute):
    """compute(), or its reason shown and the page stopped (a network or an input that cannot be used)."""
    try:
        return compute()
    except ValueError as e:
        st.error(ui.reason(e))
        st.stop()


# ---------------------------------------------------------------- attribution


def attribution_tab(loaded, classes: list, convs: list, at: int | None) -> None:
    pick, shown_col, pred_col = st.columns([1.1, 1, 1.2])
    picked = ui.pick_input("ex", loaded, where=pick, message_where=shown_col, sources=("test", "upload"))
    if picked is None:
        return
    ui.show_input(shown_col, picked, key="ex_input")
    pred = ui.show_prediction(
        pred_col, _computed(lambda: ui.probabilities(loaded, picked, at)), classes, picked.label, key="ex_probs"
    )

    st.subheader(t("Which pixels made the difference"))
    methods = [m for m in attribution.METHODS if m != "gradcam" or convs]
    ui.keep_valid("ex_method", methods, methods[0])
    c1, c2, c3, c4 = st.columns([1.6, 1, 1, 1])
    method = c1.radio(t("Method"), methods, key="ex_method", horizontal=True, format_func=_title)
    targets = [-1] + list(range(len(classes)))
    ui.keep_valid("ex_target", targets, -1)
    target = c2.selectbox(
        t("Explain the class"),
        targets,
        key="ex_target",
        format_func=lambda c: t("predicted: {name}", name=classes[pred]) if c < 0 else classes[c],
        help=t("Whose score to explain: the predicted class, or any other to see what speaks for or against it."),
    )
    target = pred if target < 0 else target
    layer = None
    if method == "gradcam":
        ui.keep_valid("ex_layer", convs, convs[-1])
        layer = c3.selectbox(
            t("Convolution layer"),
            convs,
            key="ex_layer",
            help=t("Later layers see larger parts of the image but have coarser maps."),
        )
    st.session_state.setdefault("ex_alpha", 0.5)
    alpha = c4.slider(t("Heat opacity"), 0.0, 1.0, step=0.05, key="ex_alpha")
    st.caption(t(attribution.ABOUT[method]))
    if not convs:
        st.caption(t("Grad-CAM needs a convolution layer; this network has none."))
    try:
        with st.spinner(t("Computing {method}…", method=_title(method))):
            result = ui.attribution_map(loaded, picked, method, target, layer, at)
    except ValueError as e:
        st.error(ui.reason(e))
        return
    maps(picked, result, t("{method} for class {name}", method=_title(method), name=classes[target]), alpha)


def maps(picked, result, title: str, alpha: float) -> None:
    """The attribution laid over the image, and its signed map beside it."""
    left, right = st.columns(2)
    ui.chart(
        left,
        figures.overlay(ui.shown(picked.image), result.heat, alpha=alpha, title=title),
        key="ex_overlay",
        help=t(
            "The image with the method's map laid over it: red where the method finds the pixels matter most "
            "for the chosen class, dark blue where they matter least. The map is scaled from 0 to 1 for this "
            "image, so it shows where the network looked, not how strongly; the signed map beside it tells "
            "pixels that raise the score from those that lower it."
        ),
    )
    ui.chart(
        right,
        figures.feature_map_grid(result.raw[None], titles=[t("signed value")], title=t("Signed map")),
        key="ex_signed",
        help=t(
            "The same map with its sign kept: blue pixels raise the class score, red ones lower it, white ones "
            "leave it as it is. When no value is negative the map is grey instead, and the brighter a pixel, "
            "the more it raises the score."
        ),
    )
    right.caption(
        t("Blue pixels raise the class score, red ones lower it; white is zero.")
        if (result.raw < 0).any()
        else t("Every value is positive here: the brighter, the more the pixel raises the class score.")
    )
    if result.delta is not None:
        st.caption(
            t(
                "The pixel scores add up to the score's rise from a black image, up to {delta:.2g} (the "
                "numerical error of the integral).",
                delta=abs(result.delta),
            )
        )


# ---------------------------------------------------------------- what filters look for


def synthesised(loaded, layer: str, steps: int, where: str, pressed: bool, at: int | None):
    """The grid of pictures, once Synthesise was pressed for these settings (then at every moment of training, each
    made once): returns them, uint8 (K, C, h, w)."""
    settings = (loaded.run_id, loaded.sha, layer, int(steps), where)
    done = st.session_state.setdefault("ex_am_done", [])
    if pressed and settings not in done:
        done.append(settings)
    if settings not in done:
        st.info(t("Press Synthesise to make one picture per filter of {layer} (a few seconds).", layer=layer))
        return None
    try:
        filters = ui.filter_images(loaded, layer, int(steps), where, at)
    except ValueError as e:
        st.error(ui.reason(e))
        return None
    top, bottom, left, right = filters.box
    crop = st.toggle(
        t("Zoom in on what the filter sees"),
        key="ex_am_crop",
        value=True,
        disabled=where == "mean",
        help=t(
            "A unit of {layer} depends only on a {h}×{w} patch of the input (its receptive field): "
            "show that patch and a 2-pixel margin.",
            layer=layer,
            h=bottom - top,
            w=right - left,
        ),
    )
    pictures = filters.crop() if crop and where == "centre" else filters.images  # (K, C, h, w) in 0..1
    u8 = np.round(pictures * 255).astype(np.uint8)
    ui.chart(
        st,
        figures.image_gallery(
            ui.shown(u8),
            [f"ch {c}" for c in filters.channels],
            max_cols=8,
            title=t("What each filter of {layer} looks for", layer=layer),
        ),
        key="ex_am_grid",
        help=t(
            "One synthesised picture per filter of this layer: an input, grown from faint noise, that makes "
            "that filter respond as strongly as possible. Each picture has its own contrast; the repeated "
            "strokes, edges or blobs are the pattern the filter looks for."
        ),
    )
    st.caption(
        t("Each picture has its own contrast. Bright is ink: the network learned from white-on-black digits.")
        if loaded.info.is_digits
        else t("Each picture has its own contrast.")
    )
    return u8


def filters_tab(loaded, classes: list, convs: list, at: int | None) -> None:
    if not convs:
        st.info(
            t(
                "This network has no convolution layers, so it has no filters to look at. Train a CNN such as "
                "LeNet-5 and pick it in the sidebar."
            )
        )
        return
    st.markdown(
        t(
            "Each picture below is made from scratch: start from faint noise and change the pixels, step by "
            "step, so that one filter responds as strongly as possible. Beside it, the test images that excite "
            "the same filter most."
        )
    )
    ui.keep_valid("ex_am_layer", convs, convs[0])
    ui.keep_valid("ex_am_steps", list(AM_STEP_CHOICES), featurevis.AM_STEPS)
    ui.keep_valid("ex_am_where", ["centre", "mean"], "centre")
    c1, c2, c3, c4 = st.columns([1, 1.2, 1.4, 1])
    layer = c1.selectbox(t("Layer"), convs, key="ex_am_layer")
    steps = c2.select_slider(
        t("Optimisation steps"),
        list(AM_STEP_CHOICES),
        key="ex_am_steps",
        help=t("More steps give stronger, sharper pictures and take longer."),
    )
    where = c3.radio(
        t("Maximise"),
        ["centre", "mean"],
        key="ex_am_where",
        horizontal=True,
        format_func={"centre": t("the centre unit"), "mean": t("the whole map")}.get,
        help=t(
            "The centre unit shows one pattern in its place; the whole map gives a texture (flat for a first layer)."
        ),
    )
    c4.write("")  # align the button with the widgets' labels
    pressed = c4.button(t("Synthesise"), key="ex_am_run", type="primary", icon=":material/auto_awesome:")
    u8 = synthesised(loaded, layer, steps, where, pressed, at)

    channels = list(range(int(loaded.model.get_submodule(layer).out_channels)))
    ui.keep_valid("ex_am_channel", channels, 0)
    left, right = st.columns([1, 3])
    channel = left.selectbox(t("Filter"), channels, key="ex_am_channel", format_func=lambda c: f"ch {c}")
    if u8 is None:
        left.caption(t("The synthesised picture appears here after Synthesise."))
    else:
        ui.chart(
            left,
            figures.image_gallery(ui.shown(u8[channel : channel + 1]), [t("synthesised")]),
            key="ex_am_one",
            help=t(
                "The synthesised picture of the chosen filter on its own: the input pattern that makes this "
                "filter respond most. Its contrast is stretched to its own range."
            ),
        )
    try:
        top = ui.top_images(loaded, layer, channel, TOP_K, at)
    except ValueError as e:
        right.error(ui.reason(e))
        return
    labels = loaded.test_labels()
    ui.chart(
        right,
        figures.image_gallery(
            ui.shown(loaded.split.x_test[top].numpy()),
            [f"#{g}: {classes[labels[g]]}" for g in top],
            max_cols=TOP_K,
            title=t("Test images that excite ch {c} most", c=channel),
        ),
        key="ex_am_top",
        help=t(
            "The test images that make the chosen filter respond most strongly, strongest first, each "
            "captioned with its number and class. What they have in common is what the filter detects."
        ),
    )


# ---------------------------------------------------------------- embedding map


def frame_at(loaded, emb, at: int):
    """The map as the network at snapshot `at` saw the images: (points (N, 2), predictions (N,), axis ranges (2, 2),
    caption), the axes fixed over all of training so the dots move and the frame stays still."""
    timeline = _computed(lambda: ui.embedding_timeline(loaded, emb.pca))
    lo, hi = timeline.points.min((0, 1)), timeline.points.max((0, 1))  # (2,) over every snapshot
    caption = t(
        "Snapshot {i} of {n}: step {step}, epoch {epoch:.2f}.",
        i=at,
        n=len(timeline.steps) - 1,
        step=timeline.steps[at],
        epoch=timeline.epochs[at],
    )
    ranges = np.stack([lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)], axis=1)
    return timeline.points[at], timeline.predictions[at], ranges, caption


def clicked_point(event, labels: np.ndarray, mistakes: np.ndarray, n_classes: int) -> int | None:
    """The image index of the dot clicked in the scatter, if any."""
    points = (getattr(event, "selection", None) or {}).get("points") or []
    if not points:
        return None
    point = points[0].get("customdata")  # each dot carries its image index
    if point is None:  # older front ends: map (trace, position in trace) back to the image
        curve, index = int(points[0].get("curve_number", 0)), int(points[0].get("point_index", 0))
        members = np.flatnonzero(labels == curve if curve < n_classes else mistakes)
        point = members[index] if 0 <= index < len(members) else None
    return int(point[0] if isinstance(point, (list, tuple)) else point) if point is not None else None


def embedding_tab(loaded, classes: list, at: int | None) -> None:
    emb = _computed(lambda: ui.embedding_map(loaded))
    labels = loaded.test_labels(embedding.EMBEDDING_IMAGES)
    n = len(labels)
    st.markdown(
        t(
            "Every dot is a test image, placed by what the last hidden layer makes of it ({d} numbers per "
            "image), squeezed to two dimensions by PCA. Images the network finds alike sit close together; a "
            "black ring marks a mistake.",
            d=emb.dims,
        )
    )
    caption = t(
        "The first {n} test images. PCA axes fitted on the final network: component 1 explains {a:.0%} of the "
        "variance, component 2 {b:.0%}.",
        n=n,
        a=float(emb.pca.explained_ratio[0]),
        b=float(emb.pca.explained_ratio[1]),
    )
    st.session_state.setdefault("ex_emb_mistakes", True)
    mark = st.toggle(
        t("Mark mistakes"),
        key="ex_emb_mistakes",
        help=t("Early in training almost every image is a mistake: turn the marks off to see the classes' colours."),
    )
    points, predictions, ranges = emb.points, emb.predictions, None  # ranges: fixed over a replay, so dots move
    if at is not None:  # the moment of training: the same axes, the dots where that network put them
        points, predictions, ranges, snapshot_caption = frame_at(loaded, emb, at)
        caption += " " + snapshot_caption
    elif loaded.snapshots:
        caption += " " + t(
            "Move the moment of training above, or press Play, to watch the classes separate as the network learns."
        )
    hover = [
        t("image {i} · true {true} · predicted {pred}", i=i, true=classes[labels[i]], pred=classes[predictions[i]])
        for i in range(n)
    ]
    mistakes = predictions != labels
    plot_col, pick_col = st.columns([3, 1])
    scatter = figures.scatter_embedding(
        points,
        labels,
        classes,
        hover,
        mistakes if mark else None,
        x_range=None if ranges is None else ranges[0].tolist(),
        y_range=None if ranges is None else ranges[1].tolist(),
    )
    event = ui.chart(
        plot_col,
        scatter,
        key="ex_emb_plot",
        on_select="rerun",
        selection_mode="points",
        help=t(
            "Each dot is one test image, placed by what the last hidden layer makes of it, squeezed "
            "to two dimensions (the axes have no units); its colour is its true class. Images the "
            "network finds alike lie close together, so tight, separate colour clusters are classes "
            "it tells apart easily. With Mark mistakes on, a black ring marks each mistake; click a "
            "dot to see its image."
        ),
    )
    plot_col.caption(caption + " " + t("{wrong} of {n} misclassified here.", wrong=int(mistakes.sum()), n=n))
    point = clicked_point(event, labels, mistakes, len(classes))  # plotly shows no images on hover: a click does
    if point is not None and st.session_state.get("_ex_emb_last_pick") != point:
        st.session_state["_ex_emb_last_pick"] = point
        st.session_state["ex_emb_point"] = point
    with pick_col:
        i = int(
            st.number_input(
                t("Image (0–{last})", last=n - 1),
                0,
                n - 1,
                step=1,
                key="ex_emb_point",
                help=t("Click a dot in the map to pick it, or type its number."),
            )
        )
        st.caption(t("Click a dot to see its image here."))
        ui.chart(
            st,
            figures.image_gallery(ui.shown(loaded.split.x_test[i : i + 1].numpy()), [t("image {i}", i=i)]),
            key="ex_emb_image",
            help=t(
                "The picture the network is given, one square per pixel. Hover over a pixel to read its row, "
                "column and value; a grey picture runs from black (its darkest pixel) to white (its "
                "brightest)."
            ),
        )
        verdict = t("right") if predictions[i] == labels[i] else t("wrong")
        st.markdown(
            t(
                "True **{true}**, predicted **{pred}** · {verdict}",
                true=ui.plain(classes[labels[i]]),
                pred=ui.plain(classes[predictions[i]]),
                verdict=verdict,
            )
        )


# ---------------------------------------------------------------- the page

loaded = ui.require_loaded()
classes, convs = list(loaded.classes), kernels.conv_layers(loaded.spec)
st.title(t("Explain a decision"))
st.caption(ui.run_caption(loaded))
st.markdown(
    t(
        "Why did the network answer what it did? Find the pixels that mattered, see what each filter looks for, "
        "and watch the classes separate inside the network."
    )
)
at = ui.moment(loaded)
attr_tab, filter_tab, embed_tab = st.tabs(
    [t("Attribution"), t("What filters look for"), t("Embedding map")], key="ex_tab", on_change="rerun"
)
if attr_tab.open:
    with attr_tab:
        attribution_tab(loaded, classes, convs, ui.whole_network(loaded, at))
if filter_tab.open:
    with filter_tab:
        filters_tab(loaded, classes, convs, ui.whole_network(loaded, at))
if embed_tab.open:
    with embed_tab:
        embedding_tab(loaded, classes, ui.whole_network(loaded, at))
