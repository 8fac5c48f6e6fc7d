"""Translations: English text is the key; each other language is one JSON file in cnnviz/locales/.

Pages write `t("Train LeNet-5")`; with Chinese chosen, `locales/zh.json` maps that English string to
its translation. A missing entry falls back to English. Adding a language is adding a file.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

LOCALES = Path(__file__).parent / "locales"
LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT = "en"


@functools.lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The translation table of a language ({} for English)."""
    path = LOCALES / f"{lang}.json"
    if lang == DEFAULT or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


_language_source = None  # set by the app: returns the language of the session being drawn


def set_language_source(source: Callable[[], str | None] | None) -> None:
    """Tell modules that build text outside the pages (figures) how to find the current language."""
    global _language_source
    _language_source = source


_this_thread = threading.local()  # a language set by `language(...)` for one thread only


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Within the block, figures built on this thread are labelled in `lang`, whatever the session's language.

    A report is written in the language asked for, and the app builds it on a thread of its own (a deferred
    download), where the session cannot be read. Thread-local rather than a new language source: the app draws
    other sessions on other threads meanwhile, and they must keep their own language.
    """
    before = getattr(_this_thread, "lang", None)
    _this_thread.lang = lang
    try:
        yield
    finally:
        _this_thread.lang = before


def current_language() -> str:
    if getattr(_this_thread, "lang", None):
        return _this_thread.lang
    try:
        return (_language_source and _language_source()) or DEFAULT
    except Exception:  # noqa: BLE001 - outside a running app (tests, CLI) the text stays English
        return DEFAULT


def N_(text: str) -> str:
    """Mark a constant (a registry title, a menu label) for translation; it is translated where shown, by t()."""
    return text


def translate(text: str, lang: str = DEFAULT, **values) -> str:
    """`text` in `lang`, with `{name}` placeholders filled from `values`."""
    out = catalog(lang).get(text, text)
    return out.format(**values) if values else out


class Message(str):
    """A sentence built from a template and values that can still be translated after it was built.

    The computing modules cannot know the language of the screen that will show their errors, so they keep
    the English template and its values: `Message("layer {index} ({type})", index=3, type="conv")` *is* the
    English text (a str, so printing, comparing, `in` and JSON stay as before), and `.text("zh")` fills the
    translated template instead. Values that are Messages (or exceptions carrying one) are translated too.
    As with `translate`, a template is formatted only when it has values.
    """

    def __new__(cls, template: str, /, **values):
        values = {k: _phrase(v) for k, v in values.items()}
        self = super().__new__(cls, template.format(**values) if values else template)
        self.template, self.values = str(template), values
        return self

    def text(self, lang: str = DEFAULT) -> str:
        values = {k: v.text(lang) if isinstance(v, Message) else v for k, v in self.values.items()}
        return translate(self.template, lang, **values)


def _phrase(value):
    """An exception as a value: its Message when it has one, else its text (a foreign error stays English)."""
    if isinstance(value, BaseException):
        return value.message if isinstance(getattr(value, "message", None), Message) else str(value)
    return value


class Translated:
    """Mixin for the project's exceptions: raised as `SpecError("{where}: padding must be 0 or more, got {got!r}",
    where=..., got=...)`, so `str(e)` is the English sentence (the CLI, logs and tests read it) while a screen
    shows `message_text(e, lang)`. A ready Message may be given instead of a template."""

    def __init__(self, template: str = "", /, **values) -> None:
        self.message = template if isinstance(template, Message) and not values else Message(str(template), **values)
        super().__init__(self.message)


class Invalid(Translated, ValueError):
    """A ValueError a user can cause (a setting, a shape, a file the app cannot use), translated where shown."""


# calls whose first literal is a template to translate (TooLarge and QueueFull build their Messages inside)
MESSAGE_CALLS = (
    "Message",
    "Invalid",
    "SpecError",
    "DatasetError",
    "RunError",
    "ImageError",
    "WeightsError",
    "FileProblem",
    "OwnDataError",
)
TEXT_CALLS = ("t", "tr", "N_", *MESSAGE_CALLS)


def message_text(item: object, lang: str | None = None) -> str:
    """An exception, a Message or plain text in `lang` (default: the current one); anything built without a
    Message (a foreign exception, a plain string) comes back as its text, unchanged."""
    lang = lang or current_language()
    message = item if isinstance(item, Message) else getattr(item, "message", None)
    return message.text(lang) if isinstance(message, Message) else str(item)


def duration(seconds: float, tr: Callable[..., str]) -> str:
    """Seconds as a learner reads them (4.2 s, 54 s, 3 min 05 s, 1 h 02 min), through `tr(template, **values)`:
    the app passes its session's translator, the report one for the language it is written in."""
    if seconds < 10:
        return tr("{s:.1f} s", s=max(seconds, 0.0))
    seconds = round(seconds)
    if seconds < 60:
        return tr("{s} s", s=seconds)
    if seconds < 3600:
        return tr("{m} min {s:02d} s", m=seconds // 60, s=seconds % 60)
    return tr("{h} h {m:02d} min", h=seconds // 3600, m=seconds % 3600 // 60)


def language_from_locale(locale: str | None) -> str:
    """Map a browser locale such as 'zh-CN' to one of LANGUAGES (English when unknown)."""
    code = (locale or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else DEFAULT


def source_strings(paths: Iterable[str | Path]) -> dict[str, str]:
    """Every literal passed to t(...), N_(...) or first to one of MESSAGE_CALLS in the given files:
    {text: 'file:line'} (for tests and translators)."""
    import ast

    found = {}
    for path in paths:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) in TEXT_CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{Path(path).name}:{node.lineno}")
    return found


def registry_strings() -> set[str]:
    """Titles and explanations from the registries users pick from (kernels, presets, datasets, models)."""
    from . import conv, data, kernel_catalogue, presets, pretrained

    texts = {text for k in kernel_catalogue.KERNELS.values() for text in (k.title, k.explanation)}
    texts |= set(conv.POOL_KINDS.values())
    texts |= {text for p in presets.PRESETS.values() for text in (p.title, p.description)}
    texts |= {text for d in data.DATASETS.values() for text in (d.title, d.description)}
    texts |= {text for m in pretrained.MODELS.values() for text in (m.title, m.description)}
    return texts


def all_strings() -> dict[str, str]:
    """Everything that needs a translation: {English text: where it comes from}."""
    found = source_strings(ui_sources())
    return found | {text: "registry" for text in registry_strings() if text not in found}


def ui_sources(root: Path | None = None) -> list[Path]:
    """The files whose strings users see: app.py, pages/, and the package (registries mark theirs with N_)."""
    root = root or Path(__file__).resolve().parents[1]
    return [root / "app.py", *sorted(Path(__file__).parent.rglob("*.py")), *sorted((root / "pages").glob("*.py"))]
