"""Lab: shortcut learning. A white square on every image of one digit: the network learns the square, not the digit."""

import streamlit as st

from cnnviz import data, figures, folders, runs, shortcut, shortcut_apart, ui
from cnnviz.ui import t

ui.ensure_navigation()


def pct(value: float) -> str:
    return f"{value:.0%}"


def inspect(run_id: str) -> None:
    """A button's callback: the sidebar's run becomes this one (a callback runs before the sidebar is drawn)."""
    st.session_state["run_id"] = run_id


st.title(t("Lab: shortcut learning"))
st.markdown(
    t(
        "**The claim.** A network learns the easiest rule that fits its training images, whether or not it is "
        "the rule we meant. Put a small white square in the corner of every image of one digit: the square "
        "alone tells that digit apart, and the network learns to look for it. The test accuracy looks fine as "
        "long as the test images carry the square the same way; move the square or take it away and the "
        "network fails, and Grad-CAM shows it looking at the square. Geirhos and colleagues (2020) call this "
        "shortcut learning, and collect examples of it from networks for photos, X-rays and text."
    )
)

sample = ui.load_dataset("mnist-sample")
digits = list(range(len(sample.info.classes)))
ui.keep_valid("sc_digit", digits, 7, url="digit")
digit = st.selectbox(t("Digit that carries the watermark"), digits, key="sc_digit")
st.markdown(
    t(
        "**The experiment.** Every training and test image of the digit {digit} gets a white square of {mark}×"
        "{mark} pixels in its top left corner. LeNet-5 trains on these images for {epochs} epochs; a control "
        "run trains the same way, from the same random weights, on the same images without the square. Both "
        "are then tested on four versions of the test set:",
        digit=digit,
        mark=shortcut.MARK,
        epochs=shortcut.EPOCHS,
    )
)
pictures, _ = shortcut.variant_examples(sample.x_test, sample.y_test, digit)
ui.chart(
    st,
    figures.image_gallery(pictures, [t(v) for v in shortcut.VARIANTS], max_cols=4),
    key="sc_variants",
    help=t(
        "The same test image of the marked digit as in training, with the square taken away, and with the "
        "square moved to the opposite corner; last, an image of another digit with the square stamped on it, "
        "as every test image is in the fourth test."
    ),
)

try:  # the runs must open on the other screens, which read image folders only where the server allows
    folders.check_folder_allowed(shortcut.dataset_name(digit))
except data.DatasetError as e:
    st.error(t("The experiment could not run: {reason}", reason=ui.reason(e)))
    st.stop()
found = shortcut.find_experiment(digit)
if found is None:
    st.info(
        t(
            "No experiment with the digit {digit} marked yet. It writes the images as files once, then trains two "
            "small networks in a process of their own: under a minute.",
            digit=digit,
        ),
        icon=":material/science:",
    )
    clicked = st.button(t("Run the experiment"), type="primary", icon=":material/play_arrow:", key="sc_run")
else:
    clicked = st.button(t("Run again from new random weights"), icon=":material/replay:", key="sc_run")
if clicked:
    bar = st.progress(0.0, text=t("Preparing the images…"))
    try:
        seed = found[2] + 1 if found else 0  # "run again" starts both networks from other random weights
        # measured by the same process: kept for the next script run, which would otherwise measure it again
        st.session_state["sc_measured"] = shortcut_apart.run_apart(
            digit, seed, lambda f, message: bar.progress(f, text=ui.reason(message))
        )
    except (ValueError, OSError) as e:
        bar.empty()
        st.error(t("The experiment could not run: {reason}", reason=ui.reason(e)))
        st.stop()
    st.rerun()  # drawn again with the new runs found, and the button now offering to run again
if found is None:
    st.stop()

marked_id, control_id, _ = found
ids, result = st.session_state.get("sc_measured", (None, None))
if ids != (marked_id, control_id):
    with st.spinner(t("Testing both networks on the four test sets and computing Grad-CAM…")):
        try:
            result = ui.shortcut_result(runs.read_run(marked_id), runs.read_run(control_id), digit)
        except (ValueError, OSError) as e:
            st.error(t("The experiment could not run: {reason}", reason=ui.reason(e)))
            st.stop()
mine = {run: {v: s.marked_accuracy for v, s in by.items()} for run, by in result.scores.items()}
whole = {run: {v: s.accuracy for v, s in by.items()} for run, by in result.scores.items()}
called = {run: by["mark on every image"].called_marked for run, by in result.scores.items()}
names = {"watermarked": t("watermarked run"), "control": t("control run")}

st.subheader(t("Measured on your two runs"))
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
        variants, {names[r]: list(mine[r].values()) for r in names}, title=t("The {digit}s recognised", digit=digit)
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

st.markdown(
    t(
        "**Where the network looks.** Grad-CAM for the class {digit}, on {digit}s as in training, puts {mass} "
        "of its map on the square and the {margin} pixels around it (the dotted box) for the watermarked "
        "run, {c_mass} for the control. The box covers {share} of the image: an even map would put {share} "
        "there.",
        digit=digit,
        mass=pct(result.mass["watermarked"]),
        c_mass=pct(result.mass["control"]),
        margin=shortcut.REGION_MARGIN,
        share=pct(result.region_share),
    )
)
box = shortcut.region_box(tuple(result.examples.shape[1:]))
ui.chart(
    st,
    figures.overlay_grid(
        result.examples,
        {names[r]: result.heat[r] for r in names},
        box=box,
        title=t("Grad-CAM for the class {digit} on four of its test images", digit=digit),
    ),
    key="sc_gradcam",
    help=t(
        "Each panel is a test image with the Grad-CAM map over it: red where the last convolution layer's "
        "features raise the class score most, blue where they do not. The top row is the watermarked run, "
        "the bottom row the control; the dotted box is the watermark's region."
    ),
)
a, b, c = st.columns(3)
a.metric(t("Grad-CAM on the box: watermarked run"), pct(result.mass["watermarked"]))
b.metric(t("Grad-CAM on the box: control run"), pct(result.mass["control"]))
c.metric(t("An even map"), pct(result.region_share))
st.caption(
    t(
        "Measured on runs {marked} and {control}, trained here; Run again trains both from other random "
        "weights, and the numbers move a little.",
        marked=marked_id,
        control=control_id,
    )
)

st.subheader(t("Look closer"))
for run, run_id in (("watermarked", marked_id), ("control", control_id)):
    row = st.columns([2, 1, 1, 1])
    row[0].markdown(t("**{name}** (test accuracy {acc})", name=names[run], acc=pct(whole[run]["as in training"])))
    for column, (page, label, icon) in zip(
        row[1:],
        (
            ("pages/explain.py", t("Explain a decision"), ":material/psychology:"),
            ("pages/feature_maps.py", t("Feature maps"), ":material/layers:"),
            ("pages/kernels.py", t("Kernels"), ":material/grid_view:"),
        ),
    ):
        if column.button(label, key=f"sc_{run}_{page}", icon=icon, on_click=inspect, args=(run_id,)):
            st.switch_page(page)
st.caption(
    t(
        "Each button makes that run the sidebar's run to inspect and opens the screen: on Explain a decision, "
        "pick a {digit} and see the map go to the corner.",
        digit=digit,
    )
)
