"""Tests for cnnviz.lesson_steps: the lesson's steps in teaching order, their texts, and step numbers from URLs."""

import re
from pathlib import Path

import pytest

from cnnviz import i18n, lesson_steps

APP = str(Path(__file__).resolve().parents[1] / "app.py")
N = len(lesson_steps.STEPS)


def test_registry_has_the_steps_in_the_teaching_order():
    assert lesson_steps.STEP_IDS == (
        "kernel",
        "cross-correlation",
        "shared-weights",
        "channels",
        "stride-padding",
        "relu",
        "pooling",
        "dropout",
        "kernel-gradient",
        "lenet5",
        "softmax-loss",
        "deep-cnn",
        "mlp-vs-cnn",
        "mistakes",
        "learned-kernels",
    )
    pages = {p.stem for p in (Path(APP).parent / "pages").glob("*.py")}
    for step in lesson_steps.STEPS:
        assert Path(step.page).stem in pages
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", step.body.strip()) if s]
        assert 2 <= len(sentences) <= 5, step.id
        assert not re.search(r"[\u4e00-\u9fff]", step.title + step.body)  # written for the explorer, in English


def test_every_title_and_body_is_found_by_the_translation_scan():
    found = i18n.source_strings([Path(lesson_steps.__file__)])
    for step in lesson_steps.STEPS:
        assert step.title in found and step.body in found


def test_parse_and_get_step():
    assert lesson_steps.parse_step("4") == 4
    assert lesson_steps.parse_step(" pooling ") == 7
    assert lesson_steps.parse_step(None) is None
    for bad in ("0", "16", "-1", "two", "", "4.5", "²", "٣", "9" * 5000):  # superscripts and other digits too
        assert lesson_steps.parse_step(bad) is None
    assert lesson_steps.get_step(1).id == "kernel" and lesson_steps.get_step(N).id == "learned-kernels"
    with pytest.raises(ValueError, match="steps are 1..15"):
        lesson_steps.get_step(0)
