"""Architecture, the Layers section: one row per layer with its settings and move / remove buttons, and the row
that adds a layer."""

from __future__ import annotations

import streamlit as st

from ... import arch, builder, data
from ...i18n import N_
from ..text import dataset_title, reason, t
from . import design
from .design import FIELDS, LAYERS, WINDOW

TYPE_TITLES = {
    "conv": N_("Convolution"),
    "pool": N_("Pooling"),
    "dropout": N_("Dropout"),
    "batchnorm": N_("Batch norm"),
    "flatten": N_("Flatten"),
    "dense": N_("Dense"),
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
FIELD_COLS = 5


def layers_section(
    info: data.DatasetInfo, names: list[str], rows: list[arch.LayerInfo], error: str | None, broken: int | None
) -> None:
    """Every layer of the design, or how to start one, then the row that adds a layer."""
    st.subheader(t("Layers"))
    layers = st.session_state[LAYERS]
    if not layers:
        st.info(
            t(
                "No layers yet. Add a convolution below, or start from a preset above. A classifier for {dataset} "
                "ends with a flatten layer and a dense layer of {n} units with activation none.",
                dataset=dataset_title(info.name, info.title),
                n=len(info.classes),
            )
        )
    for i, (layer, name) in enumerate(zip(layers, names)):
        _layer_row(i, len(layers), layer, name, rows[i] if i < len(rows) else None, error if broken == i else None)
    _add_row(names)


def _field_widget(layer: dict, field: str) -> None:
    """A slider for every number (stops where the range is wide), a menu for a choice of words."""
    (label, help_text), kind = FIELDS[field], builder.EDITABLE[field][0]
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
    with st.container(border=True):
        cols = st.columns([2] + [1.2] * FIELD_COLS + [2.4], vertical_alignment="bottom")
        title = f"**{name}** · {t(TYPE_TITLES[layer['type']])}"
        cols[0].markdown(f":red[{title}]" if error else title)
        if error:
            cols[0].caption(f":red[{t('breaks here')}]")
        elif row is not None:
            cols[0].caption(f"\u2192 {design.shape_text(row.output_shape)} · {t('{n} params', n=f'{row.params:,}')}")
        else:
            cols[0].caption("\u2192 ?")
        fields = [f for f in layer if f in FIELDS]  # in the layer's own order (kind, size, stride for pooling)
        for col, field in zip(cols[1 : 1 + FIELD_COLS], fields):
            with col:
                _field_widget(layer, field)
        if not fields and row is not None:
            cols[1].caption(reason(row.description))
        with cols[-1], st.container(horizontal=True, gap="small", horizontal_alignment="right"):
            _row_buttons(i, n, layer["uid"])
        if error:
            st.markdown(f":red[{error}]")


def _row_buttons(i: int, n: int, uid: int) -> None:
    st.button("↑", key=f"arch_{uid}_up", on_click=design.move, args=(uid, -1), disabled=i == 0, help=t("Move up"))
    st.button(
        "↓", key=f"arch_{uid}_down", on_click=design.move, args=(uid, 1), disabled=i == n - 1, help=t("Move down")
    )
    st.button(
        "⧉",
        key=f"arch_{uid}_dup",
        on_click=design.duplicate,
        args=(uid,),
        help=t("Duplicate this layer"),
        disabled=n >= arch.MAX_LAYERS,
    )
    st.button("✕", key=f"arch_{uid}_del", on_click=design.delete, args=(uid,), help=t("Remove this layer"))


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
    cols[2].button(t("Add layer"), key="arch_add", on_click=design.add, icon=":material/add:", disabled=full)
    if full:
        cols[3].caption(t("At most {max} layers.", max=arch.MAX_LAYERS))
