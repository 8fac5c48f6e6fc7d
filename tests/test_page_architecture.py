"""AppTest of the Architecture page: the builder's layers, live parameter totals, errors, JSON export and import."""
import json
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from cnnviz import arch, train

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LENET5_TOTAL = 44_426


@pytest.fixture
def app(monkeypatch):
    """The whole app (sidebar included; pages run inside app.py's navigation) on the Architecture page."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/architecture.py").run()
    assert not at.exception
    return at


def total(at) -> str:
    return next(m.value for m in at.metric if m.label == "Total parameters")


def uid(at, index: int) -> int:
    return at.session_state["arch_layers"][index]["uid"]


def types(at) -> list[str]:
    return [d["type"] for d in at.session_state["arch_layers"]]


def test_starts_from_lenet5_with_its_literature_parameter_count(app):
    assert total(app) == f"{LENET5_TOTAL:,}"
    table = app.dataframe[0].value
    assert list(table.iloc[:, 0]) == ["input", "conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dense2",
                                      "dense3"]
    assert list(table.iloc[:, 1])[:6] == ["1×28×28", "6×24×24", "6×12×12", "16×8×8", "16×4×4", "256"]
    assert list(table.iloc[:, 2]) == [0, 156, 0, 2416, 0, 0, 30840, 10164, 850]
    assert len(app.get("plotly_chart")) == 1  # the volumes picture
    assert not app.button(key="arch_train").disabled
    assert not app.error


def test_remove_reorder_add_and_edit_change_the_total_exactly(app):
    app.button(key=f"arch_{uid(app, 6)}_del").click().run()  # dense2 (84 units): 10,164 and 850 -> 1,210
    assert types(app) == ["conv", "pool", "conv", "pool", "flatten", "dense", "dense"]
    assert total(app) == f"{156 + 2416 + 30840 + 121 * 10:,}"

    app.button(key=f"arch_{uid(app, 2)}_up").click().run()  # conv2 before pool1: 20x20 -> 10x10 -> 5x5x16 = 400
    assert types(app) == ["conv", "conv", "pool", "pool", "flatten", "dense", "dense"]
    assert total(app) == f"{156 + 2416 + 401 * 120 + 1210:,}"
    app.button(key=f"arch_{uid(app, 1)}_down").click().run()  # and back
    assert total(app) == f"{156 + 2416 + 30840 + 1210:,}"

    app.selectbox(key="arch_add_type").set_value("batchnorm")
    app.selectbox(key="arch_add_pos").set_value(uid(app, 0))  # after conv1
    app.button(key="arch_add").click().run()
    assert types(app)[:3] == ["conv", "batchnorm", "pool"]
    assert total(app) == f"{156 + 12 + 2416 + 30840 + 1210:,}"  # scale and shift for 6 channels

    app.number_input(key=f"arch_{uid(app, 0)}_filters").set_value(8).run()  # conv1 8 filters: 208, bn 16, conv2 3,216
    assert total(app) == f"{208 + 16 + 3216 + 30840 + 1210:,}"
    assert app.session_state["arch_layers"][0]["filters"] == 8
    assert not app.exception


def test_an_impossible_layer_is_named_and_cannot_be_trained(app):
    app.number_input(key=f"arch_{uid(app, 2)}_kernel_size").set_value(13).run()  # conv2 on a 12x12 input
    [error] = app.error
    assert "conv2" in error.value and "kernel 13x13 is larger than its padded input 12x12" in error.value
    assert app.button(key="arch_train").disabled
    assert total(app) == "—"
    assert not app.exception

    app.number_input(key=f"arch_{uid(app, 2)}_padding").set_value(1).run()  # 14x14 input: 2x2 out, works again
    assert not app.error
    assert not app.button(key="arch_train").disabled

    app.button(key=f"arch_{uid(app, 4)}_del").click().run()  # no flatten before the dense layers
    [error] = app.error
    assert "dense1" in error.value and "flatten" in error.value
    assert app.button(key="arch_train").disabled


def test_empty_start_guides_and_a_non_classifier_cannot_be_trained(app):
    app.selectbox(key="arch_start").set_value("__empty__")
    app.button(key="arch_load").click().run()
    assert app.session_state["arch_layers"] == []
    assert total(app) == "0"
    assert any("No layers yet" in i.value for i in app.info)
    assert app.button(key="arch_train").disabled
    app.selectbox(key="arch_add_type").set_value("flatten")
    app.button(key="arch_add").click().run()
    app.selectbox(key="arch_add_type").set_value("dense")
    app.button(key="arch_add").click().run()  # 784 -> 64: flat, but 64 outputs for 10 classes
    assert total(app) == f"{785 * 64:,}"
    assert any("64 outputs" in w.value for w in app.warning)
    app.number_input(key=f"arch_{uid(app, 1)}_units").set_value(10).run()
    app.selectbox(key=f"arch_{uid(app, 1)}_activation").set_value("none").run()
    assert total(app) == f"{785 * 10:,}"
    assert not app.warning and not app.button(key="arch_train").disabled


def test_preset_follows_the_sidebar_dataset_and_adapts(app):
    app.selectbox(key="dataset").set_value("cifar10").run()
    assert any("3×32×32" in w.value for w in app.warning)
    app.button(key="arch_adapt").click().run()
    assert app.session_state["arch_input_shape"] == [3, 32, 32]
    assert total(app) == f"{456 + 2416 + 401 * 120 + 10164 + 850:,}"  # 32 -> 28 -> 14 -> 10 -> 5
    app.selectbox(key="arch_start").set_value("cifar-cnn")
    app.button(key="arch_load").click().run()
    assert total(app) == f"{arch.total_params(arch.preset_spec('cifar-cnn', (3, 32, 32), 10)):,}"
    assert not app.warning and not app.exception


def test_export_produces_the_spec_json(app, monkeypatch):
    saved = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        saved[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    app.text_input(key="arch_name").set_value("my-lenet").run()
    assert app.get("download_button")[0].proto.url.endswith(".json")
    exported = json.loads(saved["my-lenet.json"])
    expected = arch.preset_spec("lenet5").to_dict()
    assert exported == {**expected, "name": "my-lenet"}


def test_import_bad_json_shows_an_error_and_keeps_the_design(app):
    app.file_uploader(key="arch_import_file").set_value(("broken.json", b"{not json", "application/json")).run()
    [error] = app.error
    assert "broken.json" in error.value and "not valid JSON" in error.value
    assert total(app) == f"{LENET5_TOTAL:,}"

    app.text_area(key="arch_import_text").set_value('{"input_shape": [1, 28, 28], "layers": [{"type": "conv3d"}]}')
    app.button(key="arch_import_btn").click().run()
    assert "unknown type 'conv3d'" in app.error[0].value

    many = {"input_shape": [1, 28, 28], "layers": [{"type": "dropout", "p": 0.1}] * 200}
    app.text_area(key="arch_import_text").set_value(json.dumps(many))
    app.button(key="arch_import_btn").click().run()
    assert "200 layers is more than this explorer builds (at most 64)" in app.error[0].value
    assert len(app.session_state["arch_layers"]) == 8
    assert not app.exception


def test_the_builder_stops_at_64_layers(app):
    full = {"input_shape": [1, 28, 28], "layers": [{"type": "dropout", "p": 0.1}] * 63 + [{"type": "flatten"}]}
    app.text_area(key="arch_import_text").set_value(json.dumps(full))
    app.button(key="arch_import_btn").click().run()
    assert len(app.session_state["arch_layers"]) == 64
    assert app.button(key="arch_add").disabled
    assert any("At most 64 layers" in c.value for c in app.caption)
    assert not app.exception


def test_import_good_json_replaces_the_design(app):
    spec = arch.preset_spec("tiny-cnn")
    app.file_uploader(key="arch_import_file").set_value(("tiny.json", spec.to_json().encode(), "application/json"))
    app.run()
    assert any("Imported tiny-cnn" in s.value for s in app.success)
    assert types(app) == [layer.type for layer in spec.layers]
    assert total(app) == f"{arch.total_params(spec):,}"
    assert app.session_state["arch_spec_name"] == "tiny-cnn"


def test_train_this_hands_the_spec_to_the_train_page(app):
    app.button(key=f"arch_{uid(app, 6)}_del").click().run()
    app.button(key="arch_train").click().run()
    assert not app.exception
    spec = arch.ArchSpec.from_dict(app.session_state["builder_spec"])
    assert arch.total_params(spec) == 156 + 2416 + 30840 + 1210
    assert app.title[0].value == "Train"
    assert app.selectbox(key="train_arch").value == "__builder__"
    assert train.TrainConfig(spec=spec, epochs=1).validate() is None
    app.switch_page("pages/architecture.py").run()  # the design survives a visit to another page
    assert total(app) == f"{156 + 2416 + 30840 + 1210:,}"
    assert len(app.session_state["arch_layers"]) == 7
