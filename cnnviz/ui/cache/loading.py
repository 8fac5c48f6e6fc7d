"""The datasets and runs every screen starts from: a dataset loaded with a progress bar (downloaded only after a
click), a run loaded once per weights and shared read-only, its test-set evaluation, an input prepared like the
dataset's images.
"""

from __future__ import annotations

import threading

import streamlit as st

from ... import attribution, data, evaluate, folders, images, runs
from ...loaded import LoadedRun
from ..text import dataset_title, plain, reason, t


@st.cache_resource(show_spinner=False)
def warm_up() -> None:
    """Once per server, on its first script run: the slow imports a later screen needs (Captum, for explaining a
    decision) start in a background thread while the learner reads the home screen."""
    threading.Thread(target=attribution.import_captum, name="cnnviz-warm-up", daemon=True).start()


def load_dataset(name: str, stop: bool = True) -> data.DataSplit | None:
    """A dataset in memory, with a progress bar the first time.

    A dataset that cannot be loaded shows the reason and what to do, then stops the page
    (or, with stop=False, returns None so the rest of the page still works).
    """
    try:
        folders.check_folder_allowed(name)
        if data.is_loaded(name):
            return data.load(name)
        if not download_confirmed(name):
            if stop:
                st.stop()
            return None
        bar = st.progress(0.0, text=t("Loading {name}…", name=name))
        split = data.load(name, progress=lambda f, msg: bar.progress(min(max(f, 0.0), 1.0), text=msg))
        bar.empty()
        return split
    except data.DatasetError as e:
        st.error(t("This dataset is not available: {reason}", reason=plain(reason(e))))
        if stop:
            st.stop()
        return None


def download_confirmed(name: str) -> bool:
    """A dataset that must be downloaded first is downloaded only after a click here, never because a link or a
    remembered choice named it."""
    key = f"_download_ok_{name}"
    mb = data.needs_download(name)
    if mb is None or st.session_state.get(key):
        return True
    title = dataset_title(name)
    st.info(
        t(
            "{title} is not on this computer yet. Using it first downloads about {mb} MB from the internet into "
            "{folder}.",
            title=title,
            mb=mb,
            folder=plain(str(data.data_dir())),
        ),
        icon=":material/cloud_download:",
    )
    if st.button(t("Download {title}", title=title), key=f"download_{name}", icon=":material/download:"):
        st.session_state[key] = True
        return True
    return False


@st.cache_resource(max_entries=8, show_spinner=False)
def _loaded(run_id: str, sha: str, dataset: str, _split: data.DataSplit) -> LoadedRun:
    return LoadedRun.open(run_id, _split)


def loaded_run(run: runs.RunInfo) -> LoadedRun:
    """A run with its network, dataset and snapshots, loaded once per run and weights and shared by every screen
    (the dataset is loaded first with a progress bar, or asked for when it must be downloaded)."""
    split = load_dataset(run.record.dataset)
    try:
        return _loaded(run.run_id, run.record.weights_sha256, run.record.dataset, split)
    except (runs.RunError, data.DatasetError) as e:
        st.error(reason(e))
        st.stop()


@st.cache_data(max_entries=32, show_spinner=False)
def _evaluation(run_id: str, sha: str, at: int | None, _loaded: LoadedRun) -> evaluate.Evaluation:
    return evaluate.evaluate(_loaded.model_at(at), _loaded.split, _loaded.classes)


def evaluation(loaded: LoadedRun, at: int | None = None) -> evaluate.Evaluation:
    """The test-set evaluation of a run's network (at snapshot `at`, else its final weights), computed once."""
    with st.spinner(t("Evaluating on the test set…")):
        try:
            return _evaluation(loaded.run_id, loaded.sha, at, loaded)
        except ValueError as e:
            st.error(reason(e))
            st.stop()


@st.cache_data(max_entries=32, show_spinner=False)
def prepared_image(content: bytes, dataset: str) -> images.PreparedImage:
    """An uploaded or drawn image decoded safely and prepared like the dataset's images (see `images`)."""
    return images.prepare_image(images.load_image_bytes(content), data.get_info(dataset))
