"""Every string on a screen exists in every language, with the same placeholders."""

import json
import string

import pytest

from cnnviz import i18n

SOURCE = i18n.all_strings()
OTHER_LANGUAGES = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_strings_are_found():
    assert "Train LeNet-5 on the MNIST sample" in SOURCE and len(SOURCE) > 100


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_string_is_translated_and_nothing_else(lang):
    table = json.loads((i18n.LOCALES / f"{lang}.json").read_text(encoding="utf-8"))
    missing = sorted(set(SOURCE) - set(table))
    stale = sorted(set(table) - set(SOURCE))
    assert not missing, f"{len(missing)} strings lack a {lang} translation, e.g. " + "; ".join(
        f"{SOURCE[m]}: {m!r}" for m in missing[:5]
    )
    assert not stale, f"{len(stale)} {lang} entries are no longer used, e.g. {stale[:5]}"
    for english, translated in table.items():
        assert translated.strip(), f"empty {lang} translation of {english!r}"
        assert _fields(translated) == _fields(english), f"placeholders differ in {english!r}"


def test_translate_falls_back_and_fills_placeholders():
    assert i18n.translate("no such text {n}", "zh", n=3) == "no such text 3"
    assert i18n.language_from_locale("zh-CN") == "zh" and i18n.language_from_locale("fr-FR") == "en"
    assert i18n.language_from_locale(None) == "en"


def test_no_internal_source_label_reaches_a_learner():
    """The source lessons are named as a reader knows them (the video lesson, the book chapter), never "seed 000"."""
    import re

    from cnnviz import presets, pretrained

    texts = list(SOURCE)
    for lang in OTHER_LANGUAGES:
        texts += json.loads((i18n.LOCALES / f"{lang}.json").read_text(encoding="utf-8")).values()
    texts += [f"{p.title} {p.description} {p.source}" for p in presets.PRESETS.values()]
    texts += [str(vars(m)) for m in pretrained.MODELS.values()]
    assert not [s for s in texts if re.search(r"seed \d{3}|种子 \d{3}", s, re.IGNORECASE)]
