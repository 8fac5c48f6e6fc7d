"""Experiment: compare runs, replay training, test robustness, check network health, match and edit kernels."""
import numpy as np
import pandas as pd
import streamlit as st

from cnnviz import compare, conv, figures, handcrafted, kernels, robustness, runs, timeline, ui
from cnnviz.i18n import N_
from cnnviz.ui import t

ui.ensure_navigation()

TABS = (N_("Compare"), N_("Timeline"), N_("Robustness"), N_("Health"), N_("Learned vs handcrafted"),
        N_("Edit and see"))
METRICS = {"val_acc": N_("validation accuracy"), "train_acc": N_("training accuracy"),
           "val_loss": N_("validation loss"), "train_loss": N_("training loss")}
FIRST_LAYER = {"learned": N_("learned"), "handcrafted": N_("handcrafted")}
ROBUSTNESS_DEFAULTS = {"exp_rb_dx": 0, "exp_rb_dy": 0, "exp_rb_angle": 0, "exp_rb_scale": 1.0, "exp_rb_noise": 0.0,
                       "exp_rb_occlude": False}


# ---------------------------------------------------------------- the charts several tabs draw


def _curves(records: list, prefix: str) -> None:
    """The runs' training curves overlaid, with a picker of the measure (keys `<prefix>_metric`, `_curves`)."""
    curves = {ui.run_summary(r).label: ui.run_history(r) for r in records}
    few_epochs = all(sum(v is not None for v in h["val_acc"]) < 2 for h in curves.values())  # validation: per epoch
    ui.keep_valid(f"{prefix}_metric", list(METRICS), "train_acc" if few_epochs else "val_acc")
    metric = st.segmented_control(t("Curve"), list(METRICS), key=f"{prefix}_metric",
                                  format_func=lambda m: t(METRICS[m])) or "val_acc"
    ui.chart(st, figures.compare_curves(curves, metric, title=t(METRICS[metric])), key=f"{prefix}_curves",
             help=t("One line per run: the measure chosen above against the epoch (1 epoch = one pass over the "
                    "training images). For accuracy higher is better, for loss lower is better; hover over the "
                    "chart to compare the runs at one epoch."))


def _probs(where, probs, classes, label, key: str, title: str = "") -> None:
    ui.chart(where, figures.probability_bars(probs, classes, label, title=title), key=key,
             help=t("One bar per class: the network's probability that the image shows that class, all bars "
                    "together making 100%. The predicted class is green when it is right and red when it is "
                    "wrong (blue when the true class is not known); “← true” marks the true class."))


def _maps(maps, key: str, title: str = "") -> None:
    ui.chart(st, figures.feature_map_grid(maps, title=title), key=key,
             help=t("Each picture is one channel's feature map: it lights up where that channel found its pattern "
                    "in the image. If no value is negative the maps are grey (black low, white high); otherwise "
                    "blue is positive, red negative and white zero. Every map has its own colour range, given in "
                    "brackets, so compare where maps light up, not how bright they are."))


def _histograms(values, steps, title: str, key: str, moment_step: int | None = None) -> None:
    ui.chart(st, figures.histogram_timeline(values, steps, title=title, moment_step=moment_step), key=key,
             help=t("A timeline of histograms: each column is one snapshot (its training step below), each row a "
                    "narrow range of values, lowest at the bottom. The colour counts how many values fall in that "
                    "range at that step, from dark purple (few or none) to yellow (the most), so you can watch the "
                    "values spread out or pile up as training goes on. An orange frame marks the moment of "
                    "training chosen at the top."))


def _verdict(probs, classes, true_label) -> str:
    pred = int(np.argmax(probs))
    text = t("Prediction: **{name}** ({p:.1%})", name=ui.plain(classes[pred]), p=float(probs[pred]))
    return text + (" · " + (t("right") if pred == true_label else t("wrong")) if true_label is not None else "")


def _kernel_title(name: str) -> str:
    return conv.KERNELS[name].title if name in conv.KERNELS else name


def _map_layers(acts: dict) -> list[str]:
    """Layer outputs that are stacks of maps (C, H, W), in network order."""
    return [name for name, out in acts.items() if name != "softmax" and out.ndim == 3]


# ---------------------------------------------------------------- Compare


def compare_tab() -> None:
    st.markdown(t("Put runs side by side: their training curves, accuracy, size and speed, which classes each gets "
                  "right, and where their mistakes differ."))
    usable = {r.run_id: r for r in ui.usable_runs()}
    if not usable:
        st.info(t("There is no finished run to compare yet. Train one (about 5 seconds), then train another with "
                  "different settings on the Train page."))
        ui.quick_start_button(key="exp_quick_start")
        return
    ids = list(usable)
    if "exp_cmp_runs" in st.session_state:
        st.session_state["exp_cmp_runs"] = [i for i in st.session_state["exp_cmp_runs"] if i in ids]
    else:  # first visit: the run in the sidebar and the newest other one
        first = [st.session_state.get("run_id")] if st.session_state.get("run_id") in ids else []
        st.session_state["exp_cmp_runs"] = first + [i for i in ids if i not in first][:2 - len(first)]
    chosen = st.multiselect(t("Runs to compare"), ids, key="exp_cmp_runs",
                            format_func=lambda i: ui.run_label(usable[i]),
                            help=t("Any finished runs, on any dataset. Add or remove runs to change every view below."))
    if not chosen:
        st.info(t("Pick at least one run above."))
        return
    if len(chosen) == 1:
        st.info(t("Only one run is picked: add another to compare. To make one, train a different preset or "
                  "settings on the Train page, or use the tab 'Learned vs handcrafted'."))
    records = [usable[i].record for i in chosen]
    summaries = [ui.run_summary(r) for r in records]
    columns = {N_("run"): "label", N_("dataset"): "dataset", N_("test accuracy"): "test_accuracy",
               N_("parameters"): "params", N_("training time (s)"): "train_seconds",
               N_("images/s"): "images_per_second", N_("epochs"): "epochs"}
    table = pd.DataFrame({t(c): [getattr(s, f) for s in summaries] for c, f in columns.items()})
    table.insert(2, t("first layer"), [t(FIRST_LAYER[s.first_layer]) for s in summaries])
    st.dataframe(table, hide_index=True, key="exp_cmp_table", column_config={
        t("test accuracy"): st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0),
        t("parameters"): st.column_config.NumberColumn(format="localized"),
        t("training time (s)"): st.column_config.NumberColumn(format="%.1f"),
        t("images/s"): st.column_config.NumberColumn(format="%.0f"),
        t("epochs"): st.column_config.NumberColumn(format="%.2g")})
    _curves(records, "exp_cmp")
    _class_by_class([usable[i] for i in chosen], summaries)
    _class_timeline([usable[i] for i in chosen], summaries)


def _class_by_class(infos: list, summaries: list) -> None:
    st.subheader(t("Class by class"))
    classes, members = compare.shared_classes(summaries)
    if len(members) < len(summaries):
        st.warning(t("These runs were trained on different datasets; class-by-class views show the {n} runs "
                     "that share the classes {classes}.", n=len(members),
                     classes=ui.plain(", ".join(classes[:5])) + "…"))
    evals = [ui.evaluation(ui.loaded_run(infos[n])) for n in members]
    names = [summaries[n].label for n in members]
    ui.chart(st, figures.heatmap(np.stack([e.per_class_accuracy for e in evals]), list(classes), names,
                                 colorscale="Blues", text_fmt=".0%", title=t("Test accuracy per class (rows: runs)")),
             key="exp_cmp_classes",
             help=t("Rows are runs and columns classes; each cell is the share of that class's test images the run got "
                    "right, printed in the cell. Darker blue means higher accuracy, so a column that is pale for "
                    "every run is a class they all find hard."))
    if len(members) >= 2:
        a, b = st.columns(2)
        ui.keep_valid("exp_cmp_a", names, names[0])
        ui.keep_valid("exp_cmp_b", names, names[1])
        ea = evals[names.index(a.selectbox(t("Run A"), names, key="exp_cmp_a"))]
        eb = evals[names.index(b.selectbox(t("Run B"), names, key="exp_cmp_b"))]
        ui.chart(st, figures.confusion_diff(ea.confusion, eb.confusion, list(classes),
                                            title=t("Confusion matrix of A minus that of B")), key="exp_cmp_diff",
                 help=t("Each cell is run A's count minus run B's for one true class (row) and predicted class "
                        "(column). Blue means A has more images there, red that B has, white that they agree; on the "
                        "diagonal (right answers) blue favours A, off it blue means A makes that mistake more often."))
        st.caption(t("On the diagonal, blue (positive) means A gets more images of that class right than B; off the "
                     "diagonal, blue means A makes that mistake more often. A: {a:.2%} accurate, B: {b:.2%}.",
                     a=ea.accuracy, b=eb.accuracy))


def _class_timeline(infos: list, summaries: list) -> None:
    st.subheader(t("Per-class accuracy over training"))
    chosen = [r.run_id for r in infos]
    ui.keep_valid("exp_cmp_timeline", chosen, chosen[0])
    which = st.selectbox(t("Run"), chosen, key="exp_cmp_timeline",
                         format_func=lambda i: summaries[chosen.index(i)].label)
    loaded = ui.loaded_run(infos[chosen.index(which)])
    if not loaded.snapshots:
        st.info(t("This run kept no snapshots during training, so there is nothing to replay."))
        return
    if not loaded.full_snapshots:
        st.info(t("This run is large (over 500,000 parameters), so its snapshots keep only the convolution kernels, "
                  "not whole networks: accuracy over training cannot be recomputed for it."))
        return
    with st.spinner(t("Scoring every training snapshot…")):
        tl = ui.class_timeline(loaded)
    ui.chart(st, figures.heatmap(tl.accuracy, [str(s) for s in tl.steps], list(tl.classes), colorscale="Blues",
                                 title=t("Accuracy of each class (rows) at each snapshot (columns: training step)")),
             key="exp_cmp_timeline_fig",
             help=t("A timeline: rows are classes and columns the training snapshots in order, labelled with their "
                    "training step. Each cell is the accuracy on that class's test images at that moment, darker "
                    "blue being higher; a row that darkens late is a class the network learned late."))
    st.caption(t("Scored on the first {n:,} test images. Classes that light up late are the ones the network found "
                 "hardest.", n=tl.n_images))


# ---------------------------------------------------------------- Timeline


def timeline_tab() -> None:
    loaded = ui.require_loaded()
    st.caption(ui.run_caption(loaded))
    snaps = loaded.snapshots
    if not snaps:
        st.info(t("This run kept no snapshots during training, so there is no timeline to show."))
        return
    at = ui.moment(loaded)
    moment_step = None if at is None else snaps[at].step
    st.markdown(t("The network was saved at {n} points during training. Each column below is one of those moments: "
                  "how the values of a layer spread out as it learns.", n=len(snaps)))
    left, right = st.columns(2)
    with left:
        layers = ui.weight_layers(loaded)
        ui.keep_valid("exp_tl_wlayer", layers, layers[0] if layers else None)
        wlayer = st.selectbox(t("Weights of layer"), layers, key="exp_tl_wlayer")
        if wlayer:
            _histograms(*ui.weight_timeline(loaded, wlayer), t("{layer} weights", layer=wlayer), "exp_tl_weights",
                        moment_step)
    with right:
        _activations_over_training(loaded)
    st.caption(t("Brighter cells: more values in that range at that step. Weights usually spread out from their "
                 "random start; after a ReLU, a tall band at 0 means many outputs are switched off."))
    _kernel_replay(loaded, at)


def _kernel_replay(loaded, at: int | None) -> None:
    st.subheader(t("Replay: kernels forming"))
    snaps = loaded.snapshots
    convs = kernels.conv_layers(loaded.spec)
    if not convs:
        st.info(t("This network has no convolution layers, so there are no kernels to replay."))
        return
    a, b, c = st.columns([1, 1, 2])
    ui.keep_valid("exp_tl_klayer", convs, convs[0])
    klayer = a.selectbox(t("Layer"), convs, key="exp_tl_klayer")
    index = snaps[-1].index if at is None else at  # the moment of training chosen at the top
    c.caption(t("Move the moment of training above, or press Play, to replay the kernels forming."))
    try:
        now, change = ui.kernel_replay(loaded, klayer, index)
    except (ValueError, OSError) as e:
        st.error(t("This snapshot cannot be read: {reason}", reason=ui.reason(e)))
        return
    ui.keep_valid("exp_tl_in", list(range(now.shape[1])), 0)
    ch = b.selectbox(t("Input channel"), list(range(now.shape[1])), key="exp_tl_in")
    step = snaps[index].step
    ui.chart(st, figures.kernel_grid(now[:, ch], title=t("{layer} at step {step}", layer=klayer, step=step)),
             key="exp_tl_kernels",
             help=t("Each square is one kernel, one cell per weight: blue is a positive weight, red a negative one, "
                    "white zero. All kernels share one colour scale (the bar on the right), so the same colour means "
                    "the same weight in every kernel."))
    ui.chart(st, figures.kernel_grid(change[:, ch], title=t("Change since initialisation (step {step} minus step 0)",
                                                            step=step)), key="exp_tl_change",
             help=t("The kernels above as change since training began: each cell is how far that weight has moved "
                    "between step 0 and the chosen step. Blue means it grew, red that it shrank, white that it stayed "
                    "put; all kernels share one colour scale."))
    size = float(np.abs(change).mean() / max(np.abs(now - change).mean(), 1e-12))
    st.caption(t("On average a weight has moved by {r:.0%} of its starting size. Where the change looks like a "
                 "clean edge or stroke, that is what training added to the random start.", r=size))


def _activations_over_training(loaded) -> None:
    if not loaded.full_snapshots:
        st.info(t("This run's snapshots keep only the convolution kernels (it has over 500,000 parameters), so "
                  "activations over training cannot be recomputed."))
        return
    layers = timeline.activation_layers(loaded)
    ui.keep_valid("exp_tl_alayer", layers, next((n for n in layers if n.endswith("_relu")), layers[0]))
    layer = st.selectbox(t("Activations of layer"), layers, key="exp_tl_alayer",
                         help=t("Outputs on the same {n} test images at every snapshot.", n=timeline.PROBE_IMAGES))
    with st.spinner(t("Running the probe images through every snapshot…")):
        values, steps = ui.activation_timeline(loaded, layer)
    zeros = float(np.mean(values[-1] == 0))
    if "exp_tl_nozeros" not in st.session_state:
        st.session_state["exp_tl_nozeros"] = zeros > 0.2  # after a ReLU the zeros would hide the rest
    drop = st.toggle(t("Leave out exact zeros"), key="exp_tl_nozeros",
                     help=t("After a ReLU most outputs are exactly 0; leaving them out shows how the positive ones "
                            "spread."))
    try:
        _histograms([v[v != 0] for v in values] if drop else values, steps, t("{layer} outputs", layer=layer),
                    "exp_tl_acts")
    except ValueError:
        st.info(t("Every output of {layer} is zero at every snapshot.", layer=layer))
    st.caption(t("At the end of training {z:.0%} of these outputs are exactly zero.", z=zeros))


# ---------------------------------------------------------------- Robustness


def robustness_tab() -> None:
    loaded = ui.require_loaded()
    classes = loaded.classes
    st.caption(ui.run_caption(loaded))
    st.markdown(t("Move, turn, zoom, blur with noise or cover part of an image and watch whether the network still "
                  "recognises it. Convolutions and pooling give some tolerance to small shifts, not to everything."))
    pick, shown_col, pred_col = st.columns([1.1, 1, 1.4])
    image_slot = shown_col.empty()  # the changed image goes above the square's controls
    base = ui.pick_input("exp_rb", loaded, where=pick, sources=("test",))
    if base is None:
        return
    h, w = base.image.shape[1:]
    for k, v in ROBUSTNESS_DEFAULTS.items():  # state first, no widget defaults: the undo button may reset them
        st.session_state.setdefault(k, v)
    with pick:
        st.button(t("Undo all changes"), key="exp_rb_reset", on_click=st.session_state.update,
                  args=(ROBUSTNESS_DEFAULTS,), icon=":material/undo:")
        sx = st.slider(t("Shift right (px)"), -10, 10, key="exp_rb_dx")
        sy = st.slider(t("Shift down (px)"), -10, 10, key="exp_rb_dy")
        angle = st.slider(t("Rotate (degrees, clockwise)"), -90, 90, step=5, key="exp_rb_angle")
        scale = st.slider(t("Zoom"), 0.5, 1.5, step=0.05, key="exp_rb_scale")
        noise = st.slider(t("Noise (share of full brightness)"), 0.0, 1.0, step=0.05, key="exp_rb_noise")
    with shown_col:
        box, shade = None, 128
        if st.toggle(t("Cover a square"), key="exp_rb_occlude"):
            shades = {0: t("black"), 128: t("grey"), 255: t("white")}
            ui.keep_valid("exp_rb_shade", list(shades), 128)
            shade = st.radio(t("Colour"), list(shades), key="exp_rb_shade", format_func=shades.get, horizontal=True)
            size = st.slider(t("Square size (px)"), 1, min(h, w), max(1, min(h, w) // 4), key="exp_rb_size")
            box = (st.slider(t("Square top row"), 0, h - 1, h // 3, key="exp_rb_row"),
                   st.slider(t("Square left column"), 0, w - 1, w // 3, key="exp_rb_col"), size)
    try:
        moved = robustness.transform(base.image, shift=(sx, sy), angle=angle, scale=scale, noise_std=noise,
                                     occlude=box, seed=base.index, occlude_fill=shade)
    except ValueError as e:
        st.error(ui.reason(e))
        return
    picked = ui.Picked(robustness.to_input(moved, loaded.info), moved, base.label,
                       f"{base.key}-changed-{sx},{sy},{angle},{scale},{noise},{box},{shade}", base.caption)
    acts = ui.activations(loaded, picked)
    probs, before, label = acts["softmax"], ui.activations(loaded, base)["softmax"], base.label
    ui.show_input(image_slot, picked, key="exp_rb_image")
    with pred_col:
        st.markdown(_verdict(probs, classes, label))
        p0 = int(before.argmax())
        st.caption(t("Untouched image: {name} ({p:.1%}). Probability of the true class now {q:.1%}, before {q0:.1%}.",
                     name=ui.plain(classes[p0]), p=float(before[p0]), q=float(probs[label]), q0=float(before[label])))
        _probs(st, probs, classes, label, "exp_rb_probs")
    maps = _map_layers(acts)
    if maps:
        st.subheader(t("Feature maps of the changed image"))
        ui.keep_valid("exp_rb_layer", maps, maps[0])
        _maps(acts[st.columns(3)[0].selectbox(t("Layer"), maps, key="exp_rb_layer")], "exp_rb_maps")
    _occlusion(loaded, picked, int(probs.argmax()), probs)


def _occlusion(loaded, picked: ui.Picked, predicted: int, probs) -> None:
    st.subheader(t("Which parts matter: occlusion sensitivity"))
    st.markdown(t("A black square is slid over the image; at each place the network looks again. Red marks the "
                  "places whose hiding lowers the probability of the chosen class most: the evidence it relies on."))
    (h, w), classes = picked.image.shape[1:], loaded.classes
    a, b, c = st.columns(3)
    targets = {"pred": t("the predicted class"), "true": t("the true class")}
    ui.keep_valid("exp_rb_target", list(targets), "pred")
    which = a.radio(t("Probability of"), list(targets), key="exp_rb_target", format_func=targets.get, horizontal=True)
    largest = max(2, min(h, w) // 2)
    patch = b.slider(t("Patch size (px)"), 2, largest, min(4, largest), key="exp_rb_patch")
    stride = c.slider(t("Step (px)"), 1, 4, 2, key="exp_rb_stride")
    target = predicted if which == "pred" else picked.label
    drops = ui.occlusion(loaded, picked, target, patch, stride)  # (H', W')
    top = float(drops.max())
    heat = np.clip(robustness.spread_map(drops, (h, w), patch, stride) / top, 0, 1) if top > 0 else \
        np.zeros((h, w))  # relative to the largest drop, which the text states
    i, j = np.unravel_index(int(np.argmax(drops)), drops.shape)
    if top > 0:
        st.markdown(t("Hiding the {p}×{p} square at row {r}, column {c} lowers p({name}) the most: by {d:.1%} "
                      "(from {p0:.1%}).", p=patch, r=int(i) * stride, c=int(j) * stride, name=ui.plain(classes[target]),
                      d=top, p0=float(probs[target])))
    else:
        st.markdown(t("No square lowers p({name}): hiding any part leaves the network at least as sure.",
                      name=ui.plain(classes[target])))
    left, right = st.columns(2)
    ui.chart(left, figures.overlay(ui.shown(picked.image), heat, alpha=0.5,
                                   title=t("Where hiding hurts p({name}) (relative)", name=classes[target])),
             key="exp_rb_occlusion",
             help=t("The image with a heat layer on top: red where hiding it under the square lowers the probability "
                    "of the chosen class most, dark blue where hiding it hardly matters. The colours are relative: "
                    "the darkest red is the largest drop, the one given in the text above."))
    ui.chart(right, figures.kernel_grid(-drops[None], titles=[t("one cell per square position")],
                                        title=t("Change in p({name}) when hidden: red lower, blue higher",
                                                name=classes[target])), key="exp_rb_drops",
             help=t("One cell per position of the sliding square, in the same layout as the image (top-left cell: the "
                    "square in the top-left corner). Red means hiding that part lowered the probability of the chosen "
                    "class, blue that it raised it, and the stronger the colour the bigger the change; hover for the "
                    "exact value."))
    st.caption(t("Smaller steps give a finer map and take longer."))


# ---------------------------------------------------------------- Health


def health_tab() -> None:
    loaded = ui.require_loaded()
    st.caption(ui.run_caption(loaded))
    st.markdown(t("A filter or unit after a ReLU that never outputs anything above zero is dead: it passes nothing "
                  "on and, because its gradient is zero too, it can never learn again."))
    with st.spinner(t("Running the test set through the network…")):
        report = ui.health_report(loaded)
    if not report.layers:
        st.info(t("This network has no ReLU layers, so there is nothing to call dead."))
    else:
        dead, total = sum(len(h.dead) for h in report.layers), sum(h.units for h in report.layers)
        (st.warning if dead else st.success)(t("{dead} of {total} ReLU units are dead.", dead=dead, total=total))
        st.markdown("\n".join(f"- {s}" for s in report.sentences(t("the {n:,} test images", n=report.n_images),
                                                                 tr=t)))
        st.dataframe(pd.DataFrame({t("layer"): [h.layer for h in report.layers],
                                   t("units"): [h.units for h in report.layers],
                                   t("dead"): [len(h.dead) for h in report.layers],
                                   t("outputs that are zero"): [h.sparsity for h in report.layers]}),
                     hide_index=True, key="exp_hl_table", column_config={t("outputs that are zero"): (
                         st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0))})
        names = [h.layer for h in report.layers]
        ui.keep_valid("exp_hl_layer", names, names[0])
        layer = st.columns(3)[0].selectbox(t("How often each unit fires"), names, key="exp_hl_layer")
        h = report.layers[names.index(layer)]
        if np.ptp(h.activity) == 0:
            st.markdown(t("Every unit of {layer} is above zero on {share:.0%} of the test images.", layer=layer,
                          share=float(h.activity[0])))
        else:
            ui.chart(st, figures.heatmap(h.activity[None, :], [str(i) for i in range(h.units)], [layer],
                                         colorscale="Viridis", text_fmt=".0%" if h.units <= 32 else None,
                                         title=t("Share of test images on which each unit of {layer} is above "
                                                 "zero somewhere", layer=layer)), key="exp_hl_activity",
                     help=t("One cell per unit of this layer: the share of test images on which the unit is above "
                            "zero somewhere (printed in the cell when there is room, else shown on hover). Colours "
                            "run from dark purple (lowest share) to yellow (highest); a unit at 0% never fires and "
                            "is dead."))
    _gradient_norms(loaded)


def _gradient_norms(loaded) -> None:
    st.subheader(t("Gradient norms during training"))
    grads = ui.gradient_history(loaded)
    if not grads.norms:
        st.info(t("This run did not log gradient norms (it was trained by an older version); train it again to "
                  "see them."))
        return
    ui.chart(st, figures.compare_curves(grads.curves(), "grad_norm",
                                        title=t("Size of each layer's weight gradient (L2 norm)")), key="exp_hl_grads",
             help=t("One line per layer: the size (L2 norm) of that layer's weight gradient at each logged training "
                    "step, against the epoch. Lines far below the others belong to layers that barely learn; sudden "
                    "spikes mean unstable training."))
    st.markdown("\n".join(f"- {s}" for s in grads.sentences(tr=t)))
    st.caption(t("Gradients far smaller in the first layers than in the last would mean those layers barely learn "
                 "(vanishing gradients); sudden spikes mean unstable training."))


# ---------------------------------------------------------------- Learned vs handcrafted


def handcrafted_tab() -> None:
    loaded = ui.require_loaded()
    st.caption(ui.run_caption(loaded))
    convs = kernels.conv_layers(loaded.spec)
    if not convs:
        st.info(t("This network has no convolution layers, so there are no learned kernels to compare. "
                  "Pick a CNN such as LeNet-5 in the sidebar."))
        return
    learned_k = kernels.of_layer(loaded.model, convs[0])  # (N, C, kh, kw)
    if learned_k.shape[-1] < 2:
        st.info(t("The first layer's kernels are 1×1: they have no spatial pattern to compare."))
        return
    st.markdown(t("Are the first-layer kernels the network learned anything like the ones people design by hand "
                  "(Sobel and Prewitt edge detectors, the Laplacian, blurs)? Each learned kernel is matched to the "
                  "handcrafted kernel it correlates with most; a negative correlation means the same pattern with "
                  "the opposite sign (a dark-to-light edge instead of light-to-dark)."))
    handcrafted_run = loaded.record.first_layer == "handcrafted"
    if handcrafted_run:
        st.info(t("This run's first layer is the fixed handcrafted bank, so every kernel matches one exactly."))
    _kernel_matches(learned_k, convs[0])
    st.subheader(t("Experiment: train it with learned kernels instead") if handcrafted_run else
                 t("Experiment: train it with handcrafted kernels instead"))
    _twin_experiment(loaded)


def _kernel_matches(learned_k, first: str) -> None:
    names, r = handcrafted.correlations(learned_k)
    matches = handcrafted.closest_handcrafted(learned_k)
    cands = handcrafted.handcrafted_candidates(learned_k.shape[-1])
    titles = {n: _kernel_title(n) for n in names}
    learned = learned_k.mean(1)  # (N, kh, kw): the bank puts one pattern in every input channel
    matched = np.stack([cands[m.name] * m.sign if m.name else np.zeros_like(learned[0]) for m in matches])
    ui.chart(st, figures.kernel_grid(learned, titles=[f"k{m.channel} · r = {m.sign * m.correlation:+.2f}"
                                                      for m in matches], shared_scale=False,
                                     title=t("{layer}: learned kernels", layer=first)), key="exp_hc_learned",
             help=t("Each square is one learned first-layer kernel (its input channels averaged), one cell per "
                    "weight: blue positive, red negative, white zero, each kernel on its own colour range. Its title "
                    "gives the Pearson r with the closest handcrafted kernel, shown below in the same order: near +1 "
                    "the same pattern, near −1 the same pattern with the sign flipped."))
    ui.chart(st, figures.kernel_grid(matched, titles=[titles.get(m.name, "—") for m in matches], shared_scale=False,
                                     title=t("Closest handcrafted kernel (sign matched)")), key="exp_hc_matched",
             help=t("For each learned kernel above, in the same place, the handcrafted kernel it correlates with "
                    "most, its sign flipped where the correlation was negative (— means none). Blue is positive, red "
                    "negative, white zero, each kernel on its own colour range."))
    best = max(matches, key=lambda m: m.correlation)
    st.markdown(t("{strong} of {n} kernels correlate at 0.7 or more with a handcrafted one. The closest pair: kernel "
                  "{k} and {name} (r = {r:+.2f}).", strong=sum(m.correlation >= 0.7 for m in matches),
                  n=len(matches), k=best.channel, name=titles.get(best.name, "—"), r=best.sign * best.correlation))
    with st.expander(t("Every correlation")):
        ui.chart(st, figures.heatmap(r, [titles[n] for n in names], [f"k{i}" for i in range(len(r))],
                                     colorscale=figures.DIVERGING, zmid=0, text_fmt=".2f",
                                     title=t("Pearson r of each learned kernel (rows) with each handcrafted one")),
                 key="exp_hc_all",
                 help=t("The Pearson r of every learned kernel (rows) with every handcrafted kernel (columns), printed "
                        "in each cell. Blue near +1 means the same pattern, red near −1 the same pattern with the "
                        "opposite sign, and white near 0 no likeness."))


def _twin_experiment(loaded) -> None:
    try:
        config = compare.twin_config(loaded.record)
        twins = compare.find_twins(loaded.record, runs.list_runs())
    except ValueError as e:
        st.info(t("This run cannot be repeated with another first layer: {reason}", reason=ui.reason(e)))
        return
    other = t("a handcrafted, frozen first layer") if config.first_layer == "handcrafted" else \
        t("a learned first layer")
    st.markdown(t("Train the same network, data, seed and settings again, but with {other}, and compare. "
                  "It runs in the background ({epochs} epoch(s)).", other=other, epochs=config.epochs))
    twin = twins[0] if twins else None
    if twin is not None and twin.status in runs.LIVE:
        ui.live_progress(twin.run_id)
    elif st.button(t("Train the twin run") if twin is None else t("Train the twin run again"), key="exp_hc_train",
                   icon=":material/play_arrow:", type="primary" if twin is None else "secondary"):
        if ui.start_training(config, ui.load_dataset(config.dataset)):
            st.rerun()
    if twin is None or not twin.has_weights:
        if twin is not None and twin.status not in runs.LIVE:
            st.warning(t("The last twin run ended as '{status}' without weights.", status=twin.status))
        return
    pair = [loaded.record, twin.record]
    sums = [ui.run_summary(r) for r in pair]
    cols = st.columns(3)
    for col, s in zip(cols, sums):
        col.metric(s.label, f"{(s.test_accuracy or 0):.2%}", help=t("test accuracy"))
    cols[2].metric(t("twin minus this run"), f"{(sums[1].test_accuracy or 0) - (sums[0].test_accuracy or 0):+.2%}")
    _curves(pair, "exp_hc")
    st.caption(t("If the handcrafted first layer does about as well, the learned kernels found nothing a person "
                 "could not have designed; if it does worse, the network learned features of its own."))


# ---------------------------------------------------------------- Edit and see


def _set_base(values) -> None:
    """Start the kernel editor from these numbers (None: the learned ones)."""
    st.session_state["exp_ed_base"] = None if values is None else np.asarray(values, dtype=float).tolist()
    st.session_state["exp_ed_nonce"] = st.session_state.get("exp_ed_nonce", 0) + 1


def _load_handcrafted(cands: dict, scale: float) -> None:
    name = st.session_state.get("exp_ed_load")
    if name:
        _set_base(cands[name] * scale)
        st.session_state["exp_ed_load"] = ""  # ready to load the same kernel again later


def edit_tab() -> None:
    loaded = ui.require_loaded()
    classes = loaded.classes
    st.caption(ui.run_caption(loaded))
    convs = kernels.conv_layers(loaded.spec)
    if not convs:
        st.info(t("This network has no convolution layers, so there is no kernel to edit."))
        return
    st.markdown(t("Change the numbers of one learned kernel and see what happens downstream: the feature maps and the "
                  "prediction. The saved run is never changed; this works on a copy."))
    pick, grid_col, act_col = st.columns([1, 1.2, 1])
    ui.keep_valid("exp_ed_layer", convs, convs[0])
    layer = pick.selectbox(t("Layer"), convs, key="exp_ed_layer", on_change=_set_base, args=(None,))
    original_all = kernels.of_layer(loaded.model, layer)  # (out, in, kh, kw)
    n_out, n_in, kh, kw = original_all.shape
    ui.keep_valid("exp_ed_out", list(range(n_out)), 0)
    ui.keep_valid("exp_ed_in", list(range(n_in)), 0)
    o = pick.selectbox(t("Output channel (filter)"), list(range(n_out)), key="exp_ed_out", on_change=_set_base,
                       args=(None,))
    i = pick.selectbox(t("Input channel"), list(range(n_in)), key="exp_ed_in", on_change=_set_base, args=(None,))
    original = original_all[o, i]  # (kh, kw)
    values = _kernel_editor(grid_col, layer, o, i, original)  # (kh, kw); NaN where a cell was emptied
    try:
        handcrafted.checked_kernel(loaded.model, layer, o, i, values)
    except (ValueError, TypeError) as e:
        st.error(t("This kernel cannot be used: {reason}", reason=ui.reason(e)))
        return
    ui.chart(grid_col, figures.kernel_grid(np.stack([original, values]), titles=[t("learned"), t("yours")],
                                           max_cols=2), key="exp_ed_kernels",
             help=t("Left the learned kernel, right your edited copy, one cell per weight on one shared colour scale: "
                    "blue is positive, red negative, white zero. Cells whose colour differs are the numbers you "
                    "changed."))
    changed = not np.array_equal(values, original)
    picked = ui.pick_input("exp_ed", loaded, where=act_col, sources=("test",))
    if picked is None:
        return
    before = ui.activations(loaded, picked)
    after = ui.edited_activations(loaded, picked, layer, o, i, values) if changed else before
    ui.show_input(act_col, picked, key="exp_ed_image")
    p0, p1 = before["softmax"], after["softmax"]
    st.markdown(t("Learned kernel: ") + _verdict(p0, classes, picked.label) + "  \n" + t("Edited kernel: ") +
                _verdict(p1, classes, picked.label) + ("" if changed else "  \n" + t("(no change yet: edit a number)")))
    left, right = st.columns(2)
    _probs(left, p0, classes, picked.label, "exp_ed_probs_before", t("with the learned kernel"))
    _probs(right, p1, classes, picked.label, "exp_ed_probs_after", t("with your kernel"))
    _downstream(before, after, layer, changed)


def _downstream(before: dict, after: dict, layer: str, changed: bool) -> None:
    """The feature maps from the edited layer on, with the edited kernel and as a change."""
    names = list(before)
    downstream = [m for m in _map_layers(before) if names.index(m) >= names.index(layer)]
    ui.keep_valid("exp_ed_show", downstream, downstream[0])
    show = st.columns(3)[0].selectbox(t("Feature maps of layer"), downstream, key="exp_ed_show")
    delta = after[show] - before[show]
    st.caption(t("Largest change in {layer}: {d:.3g} (its values span {lo:.3g} to {hi:.3g}).", layer=show,
                 d=float(np.abs(delta).max()), lo=float(before[show].min()), hi=float(before[show].max())))
    _maps(after[show], "exp_ed_maps", t("{layer} with your kernel", layer=show))
    if changed:
        ui.chart(st, figures.feature_map_grid(delta, title=t("Change: your kernel minus the learned one")),
                 key="exp_ed_delta",
                 help=t("A difference map: the layer's feature maps with your kernel minus those with the learned "
                        "one. Blue means your kernel raised the value there, red that it lowered it, white that "
                        "nothing changed (if nothing went down the maps are grey: the brighter, the bigger the rise); "
                        "each map has its own colour range."))


def _kernel_editor(where, layer: str, o: int, i: int, original):
    """The editable grid of one kernel slice and its buttons; returns the numbers in it (kh, kw)."""
    kh, kw = original.shape
    base = st.session_state.get("exp_ed_base")
    base = original if base is None or np.shape(base) != original.shape else np.asarray(base)
    with where:
        st.markdown(t("**{layer}**, filter {o}, input channel {i}: {kh}×{kw} weights", layer=layer, o=o, i=i,
                      kh=kh, kw=kw))
        edited = st.data_editor(pd.DataFrame(base, columns=[str(c) for c in range(kw)]),
                                key=f"exp_ed_grid_{st.session_state.get('exp_ed_nonce', 0)}", column_config={
                                    str(c): st.column_config.NumberColumn(format="%.3f", step=0.01)
                                    for c in range(kw)})
        values = edited.to_numpy(dtype=float)
        b1, b2, b3 = st.columns(3)
        b1.button(t("Reset"), key="exp_ed_reset", on_click=_set_base, args=(None,), icon=":material/undo:",
                  help=t("Back to the learned numbers."))
        b2.button(t("Zero"), key="exp_ed_zero", on_click=_set_base, args=(np.zeros_like(original),),
                  help=t("Switch this kernel slice off."))
        b3.button(t("Negate"), key="exp_ed_negate", on_click=_set_base, args=(-values,),
                  help=t("Flip the sign of every number."))
        cands = handcrafted.handcrafted_candidates(kh) if kh == kw and kh >= 2 else {}
        if cands:
            st.selectbox(t("Or load a handcrafted kernel"), [""] + list(cands), key="exp_ed_load",
                         format_func=lambda n: _kernel_title(n) if n else t("(choose)"), on_change=_load_handcrafted,
                         args=(cands, float(np.linalg.norm(original)) or 1.0),
                         help=t("Scaled to the size (L2 norm) of the learned kernel."))
    return values


# ---------------------------------------------------------------- the page


st.title(t("Experiment"))
tabs = st.tabs([t(name) for name in TABS], key="exp_tab", on_change="rerun")
for tab, body in zip(tabs, (compare_tab, timeline_tab, robustness_tab, health_tab, handcrafted_tab, edit_tab)):
    if tab.open:
        with tab:
            body()
