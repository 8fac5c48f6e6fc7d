"""Invariance lab, the partner: the other kind of network (an MLP for a CNN, a CNN for an MLP) trained on the same
dataset with the same settings, found among the runs, or trained here in the background."""

from __future__ import annotations

import streamlit as st

from ... import invariance, presets, runs, ui
from ...loaded import LoadedRun
from ...train_config import TrainConfig
from ..text import t


def _train_button(loaded: LoadedRun, config: TrainConfig, label: str, primary: bool) -> None:
    if st.button(label, key="inv_train", icon=":material/play_arrow:", type="primary" if primary else "secondary"):
        if ui.start_training(config, loaded.split):
            st.rerun()


def _why_train(ready: runs.RunInfo | None, want: TrainConfig, partner_title: str) -> None:
    """Why the partner should be trained: there is none yet, or the one found used other settings."""
    epochs = t("{n} epoch(s)", n=want.epochs)
    if ready is None:
        st.markdown(
            t(
                "The comparison needs {name} trained on the same dataset with the same settings ({epochs}, "
                "batch size {batch}). It trains in the background, a few seconds on the MNIST sample.",
                name=partner_title,
                epochs=epochs,
                batch=want.batch_size,
            )
        )
    else:
        st.caption(
            t(
                "Compared with run {run}, trained with other settings than yours. For a fair comparison, train "
                "{name} with your run's settings ({epochs}, batch size {batch}).",
                run=ready.run_id,
                name=partner_title,
                epochs=epochs,
                batch=want.batch_size,
            )
        )


def partner_run(loaded: LoadedRun) -> runs.RunInfo:
    """The run to compare `loaded` with, after offering to train one with the same settings when it has none or one
    trained otherwise; the page stops while there is none that finished with weights."""
    want = invariance.partner_config(loaded.record)
    if not invariance.is_convolutional(loaded.spec):
        st.info(
            t(
                "Your run is an MLP: it has no convolution layer. It is compared here with a CNN, {name}, trained on "
                "the same dataset with the same settings.",
                name=t(presets.get_preset(want.preset).title),
            )
        )
    partners = invariance.find_partners(loaded.record, runs.list_runs())
    ready, live = invariance.ready_partner(partners), invariance.live_partner(partners)
    same = ready is not None and invariance.same_settings(ready.record, want)
    partner_title = t(presets.get_preset(want.preset).title)
    if ready is None or not same:
        _why_train(ready, want, partner_title)
        if live is not None:
            ui.live_progress(live.run_id)
        else:
            label = t("Train {name} with the same settings", name=partner_title)
            _train_button(loaded, want, label, primary=ready is None)
            if ready is None and partners and partners[0].status not in runs.LIVE:
                st.warning(
                    t(
                        "The last {name} run ended as '{status}' without weights.",
                        name=partner_title,
                        status=ui.status_label(partners[0].status),
                    )
                )
        if ready is None:
            st.stop()
    return ready
