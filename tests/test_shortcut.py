"""The shortcut-learning lab: the watermark lands exactly where said, the watermarked run leans on it and the
control does not, Grad-CAM finds it, and the screen shows the experiment in both languages."""

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from figuretest import ok, reversed_equal_aspect
from pagetest import APP, array, find_chart, tiles
from test_chinese_screens import _texts, english_left
from cnnviz import data, figures, shortcut


def test_the_watermark_its_region_and_the_test_variants():
    assert shortcut.mark_box((28, 28), "top left") == (1, 1, 7, 7)
    assert shortcut.mark_box((28, 28), "bottom right") == (21, 21, 27, 27)
    assert shortcut.region_box((28, 28)) == (0, 0, 9, 9)  # grown by 2 px, clipped at the image's edge
    assert shortcut.region((28, 28)).sum() == 81
    x = torch.zeros(3, 1, 28, 28, dtype=torch.uint8)
    y = torch.tensor([7, 3, 7])
    marked = shortcut.stamp(x, "top left", y == 7)
    assert x.sum() == 0  # the originals are left alone
    assert [int(m.sum()) // 255 for m in marked] == [36, 0, 36] and bool((marked[0, 0, 1:7, 1:7] == 255).all())
    variants = shortcut.test_variants(x, y, 7)
    assert list(variants) == list(shortcut.VARIANTS)
    assert torch.equal(variants["as in training"], marked) and variants["mark removed"].sum() == 0
    assert bool((variants["mark moved"][[0, 2], 0, 21:27, 21:27] == 255).all()) and variants["mark moved"][1].sum() == 0
    assert [int(m.sum()) // 255 for m in variants["mark on every image"]] == [36, 36, 36]
    split = data.DataSplit(data.get_info("mnist-sample"), x, y, x, y)
    both = shortcut.watermarked_split(split, 7)
    assert torch.equal(both.x_train, marked) and torch.equal(both.x_test, marked)
    with pytest.raises(ValueError, match="class index"):
        shortcut.watermarked_split(split, 10)


def test_the_share_of_a_map_inside_the_region_by_hand():
    mask = np.zeros((4, 4), bool)
    mask[:2, :2] = True
    heat = np.zeros((3, 4, 4))
    heat[0, 0, 0] = 1.0  # all inside
    heat[1, 0, 0], heat[1, 3, 3] = 0.5, 1.5  # a quarter inside
    np.testing.assert_allclose(shortcut.mass_in(heat, mask), [1.0, 0.25, 0.0])  # an empty map puts nothing there


def test_the_lab_figures():
    fig = ok(figures.grouped_accuracy(["a", "b", "<c>"], {"one": [0.5, 1.0, 0.25], "two": [1, 1, 1]}))
    assert [t.name for t in fig.data] == ["one", "two"] and list(fig.data[0].x) == ["a", "b", "&lt;c&gt;"]
    np.testing.assert_array_equal(fig.data[0].y, [0.5, 1.0, 0.25])
    assert fig.layout.barmode == "group" and fig.data[0].marker.color != fig.data[1].marker.color
    with pytest.raises(ValueError, match="3 test sets but 2"):
        figures.grouped_accuracy(["a", "b", "c"], {"one": [0.5, 1.0]})
    images, heat = np.zeros((3, 5, 6), np.uint8), np.random.default_rng(0).random((3, 5, 6))
    fig = ok(figures.overlay_grid(images, {"top": heat, "bottom": heat[::-1]}, box=(0, 0, 2, 3)))
    assert [t.type for t in fig.data] == ["image", "heatmap"] * 6  # 2 rows x 3 images, each a picture and its map
    np.testing.assert_array_equal(fig.data[-1].z, heat[::-1][2])
    assert len(fig.layout.shapes) == 6 and (fig.layout.shapes[0].x1, fig.layout.shapes[0].y1) == (2.5, 1.5)
    reversed_equal_aspect(fig)
    with pytest.raises(ValueError, match="shape"):
        figures.overlay_grid(images, {"top": heat[:2]})


def test_the_experiment_on_the_screen(isolated_home):
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/lab_shortcut.py")
    at.run()
    assert not at.exception, at.exception
    assert shortcut.find_experiment(7) is None and find_chart(at, "sc_marked_accuracy") is None
    assert len(tiles(find_chart(at, "sc_variants"))) == 4
    at.button(key="sc_run").click().run()  # writes the two datasets, trains both runs here (about 10 s)
    assert not at.exception, at.exception
    marked_id, control_id, seed = shortcut.find_experiment(7)
    assert seed == 0 and shortcut.find_experiment(3) is None

    # the datasets on disk are the sample's images, in the sample's order, with the square on the 7s only
    sample, plain = data.load("mnist-sample"), data.load(shortcut.dataset_name(None))
    watermarked = data.load(shortcut.dataset_name(7))
    for c in (3, 7):
        assert torch.equal(plain.x_test[plain.y_test == c], sample.x_test[sample.y_test == c])
    sevens = watermarked.x_test[watermarked.y_test == 7]
    assert bool((sevens[:, 0, 1:7, 1:7] == 255).all()) and torch.equal(
        watermarked.x_test[watermarked.y_test != 7], plain.x_test[plain.y_test != 7]
    )

    result = shortcut.measure_runs(marked_id, control_id, 7)  # what the screen measured, in a process of its own
    wm, ctrl = result.scores["watermarked"], result.scores["control"]
    # an ordinary test says both are fine (measured: 99% and 93% of the 7s)
    assert wm["as in training"].marked_accuracy >= 0.9 and ctrl["as in training"].marked_accuracy >= 0.85
    # without the square the watermarked run misses many 7s (measured 99% -> 66%), the control hardly any (93 -> 92)
    assert wm["mark removed"].marked_accuracy <= wm["as in training"].marked_accuracy - 0.2
    assert ctrl["mark removed"].marked_accuracy >= ctrl["as in training"].marked_accuracy - 0.05
    assert wm["mark on every image"].called_marked >= 5 * ctrl["mark on every image"].called_marked  # 15% vs 1%
    # Grad-CAM for class 7 on marked 7s: measured 28% of the watermarked run's map in the 9x9 box (10% of the
    # image) against 2% of the control's. The bar (3x and 10 points more) leaves room for other machines' rounding
    # while a run that did not use the square (about the box's share of its map, or less) fails it.
    assert result.mass["watermarked"] >= 3 * result.mass["control"]
    assert result.mass["watermarked"] >= result.mass["control"] + 0.10
    assert result.region_share == pytest.approx(81 / 784)

    # the screen shows these numbers (the page measured the same runs)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Grad-CAM on the box: watermarked run"] == f"{result.mass['watermarked']:.0%}"
    assert metrics["Grad-CAM on the box: control run"] == f"{result.mass['control']:.0%}"
    text = " ".join(m.value for m in at.markdown)
    assert f"Without the square it recognises {wm['mark removed'].marked_accuracy:.0%} of them" in text
    bars = find_chart(at, "sc_marked_accuracy")["data"]
    assert [b["name"] for b in bars] == ["watermarked run", "control run"]
    np.testing.assert_allclose(array(bars[0]["y"]), [wm[v].marked_accuracy for v in shortcut.VARIANTS], atol=1e-6)
    assert len(find_chart(at, "sc_gradcam")["data"]) == 16  # 4 images x 2 runs, each an image and its map
    assert [b.label for b in at.button if b.key == "sc_run"] == ["Run again from new random weights"]

    at.button(key="sc_run").click().run()  # run again: both runs from other random weights
    assert not at.exception, at.exception
    again = shortcut.find_experiment(7)
    assert again[2] == 1 and set(again[:2]).isdisjoint((marked_id, control_id))
    assert f"Measured on runs {again[0]} and {again[1]}" in " ".join(c.value for c in at.caption)

    at.button(key="sc_watermarked_pages/explain.py").click().run()  # opens Explain a decision on that run
    assert not at.exception, at.exception
    assert at.session_state["run_id"] == again[0]

    zh = AppTest.from_file(APP, default_timeout=120)  # the results screen in Chinese, no English left
    zh.query_params["lang"] = "zh"
    zh.switch_page("pages/lab_shortcut.py")
    zh.run()
    assert not zh.exception, zh.exception
    assert len(zh.metric) == 3
    left = {text[:120]: words for text in _texts(zh) if (words := english_left(text))}
    assert not left, f"English on the Chinese screen: {left}"


def test_the_accuracies_read_from_a_result_and_the_next_seed():
    def by(*values):
        return {v: shortcut.Scores(*s) for v, s in zip(shortcut.VARIANTS, values)}

    scores = {
        "watermarked": by((0.9, 0.99, 0.0), (0.8, 0.6, 0.01), (0.85, 0.7, 0.02), (0.7, 0.98, 0.15)),
        "control": by((0.92, 0.93, 0.0), (0.92, 0.92, 0.0), (0.91, 0.92, 0.01), (0.9, 0.92, 0.01)),
    }
    empty = np.zeros((0, 28, 28))
    result = shortcut.Result(7, scores, {"watermarked": 0.3, "control": 0.02}, 0.1, empty, {})
    mine = shortcut.accuracies(result)
    assert list(mine) == ["watermarked", "control"] and list(mine["control"]) == list(shortcut.VARIANTS)
    assert list(mine["watermarked"].values()) == [0.99, 0.6, 0.7, 0.98]
    assert list(shortcut.accuracies(result, marked_only=False)["control"].values()) == [0.92, 0.92, 0.91, 0.9]
    assert shortcut.called_marked(result) == {"watermarked": 0.15, "control": 0.01}
    assert shortcut.called_marked(result, "mark moved") == {"watermarked": 0.02, "control": 0.01}
    assert shortcut.next_seed(None) == 0 and shortcut.next_seed(("a", "b", 0)) == 1
    assert shortcut.next_seed(("a", "b", 4)) == 5
