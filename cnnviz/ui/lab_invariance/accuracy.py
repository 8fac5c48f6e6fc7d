"""Invariance lab, the accuracies: each network's test accuracy with every test image shifted, turned or scaled,
a chart per transformation beside one test image moved by some of its amounts, and the result told in numbers."""

from __future__ import annotations

import streamlit as st

from ... import invariance, ui
from ..cache import figures
from ...i18n import N_
from ...loaded import LoadedRun
from ..text import t
from .common import name

SHOWN = {"shift": (0, 2, 4, 8), "rotate": (-60, -30, 30, 60), "scale": (0.5, 0.7, 1.3, 1.5)}  # example pictures
X_TITLES = {
    "shift": N_("shift to the right (pixels)"),
    "rotate": N_("turned clockwise (degrees)"),
    "scale": N_("zoom factor (1 = unchanged)"),
}
CHART_TITLES = {
    "shift": N_("Accuracy on shifted test images"),
    "rotate": N_("Accuracy on turned test images"),
    "scale": N_("Accuracy on scaled test images"),
}


def _caption(kind: str, amount) -> str:
    if kind == "shift":
        return t("{d} px", d=amount)
    return t("{a}°", a=amount) if kind == "rotate" else t("×{s}", s=amount)


def test_images(loaded: LoadedRun) -> int:
    """How many test images each accuracy is measured on; the page stops when the dataset has none."""
    n_images = min(invariance.N_IMAGES, len(loaded.split.y_test))
    if n_images == 0:
        st.info(t("This dataset has no test images, so there is nothing to shift, turn or scale."))
        st.stop()
    return n_images


def measured(loaded: LoadedRun, other: LoadedRun, n_images: int) -> dict[str, invariance.Curves]:
    """Both networks' accuracy curves by their names (shown in the legends): the run's first, then its partner's."""
    with st.spinner(t("Moving, turning and scaling {n} test images…", n=n_images)):
        curves = [ui.invariance_curves(loaded), ui.invariance_curves(other)]
    names = invariance.distinct_names([name(loaded.record), name(other.record)], [loaded.run_id, other.run_id])
    return dict(zip(names, curves))


def accuracy_charts(loaded: LoadedRun, curves: dict[str, invariance.Curves]) -> None:
    """Per transformation, the accuracy chart beside one test image (a 7 on digits) moved by some of its amounts."""
    amounts = next(iter(curves.values())).amounts
    picture = loaded.split.x_test[invariance.example_index(loaded.test_labels(), loaded.info.is_digits)].numpy()
    for kind in invariance.KINDS:
        chart, pictures = st.columns([2, 1])
        ui.chart(
            chart,
            figures.accuracy_against(
                list(amounts[kind]),
                {network: c.accuracy[kind] for network, c in curves.items()},
                x_title=t(X_TITLES[kind]),
                title=t(CHART_TITLES[kind]),
            ),
            key=f"inv_{kind}",
            help=t(
                "Test accuracy (up) of each network with every test image shifted to the right by the number of "
                "pixels across; black fills the columns the image left. A line that stays high means the network "
                "still recognises moved digits; a line that falls means it relies on where the strokes are."
            )
            if kind == "shift"
            else t(
                "Test accuracy (up) of each network with every test image turned about its centre by the angle "
                "across (clockwise is positive). Both lines peak at 0°: neither a convolution nor pooling makes a "
                "network forgive a turn it never saw in training."
            )
            if kind == "rotate"
            else t(
                "Test accuracy (up) of each network with every test image zoomed about its centre by the factor "
                "across (below 1 smaller, above 1 larger). Both lines peak at 1: a kernel of fixed size matches "
                "strokes of one size."
            ),
        )
        shown = invariance.examples(picture, kind, SHOWN[kind])  # (n, C, H, W)
        ui.chart(
            pictures,
            figures.image_gallery(
                shown[:, 0] if shown.shape[1] == 1 else shown.transpose(0, 2, 3, 1),
                [_caption(kind, a) for a in SHOWN[kind]],
                max_cols=2,
            ),
            key=f"inv_examples_{kind}",
            height=330,
            help=t(
                "One test image moved by some of the amounts of the chart beside it, exactly as every test "
                "image was moved for the measurement; black fills where the image left."
            ),
        )


def accuracy_summary(curves: dict[str, invariance.Curves], n_images: int) -> None:
    """The accuracies told in numbers: unmoved, shifted 3 and 6 px, turned 30° and shrunk to 70%."""
    (mine, mine_c), (theirs, theirs_c) = curves.items()
    pct = "{:.0%}".format
    st.markdown(
        t(
            "**Measured on this run** ({n} test images; unshifted {mine} gets {a0} right and {theirs} {b0}):",
            n=f"{n_images:,}",
            mine=mine,
            theirs=theirs,
            a0=pct(mine_c.at("shift", 0)),
            b0=pct(theirs_c.at("shift", 0)),
        )
    )

    def keeps(kind: str, amount: float, names: tuple[str, str] = ("x", "y")) -> dict:
        """The two networks and their accuracies at one move, under the names the sentence's translation uses."""
        return {
            "mine": mine,
            "theirs": theirs,
            **dict(zip(names, (pct(mine_c.at(kind, amount)), pct(theirs_c.at(kind, amount))))),
        }

    rows = [
        t("shifted {d} px, {mine} keeps {a} and {theirs} {b};", d=3, **keeps("shift", 3, ("a", "b"))),
        t("shifted {d} px, {mine} keeps {a} and {theirs} {b};", d=6, **keeps("shift", 6, ("a", "b"))),
        t("turned {a}°, {mine} keeps {x} and {theirs} {y};", a=30, **keeps("rotate", 30)),
        t("shrunk to {s}, {mine} keeps {x} and {theirs} {y}.", s="70%", **keeps("scale", 0.7)),
    ]
    st.markdown("\n".join("- " + row for row in rows))
