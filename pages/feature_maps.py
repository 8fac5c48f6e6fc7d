"""Feature maps: one input through the trained network, every layer's output, and the prediction."""
import hashlib

import streamlit as st

from cnnviz import data, figures, images, inspection, ui
from cnnviz.ui import t

ui.ensure_navigation()

CANVAS_PX = 280  # 10x a 28x28 digit, so the brush (~18 px) draws strokes as thick as MNIST's


@st.cache_data(max_entries=64, show_spinner=False)
def _activations(run_id: str, sha: str, input_key: str, _model, _x) -> dict:
    return inspection.activations(_model, _x)  # {layer: output without the batch dimension}


@st.cache_data(max_entries=16, show_spinner=False)
def _prepared(content: bytes, dataset: str) -> images.PreparedImage:
    return images.prepare_image(images.load_image_bytes(content), data.get_info(dataset))



def _shape_text(name: str, out) -> str:
    if out.ndim == 3:
        return t("**{layer}**: {n} maps of {h}×{w}", layer=name, n=out.shape[0], h=out.shape[1], w=out.shape[2])
    return t("**{layer}**: {n} units", layer=name, n=out.size)


def _show_prepared(prepared: images.PreparedImage, where, caption: str) -> None:
    img = prepared.image  # (C, H, W) uint8
    shown = img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)
    ui.chart(where, figures.image_gallery(shown[None], [caption]), key="fm_input",
                    help=t("The picture the network is given, one square per pixel. Hover over a pixel to read its "
                           "row, column and value; a grey picture runs from black (its darkest pixel) to white (its "
                           "brightest)."))
    if prepared.notes:
        notes = "; ".join(ui.reason(n) for n in prepared.notes)
        where.caption(t("Prepared like the training images: {notes}", notes=notes))


run = ui.require_run()
spec, model = ui.load_model(run)
sha = run.meta["weights_sha256"]
split = ui.run_split(run)
info = split.info
classes = [str(c) for c in (run.meta.get("classes") or info.classes)]

st.title(t("Feature maps"))
st.caption(t("Run {run} · {dataset}", run=run.run_id,
             dataset=ui.dataset_title(run.meta.get("dataset"), run.meta.get("dataset_title"))))
st.markdown(t("Feed one image through the trained network and look at what every layer makes of it: "
              "convolutions find patterns, activations keep the positive matches, pooling shrinks the maps, "
              "and the dense layers turn them into a vote for each class."))

# ---------------------------------------------------------------- the input
sources = ["test", "upload"] + (["draw"] if info.input_shape[0] == 1 else [])
source_names = {"test": t("a test image"), "upload": t("upload your own"), "draw": t("draw one")}
ui.keep_valid("fm_source", sources, "test")
pick, shown_col, pred_col = st.columns([1.1, 1, 1.4])
source = pick.radio(t("Input"), sources, key="fm_source", format_func=source_names.get)
x = None
true_label = None
input_key = ""
if source == "test":
    picked = ui.pick_test_image("fm", split, classes, pick, url=True)
    if picked is not None:
        image_u8, true_label, g = picked
        x = data.normalize(split.x_test[g:g + 1], info)[0].numpy()  # (C, H, W) as in training
        input_key = f"test-{g}"
        shown = image_u8[0] if image_u8.shape[0] == 1 else image_u8.transpose(1, 2, 0)
        ui.chart(shown_col, figures.image_gallery(shown[None], [t("test image #{g} · {name}", g=g,
                                                                  name=classes[true_label])]), key="fm_input",
                            help=t("The picture the network is given, one square per pixel. Hover over a pixel to "
                                   "read its row, column and value; a grey picture runs from black (its darkest "
                                   "pixel) to white (its brightest)."))
elif source == "upload":
    upload = pick.file_uploader(t("An image file (PNG, JPEG, ...)"), key="fm_upload")
    if upload is None:
        shown_col.info(t("Upload a picture: it is converted the way the training images were "
                         "(size, colour, and for digits: light on dark, centred)."))
    else:
        content = upload.getvalue()
        try:
            prepared = _prepared(content, info.name)
        except ValueError as e:
            pick.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
        else:
            x = prepared.tensor[0].numpy()
            input_key = "upload-" + hashlib.sha1(content).hexdigest()
            _show_prepared(prepared, shown_col, upload.name)
else:
    try:
        from streamlit_drawable_canvas import st_canvas  # imported here: it only works inside a Streamlit run
    except Exception as e:  # a broken or missing optional component must not take the page down
        pick.warning(t("The drawing canvas is not available here: {reason}", reason=ui.reason(e)))
    else:
        with pick:
            st.caption(t("Draw a digit with the mouse, large and centred; it is scaled like MNIST's digits."))
            st.space("small")  # the canvas toolbar floats above the canvas and would cover the caption
            result = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000",
                               height=CANVAS_PX, width=CANVAS_PX, drawing_mode="freedraw",
                               return_image_data=True, key="fm_canvas")
        content = result.image_bytes if result is not None else None
        strokes = (result.json_data or {}).get("objects") if result is not None else None
        if not content or not strokes:
            shown_col.info(t("Draw something in the black box to see the network's answer."))
        else:
            try:
                prepared = _prepared(content, info.name)
            except ValueError as e:
                shown_col.warning(t("Cannot use this drawing yet: {reason}", reason=ui.reason(e)))
            else:
                x = prepared.tensor[0].numpy()
                input_key = "drawing-" + hashlib.sha1(content).hexdigest()
                _show_prepared(prepared, shown_col, t("your drawing"))

if x is None:
    st.stop()

try:
    acts = _activations(run.run_id, sha, input_key, model, x)
except ValueError as e:
    st.error(ui.reason(e))
    st.stop()

# ---------------------------------------------------------------- the prediction
probs = acts["softmax"]  # (K,)
pred = int(probs.argmax())
with pred_col:
    verdict = "" if true_label is None else (t("right") if pred == true_label else t("wrong"))
    st.markdown(t("Prediction: **{name}** ({p:.1%})", name=ui.plain(classes[pred]), p=float(probs[pred]))
                + (f" · {verdict}" if verdict else ""))
    ui.chart(st, figures.probability_bars(probs, classes, true_label), key="fm_probs",
                 help=t("One bar per class: the network's probability that the image shows that class, all bars "
                        "together making 100%. The predicted class is green when it is right and red when it is wrong "
                        "(blue when the true class is not known); “← true” marks the true class."))

# ---------------------------------------------------------------- one layer's output
st.subheader(t("Layer by layer"))
names = list(acts)
convs = inspection.conv_layers(spec)
ui.keep_valid("fm_layer", names, convs[0] if convs else names[0], url="layer")
layer = st.select_slider(t("Layer"), names, key="fm_layer",
                         help=t("Every layer of the network in order, from the first convolution to the softmax."))
out = acts[layer]
st.markdown(_shape_text(layer, out) + " · " + t("values {lo:.3g} to {hi:.3g}", lo=float(out.min()),
                                                   hi=float(out.max())))
if out.ndim == 3:  # (C, H, W): one picture per channel
    ui.chart(st, figures.feature_map_grid(out), key="fm_maps",
                 help=t("Each picture is one channel's feature map: it lights up where that channel found its pattern "
                        "in the image. If no value is negative the maps are grey (black low, white high); otherwise "
                        "blue is positive, red negative and white zero. Every map has its own colour range, given in "
                        "brackets, so compare where maps light up, not how bright they are."))
    st.caption(t("Each map has its own colour range, given in brackets: compare shapes, not brightness."))
elif layer == "softmax":
    ui.chart(st, figures.probability_bars(out, classes, true_label), key="fm_maps",
                 help=t("One bar per class: the network's probability that the image shows that class, all bars "
                        "together making 100%. The predicted class is green when it is right and red when it is wrong "
                        "(blue when the true class is not known); “← true” marks the true class."))
elif out.ndim == 1:  # dense units: one row of cells; the output layer's units are the classes
    labels = classes if out.size == len(classes) and layer == names[-2] else [str(i) for i in range(out.size)]
    negative = bool((out < 0).any())
    ui.chart(st, figures.heatmap(out[None, :], labels, [layer], colorscale=figures.DIVERGING if negative
                                 else figures.GREYS, zmid=0 if negative else None), key="fm_maps",
                 help=t("One cell per unit (neuron) of this dense layer; hover over a cell for its value. Blue is "
                        "positive, red negative and white zero (black to white when no value is negative); in the "
                        "last dense layer each cell is one class's score."))
    st.caption(t("One cell per unit (hover for its value). The last dense layer gives one score per class; "
                 "the softmax turns the scores into probabilities."))
else:
    st.info(t("This layer's output has shape {shape}, which has no picture here.", shape=tuple(out.shape)))
