"""Lab: the adversarial nudge. The smallest gradient-sign change that flips a trained network's answer."""

import numpy as np
import streamlit as st

from cnnviz import adversarial, ui
from cnnviz.ui.cache import figures
from cnnviz.ui import t

ui.ensure_navigation()

SAMPLE_IMAGES = 100  # test images the lab's measured claim is made on


st.title(t("Lab: the adversarial nudge"))
st.markdown(
    t(
        "**The claim.** A change that leaves the digit plainly the same digit to a person can flip a trained "
        "network's answer. The network adds up many small pixel changes, each pushed in the direction that "
        "hurts it most, into a large change of its scores. Such an image is called an adversarial example. On "
        "small digit networks the change usually shows as a faint haze; on large photo networks it can be "
        "invisible (Goodfellow and colleagues needed under 1% of the brightness range)."
    )
)
loaded = ui.require_loaded()
model, split, names = loaded.model, loaded.split, list(loaded.classes)

with st.spinner(t("Nudging {n} test images…", n=SAMPLE_IMAGES)):
    sizes = ui.adversarial_flips(loaded, SAMPLE_IMAGES)
flipped = sizes[sizes > 0]
if len(flipped):
    st.markdown(
        t(
            "**Measured on this run.** Of the {n} images it gets right among the first {total} test images, "
            "{k} change answer with a nudge of at most {most} grey levels out of 255; half of those with "
            "{median} or less.",
            n=len(sizes),
            total=SAMPLE_IMAGES,
            k=len(flipped),
            most=adversarial.MAX_GREY,
            median=int(np.median(flipped)),
        )
    )
else:
    st.markdown(
        t(
            "**Measured on this run.** None of the {n} images it gets right among the first {total} test "
            "images changes answer with a nudge of up to {most} grey levels: this network is unusually hard "
            "to fool.",
            n=len(sizes),
            total=SAMPLE_IMAGES,
            most=adversarial.MAX_GREY,
        )
    )

picked = ui.pick_test_image("adv", split, names)
if picked is None:
    st.stop()
image, label, _ = picked
nudge = adversarial.smallest_flip(model, image, label, split.info)
left, right = st.columns(2)


def channels_last(pixels: np.ndarray) -> np.ndarray:
    """(C, H, W) grey levels as a picture: (H, W) for grey, (H, W, 3) for colour, uint8."""
    u8 = np.clip(np.round(pixels), 0, 255).astype(np.uint8)
    return u8[0] if u8.shape[0] == 1 else u8.transpose(1, 2, 0)


ui.chart(
    left,
    figures.image_gallery(
        np.stack([channels_last(nudge.original), channels_last(nudge.nudged)]),
        [
            t("the test image: {name}", name=names[nudge.predicted_before]),
            t("nudged: {name}", name=names[nudge.predicted_after]),
        ],
        max_cols=2,
    ),
    key="adv_images",
    help=t(
        "Left the test image, right the same image nudged; each caption gives the network's answer. "
        "Every pixel moved by the same number of grey levels, up or down: a person still reads the same "
        "digit."
    ),
)
ui.chart(
    right,
    figures.feature_map_grid(
        nudge.difference[:1] if image.shape[0] == 1 else nudge.difference,
        titles=[t("the nudge (nudged − original)")]
        if image.shape[0] == 1
        else [t("red channel"), t("green channel"), t("blue channel")],
        max_cols=3,
    ),
    key="adv_difference",
    help=t(
        "What was added to each pixel, in grey levels: blue brightened, red darkened, white unchanged "
        "(a pixel already at black or white cannot move further, so it stays white)."
    ),
)
if nudge.grey is None:
    st.info(
        t(
            "No nudge up to {most} grey levels changes this image's answer. Try another image.",
            most=adversarial.MAX_GREY,
        )
    )
else:
    st.success(
        t(
            "A nudge of {grey} grey levels per pixel (at most) turns {before} into {after}.",
            grey=nudge.grey,
            before=ui.plain(names[nudge.predicted_before]),
            after=ui.plain(names[nudge.predicted_after]),
        )
    )
a, b = st.columns(2)
ui.chart(
    a,
    figures.probability_bars(nudge.probs_before, names, label, title=t("Before the nudge")),
    key="adv_before",
    help=t(
        "The network's probability for every class on the test image; the true class "
        "is marked. Compare with the bars after the nudge."
    ),
)
ui.chart(
    b,
    figures.probability_bars(nudge.probs_after, names, label, title=t("After the nudge")),
    key="adv_after",
    help=t(
        "The same network on the nudged image: the probability moved to another class, "
        "although the picture barely changed."
    ),
)
st.caption(
    t(
        "How it works: the gradient of the loss for the true class says, for every pixel, whether brightening "
        "or darkening it hurts the network most (the fast gradient sign method, Goodfellow and colleagues, "
        "2015). Every pixel moves by the same amount in that direction, and the amount grows one grey level at "
        "a time until the answer changes."
    )
)
st.page_link(
    "pages/explain.py",
    label=t("See which pixels the network looks at: Explain a decision"),
    icon=":material/psychology:",
)
