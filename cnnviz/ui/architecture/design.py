"""Architecture, the design being built: kept in session_state as a list of layer dicts in the spec's JSON form,
each with a `uid` that keys its widgets, so it survives page switches; and the callbacks that change it (they run
before the page shows the result)."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from ... import arch, builder, data, presets
from ..text import plain, reason, t
from ...i18n import N_

LAYERS, INPUT, NAME, NEXT_UID, MESSAGE = (
    "arch_layers",
    "arch_input_shape",
    "arch_spec_name",
    "arch_next_uid",
    "arch_message",
)
EMPTY = "__empty__"
NEW_LAYER = {
    "conv": arch.Conv(16),
    "pool": arch.Pool(),
    "dropout": arch.Dropout(0.25),
    "batchnorm": arch.BatchNorm(),
    "flatten": arch.Flatten(),
    "dense": arch.Dense(64),
}
# field -> (label, help); what each field may hold is `builder.EDITABLE`
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
WINDOW = "window"  # a pooling stride that follows the window (None in the spec)


# ---------------------------------------------------------------- state


def start(info: data.DatasetInfo) -> None:
    """The design at the top of each run of the page: LeNet-5 on a first visit, what the user typed, or the network
    the lesson sent here."""
    if LAYERS not in st.session_state:
        replace_design(presets.preset_spec("lenet5", info.input_shape, len(info.classes)))
    sync()
    if (from_lesson := st.session_state.pop("arch_from_lesson", None)) in presets.PRESETS:
        load(from_lesson, info)
        st.session_state["arch_start"] = from_lesson
        st.session_state[MESSAGE] = (
            "success",
            t(
                "{name} from the lesson is loaded: change it, train it, then compare "
                "your run with the lesson's on the Experiment screen.",
                name=t(presets.PRESETS[from_lesson].title),
            ),
        )


def _layer_dict(layer) -> dict:
    return {"type": layer.type, **asdict(layer)}


def _with_uids(layer_dicts: list[dict]) -> list[dict]:
    out = []
    for d in layer_dicts:
        st.session_state[NEXT_UID] = st.session_state.get(NEXT_UID, 0) + 1
        out.append({**d, "uid": st.session_state[NEXT_UID]})
    return out


def replace_design(spec: arch.ArchSpec) -> None:
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


def sync() -> None:
    """Copy what the user typed into the layer dicts (the dicts are the design; widget state is transient)."""
    for layer in st.session_state[LAYERS]:
        for field in FIELDS:
            key = f"arch_{layer['uid']}_{field}"
            if field in layer and key in st.session_state:
                value = st.session_state[key]
                layer[field] = None if value == WINDOW else value
    if "arch_name" in st.session_state:
        st.session_state[NAME] = st.session_state["arch_name"].strip() or "custom"


def spec() -> arch.ArchSpec:
    layers = [{k: v for k, v in d.items() if k != "uid"} for d in st.session_state[LAYERS]]
    return arch.ArchSpec.from_dict(
        {"name": st.session_state[NAME], "input_shape": st.session_state[INPUT], "layers": layers}
    )


def shape_text(shape) -> str:
    return "\u00d7".join(str(s) for s in shape)


# ---------------------------------------------------------------- callbacks (run before the page shows the result)


def load(choice: str, info: data.DatasetInfo) -> None:
    if choice == EMPTY:
        replace_design(arch.ArchSpec(info.input_shape, (), "custom"))
    else:
        replace_design(presets.preset_spec(choice, info.input_shape, len(info.classes)))


def move(uid: int, delta: int) -> None:
    sync()
    layers = st.session_state[LAYERS]
    i = next(i for i, d in enumerate(layers) if d["uid"] == uid)
    j = i + delta
    if 0 <= j < len(layers):
        layers[i], layers[j] = layers[j], layers[i]


def delete(uid: int) -> None:
    sync()
    st.session_state[LAYERS] = [d for d in st.session_state[LAYERS] if d["uid"] != uid]
    _forget_widgets(uid)


def duplicate(uid: int) -> None:
    sync()
    layers = st.session_state[LAYERS]
    if len(layers) >= arch.MAX_LAYERS:
        return
    i = next(i for i, d in enumerate(layers) if d["uid"] == uid)
    copy = {k: v for k, v in layers[i].items() if k != "uid"}
    layers.insert(i + 1, _with_uids([copy])[0])


def add() -> None:
    sync()
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


def adapt(info: data.DatasetInfo) -> None:
    """Make the design fit the dataset (`builder.adapt`), keeping each layer's widgets unless its values changed."""
    sync()
    adapted = builder.adapt(spec(), info.input_shape, len(info.classes))
    st.session_state[INPUT] = list(adapted.input_shape)
    for d, layer in zip(st.session_state[LAYERS], adapted.layers):
        if {k: v for k, v in d.items() if k != "uid"} != _layer_dict(layer):
            d.update(_layer_dict(layer))
            _forget_widgets(d["uid"])


def _import(text: str, source: str) -> None:
    try:
        imported = arch.ArchSpec.from_json(text)
        builder.check_editable(imported)
    except arch.SpecError as e:
        st.session_state[MESSAGE] = ("error", t("Cannot import {source}: {reason}", source=source, reason=reason(e)))
        return
    replace_design(imported)
    for layer in st.session_state[LAYERS]:
        if layer["type"] == "dropout":
            layer["p"] = float(layer["p"])  # the editor's number box holds floats
    st.session_state[MESSAGE] = (
        "success",
        t("Imported {name}: {n} layers.", name=plain(imported.name), n=len(imported.layers)),
    )


def import_file() -> None:
    upload = st.session_state.get("arch_import_file")
    if upload is not None:
        _import(upload.getvalue().decode("utf-8", errors="replace"), upload.name)


def import_text() -> None:
    text = st.session_state.get("arch_import_text", "")
    if not text.strip():
        st.session_state[MESSAGE] = ("error", t("Paste a JSON architecture into the box first."))
        return
    _import(text, t("the pasted text"))
