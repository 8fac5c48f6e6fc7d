"""Architecture: build a network layer by layer, see every shape and parameter count live, export it or train it.

The design lives in session_state (a list of layer dicts in the spec's JSON form, each with a `uid` that keys
its widgets), so it survives page switches; `arch` checks it and counts its parameters on every change, and
`cost` says what training it would take.
"""

from dataclasses import asdict

import streamlit as st

from cnnviz import arch, cost, data, figures, jobs, presets, ui
from cnnviz.i18n import N_
from cnnviz.ui import dataset_name, t

ui.ensure_navigation()

LAYERS, INPUT, NAME, NEXT_UID, MESSAGE = (
    "arch_layers",
    "arch_input_shape",
    "arch_spec_name",
    "arch_next_uid",
    "arch_message",
)
EMPTY = "__empty__"
TYPE_TITLES = {
    "conv": N_("Convolution"),
    "pool": N_("Pooling"),
    "dropout": N_("Dropout"),
    "batchnorm": N_("Batch norm"),
    "flatten": N_("Flatten"),
    "dense": N_("Dense"),
}
NEW_LAYER = {
    "conv": arch.Conv(16),
    "pool": arch.Pool(),
    "dropout": arch.Dropout(0.25),
    "batchnorm": arch.BatchNorm(),
    "flatten": arch.Flatten(),
    "dense": arch.Dense(64),
}
# field -> (label, help); what each field may hold is `arch.EDITABLE`
FIELDS = {
    "filters": (N_("filters"), N_("Number of kernels = output channels")),
    "kernel_size": (N_("kernel"), N_("Kernel height and width (F)")),
    "stride": (N_("stride"), N_("Step between kernel positions (S)")),
    "padding": (N_("padding"), N_("Zeros added around the input (P)")),
    "activation": (N_("activation"), N_("Applied after the layer")),
    "kind": (N_("pooling"), N_("Maximum or average of each window")),
    "size": (N_("window"), N_("Pooling window height and width")),
    "p": (N_("drop rate"), N_("Fraction of values zeroed while training")),
    "units": (N_("units"), N_("Number of outputs")),
}
# the slider stops of each whole-number setting; a value imported from elsewhere joins its slider
STOPS = {
    "filters": (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512),
    "kernel_size": tuple(range(1, 12)),
    "stride": tuple(range(1, 6)),
    "padding": tuple(range(0, 6)),
    "size": tuple(range(1, 7)),
    "units": (1, 2, 3, 4, 5, 6, 8, 10, 16, 32, 64, 84, 100, 120, 128, 200, 256, 512, 1024, 2048),
}
BATCH_STOPS = (16, 32, 64, 128, 256, 512)
WINDOW = "window"  # a pooling stride that follows the window (None in the spec)
FIELD_COLS = 5


# ---------------------------------------------------------------- state


def _layer_dict(layer) -> dict:
    return {"type": layer.type, **asdict(layer)}


def _with_uids(layer_dicts: list[dict]) -> list[dict]:
    out = []
    for d in layer_dicts:
        st.session_state[NEXT_UID] = st.session_state.get(NEXT_UID, 0) + 1
        out.append({**d, "uid": st.session_state[NEXT_UID]})
    return out


def _replace_design(spec: arch.ArchSpec) -> None:
    for layer in st.session_state.get(LAYERS, []):
        _forget_widgets(layer["uid"])
    st.session_state[LAYERS] = _with_uids([_layer_dict(layer) for layer in spec.layers])
    st.session_state[INPUT] = list(spec.input_shape)
    st.session_state[NAME] = spec.name
    st.session_state.pop("arch_name", None)


def _forget_widgets(uid: int) -> None:
    """Drop a layer's widget state, so its widgets show the layer dict's values again."""
    for field in (*FIELDS, "up", "down", "dup", "del"):
        st.session_state.pop(f"arch_{uid}_{field}", None)


def _sync() -> None:
    """Copy what the user typed into the layer dicts (the dicts are the design; widget state is transient)."""
    for layer in st.session_state[LAYERS]:
        for field in FIELDS:
            key = f"arch_{layer['uid']}_{field}"
            if field in layer and key in st.session_state:
                value = st.session_state[key]
                layer[field] = None if value == WINDOW else value
    if "arch_name" in st.session_state:
        st.session_state[NAME] = st.session_state["arch_name"].strip() or "custom"


def _spec() -> arch.ArchSpec:
    layers = [{k: v for k, v in d.items() if k != "uid"} for d in st.session_state[LAYERS]]
    return arch.ArchSpec.from_dict(
        {"name": st.session_state[NAME], "input_shape": st.session_state[INPUT], "layers": layers}
    )


def _shape(shape) -> str:
    return "\u00d7".join(str(s) for s in shape)


# ---------------------------------------------------------------- callbacks (run before the page shows the result)


def _load(choice: str, info: data.DatasetInfo) -> None:
    if choice == EMPTY:
        _replace_design(arch.ArchSpec(info.input_shape, (), "custom"))
    else:
        _replace_design(presets.preset_spec(choice, info.input_shape, len(info.classes)))


def _move(uid: int, delta: int) -> None:
    _sync()
    layers = st.session_state[LAYERS]
    i = next(i for i, d in enumerate(layers) if d["uid"] == uid)
    j = i + delta
    if 0 <= j < len(layers):
        layers[i], layers[j] = layers[j], layers[i]


def _delete(uid: int) -> None:
    _sync()
    st.session_state[LAYERS] = [d for d in st.session_state[LAYERS] if d["uid"] != uid]
    _forget_widgets(uid)


def _duplicate(uid: int) -> None:
    _sync()
    layers = st.session_state[LAYERS]
    if len(layers) >= arch.MAX_LAYERS:
        return
    i = next(i for i, d in enumerate(layers) if d["uid"] == uid)
    copy = {k: v for k, v in layers[i].items() if k != "uid"}
    layers.insert(i + 1, _with_uids([copy])[0])


def _add() -> None:
    _sync()
    layers = st.session_state[LAYERS]
    if len(layers) >= arch.MAX_LAYERS:
        return
    new = _with_uids([_layer_dict(NEW_LAYER[st.session_state["arch_add_type"]])])[0]
    where = st.session_state.get("arch_add_pos", "end")
    if where == "end":
        layers.append(new)
    elif where == "start":
        layers.insert(0, new)
    else:
        i = next((i for i, d in enumerate(layers) if d["uid"] == where), len(layers) - 1)
        layers.insert(i + 1, new)


def _adapt(info: data.DatasetInfo) -> None:
    """Make the design fit the dataset (`arch.adapt`), keeping each layer's widgets unless its values changed."""
    _sync()
    spec = arch.adapt(_spec(), info.input_shape, len(info.classes))
    st.session_state[INPUT] = list(spec.input_shape)
    for d, layer in zip(st.session_state[LAYERS], spec.layers):
        if {k: v for k, v in d.items() if k != "uid"} != _layer_dict(layer):
            d.update(_layer_dict(layer))
            _forget_widgets(d["uid"])


def _import(text: str, source: str) -> None:
    try:
        spec = arch.ArchSpec.from_json(text)
        arch.check_editable(spec)
    except arch.SpecError as e:
        st.session_state[MESSAGE] = ("error", t("Cannot import {source}: {reason}", source=source, reason=ui.reason(e)))
        return
    _replace_design(spec)
    for layer in st.session_state[LAYERS]:
        if layer["type"] == "dropout":
            layer["p"] = float(layer["p"])  # the editor's number box holds floats
    st.session_state[MESSAGE] = (
        "success",
        t("Imported {name}: {n} layers.", name=ui.plain(spec.name), n=len(spec.layers)),
    )


def _import_file() -> None:
    upload = st.session_state.get("arch_import_file")
    if upload is not None:
        _import(upload.getvalue().decode("utf-8", errors="replace"), upload.name)


def _import_text() -> None:
    text = st.session_state.get("arch_import_text", "")
    if not text.strip():
        st.session_state[MESSAGE] = ("error", t("Paste a JSON architecture into the box first."))
        return
    _import(text, t("the pasted text"))


# ---------------------------------------------------------------- widgets


def _field_widget(layer: dict, field: str) -> None:
    """A slider for every number (stops where the range is wide), a menu for a choice of words."""
    (label, help_text), kind = FIELDS[field], arch.EDITABLE[field][0]
    key, value = f"arch_{layer['uid']}_{field}", layer[field]
    if isinstance(kind, tuple):
        st.selectbox(
            t(label), kind, index=kind.index(value), key=key, help=t(help_text), format_func=lambda v: t(arch.WORDS[v])
        )
    elif kind is float:
        st.slider(
            t(label), 0.0, max(0.9, float(value)), float(value), step=0.05, format="%.2f", key=key, help=t(help_text)
        )
    elif field == "stride" and layer["type"] == "pool":
        st.select_slider(
            t(label),
            [WINDOW, *sorted({*STOPS["stride"], *([value] if value else [])})],
            WINDOW if value is None else value,
            key=key,
            format_func=lambda v: t("= window") if v == WINDOW else str(v),
            help=t('Step between windows; "= window" means the same as the window'),
        )
    else:
        st.select_slider(t(label), sorted({*STOPS[field], value}), value, key=key, help=t(help_text))


def _layer_row(i: int, n: int, layer: dict, name: str, row: arch.LayerInfo | None, error: str | None) -> None:
    """One layer: name and output shape, its settings, and move / remove buttons."""
    uid = layer["uid"]
    with st.container(border=True):
        cols = st.columns([2] + [1.2] * FIELD_COLS + [2.4], vertical_alignment="bottom")
        title = f"**{name}** · {t(TYPE_TITLES[layer['type']])}"
        cols[0].markdown(f":red[{title}]" if error else title)
        if error:
            cols[0].caption(f":red[{t('breaks here')}]")
        elif row is not None:
            cols[0].caption(f"\u2192 {_shape(row.output_shape)} · {t('{n} params', n=f'{row.params:,}')}")
        else:
            cols[0].caption("\u2192 ?")
        fields = [f for f in layer if f in FIELDS]  # in the layer's own order (kind, size, stride for pooling)
        for col, field in zip(cols[1 : 1 + FIELD_COLS], fields):
            with col:
                _field_widget(layer, field)
        if not fields and row is not None:
            cols[1].caption(ui.reason(row.description))
        with cols[-1], st.container(horizontal=True, gap="small", horizontal_alignment="right"):
            st.button("↑", key=f"arch_{uid}_up", on_click=_move, args=(uid, -1), disabled=i == 0, help=t("Move up"))
            st.button(
                "↓", key=f"arch_{uid}_down", on_click=_move, args=(uid, 1), disabled=i == n - 1, help=t("Move down")
            )
            st.button(
                "⧉",
                key=f"arch_{uid}_dup",
                on_click=_duplicate,
                args=(uid,),
                help=t("Duplicate this layer"),
                disabled=n >= arch.MAX_LAYERS,
            )
            st.button("✕", key=f"arch_{uid}_del", on_click=_delete, args=(uid,), help=t("Remove this layer"))
        if error:
            st.markdown(f":red[{error}]")


def _add_row(names: list[str]) -> None:
    layers = st.session_state[LAYERS]
    full = len(layers) >= arch.MAX_LAYERS
    positions = ["end", "start"] + [d["uid"] for d in layers[:-1]]
    labels = {
        "end": t("at the end"),
        "start": t("at the start"),
        **{d["uid"]: t("after {name}", name=nm) for d, nm in zip(layers, names)},
    }
    cols = st.columns([2, 2, 1.2, 2.8], vertical_alignment="bottom")
    cols[0].selectbox(
        t("New layer"), list(arch.LAYER_TYPES), key="arch_add_type", format_func=lambda k: t(TYPE_TITLES[k])
    )
    cols[1].selectbox(t("Insert"), positions, key="arch_add_pos", format_func=labels.get)
    cols[2].button(t("Add layer"), key="arch_add", on_click=_add, icon=":material/add:", disabled=full)
    if full:
        cols[3].caption(t("At most {max} layers.", max=arch.MAX_LAYERS))


def _cost(spec: arch.ArchSpec, info: data.DatasetInfo) -> str | None:
    """What training this design costs here; returns why it cannot be trained here, or None."""
    batch = st.select_slider(
        t("Batch size"),
        sorted({*BATCH_STOPS, st.session_state.get("arch_batch", 64)}),
        64,
        key="arch_batch",
        help=t("Images per training step: memory grows with it"),
    )
    c = cost.estimate_for(spec, batch, info, ui.calibration())
    cols = st.columns(2)
    cols[0].metric(
        t("Multiply-adds per image"),
        f"{c.macs_per_image:,}",
        help=t(
            "Multiplications (each with an addition) of the convolution and dense layers for one image, forward only"
        ),
    )
    cols[1].metric(
        t("Training memory"),
        t("{mb} MB", mb=f"{c.peak_memory_mb:,.1f}"),
        help=t(
            "Estimated for batch size {batch}: weights, their gradients and Adam's state, plus every "
            "layer's output kept for the backward pass (the dataset itself is extra)",
            batch=batch,
        ),
    )
    if c.seconds_per_epoch is not None:
        st.metric(
            t("Estimated time per epoch"),
            ui.duration(c.seconds_per_epoch),
            help=t(
                "On this computer with {threads} training thread(s), for {n} training images of {dataset}, "
                "from a short measurement of this machine's layers",
                threads=jobs.train_threads(),
                n=f"{c.train_images:,}",
                dataset=ui.dataset_title(info.name, info.title),
            ),
        )
    try:
        cost.check_limits(spec, batch)
    except cost.TooLarge as e:
        if e.what == "params":
            return t(
                "Too large to train here: {value} parameters, more than the {limit} this explorer trains (set "
                "CNNVIZ_MAX_PARAMS to raise it).",
                value=f"{e.value:,}",
                limit=f"{e.limit:,}",
            )
        return t(
            "Too large to train here: about {value} MB at batch size {batch}, more than the {limit} MB allowed "
            "(use a smaller batch or network, or set CNNVIZ_MAX_MEMORY_MB to raise it).",
            value=f"{e.value:,.0f}",
            batch=batch,
            limit=f"{e.limit:,}",
        )
    return None


# ---------------------------------------------------------------- page

info = data.get_info(dataset_name())
if LAYERS not in st.session_state:
    _replace_design(presets.preset_spec("lenet5", info.input_shape, len(info.classes)))
_sync()
if (from_lesson := st.session_state.pop("arch_from_lesson", None)) in presets.PRESETS:
    _load(from_lesson, info)
    st.session_state["arch_start"] = from_lesson
    st.session_state[MESSAGE] = (
        "success",
        t(
            "{name} from the lesson is loaded: change it, train it, then compare "
            "your run with the lesson's on the Experiment screen.",
            name=t(presets.PRESETS[from_lesson].title),
        ),
    )

st.title(t("Architecture"))
st.caption(
    t(
        "Stack layers and watch every shape and parameter count follow the output-size formula "
        "O = ⌊(I − F + 2P) / S⌋ + 1. Then train your design, or save it as JSON."
    )
)

top = st.columns([2.2, 1, 2.2, 3], vertical_alignment="bottom")
options = [EMPTY, *presets.list_presets()]
top[0].selectbox(
    t("Start from"),
    options,
    index=1,
    key="arch_start",
    format_func=lambda k: t("Empty (no layers)") if k == EMPTY else t(presets.PRESETS[k].title),
)
top[1].button(
    t("Load"),
    key="arch_load",
    on_click=lambda: _load(st.session_state["arch_start"], info),
    help=t("Replaces the current design, adapted to {dataset}", dataset=ui.dataset_title(info.name, info.title)),
)
top[2].text_input(t("Name"), value=st.session_state[NAME], key="arch_name", max_chars=80)
input_shape = tuple(st.session_state[INPUT])
top[3].markdown(
    t(
        "Input **{shape}** · {dataset}: {n} classes",
        shape=_shape(input_shape),
        dataset=ui.dataset_title(info.name, info.title),
        n=len(info.classes),
    )
)
if input_shape != tuple(info.input_shape):
    cols = st.columns([4, 1.5], vertical_alignment="center")
    cols[0].warning(
        t(
            "This design takes {mine} inputs, but {dataset} gives {theirs}.",
            mine=_shape(input_shape),
            dataset=ui.dataset_title(info.name, info.title),
            theirs=_shape(info.input_shape),
        ),
        icon=":material/warning:",
    )
    cols[1].button(
        t("Adapt to {dataset}", dataset=info.name),
        key="arch_adapt",
        on_click=_adapt,
        args=(info,),
        help=t("Use the dataset's input shape; a final dense layer gets one unit per class"),
    )

if MESSAGE in st.session_state:
    kind, text = st.session_state.pop(MESSAGE)
    (st.error if kind == "error" else st.success)(text)

spec = _spec()
rows, failure, broken = arch.first_broken_layer(spec)
error = ui.reason(failure) if failure else None
names = arch.layer_names(spec)

ui.chart(
    st,
    figures.architecture_volumes([("input", input_shape)] + [(r.name, r.output_shape) for r in rows]),
    width="stretch",
    config={"displayModeBar": False},
    help=t(
        "The network from left to right, the input first: each box is the output of one layer. Blue boxes "
        "are stacks of feature maps (taller for larger maps, wider for more channels) and green bars are "
        "flat lists of numbers, after flatten and in dense layers; under each box are the layer's name "
        "and output shape, and hovering shows how many values it holds."
    ),
)
if error:
    st.error(t("This network cannot be built: {reason}", reason=error), icon=":material/error:")

summary, actions = st.columns([3, 2], gap="large")
with summary:
    table = [{t("layer"): "input", t("output shape"): _shape(input_shape), t("params"): 0, t("details"): ""}]
    table += [
        {
            t("layer"): r.name,
            t("output shape"): _shape(r.output_shape),
            t("params"): r.params,
            t("details"): ui.reason(r.description),
        }
        for r in rows
    ]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={t("params"): st.column_config.NumberColumn(format="localized")},
    )
with actions:
    total = sum(r.params for r in rows)
    st.metric(
        t("Total parameters"), f"{total:,}" if not error else "—", help=t("Weights and biases that training adjusts")
    )
    out = rows[-1].output_shape if rows and not error else input_shape
    problem = error and t("Fix the layer named in the error first.")
    if not error:
        problem = _cost(spec, info)
    if not error and len(out) != 1:
        problem = t(
            "The network must end with a flat vector of class scores: add a flatten layer and a dense layer "
            "of {n} units.",
            n=len(info.classes),
        )
    elif not error and out[0] != len(info.classes):
        st.warning(
            t(
                "The network ends with {units} outputs but {dataset} has {n} classes: make the last dense layer "
                "{n} units.",
                units=out[0],
                dataset=ui.dataset_title(info.name, info.title),
                n=len(info.classes),
            )
        )
    if problem:
        st.caption(problem)
    if st.button(
        t("Train this"),
        key="arch_train",
        type="primary",
        icon=":material/play_arrow:",
        disabled=bool(problem),
        width="stretch",
    ):
        st.session_state["builder_spec"] = spec.to_dict()
        st.session_state["train_use_builder"] = True
        st.session_state["train_batch"] = st.session_state["arch_batch"]
        st.switch_page("pages/train.py")
    st.download_button(
        t("Export JSON"),
        spec.to_json(),
        file_name=f"{spec.name}.json",
        mime="application/json",
        key="arch_export",
        icon=":material/download:",
        width="stretch",
        on_click="ignore",
    )
    with st.expander(t("Import JSON"), icon=":material/upload:"):
        st.file_uploader(t("Architecture file (.json)"), type=["json"], key="arch_import_file", on_change=_import_file)
        st.text_area(
            t("…or paste JSON"),
            key="arch_import_text",
            height=120,
            placeholder='{"input_shape": [1, 28, 28], "layers": [{"type": "flatten"}, ...]}',
        )
        st.button(t("Import pasted JSON"), key="arch_import_btn", on_click=_import_text)

st.subheader(t("Layers"))
layers = st.session_state[LAYERS]
if not layers:
    st.info(
        t(
            "No layers yet. Add a convolution below, or start from a preset above. A classifier for {dataset} "
            "ends with a flatten layer and a dense layer of {n} units with activation none.",
            dataset=ui.dataset_title(info.name, info.title),
            n=len(info.classes),
        )
    )
for i, (layer, name) in enumerate(zip(layers, names)):
    _layer_row(i, len(layers), layer, name, rows[i] if i < len(rows) else None, error if broken == i else None)
_add_row(names)
