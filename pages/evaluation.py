"""Evaluation: test accuracy, the confusion matrix and its images, per-class accuracy, mistakes, two runs compared."""

import numpy as np
import streamlit as st

from cnnviz import evaluate, figures, metrics, ui
from cnnviz.ui import t

ui.ensure_navigation()

PAGE = 24  # images per gallery page ("show more" adds this many)
METRICS = ("val_acc", "val_loss", "train_loss", "train_acc")


def _gallery_images(split, indices: list[int]) -> np.ndarray:
    """Test images as (N, H, W) grey or (N, H, W, 3) colour, the layouts image_gallery takes."""
    x = split.x_test[indices].numpy()  # (N, C, H, W) uint8
    return x[:, 0] if x.shape[1] == 1 else x.transpose(0, 2, 3, 1)


def _captions(ev: evaluate.Evaluation, indices: list[int]) -> list[str]:
    names = ev.class_names
    return [
        t(
            "true {true} → {pred} ({conf:.0%})",
            true=names[ev.labels[i]],
            pred=names[ev.predictions[i]],
            conf=float(ev.confidence[i]),
        )
        for i in indices
    ]


def _gallery(
    ev, split, indices: list[int], total: int, counter: str, button_key: str, chart_key: str, max_cols: int = 8
) -> None:
    """A gallery of test images with 'true → predicted (confidence)' captions and a 'show more' button."""
    if not indices:
        st.info(t("No images here."))
        return
    st.caption(t("Showing {n} of {total}, most confident mistakes first.", n=len(indices), total=total))
    ui.chart(
        st,
        figures.image_gallery(_gallery_images(split, indices), _captions(ev, indices), max_cols=max_cols),
        key=chart_key,
        help=t(
            "Test images the network got wrong, the most confident mistakes first. Each caption reads "
            "true class → predicted class, with the network's probability for its wrong answer in "
            "brackets."
        ),
    )
    if len(indices) < total and st.button(t("Show more"), key=button_key, icon=":material/expand_more:"):
        st.session_state[counter] = st.session_state.get(counter, PAGE) + PAGE
        st.rerun()


def _why(loaded, index: int, at: int | None, names: list[str]) -> None:
    """One mistake taken apart: where the network looked, its top classes, the training images it finds alike, and
    its answer over training."""
    try:
        story = ui.mistake_story(loaded, index, at)
    except ValueError as e:
        st.info(ui.reason(e))
        return
    look, sure, alike = st.columns([1, 1, 2])
    _why_look(look, loaded, index, story)
    sure.markdown(
        t(
            "**True class:** {true}  \n**Chosen:** {pred}",
            true=ui.plain(names[story.label]),
            pred=ui.plain(names[story.predicted]),
        )
    )
    sure.markdown("\n".join(t("- {name}: {p:.1%}", name=ui.plain(names[c]), p=p) for c, p in story.top))
    _why_alike(alike, loaded, story, names)
    _why_history(loaded, story, at, names)


def _why_look(look, loaded, index: int, story) -> None:
    """Where the network looked (Grad-CAM over the image), or the image alone when there is no convolution layer."""
    image = ui.shown(loaded.split.x_test[index].numpy())
    if story.heat is not None:
        ui.chart(
            look,
            figures.overlay(image, story.heat, title=t("Where it looked")),
            key="ev_why_cam",
            height=320,
            help=t(
                "Grad-CAM for the class the network chose, over the image: the warm parts are where the last "
                "convolution layer found what made it choose that class. A mistake often shows it looking at "
                "a stroke that the wrong class also has."
            ),
        )
    else:
        ui.show_input(
            look,
            ui.Picked(
                np.zeros(0),
                loaded.split.x_test[index].numpy(),
                story.label,
                f"test-{index}",
                t("test image #{g}", g=index),
            ),
            key="ev_why_image",
        )


def _why_alike(alike, loaded, story, names: list[str]) -> None:
    """The training images the network finds most alike, nearest first, and their distances."""
    near = loaded.split.x_train[story.neighbours].numpy()  # (k, C, H, W) uint8
    ui.chart(
        alike,
        figures.image_gallery(
            ui.shown(near),
            [names[c] for c in story.neighbour_labels],
            max_cols=len(near),
            title=t("The training images it finds most alike"),
        ),
        key="ev_why_neighbours",
        help=t(
            "The training images nearest to this one in the network's own embedding (the numbers its last "
            "dense layer reads), nearest first, each with its true class. If they mostly belong to the wrong "
            "class, the network has filed this image among them."
        ),
    )
    alike.caption(
        t("Their distances in the embedding, nearest first: {d}.", d=", ".join(f"{d:.2f}" for d in story.distances))
    )


def _why_history(loaded, story, at: int | None, names: list[str]) -> None:
    """Its answer over training: the probabilities of the true and the chosen class, and when it went wrong."""
    if story.history is None:
        st.caption(t("This run has no whole-network snapshots, so its answer over training cannot be replayed."))
        return
    h = story.history
    ui.chart(
        st,
        figures.answer_over_training(
            h.steps,
            h.true_probability,
            h.chosen_probability,
            [names[c] for c in h.predicted],
            names[story.label],
            None if at is None else loaded.snapshots[at].step,
        ),
        key="ev_why_history",
        help=t(
            "Across: the training steps; up: the network's probability for the true class (blue) and for the "
            "class it chose at that moment (orange, with its name on hover). Where the blue line falls below "
            "the orange one, the answer was wrong; the dotted line marks the moment shown."
        ),
    )
    if not (h.predicted == h.label).any():
        st.markdown(t("It was never right at any saved moment of training."))
    elif h.went_wrong_at is not None:
        st.markdown(
            t("It was right earlier in training and has been wrong since step **{step:,}**.", step=h.went_wrong_at)
        )
    elif h.predicted[-1] == h.label:
        st.markdown(t("By the end of training the network gets this image right."))


def _worst_cell(confusion: np.ndarray) -> tuple[int, int]:
    """(true, predicted) of the most frequent confusion, (0, 1) when there is none."""
    off = confusion.copy()
    np.fill_diagonal(off, 0)
    if off.max() == 0:
        return 0, min(1, len(off) - 1)
    i, j = np.unravel_index(int(off.argmax()), off.shape)
    return int(i), int(j)


def _fmt(value, spec: str = "") -> str:
    return "–" if value is None else format(value, spec)


def _run_table(records) -> dict[str, dict[str, str]]:
    """{run id: {row label: text}}: the numbers that tell two runs apart, from their records."""
    rows = {
        t("dataset"): lambda r: r.dataset,
        t("architecture"): lambda r: r.name,
        t("test accuracy"): lambda r: _fmt(r.test_accuracy, ".2%"),
        t("parameters"): lambda r: _fmt(r.params, ","),
        t("training time"): lambda r: "–" if r.train_seconds is None else t("{s:.1f} s", s=r.train_seconds),
        t("images per second"): lambda r: _fmt(r.images_per_second, ",.0f"),
        t("epochs"): lambda r: _fmt(r.epochs),
        t("optimiser"): lambda r: r.config.optimizer if r.config else "–",
        t("learning rate"): lambda r: _fmt(r.config.learning_rate if r.config else None, "g"),
        t("batch size"): lambda r: _fmt(r.config.batch_size if r.config else None),
    }
    return {r.run_id: {label: get(r) for label, get in rows.items()} for r in records}


loaded = ui.require_loaded()
run, split = loaded, loaded.split
st.title(t("Evaluation"))
caption = st.empty()
at = ui.whole_network(loaded, ui.moment(loaded))
ev = ui.evaluation(loaded, at)
names = [str(c) for c in ev.class_names]
k = len(names)
caption.caption(
    ui.run_caption(loaded) + ("" if at is None else " · " + t("at {moment}", moment=ui.moment_label(loaded, at)))
)

# ---------------------------------------------------------------- headline numbers
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("Test accuracy"), f"{ev.accuracy:.2%}")
m2.metric(t("Misclassified"), f"{ev.n_wrong:,} / {ev.n_test:,}")
m3.metric(t("Test loss"), f"{ev.loss:.4f}")
m4.metric(t("Parameters"), f"{loaded.record.params or 0:,}")
st.markdown(evaluate.report(ev, tr=t))

# ---------------------------------------------------------------- confusion matrix and per-class accuracy
st.subheader(t("Confusion matrix"))
st.markdown(
    t(
        "Rows are the true classes, columns what the network said. The diagonal is right; every other "
        "cell is one kind of mistake. Pick a cell below the matrix to see its images."
    )
)
left, right = st.columns([1.1, 1])
with left:
    normalize = st.toggle(t("Row percentages instead of counts"), key="ev_normalize")
    event = ui.chart(
        st,
        figures.confusion_matrix(ev.confusion, names, normalize=normalize),
        key="ev_confusion",
        on_select="rerun",
        selection_mode="points",
        help=t(
            "Rows are the true classes, columns the classes the network predicted; each cell "
            "counts the test images of its row's class that were taken for its column's class "
            "(or their share of the row, with percentages on). The diagonal holds the right "
            "answers, and the darker a cell off it, the more common that mistake. Click a cell to "
            "see its images below."
        ),
    )
with right:
    best, worst = ev.best_class, ev.worst_class
    st.markdown(
        t(
            "**Accuracy per class.** Best: **{best}** ({best_acc:.2%}). Worst: **{worst}** ({worst_acc:.2%}).",
            best=names[best],
            best_acc=float(ev.per_class_accuracy[best]),
            worst=names[worst],
            worst_acc=float(ev.per_class_accuracy[worst]),
        )
    )
    ui.chart(
        st,
        figures.per_class_accuracy(ev.per_class_accuracy, names),
        key="ev_per_class",
        help=t(
            "One bar per class: the share of that class's test images the network got right. The best "
            "class is green and the worst red; a short bar is a class the network finds hard."
        ),
    )

# ---------------------------------------------------------------- one cell's images
# a click on a cell picks it in the selectboxes, once per click (they stay free to change afterwards)
points = list(getattr(getattr(event, "selection", None), "points", None) or [])
if points:
    clicked = (str(points[0].get("y")), str(points[0].get("x")))
    if clicked != st.session_state.get("_ev_clicked") and clicked[0] in names and clicked[1] in names:
        st.session_state["ev_true"], st.session_state["ev_pred"] = names.index(clicked[0]), names.index(clicked[1])
    st.session_state["_ev_clicked"] = clicked
default_cell = _worst_cell(ev.confusion)
ui.keep_valid("ev_true", list(range(k)), default_cell[0])
ui.keep_valid("ev_pred", list(range(k)), default_cell[1])
a, b, c = st.columns([1, 1, 2], vertical_alignment="bottom")
true_class = a.selectbox(t("True class"), list(range(k)), key="ev_true", format_func=lambda i: names[i])
pred_class = b.selectbox(t("Predicted as"), list(range(k)), key="ev_pred", format_func=lambda i: names[i])
cell_count = int(ev.confusion[true_class, pred_class])
if true_class == pred_class:
    c.info(
        t(
            "{n} images of {name} were classified correctly. Pick two different classes to see a mistake.",
            n=cell_count,
            name=names[true_class],
        )
    )
else:
    c.markdown(
        t(
            "**{n}** images of **{true}** were taken for **{pred}**.",
            n=cell_count,
            true=names[true_class],
            pred=names[pred_class],
        )
    )
    if st.session_state.get("_ev_cell") != (true_class, pred_class):  # a new cell starts at one page again
        st.session_state["_ev_cell"] = (true_class, pred_class)
        st.session_state["ev_cell_shown"] = PAGE
    limit = st.session_state.get("ev_cell_shown", PAGE)
    cell = evaluate.mistakes(ev, limit=limit, true_class=true_class, predicted_class=pred_class)
    _gallery(ev, split, cell, cell_count, "ev_cell_shown", "ev_cell_more", "ev_cell_gallery")

# ---------------------------------------------------------------- all mistakes
st.subheader(t("Misclassified test images"))
if ev.n_wrong == 0:
    st.success(t("No test image was misclassified."))
else:
    shown = evaluate.mistakes(ev, limit=st.session_state.get("ev_shown", PAGE))
    _gallery(ev, split, shown, ev.n_wrong, "ev_shown", "ev_more", "ev_mistakes")

# ---------------------------------------------------------------- why this mistake
if ev.n_wrong:
    st.subheader(t("Why this mistake?"))
    chosen_cell = true_class != pred_class and cell_count > 0
    candidates = (
        evaluate.mistakes(ev, limit=PAGE, true_class=true_class, predicted_class=pred_class)
        if chosen_cell
        else evaluate.mistakes(ev, limit=PAGE)
    )
    ui.keep_valid("ev_why", candidates, candidates[0])
    index = st.selectbox(
        t("Misclassified image"),
        candidates,
        key="ev_why",
        format_func=lambda i: t(
            "#{g}: true {true} → {pred} ({conf:.0%})",
            g=i,
            true=names[ev.labels[i]],
            pred=names[ev.predictions[i]],
            conf=float(ev.confidence[i]),
        ),
        help=t(
            "The images of the cell picked above (or the most confident mistakes): pick one to "
            "see where the network looked, what it was torn between, which training images it "
            "finds alike, and when during training it went wrong."
        ),
    )
    _why(loaded, index, at, names)

# ---------------------------------------------------------------- two runs side by side
st.subheader(t("Compare with another run"))
others = [r for r in ui.usable_runs() if r.run_id != run.run_id]
if not others:
    st.info(
        t(
            "There is no other trained run to compare with. Train another network on the Train page "
            "(a different preset, optimiser or number of epochs) and it appears here."
        )
    )
    st.stop()
other_ids = [r.run_id for r in others]
labels = {r.run_id: ui.run_label(r) for r in others}
ui.keep_valid("ev_other", other_ids, other_ids[0])
c1, c2 = st.columns([2, 1])
other_id = c1.selectbox(t("Second run"), other_ids, key="ev_other", format_func=labels.get)
metric = c2.selectbox(
    t("Curve"),
    list(METRICS),
    key="ev_metric",
    format_func=lambda m: {
        "val_acc": t("validation accuracy"),
        "val_loss": t("validation loss"),
        "train_loss": t("training loss"),
        "train_acc": t("training accuracy"),
    }[m],
)
other = next(r for r in others if r.run_id == other_id)
histories = {run.run_id: metrics.read_history(run.run_id), other_id: metrics.read_history(other_id)}
ui.chart(
    st,
    figures.compare_curves(histories, metric),
    key="ev_compare",
    help=t(
        "One line per run: the measure chosen above against the epoch (1 epoch = one pass over the "
        "training images). For accuracy higher is better, for loss lower is better; hover over the chart "
        "to compare the runs at one epoch."
    ),
)

st.table(_run_table([loaded.record, other.record]))
