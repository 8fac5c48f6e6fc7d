"""Every screen rendered in Chinese (AppTest, with a trained run picked) shows no English sentence or word.

What may stay in Latin letters is listed below: names (datasets, networks, methods, people, libraries),
abbreviations, identifiers (run ids, layer names, preset and dataset ids) and units. Anything else found on a
Chinese screen (a label, an option, a caption, a message, a chart's title, axis, legend or annotation, a table
heading) fails the test with the screen and the text it was in."""

import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz import screens
from cnnviz.train import config_for, run_training

APP = str(Path(__file__).resolve().parents[1] / "app.py")

ALLOWED = re.compile(
    r"""
    https?://\S+ | \S+\.(pth|json|zip|png|jpg|npz|safetensors|jsonl)\b | `[^`]*`   # links, files, code
  | \b\d{8}-\d{6}-[\w.-]+ | \#[0-9a-f]{4}\b                                          # run ids, their short tails
  | \b(conv|pool|dense|flatten|dropout|bn|batchnorm|softmax|input)\d*(_(relu|sigmoid|tanh))?\b  # layer names
  | \b(lenet5|deep-cnn|keras-cnn|tiny-cnn|simple-cnn|chollet-cnn|mlp|fast|cifar-cnn)\b # preset ids
  | \b(mnist-sample|mnist|fashion-mnist|cifar10|folder:\S*)\b                        # dataset ids
  | \b(MNIST|Fashion-MNIST|CIFAR-10|ImageNet|LeNet-5|VGG-16|ResNet-18|Keras|PyTorch|TensorFlow|Captum|cnnviz)\b
  | \b(CNN|MLP|ReLU|relu|sigmoid|tanh|softmax|logits|dropout|Dropout|SmoothGrad|Grad-CAM|Integrated\ Gradients)\b
  | \b(Sobel|Prewitt|Laplacian|Gaussian|Pearson|LeCun|He|Goodfellow|Adebayo|Adam|SGD|Adadelta|RMSprop|one-cycle)\b
  | \b(Azulay|Weiss)\b                                                                 # people the labs cite
  | \bGeirhos\b                                                                        # the shortcut lab cites
  | \b(epoch|jump|JSON|CSV|PNG|SVG|MACs|GMACs|FLOPs|CPU|GPU|RGB|URL|ID|OK|CNNVIZ_\w+|English|valid|same|max)\b
  | \b(px|MB|GB|kB|ms|s|min|h|L2|ch)\b
""",
    re.VERBOSE,
)
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


def _texts(at: AppTest) -> list[str]:
    """Every text a learner reads on the screen, charts and tables included."""
    out = [
        str(getattr(el, "value", ""))
        for kind in (
            "markdown",
            "caption",
            "title",
            "header",
            "subheader",
            "info",
            "warning",
            "error",
            "success",
            "text",
        )
        for el in at.get(kind)
    ]
    for kind in (
        "button",
        "selectbox",
        "slider",
        "select_slider",
        "radio",
        "checkbox",
        "toggle",
        "text_input",
        "number_input",
        "multiselect",
        "metric",
        "tab",
        "expander",
        "popover",
    ):
        for el in at.get(kind):
            out += [str(getattr(el, "label", "") or ""), *map(str, getattr(el, "options", None) or [])]
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        layout = spec.get("layout", {})
        out += [
            v["title"]["text"]
            for v in layout.values()
            if isinstance(v, dict) and isinstance(v.get("title"), dict) and v["title"].get("text")
        ]
        out += [a.get("text", "") for a in layout.get("annotations", []) or []]
        out += [str(trace.get("name", "")) for trace in spec.get("data", [])]
    for el in at.get("dataframe"):
        out += [str(c) for c in el.value.columns if str(c) != "English"]  # the glossary's English column is meant
    return out


def english_left(text: str) -> list[str]:
    return ENGLISH_WORD.findall(ALLOWED.sub(" ", re.sub(r"<[^>]+>", " ", text)))


def test_the_scan_finds_english_and_lets_names_through():
    assert english_left("训练 LeNet-5（3 轮）· 20261130-010946-deep-cnn-cc89 · conv1_relu · 6 px") == []
    assert english_left("运行 finished · 96.90%") == ["finished"]
    assert english_left("<b>input</b><br>1×28×28") == []


@pytest.fixture(scope="module")
def trained_store(tmp_path_factory):
    """One LeNet-5 run for all screens, trained once in a store of its own."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("zh-home")
        patch.setenv("CNNVIZ_HOME", str(home))
        return home, run_training(config_for("lenet5", epochs=1, batch_size=256)).run_id


@pytest.fixture
def trained(trained_store, isolated_home):
    home, run_id = trained_store
    shutil.copytree(home / "runs", isolated_home / "runs")
    return run_id


@pytest.mark.parametrize("page", list(screens.TITLES))
def test_no_english_on_a_chinese_screen(page, trained):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "zh"
    at.session_state["run_id"] = trained
    at.switch_page(page)  # the first run draws the screen: AppTest cannot re-run translated menus
    at.run()
    assert not at.exception, at.exception
    texts = _texts(at)
    assert len(texts) > 10 and any(re.search(r"[\u4e00-\u9fff]", text) for text in texts)  # it read the screen
    left = {text[:120]: words for text in texts if (words := english_left(text))}
    assert not left, f"{page}: English on the Chinese screen: {left}"
