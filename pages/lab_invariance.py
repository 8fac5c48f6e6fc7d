"""Lab: invariance. A CNN and an MLP on shifted, turned and scaled test digits; where pooling helps and where not."""

import numpy as np
import streamlit as st

from cnnviz import figures, invariance, presets, runs, ui
from cnnviz.i18n import N_
from cnnviz.ui import t

ui.ensure_navigation()

SHOWN = {"shift": (0, 2, 4, 8), "rotate": (-60, -30, 30, 60), "scale": (0.5, 0.7, 1.3, 1.5)}  # example pictures
SMALL, LARGE = 1, 4  # pixels: a shift inside LeNet's first 2x2 pooling window, and one as wide as both windows
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


def _name(record) -> str:
    """The network's name as the learner knows it: its preset's title, else the run's own name."""
    return t(presets.PRESETS[record.preset].title) if record.preset in presets.PRESETS else record.name


def _caption(kind: str, amount) -> str:
    if kind == "shift":
        return t("{d} px", d=amount)
    return t("{a}°", a=amount) if kind == "rotate" else t("×{s}", s=amount)


def _train_button(config, label: str, primary: bool) -> None:
    if st.button(label, key="inv_train", icon=":material/play_arrow:", type="primary" if primary else "secondary"):
        if ui.start_training(config, loaded.split):
            st.rerun()


st.title(t("Lab: shifted, turned and scaled digits"))
st.markdown(
    t(
        "**The claim.** A convolution slides the same kernel over every place of the image, so when the "
        "digit moves its feature maps move with it. A pooling layer summarises each small window, so a shift "
        "smaller than the window barely changes its output: stacked convolutions and pooling make LeNet "
        "tolerate small shifts (LeCun and colleagues, 1998). That tolerance is only partial: larger shifts "
        "still change what the dense layers at the end see, and small moves can already change a network's "
        "answer (Azulay and Weiss, 2019). Neither a convolution nor pooling gives invariance to turning or "
        "scaling. An MLP has none of it: every pixel has its own weights."
    )
)
loaded = ui.require_loaded()
st.caption(ui.run_caption(loaded))
want = invariance.partner_config(loaded.record)
mine_cnn = invariance.is_convolutional(loaded.spec)
if not mine_cnn:
    st.info(
        t(
            "Your run is an MLP: it has no convolution layer. It is compared here with a CNN, {name}, trained on "
            "the same dataset with the same settings.",
            name=t(presets.get_preset(want.preset).title),
        )
    )
partners = invariance.find_partners(loaded.record, runs.list_runs())
ready = next((r for r in partners if r.status == "finished" and r.has_weights), None)
live = next((r for r in partners if r.status in runs.LIVE), None)
same = ready is not None and invariance.same_settings(ready.record, want)
partner_title = t(presets.get_preset(want.preset).title)
if ready is None or not same:
    epochs = t("{n} epoch(s)", n=want.epochs)
    if ready is None:
        st.markdown(
            t(
                "The comparison needs {name} trained on the same dataset with the same settings ({epochs}, "
                "batch size {batch}). It trains in the background, a few seconds on the MNIST sample.",
                name=partner_title,
                epochs=epochs,
                batch=want.batch_size,
            )
        )
    else:
        st.caption(
            t(
                "Compared with run {run}, trained with other settings than yours. For a fair comparison, train "
                "{name} with your run's settings ({epochs}, batch size {batch}).",
                run=ready.run_id,
                name=partner_title,
                epochs=epochs,
                batch=want.batch_size,
            )
        )
    if live is not None:
        ui.live_progress(live.run_id)
    else:
        _train_button(want, t("Train {name} with the same settings", name=partner_title), primary=ready is None)
        if ready is None and partners and partners[0].status not in runs.LIVE:
            st.warning(
                t(
                    "The last {name} run ended as '{status}' without weights.",
                    name=partner_title,
                    status=ui.status_label(partners[0].status),
                )
            )
    if ready is None:
        st.stop()

other = ui.loaded_run(ready)
n_images = min(invariance.N_IMAGES, len(loaded.split.y_test))
if n_images == 0:
    st.info(t("This dataset has no test images, so there is nothing to shift, turn or scale."))
    st.stop()
with st.spinner(t("Moving, turning and scaling {n} test images…", n=n_images)):
    measured = {_name(loaded.record): ui.invariance_curves(loaded), _name(other.record): ui.invariance_curves(other)}
if len(set(measured)) < 2:  # two runs of one preset cannot happen (one is an MLP), but names can clash
    measured = {
        f"{_name(loaded.record)} ({loaded.run_id})": ui.invariance_curves(loaded),
        f"{_name(other.record)} ({other.run_id})": ui.invariance_curves(other),
    }
(mine, mine_c), (theirs, theirs_c) = measured.items()
sevens = np.flatnonzero(loaded.test_labels() == 7) if loaded.info.is_digits else []
picture = loaded.split.x_test[sevens[0] if len(sevens) else 0].numpy()  # (C, H, W): a 7 shows a turn plainly
for kind in invariance.KINDS:
    chart, pictures = st.columns([2, 1])
    ui.chart(
        chart,
        figures.accuracy_against(
            list(mine_c.amounts[kind]),
            {name: c.accuracy[kind] for name, c in measured.items()},
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
st.markdown(
    "\n".join(
        [
            "- "
            + t(
                "shifted {d} px, {mine} keeps {a} and {theirs} {b};",
                d=3,
                mine=mine,
                theirs=theirs,
                a=pct(mine_c.at("shift", 3)),
                b=pct(theirs_c.at("shift", 3)),
            ),
            "- "
            + t(
                "shifted {d} px, {mine} keeps {a} and {theirs} {b};",
                d=6,
                mine=mine,
                theirs=theirs,
                a=pct(mine_c.at("shift", 6)),
                b=pct(theirs_c.at("shift", 6)),
            ),
            "- "
            + t(
                "turned {a}°, {mine} keeps {x} and {theirs} {y};",
                a=30,
                mine=mine,
                theirs=theirs,
                x=pct(mine_c.at("rotate", 30)),
                y=pct(theirs_c.at("rotate", 30)),
            ),
            "- "
            + t(
                "shrunk to {s}, {mine} keeps {x} and {theirs} {y}.",
                s="70%",
                mine=mine,
                theirs=theirs,
                x=pct(mine_c.at("scale", 0.7)),
                y=pct(theirs_c.at("scale", 0.7)),
            ),
        ]
    )
)

st.subheader(t("Where pooling helps, and where it does not"))
cnn = loaded if mine_cnn else other
similarity = ui.map_similarity(cnn)
layers = list(similarity)
ui.chart(
    st,
    figures.similarity_against(
        list(invariance.FEATURE_SHIFTS),
        similarity,
        x_title=t("shift to the right (pixels)"),
        title=t("How alike {name}'s maps stay when the image shifts", name=_name(cnn.record)),
    ),
    key="inv_maps",
    help=t(
        "One line per convolution (after its activation) and pooling layer: the cosine similarity of the "
        "layer's maps for the shifted image and for the image itself, place by place, averaged over the "
        "test images (1 = unchanged, 0 = nothing in common). A convolution's maps move with the image, so "
        "they stop matching at once; each pooling layer keeps more of its maps for a small shift."
    ),
)
pools = invariance.pooling_layers(cnn.model) or layers[-1:]
st.markdown(
    t(
        "**Measured.** Shifted {small} px, the first convolution's maps ({first}) keep a similarity of {c1} "
        "and the last pooled maps ({last}) {p1}; shifted {large} px, {c4} and {p4}. Pooling forgives a shift "
        "inside its window, not a large one.",
        small=SMALL,
        large=LARGE,
        first=layers[0],
        last=pools[-1],
        c1=f"{similarity[layers[0]][SMALL]:.2f}",
        p1=f"{similarity[pools[-1]][SMALL]:.2f}",
        c4=f"{similarity[layers[0]][LARGE]:.2f}",
        p4=f"{similarity[pools[-1]][LARGE]:.2f}",
    )
)
st.caption(
    t(
        "Measured on this run and its partner, on the first test images, each moved with black filling where "
        "the image left (bilinear interpolation). Training on shifted, turned and scaled copies of the images "
        "(data augmentation) is how networks are usually taught to forgive such changes."
    )
)
st.page_link(
    "pages/feature_maps.py", label=t("See the maps move with the digit: Feature maps"), icon=":material/layers:"
)
st.page_link(
    "pages/explain.py",
    label=t("See which pixels the network looks at: Explain a decision"),
    icon=":material/psychology:",
)
