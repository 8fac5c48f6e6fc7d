"""Streamlit glue shared by every page: the sidebar, cached loaders, empty states, translated text.

The only module besides app.py and pages/ that imports streamlit. Caches hold read-only objects
(models are never trained once cached); training happens in processes of its own (`jobs`), never in
the server.
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path

import streamlit as st

from . import cost, data, i18n, inspection, jobs, runs
from .i18n import N_
from . import train
from .train import config_for

QUICK_START = {"preset": "lenet5", "dataset": "mnist-sample", "epochs": 3}
URL_KEYS = ("dataset", "run", "lang")  # sidebar state mirrored in the URL so a copied link reopens the view


def t(text: str, **values) -> str:
    """`text` in the language chosen in the sidebar."""
    return i18n.translate(text, st.session_state.get("lang", i18n.DEFAULT), **values)


i18n.set_language_source(lambda: st.session_state.get("lang"))  # figures label their axes in it too


def reason(error) -> str:
    """An error (or a run's `damaged` reason) in the session's language: the compute modules raise i18n Messages,
    so this is what a page shows instead of `str(e)` (a foreign error's text comes back as it is)."""
    return i18n.message_text(error, st.session_state.get("lang", i18n.DEFAULT))


# ---------------------------------------------------------------- sidebar and shared state


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
    app = Path(__file__).resolve().parents[1] / "app.py"
    exec(compile(app.read_text(encoding="utf-8"), str(app), "exec"), {"__name__": "__main__", "__file__": str(app)})
    st.stop()


def init_state() -> None:
    """First run of a session: take dataset, run and language from the URL, else sensible defaults."""
    if st.session_state.get("_initialised"):
        return
    params = st.query_params
    st.session_state["lang"] = params.get("lang") if params.get("lang") in i18n.LANGUAGES else \
        i18n.language_from_locale(getattr(st.context, "locale", None))
    wanted = params.get("dataset")
    st.session_state["dataset"] = wanted if wanted in data.DATASETS else "mnist-sample"
    if params.get("run"):
        st.session_state["run_id"] = st.session_state["_linked_run"] = params.get("run")
    st.session_state["_initialised"] = True


def usable_runs() -> list[runs.RunInfo]:
    """Runs with weights to inspect (finished or stopped), newest first."""
    return [r for r in runs.list_runs() if r.has_weights]


def sidebar() -> None:
    """Language, dataset and the run being inspected: shared by all pages, remembered across them."""
    init_state()
    with st.sidebar:
        st.selectbox(t("Language"), list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get, key="lang")
        st.selectbox(t("Dataset"), data.list_datasets(), key="dataset",
                     format_func=lambda n: t(data.DATASETS[n].title),
                     help=t("Used for training and for picking test images. Your own images: see the Train page."))
        choices = usable_runs()
        ids = [r.run_id for r in choices]
        linked = st.session_state.pop("_linked_run", None)
        if st.session_state.get("run_id") not in ids:
            if linked is not None and st.session_state.get("run_id") == linked:
                st.session_state["_missing_run"] = linked  # say so, rather than silently show another run
            st.session_state["run_id"] = ids[0] if ids else None
        labels = {r.run_id: run_label(r) for r in choices}
        st.selectbox(t("Run to inspect"), ids, key="run_id", format_func=labels.get,
                     placeholder=t("no trained run yet"), help=t("Kernels, feature maps and evaluation show this run."),
                     on_change=lambda: st.session_state.pop("_missing_run", None))
        if st.session_state.get("_missing_run"):
            st.warning(t("The link names run {run}, which is not in this run store or has no weights to inspect. "
                         "Showing {shown} instead.", run=plain(str(st.session_state["_missing_run"])[:100]),
                         shown=plain(st.session_state["run_id"]) if st.session_state["run_id"] else t("nothing")),
                       icon=":material/link_off:")
        training = sum(r.status in runs.ACTIVE for r in runs.list_runs())
        if training:
            st.caption(t("{n} run(s) training in the background", n=training))
    for key, value in (("dataset", st.session_state.get("dataset")), ("run", st.session_state.get("run_id")),
                       ("lang", st.session_state.get("lang"))):
        if value and st.query_params.get(key) != value:
            st.query_params[key] = value


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~$#])")  # what can start emphasis, a link, an image, a :colour[] or HTML


def plain(text: str) -> str:
    """`text` escaped for Streamlit's Markdown, so a name from a file shows as itself: no colours, links or
    images (a folder named ":red[x]" or "![](http://host/x.png)" is shown as typed)."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def chart(container, fig, *, help: str, key: str | None = None, **kwargs):  # noqa: A002 - as Streamlit's own help=
    """A Plotly figure with a "How to read this chart" note under it: the one way pages draw a chart.

    Args: container: where to draw (`st`, a column, an expander, an `st.empty()` slot); fig: the figure;
        help: 1-3 sentences of Markdown saying what the chart shows and how to read it, already translated
        (pages pass `t("...")`, so the translation scan finds the English); key and every other keyword
        (height, width, config, on_select, ...) go to `plotly_chart` unchanged.
    Returns: what `plotly_chart` returns (the selection event when `on_select` is set).
    The figure and its note share one small container: an `st.empty()` slot keeps both, and in a row of
    columns the note's compact button sits right under its own chart.
    """
    box = container.container(gap="xxsmall")
    event = box.plotly_chart(fig, key=key, **kwargs)
    box.popover(t("How to read this chart"), icon=":material/help:", type="tertiary").markdown(help)
    return event


def dataset_title(name: str | None, stored: str | None = None) -> str:
    """A dataset's title in the session's language, as Markdown-safe text: the registry's title for a built-in
    dataset, else the title stored with a run (a folder's), else the name itself."""
    if name in data.DATASETS:
        return plain(t(data.DATASETS[name].title))
    return plain(stored or name or "")


def dataset_name() -> str:
    return st.session_state.get("dataset") or "mnist-sample"


def selected_run() -> runs.RunInfo | None:
    run_id = st.session_state.get("run_id")
    if not run_id:
        return None
    try:
        info = runs.read_run(run_id)
    except runs.RunError:
        return None
    return info if info.has_weights else None


def keep_valid(key: str, options, default, url: str | None = None) -> None:
    """Forget a remembered choice that is no longer offered (another run or network was picked).

    With `url`, the choice is also shared through the address bar: a link carrying `?<url>=<value>`
    opens with that choice (once per session), and the current choice is written back to the URL.
    Call it before the widget with the same `key` is drawn.
    """
    options = list(options)
    if url:
        seeded = st.session_state.setdefault("_seeded_from_url", set())
        wanted = st.query_params.get(url)
        if key not in seeded:  # only a link's first visit: afterwards the widget leads and the URL follows
            seeded.add(key)
            match = [o for o in options if str(o) == wanted]
            if match:
                st.session_state[key] = match[0]
    if st.session_state.get(key) not in options:
        st.session_state[key] = default
    if url and st.query_params.get(url) != str(st.session_state[key]):
        st.query_params[url] = str(st.session_state[key])


def pick_test_image(prefix: str, split: data.DataSplit, classes, where=None, index_where=None, url: bool = False):
    """Class and index-within-class pickers (keys `<prefix>_class`, `<prefix>_index`) for a test image.

    Args: where / index_where: containers for the two widgets (default the page); url: share the choice
        as ?class=&index= in the address bar.
    Returns: (uint8 image (C, H, W), label, index in the test set), or None when the class has no test image.
    """
    where = where or st
    index_where = index_where or where
    class_ids = list(range(len(classes)))
    keep_valid(f"{prefix}_class", class_ids, 0, url="class" if url else None)
    cls = where.selectbox(t("Class"), class_ids, key=f"{prefix}_class", format_func=lambda c: str(classes[c]))
    count = int((split.y_test == cls).sum())
    if count == 0:
        where.warning(t("The test set has no image of class {name}.", name=classes[cls]))
        return None
    key = f"{prefix}_index"
    st.session_state[key] = min(max(int(st.session_state.get(key, 0)), 0), count - 1)  # a smaller class: its last
    keep_valid(key, range(count), 0, url="index" if url else None)
    idx = index_where.number_input(t("Index within the class (0–{last})", last=count - 1), min_value=0,
                                   max_value=count - 1, step=1, key=key)
    return inspection.test_image(split, cls, int(idx))


# ---------------------------------------------------------------- cached loaders


def load_dataset(name: str, stop: bool = True) -> data.DataSplit | None:
    """A dataset in memory, with a progress bar the first time.

    A dataset that cannot be loaded shows the reason and what to do, then stops the page
    (or, with stop=False, returns None so the rest of the page still works).
    """
    try:
        data.check_folder_allowed(name)
        if (name, data.data_dir().resolve()) in data._cache:
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
    st.info(t("{title} is not on this computer yet. Using it first downloads about {mb} MB from the internet into "
              "{folder}.", title=title, mb=mb, folder=plain(str(data.data_dir()))), icon=":material/cloud_download:")
    if st.button(t("Download {title}", title=title), key=f"download_{name}", icon=":material/download:"):
        st.session_state[key] = True
        return True
    return False


@st.cache_resource(max_entries=8, show_spinner=False)
def _model(run_id: str, sha: str):
    return runs.load_model(run_id)


def load_model(run: runs.RunInfo):
    """(spec, model) of a run, cached per run and weights checksum; shared read-only across sessions."""
    try:
        return _model(run.run_id, run.meta["weights_sha256"])
    except runs.RunError as e:
        st.error(reason(e))
        st.stop()


@st.cache_data(max_entries=16, show_spinner=False)
def _evaluation(run_id: str, sha: str) -> inspection.Evaluation:
    return inspection.evaluate_run(run_id)


def evaluation(run: runs.RunInfo) -> inspection.Evaluation:
    """The test-set evaluation of a run, computed once per run and weights."""
    with st.spinner(t("Evaluating on the test set…")):
        try:
            return _evaluation(run.run_id, run.meta["weights_sha256"])
        except (runs.RunError, data.DatasetError) as e:
            st.error(reason(e))
            st.stop()


def run_split(run: runs.RunInfo) -> data.DataSplit:
    """The dataset a run was trained on (the run's, not the sidebar's)."""
    return load_dataset(run.meta["dataset"])


# ---------------------------------------------------------------- training entry points and empty states


def session_owner() -> str:
    """A token for this browser session: the queue limits how many trainings one session may have."""
    return st.session_state.setdefault("_owner", "session-" + secrets.token_hex(4))


def start_training(config, split: data.DataSplit | None = None) -> str | None:
    """Queue a training in a process of its own; remember it as the run this session watches.

    `split`: the dataset, loaded here first when the page has it (a folder dataset is converted once, with a
    progress bar, before the training process needs it).
    """
    try:
        if split is not None:
            train.check_fits(config, split)
        run_id = jobs.submit(config, owner=session_owner())
    except jobs.QueueFull as e:
        st.warning(t("Not started: you already have {n} trainings waiting or running, the most one session may "
                     "have. Wait for one to finish, or cancel one on the Train page.", n=e.count),
                   icon=":material/hourglass_top:")
        return None
    except (ValueError, OSError) as e:
        st.error(t("Training could not start: {reason}", reason=reason(e)))
        return None
    st.session_state["watch_run"] = run_id
    return run_id


def quick_start_button(key: str, switch_to_train: bool = True) -> None:
    """The one-click first training: LeNet-5 on the embedded MNIST sample, a few seconds on a laptop."""
    if st.button(t("Train LeNet-5 on the MNIST sample"), key=key, type="primary", icon=":material/play_arrow:"):
        split = load_dataset(QUICK_START["dataset"])
        run_id = start_training(config_for(QUICK_START["preset"], QUICK_START["dataset"],
                                           epochs=QUICK_START["epochs"]), split)
        if run_id and switch_to_train:
            st.switch_page("pages/train.py")


def require_run() -> runs.RunInfo:
    """The selected run, or an explanation and a one-click training instead of the page."""
    run = selected_run()
    if run is None:
        st.info(t("This screen shows a trained network, and there is none yet. Train LeNet-5 on the built-in "
                  "MNIST sample (about 5 seconds), or pick a run in the sidebar once one has finished."))
        quick_start_button(key="quick_start_empty")
        st.stop()
    return run


STATUSES = {"queued": N_("queued"), "starting": N_("starting"), "running": N_("running"), "finished": N_("finished"),
            "stopped": N_("stopped"), "failed": N_("failed"), "interrupted": N_("interrupted"),
            "damaged": N_("damaged")}


def run_label(run: runs.RunInfo) -> str:
    """A run for pickers, in the session's language: id, dataset, status, accuracy (or why it is damaged)."""
    if run.damaged:
        return f"{run.run_id} · {t('damaged')}"
    accuracy = f" · {run.test_accuracy:.2%}" if run.test_accuracy is not None else ""
    return f"{run.run_id} · {run.meta.get('dataset', '?')} · {status_label(run.status)}{accuracy}"


def status_label(status: str) -> str:
    """A run status in the chosen language."""
    return t(STATUSES.get(status, status))


def show_error(error: Exception) -> None:
    st.error(reason(error))


def duration(seconds: float | None) -> str:
    """Seconds as a learner reads them: 4.2 s, 54 s, 3 min 05 s, 1 h 02 min."""
    return "—" if seconds is None else i18n.duration(seconds, t)


def calibration() -> dict:
    """This machine's calibration for the app's training processes, measured with a progress bar if missing."""
    threads = jobs.train_threads()
    cal = cost.cached_calibration(threads)
    if cal is None:
        label = t("Measuring this computer's speed, once (about 10 seconds)…")
        bar = st.progress(0.0, text=label)
        cal = cost.calibration(threads, progress=lambda f: bar.progress(min(f, 1.0), text=label))
        bar.empty()
    return cal
