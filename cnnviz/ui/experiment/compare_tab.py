"""Experiment, Compare: runs side by side, their curves, class by class and over training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ... import compare, ui
from ..cache import figures
from ...i18n import N_
from ..text import t
from . import charts


FIRST_LAYER = {"learned": N_("learned"), "handcrafted": N_("handcrafted")}


def compare_tab() -> None:
    st.markdown(
        t(
            "Put runs side by side: their training curves, accuracy, size and speed, which classes each gets "
            "right, and where their mistakes differ."
        )
    )
    usable = {r.run_id: r for r in ui.usable_runs()}
    if not usable:
        st.info(
            t(
                "There is no finished run to compare yet. Train one (about 5 seconds), then train another with "
                "different settings on the Train page."
            )
        )
        ui.quick_start_button(key="exp_quick_start")
        return
    ids = list(usable)
    if "exp_cmp_runs" in st.session_state:
        st.session_state["exp_cmp_runs"] = [i for i in st.session_state["exp_cmp_runs"] if i in ids]
    else:  # first visit: the run in the sidebar and the newest other one
        first = [st.session_state.get("run_id")] if st.session_state.get("run_id") in ids else []
        st.session_state["exp_cmp_runs"] = first + [i for i in ids if i not in first][: 2 - len(first)]
    chosen = st.multiselect(
        t("Runs to compare"),
        ids,
        key="exp_cmp_runs",
        format_func=lambda i: ui.run_label(usable[i]),
        help=t("Any finished runs, on any dataset. Add or remove runs to change every view below."),
    )
    if not chosen:
        st.info(t("Pick at least one run above."))
        return
    if len(chosen) == 1:
        st.info(
            t(
                "Only one run is picked: add another to compare. To make one, train a different preset or "
                "settings on the Train page, or use the tab 'Learned vs handcrafted'."
            )
        )
    records = [usable[i].record for i in chosen]
    summaries = [ui.run_summary(r) for r in records]
    columns = {
        N_("run"): "label",
        N_("dataset"): "dataset",
        N_("test accuracy"): "test_accuracy",
        N_("parameters"): "params",
        N_("training time (s)"): "train_seconds",
        N_("images/s"): "images_per_second",
        N_("epochs"): "epochs",
    }
    table = pd.DataFrame({t(c): [getattr(s, f) for s in summaries] for c, f in columns.items()})
    table.insert(2, t("first layer"), [t(FIRST_LAYER[s.first_layer]) for s in summaries])
    st.dataframe(
        table,
        hide_index=True,
        key="exp_cmp_table",
        column_config={
            t("test accuracy"): st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
            t("parameters"): st.column_config.NumberColumn(format="localized"),
            t("training time (s)"): st.column_config.NumberColumn(format="%.1f"),
            t("images/s"): st.column_config.NumberColumn(format="%.0f"),
            t("epochs"): st.column_config.NumberColumn(format="%.2g"),
        },
    )
    charts.curves(records, "exp_cmp")
    _class_by_class([usable[i] for i in chosen], summaries)
    _class_timeline([usable[i] for i in chosen], summaries)


def _class_by_class(infos: list, summaries: list) -> None:
    st.subheader(t("Class by class"))
    classes, members = compare.shared_classes(summaries)
    if len(members) < len(summaries):
        st.warning(
            t(
                "These runs were trained on different datasets; class-by-class views show the {n} runs "
                "that share the classes {classes}.",
                n=len(members),
                classes=ui.plain(", ".join(classes[:5])) + "…",
            )
        )
    evals = [ui.evaluation(ui.loaded_run(infos[n])) for n in members]
    names = [summaries[n].label for n in members]
    ui.chart(
        st,
        figures.heatmap(
            np.stack([e.per_class_accuracy for e in evals]),
            list(classes),
            names,
            colorscale="Blues",
            text_fmt=".0%",
            title=t("Test accuracy per class (rows: runs)"),
        ),
        key="exp_cmp_classes",
        help=t(
            "Rows are runs and columns classes; each cell is the share of that class's test images the run got "
            "right, printed in the cell. Darker blue means higher accuracy, so a column that is pale for "
            "every run is a class they all find hard."
        ),
    )
    if len(members) >= 2:
        a, b = st.columns(2)
        ui.keep_valid("exp_cmp_a", names, names[0])
        ui.keep_valid("exp_cmp_b", names, names[1])
        ea = evals[names.index(a.selectbox(t("Run A"), names, key="exp_cmp_a"))]
        eb = evals[names.index(b.selectbox(t("Run B"), names, key="exp_cmp_b"))]
        ui.chart(
            st,
            figures.confusion_diff(
                ea.confusion, eb.confusion, list(classes), title=t("Confusion matrix of A minus that of B")
            ),
            key="exp_cmp_diff",
            help=t(
                "Each cell is run A's count minus run B's for one true class (row) and predicted class "
                "(column). Blue means A has more images there, red that B has, white that they agree; on the "
                "diagonal (right answers) blue favours A, off it blue means A makes that mistake more often."
            ),
        )
        st.caption(
            t(
                "On the diagonal, blue (positive) means A gets more images of that class right than B; off the "
                "diagonal, blue means A makes that mistake more often. A: {a:.2%} accurate, B: {b:.2%}.",
                a=ea.accuracy,
                b=eb.accuracy,
            )
        )


def _class_timeline(infos: list, summaries: list) -> None:
    st.subheader(t("Per-class accuracy over training"))
    chosen = [r.run_id for r in infos]
    ui.keep_valid("exp_cmp_timeline", chosen, chosen[0])
    which = st.selectbox(
        t("Run"), chosen, key="exp_cmp_timeline", format_func=lambda i: summaries[chosen.index(i)].label
    )
    loaded = ui.loaded_run(infos[chosen.index(which)])
    if not loaded.snapshots:
        st.info(t("This run kept no snapshots during training, so there is nothing to replay."))
        return
    if not loaded.full_snapshots:
        st.info(
            t(
                "This run is large (over 500,000 parameters), so its snapshots keep only the convolution kernels, "
                "not whole networks: accuracy over training cannot be recomputed for it."
            )
        )
        return
    with st.spinner(t("Scoring every training snapshot…")):
        tl = ui.class_timeline(loaded)
    ui.chart(
        st,
        figures.heatmap(
            tl.accuracy,
            [str(s) for s in tl.steps],
            list(tl.classes),
            colorscale="Blues",
            title=t("Accuracy of each class (rows) at each snapshot (columns: training step)"),
        ),
        key="exp_cmp_timeline_fig",
        help=t(
            "A timeline: rows are classes and columns the training snapshots in order, labelled with their "
            "training step. Each cell is the accuracy on that class's test images at that moment, darker "
            "blue being higher; a row that darkens late is a class the network learned late."
        ),
    )
    st.caption(
        t(
            "Scored on the first {n:,} test images. Classes that light up late are the ones the network found hardest.",
            n=tl.n_images,
        )
    )
