"""The glossary: complete, one Chinese name per term used in every Chinese sentence, and its screen."""

import ast
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import glossary, i18n, screens

ROOT = Path(__file__).resolve().parents[1]
ZH = json.loads((ROOT / "cnnviz" / "locales" / "zh.json").read_text(encoding="utf-8"))


def _chinese_name(term: glossary.Term) -> str:
    return re.sub(r"（.*?）", "", ZH[term.term])  # "轮（epoch）" is named 轮 in sentences


def _mentions(english: str, term: str) -> bool:
    english = re.sub(r"\{[^}]*\}", " ", english)  # a placeholder's name ({activation}) is not a word of the sentence
    return re.search(r"\b" + re.escape(term) + r"(s|es)?\b", english, re.I) is not None


def test_every_term_has_one_chinese_name_and_a_screen():
    names = [_chinese_name(term) for term in glossary.TERMS]
    assert len(set(names)) == len(names), "two terms share a Chinese name"
    assert len({term.term for term in glossary.TERMS}) == len(glossary.TERMS)
    for term in glossary.TERMS:
        assert term.page in screens.TITLES, term
        assert term.meaning in ZH


def _without_longer_terms(english: str, term: str) -> str:
    """The sentence with longer terms that contain `term` taken out ("weight sharing" is not "weight")."""
    for longer in glossary.TERMS:
        if longer.term != term and _mentions(longer.term, term):
            english = re.sub(re.escape(longer.term), " ", english, flags=re.I)
    return english


def test_every_chinese_sentence_that_names_a_term_uses_its_one_name():
    wrong = [
        f"{term.term} -> {_chinese_name(term)}: {english!r} => {chinese!r}"
        for term in glossary.TERMS
        if term.consistent
        for english, chinese in ZH.items()
        if _mentions(_without_longer_terms(english, term.term), term.term)
        and _chinese_name(term).lower() not in chinese.lower()
    ]
    assert not wrong, "\n".join(wrong[:20])


def test_every_term_is_used_on_some_screen():
    texts = [text for text in i18n.all_strings() if text not in {t.meaning for t in glossary.TERMS}]
    unused = [
        term.term
        for term in glossary.TERMS
        if not any(_mentions(text, term.term) for text in texts if text != term.term)
    ]
    assert not unused, unused


# Technical words a figure title may use: each must be explained by a glossary term (a new chart that speaks
# of, say, "Pearson r" fails here until the glossary explains it).
TECHNICAL = {
    "kernel": "kernel",
    "filter": "filter",
    "stride": "stride",
    "padding": "padding",
    "pool": "pooling",
    "feature map": "feature map",
    "channel": "channel",
    "weight": "weight",
    "activation": "activation",
    "relu": "ReLU",
    "neuron": "neuron",
    "dense": "dense layer",
    "logit": "logits",
    "softmax": "softmax",
    "loss": "loss",
    "gradient": "gradient",
    "epoch": "epoch",
    "accuracy": "accuracy",
    "class": "class",
    "confusion matrix": "confusion matrix",
    "receptive": "receptive field",
    "saliency": "saliency map",
    "grad-cam": "Grad-CAM",
    "occlusion": "occlusion",
    "hiding": "occlusion",
    "embedding": "embedding",
    "snapshot": "snapshot",
    "run": "run",
    "convolution": "convolution",
    "cross-correlation": "cross-correlation",
    "conv": "convolution",
    "l2": "pooling",
    "pearson": "Pearson r",
    "norm": "L2 norm",
    "unit": "neuron",
    "probabilit": "softmax",
    "score": "logits",
}


def _figure_titles() -> set[str]:
    titles = set()
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("cnnviz/ui/*/*.py"), *ROOT.glob("cnnviz/figures/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            args = [kw.value for kw in node.keywords if kw.arg in ("title", "titles", "subplot_titles")]
            for arg in args:
                for call in [n for n in ast.walk(arg) if isinstance(n, ast.Call)]:
                    if getattr(call.func, "id", None) == "t" and call.args and isinstance(call.args[0], ast.Constant):
                        titles.add(call.args[0].value)
    return titles


def test_the_glossary_explains_every_technical_word_of_every_figure_title():
    terms = {term.term for term in glossary.TERMS}
    titles = _figure_titles()
    assert len(titles) > 40 and "Loss and accuracy" in titles
    unexplained = []
    for title in titles:
        for word, term in TECHNICAL.items():
            if re.search(r"\b" + re.escape(word), title, re.I) and term not in terms:
                unexplained.append(f"{word!r} in {title!r}")
    assert not unexplained, unexplained


def test_search_matches_either_language():
    zh = lambda text: i18n.translate(text, "zh")  # noqa: E731
    assert [t.term for t in glossary.search("stride")] == ["stride", "output size"] or "stride" in [
        t.term for t in glossary.search("stride")
    ]
    assert [t.term for t in glossary.search("池化", translate=zh)] == ["pooling"] or "pooling" in [
        t.term for t in glossary.search("池化", translate=zh)
    ]
    assert glossary.search("no such word") == [] and len(glossary.search("  ")) == len(glossary.TERMS)


def _glossary(lang: str, query: str = "") -> AppTest:
    # one script run per screen: AppTest cannot re-run a session whose sidebar menus show translated labels
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.session_state["glossary_search"] = query
    at.switch_page("pages/glossary.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_glossary_screen_lists_every_term_and_filters(lang):
    table = _glossary(lang).table[0].value
    assert len(table) == len(glossary.TERMS)
    if lang == "zh":
        assert list(table.columns) == ["术语", "English", "含义", "页面"]
        assert "卷积核" in list(table["术语"]) and "kernel" in list(table["English"])
        assert "卷积" in list(table["页面"])
    query = i18n.translate("gradient", lang)
    terms = list(_glossary(lang, query).table[0].value.iloc[:, 0])
    assert query in terms and len(terms) < len(glossary.TERMS)
    nothing = _glossary(lang, "zzzz")
    assert not nothing.table and nothing.info
