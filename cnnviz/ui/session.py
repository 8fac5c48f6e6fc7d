"""What one browser session shares across screens: app.py's navigation, the sidebar, the language, the dataset
and the run being inspected (all mirrored in the URL, so a copied link opens the same view)."""

from __future__ import annotations

import secrets
from pathlib import Path

import streamlit as st

from .. import data, i18n, runs
from .text import dataset_label, plain, run_label, t

URL_KEYS = ("dataset", "run", "lang")  # sidebar state mirrored in the URL so a copied link reopens the view


def ensure_navigation(in_app: bool = False) -> None:
    """Make sure every screen runs inside app.py's navigation (sidebar, sections, layout).

    Streamlit still treats a `pages/` folder as an old-style multipage app until some run has called
    st.navigation: the first run of a fresh server, a link straight to a page, and every AppTest run
    go through an automatic page list and may run a page file alone. Called first in app.py
    (in_app=True: rerun, so the automatic list never shows) and on every page (run app.py in the page's
    place, within the same run, so a button click that started the run is not lost).
    """
    from streamlit.runtime.pages_manager import PagesManager

    if not PagesManager.uses_pages_directory:
        return
    PagesManager.uses_pages_directory = False
    if in_app or not st.session_state.get("_initialised"):
        st.rerun()  # nothing was clicked yet in a session's first run: start over with app.py's navigation
    app = Path(__file__).resolve().parents[2] / "app.py"
    exec(compile(app.read_text(encoding="utf-8"), str(app), "exec"), {"__name__": "__main__", "__file__": str(app)})
    st.stop()


def init_state() -> None:
    """First run of a session: take dataset, run and language from the URL, else sensible defaults."""
    if st.session_state.get("_initialised"):
        return
    params = st.query_params
    st.session_state["lang"] = (
        params.get("lang")
        if params.get("lang") in i18n.LANGUAGES
        else i18n.language_from_locale(getattr(st.context, "locale", None))
    )
    wanted = params.get("dataset")
    st.session_state["dataset"] = wanted if wanted in data.list_datasets() else "mnist-sample"
    if params.get("run"):
        st.session_state["run_id"] = st.session_state["_linked_run"] = params.get("run")
    st.session_state["_initialised"] = True


def usable_runs(listing: list[runs.RunInfo] | None = None) -> list[runs.RunInfo]:
    """Runs with weights to inspect (finished or stopped), newest first."""
    return [r for r in (runs.list_runs() if listing is None else listing) if r.has_weights]


def sidebar() -> None:
    """Language, dataset and the run being inspected: shared by all pages, remembered across them."""
    init_state()
    listing = runs.list_runs()
    with st.sidebar:
        st.selectbox(t("Language"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get, key="lang")
        datasets = data.list_datasets()
        if st.session_state.get("dataset") not in datasets:
            st.session_state["dataset"] = "mnist-sample"  # a made dataset deleted meanwhile
        st.selectbox(
            t("Dataset"),
            datasets,
            key="dataset",
            format_func=dataset_label,
            help=t(
                "Used for training and for picking test images. Make a dataset of your own pictures "
                "on the Make a dataset page."
            ),
        )
        choices = usable_runs(listing)
        ids = [r.run_id for r in choices]
        linked = st.session_state.pop("_linked_run", None)
        if st.session_state.get("run_id") not in ids:
            if linked is not None and st.session_state.get("run_id") == linked:
                st.session_state["_missing_run"] = linked  # say so, rather than silently show another run
            st.session_state["run_id"] = ids[0] if ids else None
        labels = {r.run_id: run_label(r) for r in choices}
        st.selectbox(
            t("Run to inspect"),
            ids,
            key="run_id",
            format_func=labels.get,
            placeholder=t("no trained run yet"),
            help=t("Kernels, feature maps and evaluation show this run."),
            on_change=lambda: st.session_state.pop("_missing_run", None),
        )
        if st.session_state.get("_missing_run"):
            st.warning(
                t(
                    "The link names run {run}, which is not in this run store or has no weights to inspect. "
                    "Showing {shown} instead.",
                    run=plain(str(st.session_state["_missing_run"])[:100]),
                    shown=plain(st.session_state["run_id"]) if st.session_state["run_id"] else t("nothing"),
                ),
                icon=":material/link_off:",
            )
        training = sum(r.status in runs.ACTIVE for r in listing)
        if training:
            st.caption(t("{n} run(s) training in the background", n=training))
        st.segmented_control(
            t("Download charts as"),
            ["png", "svg"],
            key="chart_format",
            default="png",
            format_func=str.upper,
            help=t(
                "Every chart has a camera button in its top-right corner (shown when the mouse is "
                "over it) that saves it as a picture: PNG for slides and documents, SVG to scale "
                "or edit."
            ),
        )
    for key, value in (
        ("dataset", st.session_state.get("dataset")),
        ("run", st.session_state.get("run_id")),
        ("lang", st.session_state.get("lang")),
    ):
        if value and st.query_params.get(key) != value:
            st.query_params[key] = value


def dataset_name() -> str:
    """The dataset picked in the sidebar."""
    return st.session_state.get("dataset") or "mnist-sample"


def selected_run() -> runs.RunInfo | None:
    """The run picked in the sidebar, when it still has weights to inspect."""
    run_id = st.session_state.get("run_id")
    if not run_id:
        return None
    try:
        info = runs.read_run(run_id)
    except runs.RunError:
        return None
    return info if info.has_weights else None


def session_owner() -> str:
    """A token for this browser session: the queue limits how many trainings one session may have."""
    return st.session_state.setdefault("_owner", "session-" + secrets.token_hex(4))
