"""AppTest of the Architecture page: the builder's layers, live parameter totals, errors, JSON export and import."""

import json
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from cnnviz import arch, cost, jobs, presets, train_config
from pagetest import figure

APP = str(Path(__file__).resolve().parents[1] / "app.py")
LENET5_TOTAL = 44_426


@pytest.fixture
def app(monkeypatch, calibrated):
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


def setting(at, index: int, field: str):
    """The widget of one layer setting: a slider (numbers), a select slider (stops) or a menu (words)."""
    key = f"arch_{uid(at, index)}_{field}"
    for kind in ("select_slider", "slider", "selectbox"):
        found = [w for w in at.get(kind) if w.key == key]
        if found:
            return getattr(at, kind)(key=key)
    raise AssertionError(f"no widget {key}")


def types(at) -> list[str]:
    return [d["type"] for d in at.session_state["arch_layers"]]


def test_starts_from_lenet5_with_its_literature_parameter_count(app):
    assert total(app) == f"{LENET5_TOTAL:,}"
    table = app.dataframe[0].value
    assert list(table.iloc[:, 0]) == [
        "input",
        "conv1",
        "pool1",
        "conv2",
        "pool2",
        "flatten",
        "dense1",
        "dense2",
        "dense3",
    ]
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

    setting(app, 0, "filters").set_value(8).run()  # conv1 8 filters: 208, bn 16, conv2 3,216
    assert total(app) == f"{208 + 16 + 3216 + 30840 + 1210:,}"
    assert app.session_state["arch_layers"][0]["filters"] == 8
    assert not app.exception


def test_an_impossible_layer_is_named_and_cannot_be_trained(app):
    setting(app, 2, "kernel_size").set_value(11).run()  # conv2 on a 12x12 input: 2x2 out
    assert not app.error
    setting(app, 3, "size").set_value(3).run()  # pool2's 3x3 window on that 2x2
    [error] = app.error
    assert "pool2" in error.value and "pooling window 3x3 is larger than its input 2x2" in error.value
    assert app.button(key="arch_train").disabled
    assert total(app) == "—"
    assert any("breaks here" in c.value for c in app.caption)
    # the rest of the design is kept, the broken value too
    assert types(app) == ["conv", "pool", "conv", "pool", "flatten", "dense", "dense", "dense"]
    assert app.session_state["arch_layers"][2]["kernel_size"] == 11
    assert app.session_state["arch_layers"][3]["size"] == 3
    assert not app.exception

    setting(app, 2, "padding").set_value(1).run()  # 14x14 input: 4x4 out, the 3x3 window fits again
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
    setting(app, 1, "units").set_value(10).run()
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
    assert total(app) == f"{arch.total_params(presets.preset_spec('cifar-cnn', (3, 32, 32), 10)):,}"
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
    expected = presets.preset_spec("lenet5").to_dict()
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
    spec = presets.preset_spec("tiny-cnn")
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
    assert train_config.TrainConfig(spec=spec, epochs=1).validate() is None
    app.switch_page("pages/architecture.py").run()  # the design survives a visit to another page
    assert total(app) == f"{156 + 2416 + 30840 + 1210:,}"
    assert len(app.session_state["arch_layers"]) == 7


def design(at) -> arch.ArchSpec:
    layers = [{k: v for k, v in d.items() if k != "uid"} for d in at.session_state["arch_layers"]]
    return arch.ArchSpec.from_dict({"input_shape": at.session_state["arch_input_shape"], "layers": layers})


def shown_rows(at) -> list[tuple[str, str, int]]:
    table = at.dataframe[0].value
    return list(zip(table.iloc[:, 0], table.iloc[:, 1], table.iloc[:, 2]))


def assert_table_and_diagram_follow_arch(at) -> None:
    spec = design(at)
    rows = arch.infer_shapes(spec)
    expected = [("input", "×".join(map(str, spec.input_shape)), 0)] + [
        (r.name, "×".join(map(str, r.output_shape)), r.params) for r in rows
    ]
    assert shown_rows(at) == expected
    assert total(at) == f"{sum(r.params for r in rows):,}"
    labels = [a["text"] for a in figure(at.get("plotly_chart")[0])["layout"]["annotations"] if a.get("text")]
    assert labels == [f"<b>{name}</b><br>{shape}" for name, shape, _ in expected]


def test_every_kind_of_setting_is_a_slider_or_menu_and_redraws_everything(app):
    app.selectbox(key="arch_start").set_value("keras-cnn")  # conv, conv, pool, dropout, flatten, dense, dense
    app.button(key="arch_load").click().run()
    assert not app.get("number_input")  # no number boxes left among the layer settings
    changes = [
        (0, "filters", 8),
        (0, "kernel_size", 5),
        (0, "stride", 2),
        (0, "padding", 2),
        (0, "activation", "tanh"),
        (2, "kind", "avg"),
        (2, "size", 3),
        (2, "stride", 1),
        (3, "p", 0.5),
        (5, "units", 64),
        (5, "activation", "sigmoid"),
    ]
    for index, field, value in changes:
        setting(app, index, field).set_value(value).run()
        assert app.session_state["arch_layers"][index][field] == value
        assert not app.error and not app.exception
        assert_table_and_diagram_follow_arch(app)
    # by hand: conv1 8@5x5 stride 2 padding 2 on 28x28 -> 14x14; conv2 32@3x3 -> 12x12; avg 3x3 stride 1 -> 10x10
    assert [row[1] for row in shown_rows(app)][1:5] == ["8×14×14", "32×12×12", "32×10×10", "32×10×10"]
    assert shown_rows(app)[-2] == ("dense1", "64", (3200 + 1) * 64)
    assert design(app).layers[2] == arch.Pool("avg", 3, 1)

    setting(app, 2, "stride").set_value("window").run()  # "= window": the pool's stride follows its window
    assert design(app).layers[2] == arch.Pool("avg", 3, None)
    assert shown_rows(app)[3][1] == "32×4×4"
    assert_table_and_diagram_follow_arch(app)


def test_duplicate_puts_a_copy_after_the_layer(app):
    app.button(key=f"arch_{uid(app, 2)}_dup").click().run()  # conv2 twice: 8x8 -> 4x4 -> pool 2x2
    assert types(app)[:5] == ["conv", "pool", "conv", "conv", "pool"]
    assert app.session_state["arch_layers"][3]["filters"] == 16 and uid(app, 3) != uid(app, 2)
    assert not app.error  # the second 5x5 sees 8x8 of 16 channels
    assert shown_rows(app)[4] == ("conv3", "16×4×4", (25 * 16 + 1) * 16)
    assert_table_and_diagram_follow_arch(app)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_cost_is_shown_live_for_the_chosen_batch(app):
    spec = design(app)
    cal = cost.cached_calibration(jobs.train_threads())
    assert metric(app, "Multiply-adds per image") == f"{cost.macs_per_image(spec):,}" == "281,640"
    assert metric(app, "Training memory") == f"{cost.peak_memory_bytes(spec, 64) / 2**20:,.1f} MB"
    seconds = cost.epoch_seconds(spec, 3_600, 400, 64, cal)  # the sample: 4,000 training digits, 10% held out
    assert metric(app, "Estimated time per epoch") == f"{seconds:.1f} s"

    app.select_slider(key="arch_batch").set_value(256).run()
    assert metric(app, "Training memory") == f"{cost.peak_memory_bytes(spec, 256) / 2**20:,.1f} MB"
    assert metric(app, "Estimated time per epoch") == f"{cost.epoch_seconds(spec, 3_600, 400, 256, cal):.1f} s"
    app.button(key="arch_train").click().run()
    assert app.number_input(key="train_batch").value == 256  # Train takes the batch the estimate was for


def test_a_design_too_large_to_train_says_so_before_anything_is_built(app):
    huge = {
        "input_shape": [1, 28, 28],
        "layers": [{"type": "conv", "filters": 4096, "padding": 1}] * 17
        + [{"type": "flatten"}, {"type": "dense", "units": 10, "activation": "none"}],
    }
    app.text_area(key="arch_import_text").set_value(json.dumps(huge))
    app.button(key="arch_import_btn").click().run()
    assert total(app) == "2,448,138,250"
    assert app.button(key="arch_train").disabled
    assert any(
        "Too large to train here: 2,448,138,250 parameters, more than the 50,000,000 this explorer trains" in c.value
        for c in app.caption
    )
    assert not app.exception


def test_the_lesson_opens_its_network_in_the_builder(calibrated):
    from cnnviz import lesson_steps

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.session_state["lesson_step"] = 1 + [step.id for step in lesson_steps.STEPS].index("deep-cnn")
    at.switch_page("pages/lesson.py").run()
    assert any("Estimated for this computer:" in c.value for c in at.caption)  # instead of a guess
    at.button(key="lesson_build_deep-cnn").click().run()
    assert at.title[0].value == "Architecture"
    assert any("Deeper CNN from the lesson is loaded" in s.value for s in at.success)
    assert total(at) == f"{arch.total_params(presets.preset_spec('deep-cnn')):,}"
    assert not at.exception
