"""Text on the screens: translation to the session's language, errors said plainly, names shown as typed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import streamlit as st

from .. import data, i18n, runs
from ..i18n import N_

if TYPE_CHECKING:
    from ..loaded import LoadedRun


def t(text: str, **values) -> str:
    """`text` in the language chosen in the sidebar."""
    return i18n.translate(text, st.session_state.get("lang", i18n.DEFAULT), **values)


i18n.set_language_source(lambda: st.session_state.get("lang"))  # figures label their axes in it too


def reason(error: object) -> str:
    """An error (or a run's `damaged` reason) in the session's language: the compute modules raise i18n Messages,
    so this is what a page shows instead of `str(e)` (a foreign error's text comes back as it is)."""
    return i18n.message_text(error, st.session_state.get("lang", i18n.DEFAULT))


_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~$#])")  # what can start emphasis, a link, an image, a :colour[] or HTML


def plain(text: str) -> str:
    """`text` escaped for Streamlit's Markdown, so a name from a file shows as itself: no colours, links or
    images (a folder named ":red[x]" or "![](http://host/x.png)" is shown as typed)."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def dataset_title(name: str | None, stored: str | None = None) -> str:
    """A dataset's title in the session's language, as Markdown-safe text: the registry's title for a built-in
    dataset, else the title stored with a run (a folder's), else the name itself."""
    if name in data.DATASETS or (name or "").startswith("mine:"):
        return plain(dataset_label(name, stored))
    return plain(stored or name or "")


def dataset_description(info: data.DatasetInfo) -> str:
    """A dataset's description in the session's language (a made dataset's is built with its numbers)."""
    return reason(info.description) if isinstance(info.description, i18n.Message) else t(info.description)


def dataset_label(name: str, stored: str | None = None) -> str:
    """A dataset's title for a list to choose from (plain text, not Markdown): a made dataset's own name, the
    example's translated; one that can no longer be read keeps the title stored with a run, else its name."""
    try:
        return t(data.get_info(name).title) if name in data.DATASETS or name.startswith("mine:") else name
    except data.DatasetError:
        return stored or name


def duration(seconds: float | None) -> str:
    """Seconds as a learner reads them: 4.2 s, 54 s, 3 min 05 s, 1 h 02 min."""
    return "—" if seconds is None else i18n.duration(seconds, t)


STATUSES = {
    "queued": N_("queued"),
    "starting": N_("starting"),
    "running": N_("running"),
    "finished": N_("finished"),
    "stopped": N_("stopped"),
    "failed": N_("failed"),
    "interrupted": N_("interrupted"),
    "damaged": N_("damaged"),
}


def status_label(status: str) -> str:
    """A run status in the chosen language."""
    return t(STATUSES.get(status, status))


def run_label(run: runs.RunInfo) -> str:
    """A run for pickers, in the session's language: id, dataset, status, accuracy (or why it is damaged)."""
    if run.damaged or run.record is None:
        return f"{run.run_id} · {t('damaged')}"
    accuracy = f" · {run.test_accuracy:.2%}" if run.test_accuracy is not None else ""
    return f"{run.run_id} · {run.record.dataset} · {status_label(run.status)}{accuracy}"


def run_caption(run: runs.RunInfo | LoadedRun) -> str:
    """'Run <id> · <dataset>' under a screen's title, for a RunInfo or a LoadedRun."""
    record = run.record
    return t("Run {run} · {dataset}", run=record.run_id, dataset=dataset_title(record.dataset, record.dataset_title))
