"""Explain a decision: which pixels mattered, what each filter looks for, and a map of what the network learned."""
import hashlib

import numpy as np
import streamlit as st

from cnnviz import data, explain, figures, images, inspection, runs, ui
from cnnviz.ui import t

ui.ensure_navigation()

AM_STEP_CHOICES = (10, 20, 40, 60, 80, 100, 150)  # activation maximisation steps offered (tests pick 10)
TOP_K = 8  # test images shown beside a filter


# ---------------------------------------------------------------- cached computations (keyed by run id + weights sha)


@st.cache_data(max_entries=16, show_spinner=False)
def _prepared(content: bytes, dataset: str) -> images.PreparedImage:
    return images.prepare_image(images.load_image_bytes(content), data.get_info(dataset))


@st.cache_data(max_entries=64, show_spinner=False)
def _attribution(run_id: str, sha: str, input_key: str, method: str, target: int, layer: str | None,
                 _model, _x, _info) -> explain.Attribution:
    options = {"baseline": explain.black_baseline(_info)} if method == "integrated_gradients" else {}
    return explain.attribute(method, _model, _x, target, layer=layer, **options)


@st.cache_data(max_entries=64, show_spinner=False)
def _probabilities(run_id: str, sha: str, input_key: str, _model, _x) -> np.ndarray:
    return inspection.predict(_model, _x)[0]  # (K,)


@st.cache_data(max_entries=32, show_spinner=False)
def _filter_images(run_id: str, sha: str, layer: str, steps: int, where: str, dataset: str, _model,
                   _info) -> explain.FilterImages:
    # the bar is made (and emptied) in here so a cache hit can replay it harmlessly
    text = t("Synthesising one picture per channel of {layer}…", layer=layer)
    bar = st.progress(0.0, text=text)
    result = explain.activation_maximisation(_model, layer, _info, steps=steps, where=where,
                                             progress=lambda f, _msg: bar.progress(min(max(f, 0.0), 1.0), text=text))
    bar.empty()
    return result


@st.cache_data(max_entries=64, show_spinner=False)
def _top_images(run_id: str, sha: str, layer: str, channel: int, dataset: str, _model, _split) -> np.ndarray:
    x = data.normalize(_split.x_test, _split.info)  # (N, C, H, W)
    return explain.top_activating(_model, x, layer, channel, k=TOP_K)


@st.cache_data(max_entries=8, show_spinner=False)
def _embedding(run_id: str, sha: str, dataset: str, _model, _split) -> dict:
    x = data.normalize(_split.x_test[:explain.EMBEDDING_IMAGES], _split.info)
    features, predictions = explain.penultimate_features(_model, x)
    pca = explain.fit_pca(features)
    return {"pca": pca, "points": explain.project(pca, features), "predictions": predictions,
            "labels": _split.y_test[:explain.EMBEDDING_IMAGES].numpy(), "dims": features.shape[1]}


@st.cache_data(max_entries=8, show_spinner=False)
def _timeline(run_id: str, sha: str, dataset: str, _model, _split, _pca) -> explain.Timeline:
    text = t("Replaying the training snapshots…")
    bar = st.progress(0.0, text=text)
    x = data.normalize(_split.x_test[:explain.EMBEDDING_IMAGES], _split.info)
    result = explain.embedding_timeline(_model, run_id, x, _pca,
                                        progress=lambda f, _msg: bar.progress(min(max(f, 0.0), 1.0), text=text))
    bar.empty()
    return result


# ---------------------------------------------------------------- small helpers



def _shown(images_u8: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, H, W) grey or (N, H, W, 3) colour, the layouts figures.image_gallery takes."""
    return images_u8[:, 0] if images_u8.shape[1] == 1 else images_u8.transpose(0, 2, 3, 1)


# ---------------------------------------------------------------- the page

run = ui.require_run()
_, model = ui.load_model(run)
sha = run.meta["weights_sha256"]
split = ui.run_split(run)
info = split.info
dataset = info.name
classes = [str(c) for c in (run.meta.get("classes") or info.classes)]
convs = explain.conv_layer_names(model)

st.title(t("Explain a decision"))
st.caption(t("Run {run} · {dataset}", run=run.run_id,
             dataset=ui.dataset_title(dataset, run.meta.get("dataset_title"))))
st.markdown(t("Why did the network answer what it did? Find the pixels that mattered, see what each filter "
              "looks for, and watch the classes separate inside the network."))

tab_names = [t("Attribution"), t("What filters look for"), t("Embedding map")]
attr_tab, filter_tab, embed_tab = st.tabs(tab_names, key="ex_tab", on_change="rerun")

# ---------------------------------------------------------------- attribution
METHOD_TEXT = {
    "saliency": (t("Gradient saliency"),
                 t("How strongly the class score reacts to a tiny change of each pixel (the gradient). "
                   "Quick, but speckled.")),
    "smoothgrad": (t("SmoothGrad"),
                   t("The same gradient averaged over many copies of the image with a little noise added: "
                     "the speckle cancels out and the shape that matters remains.")),
    "integrated_gradients": (t("Integrated Gradients"),
                             t("Adds up the gradient along the way from a black image to this one, so the pixel "
                               "scores sum to how much the class score rose between the two.")),
    "gradcam": (t("Grad-CAM"),
                t("Weighs a convolution layer's feature maps by how much they raise the class score: coarse, "
                  "at that layer's resolution, but it shows where the network looked.")),
}

if attr_tab.open:
    with attr_tab:
        pick, shown_col, pred_col = st.columns([1.1, 1, 1.2])
        sources = ["test", "upload"]
        ui.keep_valid("ex_source", sources, "test")
        source = pick.radio(t("Input"), sources, key="ex_source", horizontal=True,
                            format_func={"test": t("a test image"), "upload": t("upload your own")}.get)
        x, true_label, input_key = None, None, ""
        if source == "test":
            picked = ui.pick_test_image("ex", split, classes, pick)
            if picked is not None:
                image_u8, true_label, g = picked
                x = data.normalize(split.x_test[g:g + 1], info)[0].numpy()  # (C, H, W) as in training
                input_key, caption = f"test-{g}", t("test image {g}: {name}", g=g, name=classes[true_label])
        else:
            upload = pick.file_uploader(t("An image file (PNG, JPEG, ...)"), key="ex_upload")
            if upload is None:
                shown_col.info(t("Upload a picture: it is converted the way the training images were "
                                 "(size, colour, and for digits: light on dark, centred)."))
            else:
                content = upload.getvalue()
                try:
                    prepared = _prepared(content, dataset)
                except ValueError as e:
                    pick.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
                else:
                    x, image_u8 = prepared.tensor[0].numpy(), prepared.image
                    input_key, caption = "upload-" + hashlib.sha1(content).hexdigest(), upload.name
                    if prepared.notes:
                        notes = "; ".join(ui.reason(n) for n in prepared.notes)
                        pick.caption(t("Prepared like the training images: {notes}", notes=notes))

        if x is not None:
            ui.chart(shown_col, figures.image_gallery(_shown(image_u8[None]), [caption]), key="ex_input",
                                help=t("The picture the network is given, one square per pixel. Hover over a pixel to "
                                       "read its row, column and value; a grey picture runs from black (its darkest "
                                       "pixel) to white (its brightest)."))
            try:
                probs = _probabilities(run.run_id, sha, input_key, model, x)
            except ValueError as e:
                st.error(ui.reason(e))
                st.stop()
            pred = int(probs.argmax())
            verdict = "" if true_label is None else (t("right") if pred == true_label else t("wrong"))
            pred_col.markdown(t("Prediction: **{name}** ({p:.1%})", name=ui.plain(classes[pred]), p=float(probs[pred]))
                              + (f" · {verdict}" if verdict else ""))
            ui.chart(pred_col, figures.probability_bars(probs, classes, true_label), key="ex_probs",
                               help=t("One bar per class: the network's probability that the image shows that class, "
                                      "all bars together making 100%. The predicted class is green when it is right "
                                      "and red when it is wrong (blue when the true class is not known); “← true” "
                                      "marks the true class."))

            st.subheader(t("Which pixels made the difference"))
            methods = [m for m in explain.METHODS if m != "gradcam" or convs]
            ui.keep_valid("ex_method", methods, methods[0])
            c1, c2, c3, c4 = st.columns([1.6, 1, 1, 1])
            method = c1.radio(t("Method"), methods, key="ex_method", horizontal=True,
                              format_func=lambda m: METHOD_TEXT[m][0])
            targets = [-1] + list(range(len(classes)))
            ui.keep_valid("ex_target", targets, -1)
            target = c2.selectbox(t("Explain the class"), targets, key="ex_target",
                                  format_func=lambda c: t("predicted: {name}", name=classes[pred]) if c < 0
                                  else classes[c],
                                  help=t("Whose score to explain: the predicted class, or any other to see what "
                                         "speaks for or against it."))
            target = pred if target < 0 else target
            layer = None
            if method == "gradcam":
                ui.keep_valid("ex_layer", convs, convs[-1])
                layer = c3.selectbox(t("Convolution layer"), convs, key="ex_layer",
                                     help=t("Later layers see larger parts of the image but have coarser maps."))
            if "ex_alpha" not in st.session_state:
                st.session_state["ex_alpha"] = 0.5
            alpha = c4.slider(t("Heat opacity"), 0.0, 1.0, step=0.05, key="ex_alpha")
            st.caption(METHOD_TEXT[method][1])
            if not convs:
                st.caption(t("Grad-CAM needs a convolution layer; this network has none."))
            try:
                with st.spinner(t("Computing {method}…", method=METHOD_TEXT[method][0])):
                    result = _attribution(run.run_id, sha, input_key, method, target, layer, model, x, info)
            except ValueError as e:
                st.error(ui.reason(e))
            else:
                left, right = st.columns(2)
                ui.chart(left, figures.overlay(_shown(image_u8[None])[0], result.heat, alpha=alpha,
                                               title=t("{method} for class {name}", method=METHOD_TEXT[method][0],
                                                       name=classes[target])), key="ex_overlay",
                               help=t("The image with the method's map laid over it: red where the method finds the "
                                      "pixels matter most for the chosen class, dark blue where they matter least. "
                                      "The map is scaled from 0 to 1 for this image, so it shows where the network "
                                      "looked, not how strongly; the signed map beside it tells pixels that raise the "
                                      "score from those that lower it."))
                ui.chart(right, figures.feature_map_grid(result.raw[None], titles=[t("signed value")],
                                                         title=t("Signed map")), key="ex_signed",
                                help=t("The same map with its sign kept: blue pixels raise the class score, red ones "
                                       "lower it, white ones leave it as it is. When no value is negative the map is "
                                       "grey instead, and the brighter a pixel, the more it raises the score."))
                right.caption(t("Blue pixels raise the class score, red ones lower it; white is zero.")
                              if (result.raw < 0).any() else t("Every value is positive here: the brighter, the "
                                                               "more the pixel raises the class score."))
                if result.delta is not None:
                    st.caption(t("The pixel scores add up to the score's rise from a black image, up to "
                                 "{delta:.2g} (the numerical error of the integral).", delta=abs(result.delta)))

# ---------------------------------------------------------------- what filters look for
if filter_tab.open:
    with filter_tab:
        if not convs:
            st.info(t("This network has no convolution layers, so it has no filters to look at. Train a CNN "
                      "such as LeNet-5 and pick it in the sidebar."))
        else:
            st.markdown(t("Each picture below is made from scratch: start from faint noise and change the pixels, "
                          "step by step, so that one filter responds as strongly as possible. Beside it, the test "
                          "images that excite the same filter most."))
            ui.keep_valid("ex_am_layer", convs, convs[0])
            ui.keep_valid("ex_am_steps", list(AM_STEP_CHOICES), explain.AM_STEPS)
            ui.keep_valid("ex_am_where", ["centre", "mean"], "centre")
            c1, c2, c3, c4 = st.columns([1, 1.2, 1.4, 1])
            layer = c1.selectbox(t("Layer"), convs, key="ex_am_layer")
            steps = c2.select_slider(t("Optimisation steps"), list(AM_STEP_CHOICES), key="ex_am_steps",
                                     help=t("More steps give stronger, sharper pictures and take longer."))
            where = c3.radio(t("Maximise"), ["centre", "mean"], key="ex_am_where", horizontal=True,
                             format_func={"centre": t("the centre unit"), "mean": t("the whole map")}.get,
                             help=t("The centre unit shows one pattern in its place; the whole map gives a "
                                    "texture (flat for a first layer)."))
            settings = (run.run_id, sha, layer, int(steps), where)
            done = st.session_state.setdefault("ex_am_done", [])
            c4.write("")  # align the button with the widgets' labels
            if c4.button(t("Synthesise"), key="ex_am_run", type="primary", icon=":material/auto_awesome:") \
                    and settings not in done:
                done.append(settings)
            filters = None
            if settings in done:
                try:
                    filters = _filter_images(run.run_id, sha, layer, int(steps), where, dataset, model, info)
                except ValueError as e:
                    st.error(ui.reason(e))
            if filters is None:
                st.info(t("Press Synthesise to make one picture per filter of {layer} (a few seconds).", layer=layer))
            else:
                top_, bottom, left_, right_ = filters.box
                crop = st.toggle(t("Zoom in on what the filter sees"), key="ex_am_crop", value=True,
                                 disabled=where == "mean",
                                 help=t("A unit of {layer} depends only on a {h}×{w} patch of the input (its "
                                        "receptive field): show that patch and a 2-pixel margin.", layer=layer,
                                        h=bottom - top_, w=right_ - left_))
                pictures = filters.crop() if crop and where == "centre" else filters.images  # (K, C, h, w) 0..1
                u8 = np.round(pictures * 255).astype(np.uint8)
                ui.chart(st, figures.image_gallery(_shown(u8), [f"ch {c}" for c in filters.channels], max_cols=8,
                                                   title=t("What each filter of {layer} looks for", layer=layer)),
                             key="ex_am_grid",
                             help=t("One synthesised picture per filter of this layer: an input, grown from faint "
                                    "noise, that makes that filter respond as strongly as possible. Each picture has "
                                    "its own contrast; the repeated strokes, edges or blobs are the pattern the "
                                    "filter looks for."))
                st.caption(t("Each picture has its own contrast. Bright is ink: the network learned from "
                             "white-on-black digits.") if info.is_digits else t("Each picture has its own contrast."))

            n_channels = int(model.get_submodule(layer).out_channels)
            channels = list(range(n_channels))
            ui.keep_valid("ex_am_channel", channels, 0)
            left, right = st.columns([1, 3])
            channel = left.selectbox(t("Filter"), channels, key="ex_am_channel", format_func=lambda c: f"ch {c}")
            if filters is not None:
                ui.chart(left, figures.image_gallery(_shown(u8[channel:channel + 1]), [t("synthesised")]),
                               key="ex_am_one",
                               help=t("The synthesised picture of the chosen filter on its own: the input pattern "
                                      "that makes this filter respond most. Its contrast is stretched to its own "
                                      "range."))
            else:
                left.caption(t("The synthesised picture appears here after Synthesise."))
            try:
                top = _top_images(run.run_id, sha, layer, channel, dataset, model, split)
            except ValueError as e:
                right.error(ui.reason(e))
            else:
                images = split.x_test[top].numpy()  # (k, C, H, W) uint8
                ui.chart(right, figures.image_gallery(
                    _shown(images), [f"#{g}: {classes[int(split.y_test[g])]}" for g in top], max_cols=TOP_K,
                    title=t("Test images that excite ch {c} most", c=channel)), key="ex_am_top",
                                help=t("The test images that make the chosen filter respond most strongly, strongest "
                                       "first, each captioned with its number and class. What they have in common is "
                                       "what the filter detects."))

# ---------------------------------------------------------------- embedding map
if embed_tab.open:
    with embed_tab:
        try:
            emb = _embedding(run.run_id, sha, dataset, model, split)
        except ValueError as e:
            st.error(ui.reason(e))
            st.stop()
        n = len(emb["labels"])
        st.markdown(t("Every dot is a test image, placed by what the last hidden layer makes of it ({d} numbers "
                      "per image), squeezed to two dimensions by PCA. Images the network finds alike sit close "
                      "together; × marks a mistake.", d=emb["dims"]))
        points, predictions = emb["points"], emb["predictions"]
        caption = t("The first {n} test images. PCA axes fitted on the final network: component 1 explains "
                    "{a:.0%} of the variance, component 2 {b:.0%}.", n=n, a=float(emb["pca"].explained_ratio[0]),
                    b=float(emb["pca"].explained_ratio[1]))
        t1, t2 = st.columns([1, 3])
        replay = t1.toggle(t("Replay training"), key="ex_emb_replay",
                           help=t("Rebuild the network at each training snapshot and project its features on the "
                                  "same axes, to watch the classes separate."))
        if "ex_emb_mistakes" not in st.session_state:
            st.session_state["ex_emb_mistakes"] = True
        mark = t2.toggle(t("Mark mistakes"), key="ex_emb_mistakes",
                         help=t("Early in training almost every image is a mistake: turn the marks off to see the "
                                "classes' colours."))
        ranges = None  # (2 axes, low/high) fixed over the replay
        if replay:
            if not runs.list_snapshots(run.run_id):
                st.info(t("This run has no training snapshots to replay. The map shows the final network."))
            elif not explain.timeline_available(model, run.run_id):
                st.info(t("The training replay isn't available for this run: its network is large (over 500,000 "
                          "parameters), so training kept only the convolution kernels at each snapshot. The map "
                          "shows the final network."))
            else:
                timeline = _timeline(run.run_id, sha, dataset, model, split, emb["pca"])
                last = len(timeline.steps) - 1
                lo, hi = timeline.points.min((0, 1)), timeline.points.max((0, 1))  # (2,) over every snapshot
                ranges = np.stack([lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)], axis=1)
                if not 0 <= st.session_state.get("ex_emb_snapshot", -1) <= last:
                    st.session_state["ex_emb_snapshot"] = last  # start at the end: the final network
                snap = st.slider(t("Training snapshot"), 0, last, key="ex_emb_snapshot")
                points, predictions = timeline.points[snap], timeline.predictions[snap]
                caption += " " + t("Snapshot {i} of {n}: step {step}, epoch {epoch:.2f}.", i=snap, n=last,
                                   step=timeline.steps[snap], epoch=timeline.epochs[snap])
        labels = emb["labels"]
        hover = [t("image {i} · true {true} · predicted {pred}", i=i, true=classes[labels[i]],
                   pred=classes[predictions[i]]) for i in range(n)]
        mistakes = predictions != labels
        plot_col, pick_col = st.columns([3, 1])
        # with a replay, the same axes for every snapshot, so the points move and the frame stays still
        scatter = figures.scatter_embedding(points, labels, classes, hover, mistakes if mark else None,
                                            x_range=None if ranges is None else ranges[0].tolist(),
                                            y_range=None if ranges is None else ranges[1].tolist())
        event = ui.chart(plot_col, scatter, key="ex_emb_plot", on_select="rerun", selection_mode="points",
                                   help=t("Each dot is one test image, placed by what the last hidden layer makes of "
                                          "it, squeezed to two dimensions (the axes have no units); its colour is its "
                                          "true class. Images the network finds alike lie close together, so tight, "
                                          "separate colour clusters are classes it tells apart easily. With Mark "
                                          "mistakes on, a black ring marks each mistake; click a dot to see its "
                                          "image."))
        plot_col.caption(caption + " " + t("{wrong} of {n} misclassified here.", wrong=int(mistakes.sum()), n=n))

        # plotly shows no images on hover: clicking a dot (or typing its number) shows the image here
        picked = (getattr(event, "selection", None) or {}).get("points") or []
        if picked:
            p = picked[0]
            point = p.get("customdata")  # each dot carries its image index
            if point is None:  # older front ends: map (trace, position in trace) back to the image
                curve, index = int(p.get("curve_number", 0)), int(p.get("point_index", 0))
                members = np.flatnonzero(labels == curve if curve < len(classes) else mistakes)
                point = members[index] if 0 <= index < len(members) else None
            point = int(point[0] if isinstance(point, (list, tuple)) else point) if point is not None else None
            if point is not None and st.session_state.get("_ex_emb_last_pick") != point:
                st.session_state["_ex_emb_last_pick"] = point
                st.session_state["ex_emb_point"] = point
        with pick_col:
            i = int(st.number_input(t("Image (0–{last})", last=n - 1), 0, n - 1, step=1, key="ex_emb_point",
                                    help=t("Click a dot in the map to pick it, or type its number.")))
            st.caption(t("Click a dot to see its image here."))
            ui.chart(st, figures.image_gallery(_shown(split.x_test[i:i + 1].numpy()),
                                               [t("image {i}", i=i)]), key="ex_emb_image",
                         help=t("The picture the network is given, one square per pixel. Hover over a pixel to read "
                                "its row, column and value; a grey picture runs from black (its darkest pixel) to "
                                "white (its brightest)."))
            verdict = t("right") if predictions[i] == labels[i] else t("wrong")
            st.markdown(t("True **{true}**, predicted **{pred}** · {verdict}", true=ui.plain(classes[labels[i]]),
                          pred=ui.plain(classes[predictions[i]]), verdict=verdict))
