"""Shortcut lab, the accuracies: how many of the marked digits each run recognises on every test set, and how it
scores on the whole test set."""

from __future__ import annotations

import streamlit as st

from ... import shortcut, ui
from ..cache import figures
from ..text import t
from .common import pct, run_names


def accuracy_section(result: shortcut.Result, digit: int) -> None:
    """The result told in numbers, then a bar chart for the marked digit beside one for the whole test set."""
    mine, whole = shortcut.accuracies(result), shortcut.accuracies(result, marked_only=False)
    called, names = shortcut.called_marked(result), run_names()
    st.markdown(
        t(
            "**The result.** On the test images as in training the watermarked run recognises {as_trained} of the "
            "{digit}s (the control {c_as_trained}). Without the square it recognises {removed} of them (the "
            "control {c_removed}), with the square in the other corner {moved} (the control {c_moved}); with the "
            "square on every image it calls {called} of the other digits a {digit} (the control {c_called}).",
            digit=digit,
            as_trained=pct(mine["watermarked"]["as in training"]),
            c_as_trained=pct(mine["control"]["as in training"]),
            removed=pct(mine["watermarked"]["mark removed"]),
            c_removed=pct(mine["control"]["mark removed"]),
            moved=pct(mine["watermarked"]["mark moved"]),
            c_moved=pct(mine["control"]["mark moved"]),
            called=pct(called["watermarked"]),
            c_called=pct(called["control"]),
        )
    )
    variants = [t(v) for v in shortcut.VARIANTS]
    left, right = st.columns(2)
    ui.chart(
        left,
        figures.grouped_accuracy(
            variants,
            {names[r]: list(mine[r].values()) for r in names},
            title=t("The {digit}s recognised", digit=digit),
        ),
        key="sc_marked_accuracy",
        help=t(
            "Each group is one version of the test set, each colour one network; the bar is the share of the "
            "marked digit's test images the network gets right. A network that learned the digit keeps its bars "
            "level; one that learned the square loses them when the square is gone or moved."
        ),
    )
    ui.chart(
        right,
        figures.grouped_accuracy(
            variants, {names[r]: list(whole[r].values()) for r in names}, title=t("The whole test set")
        ),
        key="sc_whole_accuracy",
        help=t(
            "The same networks scored on all ten digits. The first group is what an ordinary test reports: "
            "both look fine. With the square on every image, a network that learned the square calls many other "
            "digits by the marked digit's name, and its accuracy falls."
        ),
    )
