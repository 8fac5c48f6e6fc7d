"""Receptive field: which input pixels one unit sees, layer by layer, and what each layer costs."""

import streamlit as st

from cnnviz import data, figures, presets, receptive, ui
from cnnviz.i18n import N_
from cnnviz.ui import t

ui.ensure_navigation()

VGG16 = "vgg16"  # not a training preset (138M parameters): offered here for its classic receptive-field table


def _clamp(key: str, top: int) -> None:
    st.session_state[key] = min(max(int(st.session_state.get(key, 0)), 0), top)


def _preset_title(preset_id: str) -> str:
    return t("VGG-16 (ImageNet, 224×224)") if preset_id == VGG16 else presets.PRESETS[preset_id].title


def _span(a: int, b: int) -> str:
    """Half-open [a, b) as the inclusive range people read (a typographic minus for padding positions)."""
    if b - a <= 1:
        return str(a).replace("-", "−")
    return f"{a}–{b - 1}" if a >= 0 else t("{a} to {b}", a=str(a).replace("-", "−"), b=b - 1)


def _table(rows: list[receptive.LayerField], input_shape: tuple[int, int, int]) -> list[dict]:
    _, h, w = input_shape
    out = [
        {
            t("layer"): "input",
            t("output shape"): "×".join(map(str, input_shape)),
            t("parameters"): 0,
            t("receptive field"): "1×1",
            t("jump"): "1",
            t("start"): "0",
            t("MACs"): 0,
            t("FLOPs"): 0,
            t("activation FLOPs"): 0,
        }
    ]
    for f in rows:
        if f.rf is not None:
            field = f"{f.rf}×{f.rf}"
        elif f.covers == receptive.Region(0, h, 0, w):
            field = t("whole input")
        else:
            field = t(
                "rows {r}, cols {c}", r=_span(f.covers.row0, f.covers.row1), c=_span(f.covers.col0, f.covers.col1)
            )
        out.append(
            {
                t("layer"): f.name,
                t("output shape"): "×".join(map(str, f.output_shape)),
                t("parameters"): f.params,
                t("receptive field"): field,
                t("jump"): "" if f.jump is None else str(f.jump),
                t("start"): "" if f.start is None else f"{f.start:g}",
                t("MACs"): f.macs,
                t("FLOPs"): f.flops,
                t("activation FLOPs"): f.activation_flops,
            }
        )
    return out


st.title(t("Receptive field"))
st.markdown(
    t(
        "A unit of a convolutional layer looks at a small window of the layer below, and through it at a "
        "patch of the input image: its **receptive field**. Each convolution or pooling widens the patch "
        "by (kernel − 1) × jump, and each stride multiplies the **jump** between neighbouring units. Pick a "
        "layer and a unit to see exactly which pixels it depends on."
    )
)

# ---------------------------------------------------------------- which network
run = ui.selected_run()
sources = (["run"] if run is not None else []) + ["preset"]
ui.keep_valid("rf_source", sources, sources[0])
top = st.columns([1.2, 1.5, 1.3])
source = top[0].radio(
    t("Network"),
    sources,
    key="rf_source",
    horizontal=True,
    format_func=lambda s: t("the selected run") if s == "run" else t("a preset"),
)
if source == "run":
    top[1].markdown(t("Run **{run}**", run=run.run_id) + f"  \n{ui.plain(run.record.preset or '')}")
    spec = run.record.spec
else:
    if run is None:
        top[2].caption(t("No trained run yet: presets work without one. Train a network to see its own fields."))
    choices = presets.list_presets() + [VGG16]
    ui.keep_valid("rf_preset", choices, "lenet5")
    preset = top[1].selectbox(t("Preset"), choices, key="rf_preset", format_func=_preset_title)
    if preset == VGG16:
        spec = presets.vgg16_spec()
    else:
        try:
            info = data.get_info(ui.dataset_name())
            shape, n_classes = info.input_shape, len(info.classes)
        except ValueError:
            shape, n_classes = (1, 28, 28), 10
        spec = presets.preset_spec(preset, shape, n_classes)
        top[2].caption(t("Sized for the sidebar's dataset: input {c}×{h}×{w}.", c=shape[0], h=shape[1], w=shape[2]))

try:
    rows = receptive.fields(spec)
except ValueError as e:
    st.error(t("This architecture cannot be built: {reason}", reason=ui.reason(e)))
    st.stop()
_, height, width = spec.input_shape
spatial = [f for f in rows if f.spatial]

# ---------------------------------------------------------------- one unit and its field
unit_box = st.container()
st.subheader(t("Layer by layer"))
numbers = {
    t(k): st.column_config.NumberColumn(format="localized", width=w)
    for k, w in ((N_("parameters"), 110), (N_("MACs"), 135), (N_("FLOPs"), 135), (N_("activation FLOPs"), 120))
}
texts = {
    t(k): st.column_config.TextColumn(width=w)
    for k, w in (
        (N_("layer"), 80),
        (N_("output shape"), 110),
        (N_("receptive field"), 130),
        (N_("jump"), 50),
        (N_("start"), 50),
    )
}
st.dataframe(_table(rows, spec.input_shape), hide_index=True, width="stretch", column_config=numbers | texts)
sums = receptive.totals(rows)
m1, m2, m3 = st.columns(3)
m1.metric(t("Parameters"), f"{sums['params']:,}")
m2.metric(t("Multiply-accumulates per image"), f"{sums['macs']:,}")
m3.metric(t("FLOPs per image"), f"{sums['flops']:,}")
st.caption(
    t(
        "FLOPs count 2 per multiply-accumulate in conv and dense layers: that is every multiply and add, "
        "the bias included (n products need n − 1 additions, the bias is the n-th). Pooling: k×k per output; "
        "batch norm: 2 per value; activations: 1 per value (own column); dropout and flatten: none. "
        "Start is the centre of unit (0, 0)'s field in input pixels; below 0 it sits in the padding."
    )
)

with unit_box:
    if not spatial:
        st.info(
            t(
                "This network has no convolution or pooling layer: every unit of its first dense layer sees the "
                "whole image at once. Pick a CNN to see fields grow."
            )
        )
        st.stop()
    controls, picture = st.columns([1, 1.6])
    names = [f.name for f in spatial]
    ui.keep_valid("rf_layer", names, names[-1])
    layer = controls.selectbox(t("Layer"), names, key="rf_layer")
    field = spatial[names.index(layer)]
    _, out_h, out_w = field.output_shape
    position = []
    for key, size, label in (("rf_row", out_h, t("Unit row")), ("rf_col", out_w, t("Unit column"))):
        _clamp(key, size - 1)
        if size > 1:
            position.append(controls.slider(label, 0, size - 1, key=key))
        else:
            controls.caption(t("{label}: 0 (the output has one)", label=label))
            position.append(0)
    row, col = position
    unit = receptive.unit_field(spec, layer, row, col)
    region, clipped = unit.region, unit.seen
    controls.markdown(
        t(
            "**{layer}** ({h}×{w} units): unit ({row}, {col}) sees a **{r}×{r}** patch, "
            "neighbouring units are **{j}** pixels apart.",
            layer=layer,
            h=out_h,
            w=out_w,
            row=row,
            col=col,
            r=field.rf,
            j=field.jump,
        )
    )
    controls.markdown(
        t(
            "Input rows {rows}, columns {cols}",
            rows=_span(region.row0, region.row1),
            cols=_span(region.col0, region.col1),
        )
        + (
            t(
                " — inside the image: rows {rows}, columns {cols}; the rest is padding.",
                rows=_span(clipped.row0, clipped.row1),
                cols=_span(clipped.col0, clipped.col1),
            )
            if clipped != region and not clipped.empty
            else ""
        )
    )
    if clipped.empty:
        controls.warning(t("This unit sees only padding: its value is its bias, whatever the image."))
    elif unit.partial:
        controls.warning(
            t(
                "Only {n} pixels of this patch reach the unit (shown in red): {why}",
                n=unit.pixels,
                why=t("a stride larger than its kernel leaves holes.")
                if field.gaps
                else t(
                    "a layer dropped its last rows or columns (floor division) and a later layer pads "
                    "over them, so the pixels behind that padding never arrive."
                ),
            )
        )
    if controls.button(
        t("Check by backpropagation"),
        key="rf_check",
        help=t(
            "Builds the network with positive weights, feeds a positive image and backpropagates "
            "from this unit: the pixels with a non-zero gradient must be exactly the field."
        ),
    ):
        with st.spinner(t("Backpropagating…")):
            ok = ui.field_confirmed(spec, layer, row, col)
        if ok:
            controls.success(
                t("Confirmed: the gradient of this unit is non-zero on exactly these {n} pixels.", n=unit.pixels)
            )
        else:
            controls.error(t("The gradient disagrees with the computed field: please report this network."))

    image = None
    dataset = ui.dataset_name()
    try:
        matches = data.get_info(dataset).input_shape == spec.input_shape
    except ValueError:
        matches = False
    if matches:
        split = ui.load_dataset(dataset)
        n_test = len(split.y_test)
        _clamp("rf_image", n_test - 1)
        index = controls.number_input(
            t("Test image (0–{last})", last=n_test - 1), min_value=0, max_value=n_test - 1, step=1, key="rf_image"
        )
        image = split.x_test[int(index)]  # (C, H, W) uint8
        caption = t("test image {i} of {dataset}", i=int(index), dataset=ui.dataset_title(dataset))
    else:
        caption = t("a blank {h}×{w} canvas (the sidebar's dataset has another input shape)", h=height, w=width)
    canvas, heat, margin = receptive.field_view(receptive.picture(image, spec.input_shape), region, unit.support)
    ui.chart(
        picture,
        figures.overlay(canvas, heat, alpha=0.5),
        key="rf_picture",
        width="stretch",
        help=t(
            "The input with the receptive field of the chosen unit on top: red marks the pixels that "
            "unit sees. A grey frame around the image is zero padding, and the blue part of the "
            "field falls on that padding, so it brings in nothing."
        ),
    )
    picture.caption(
        caption
        + " · "
        + t("red: the pixels unit ({row}, {col}) of {layer} sees", row=row, col=col, layer=layer)
        + (
            " · " + t("grey frame: zero padding ({m} px), blue: the part of the field that falls on it", m=margin)
            if margin
            else ""
        )
    )
