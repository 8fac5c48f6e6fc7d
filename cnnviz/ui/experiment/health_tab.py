"""Experiment, Health: dead filters and units, sparsity and gradient norms, in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ... import ui
from ..cache import figures
from ..text import t


def health_tab() -> None:
    loaded = ui.require_loaded()
    st.caption(ui.run_caption(loaded))
    st.markdown(
        t(
            "A filter or unit after a ReLU that never outputs anything above zero is dead: it passes nothing "
            "on and, because its gradient is zero too, it can never learn again."
        )
    )
    with st.spinner(t("Running the test set through the network…")):
        report = ui.health_report(loaded)
    if not report.layers:
        st.info(t("This network has no ReLU layers, so there is nothing to call dead."))
    else:
        dead, total = sum(len(h.dead) for h in report.layers), sum(h.units for h in report.layers)
        (st.warning if dead else st.success)(t("{dead} of {total} ReLU units are dead.", dead=dead, total=total))
        st.markdown("\n".join(f"- {s}" for s in report.sentences(t("the {n:,} test images", n=report.n_images), tr=t)))
        st.dataframe(
            pd.DataFrame(
                {
                    t("layer"): [h.layer for h in report.layers],
                    t("units"): [h.units for h in report.layers],
                    t("dead"): [len(h.dead) for h in report.layers],
                    t("outputs that are zero"): [h.sparsity for h in report.layers],
                }
            ),
            hide_index=True,
            key="exp_hl_table",
            column_config={
                t("outputs that are zero"): (
                    st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)
                )
            },
        )
        names = [h.layer for h in report.layers]
        ui.keep_valid("exp_hl_layer", names, names[0])
        layer = st.columns(3)[0].selectbox(t("How often each unit fires"), names, key="exp_hl_layer")
        h = report.layers[names.index(layer)]
        if np.ptp(h.activity) == 0:
            st.markdown(
                t(
                    "Every unit of {layer} is above zero on {share:.0%} of the test images.",
                    layer=layer,
                    share=float(h.activity[0]),
                )
            )
        else:
            ui.chart(
                st,
                figures.heatmap(
                    h.activity[None, :],
                    [str(i) for i in range(h.units)],
                    [layer],
                    colorscale="Viridis",
                    text_fmt=".0%" if h.units <= 32 else None,
                    title=t("Share of test images on which each unit of {layer} is above zero somewhere", layer=layer),
                ),
                key="exp_hl_activity",
                help=t(
                    "One cell per unit of this layer: the share of test images on which the unit is above "
                    "zero somewhere (printed in the cell when there is room, else shown on hover). Colours "
                    "run from dark purple (lowest share) to yellow (highest); a unit at 0% never fires and "
                    "is dead."
                ),
            )
    _gradient_norms(loaded)


def _gradient_norms(loaded) -> None:
    st.subheader(t("Gradient norms during training"))
    grads = ui.gradient_history(loaded)
    if not grads.norms:
        st.info(
            t("This run did not log gradient norms (it was trained by an older version); train it again to see them.")
        )
        return
    ui.chart(
        st,
        figures.compare_curves(grads.curves(), "grad_norm", title=t("Size of each layer's weight gradient (L2 norm)")),
        key="exp_hl_grads",
        help=t(
            "One line per layer: the size (L2 norm) of that layer's weight gradient at each logged training "
            "step, against the epoch. Lines far below the others belong to layers that barely learn; sudden "
            "spikes mean unstable training."
        ),
    )
    st.markdown("\n".join(f"- {s}" for s in grads.sentences(tr=t)))
    st.caption(
        t(
            "Gradients far smaller in the first layers than in the last would mean those layers barely learn "
            "(vanishing gradients); sudden spikes mean unstable training."
        )
    )
