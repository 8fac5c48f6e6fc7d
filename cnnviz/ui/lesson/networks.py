"""The guided lesson's steps on whole networks: LeNet-5, softmax and the loss, a deeper CNN, MLP against CNN, the
mistakes, and the kernels a network learned."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from ... import arch, cost, data, evaluate, hooks, jobs, kernel_catalogue, kernels, lesson, presets, ui
from ..cache import figures
from ...fits import split_sizes
from ..text import t
from . import common

if TYPE_CHECKING:
    from streamlit.delta_generator import DeltaGenerator


def lenet5(left: DeltaGenerator, right: DeltaGenerator) -> None:
    spec = presets.preset_spec("lenet5")
    ui.chart(
        right,
        figures.architecture_volumes(
            [("input", spec.input_shape)] + [(r.name, r.output_shape) for r in arch.infer_shapes(spec)]
        ),
        key="lesson_lenet_arch",
        help=t(
            "The network from left to right, the input first: each box is the output of one layer. "
            "Blue boxes are stacks of feature maps (taller for larger maps, wider for more channels) "
            "and green bars are flat lists of numbers, after flatten and in dense layers; under each "
            "box are the layer's name and output shape, and hovering shows how many values it holds."
        ),
    )
    common.live_training(right, "lenet5", 3, t("Train LeNet-5 live (3 epochs)"))
    _to_builder(left, "lenet5")
    left.caption(
        t(
            "{params} parameters. Trained with Adam for 3 epochs on 3,600 digits, checked on 400 held back "
            "(validation) and finally on 1,000 test digits.",
            params=f"{arch.total_params(spec):,}",
        )
    )


def softmax_loss(left: DeltaGenerator, right: DeltaGenerator) -> None:
    run = common.need_run(right)
    if run is None:
        return
    spec, model, split, names = run.spec, run.model, run.split, list(run.classes)
    cls = right.selectbox(
        t("Test image of class"),
        list(range(len(names))),
        index=min(7, len(names) - 1),
        format_func=lambda i: names[i],
        key="lesson_softmax_class",
    )
    image, label, g = data.test_image(split, cls, 0)  # (C, H, W) uint8
    x = data.normalize(split.x_test[g : g + 1], split.info)[0].numpy()  # (C, H, W) as in training
    rows = arch.infer_shapes(spec)
    outputs = hooks.activations(model, x)
    flat = next((r for r in rows if r.type == "flatten"), None)
    d = lesson.decision(outputs[rows[-1].name], label)
    if flat is not None:
        before = rows[rows.index(flat) - 1].output_shape if rows.index(flat) else tuple(spec.input_shape)
        right.markdown(
            t(
                "The last maps, {shape}, are flattened into {n} numbers; the dense layers turn them into {k} scores.",
                shape=" × ".join(map(str, before)),
                n=f"{flat.output_shape[0]:,}",
                k=len(names),
            )
        )
    ui.chart(
        right,
        figures.logits_to_probabilities(
            d.logits, d.probabilities, names, label, title=t("One test image: scores, then probabilities")
        ),
        key="lesson_softmax_fig",
        help=t(
            "Left the last layer's raw score (logit) for each class, right the softmax probabilities "
            "made from them. The highest score always gets the highest probability: its bars are green "
            "if that class is the true one and red if not, and “← true” marks the true class."
        ),
    )
    total = float(np.exp(d.logits - d.logits.max()).sum())
    right.markdown(
        t(
            "True class {name}: p = e^({z}) / Σ e^score = **{p}**; loss = −ln {p} = **{loss}**.",
            name=ui.plain(names[label]),
            z=f"{d.logits[label] - d.logits.max():.3f}".replace("-", "−"),
            p=f"{d.probabilities[label]:.4f}",
            loss=f"{d.loss:.3g}",
        )
    )
    right.caption(
        t(
            "The scores are shifted so that the largest is 0 before e^score is taken (Σ e^score = {total} "
            "then); the probabilities do not change.",
            total=f"{total:.4f}",
        )
    )
    left.image(
        image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0),
        width=140,
        caption=t("The test image ({name})", name=names[label]),
    )


def deep_cnn(left: DeltaGenerator, right: DeltaGenerator) -> None:
    spec = presets.preset_spec("deep-cnn")
    rows = [{**row, "details": ui.reason(row["details"])} for row in lesson.summary_rows(spec)]
    names = {
        "layer": t("Layer"),
        "output shape": t("Output shape"),
        "parameters": t("Parameters"),
        "details": t("Details"),
    }
    right.dataframe(
        pd.DataFrame(rows).rename(columns=names),
        hide_index=True,
        key="lesson_deep_table",
        column_config={t("Parameters"): st.column_config.NumberColumn(format="localized")},
    )
    right.markdown(t("Total: **{params}** parameters.", params=f"{arch.total_params(spec):,}"))
    if right.toggle(t("Show it as Keras's model.summary() prints it"), key="lesson_keras"):
        names = {
            "layer": t("Layer"),
            "keras": t("Output Shape (Keras)"),
            "ours": t("Output shape (here)"),
            "parameters": t("Param #"),
        }
        right.dataframe(
            pd.DataFrame(lesson.keras_rows(spec)).rename(columns=names),
            hide_index=True,
            key="lesson_keras_table",
            column_config={t("Param #"): st.column_config.NumberColumn(format="localized")},
        )
        right.caption(
            t(
                "Keras lists the batch first (None: any number of images) and the channels last; PyTorch and "
                "this explorer put the channels first and show one image. The parameter counts are the same."
            )
        )
    common.live_training(right, "deep-cnn", 5, t("Train the deeper CNN on the sample (5 epochs)"))
    cal = cost.cached_calibration(jobs.train_threads())
    if cal is not None:
        n_train, n_val = split_sizes(data.get_info(common.SAMPLE).train_size)
        left.caption(
            t(
                "Estimated for this computer: {time} for the 5 epochs.",
                time=ui.duration(5 * cost.epoch_seconds(spec, n_train, n_val, 64, cal)),
            )
        )
    left.caption(
        t("For the full 60,000 digits, pick MNIST in the sidebar and the Deeper CNN preset on the Train screen.")
    )
    left.page_link("pages/train.py", label=t("Train on full MNIST"), icon=":material/model_training:")
    _to_builder(left, "deep-cnn")


def _to_builder(container, preset: str) -> None:
    """One click from the lesson's network to the learner's own copy of it on the Architecture screen."""
    if container.button(
        t("Make your own version of it"),
        key=f"lesson_build_{preset}",
        icon=":material/tune:",
        help=t("Opens this network in the Architecture screen's builder"),
    ):
        st.session_state["arch_from_lesson"] = preset
        st.switch_page("pages/architecture.py")


def mlp_vs_cnn(left: DeltaGenerator, right: DeltaGenerator) -> None:
    a, b = right.columns(2)
    common.live_training(a, "mlp", 3, t("Train the MLP (3 epochs)"))
    common.live_training(b, "lenet5", 3, t("Train LeNet-5 live (3 epochs)"))
    done = {preset: common.read_run(st.session_state.get(common.LIVE_KEYS[preset])) for preset in ("mlp", "lenet5")}
    if not all(run is not None and run.status == "finished" for run in done.values()):
        right.info(t("When both have finished, their accuracy on shifted test digits appears here."))
        return
    split = ui.load_dataset(common.SAMPLE)
    accuracy = {
        t(presets.get_preset(preset).title): lesson.accuracy_under_shift(ui.loaded_run(run).model, split)
        for preset, run in done.items()
    }
    ui.chart(
        right,
        figures.accuracy_against(
            list(lesson.SHIFTS),
            accuracy,
            x_title=t("shift to the right (pixels)"),
            title=t("Test accuracy with every test digit shifted"),
        ),
        key="lesson_shift_fig",
        help=t(
            "Test accuracy (up) of each network against how far every test digit was shifted to the "
            "right, in pixels (across). A line that stays high means the network still recognises "
            "moved digits; a line that drops means it relies on where the strokes are."
        ),
    )
    digit = common.digit(right, "lesson_shift_digit")  # (28, 28) in 0..1
    shown = [np.roll(digit, d, axis=1) * (np.arange(28) >= d) for d in (0, 2, 4, 6)]  # as lesson.shift_right
    ui.chart(
        right,
        figures.image_gallery(np.stack(shown), [t("{d} px", d=d) for d in (0, 2, 4, 6)], max_cols=4),
        key="lesson_shift_digits",
        height=common.fit(4, 4),
        help=t(
            "One test digit shifted right by 0, 2, 4 and 6 pixels, as in the test above: the columns "
            "pushed past the right edge are lost and the left edge is filled with black."
        ),
    )
    mlp, cnn = accuracy.values()
    right.markdown(
        t(
            "Shifted by 2 pixels: MLP {mlp}, LeNet-5 {cnn}. Shifted by 6: MLP {mlp6}, LeNet-5 {cnn6}.",
            mlp=f"{mlp[2]:.1%}",
            cnn=f"{cnn[2]:.1%}",
            mlp6=f"{mlp[6]:.1%}",
            cnn6=f"{cnn[6]:.1%}",
        )
    )


def mistakes(left: DeltaGenerator, right: DeltaGenerator) -> None:
    run = common.need_run(right)
    if run is None:
        return
    ev = ui.evaluation(run)
    a, b = right.columns(2)
    a.metric(t("Test accuracy"), f"{ev.accuracy:.2%}")
    b.metric(t("Mistakes"), f"{ev.n_wrong:,} / {ev.n_test:,}")
    right.markdown(evaluate.report(ev, tr=t))
    ui.chart(
        right,
        figures.per_class_accuracy(ev.per_class_accuracy, ev.class_names, title=t("Accuracy per class")),
        key="lesson_per_class",
        help=t(
            "One bar per class: the share of that class's test images the network got right. The best "
            "class is green and the worst red; a short bar is a class the network finds hard."
        ),
    )
    if len(ev.class_names) == 10 and run.record.dataset.startswith("mnist"):
        source = lesson.SOURCE_DEEP_CNN
        ui.chart(
            right,
            figures.per_class_against(
                ev.per_class_accuracy,
                source["per_class"],
                ev.class_names,
                names=(t("this run"), t("the video lesson's deeper CNN")),
                title=t("This run beside the video lesson, per digit"),
            ),
            key="lesson_source",
            help=t(
                "Two bars per digit: blue is this run's accuracy on that digit's test images, grey the "
                "video lesson's deeper CNN. The axis starts just below the lowest value, so small gaps "
                "look large; a blue bar shorter than its grey neighbour is a digit this run finds "
                "harder."
            ),
        )
        right.caption(
            t(
                "The video lesson's deeper CNN, trained for 200 epochs on all 60,000 digits: {acc} with {n} "
                "mistakes on the 10,000 test digits. This run: {mine} with {wrong} mistakes on {total}.",
                acc=f"{source['accuracy']:.2%}",
                n=source["mistakes"],
                mine=f"{ev.accuracy:.2%}",
                wrong=f"{ev.n_wrong:,}",
                total=f"{ev.n_test:,}",
            )
        )
    wrong = evaluate.mistakes(ev, limit=8)
    if not wrong:
        right.success(t("No mistakes on the test set: nothing to show."))
        return
    images = run.split.x_test[wrong].numpy()  # (N, C, H, W) uint8
    images = images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)
    names = ev.class_names
    captions = [f"{names[ev.labels[i]]} → {names[ev.predictions[i]]} ({ev.confidence[i]:.0%})" for i in wrong]
    ui.chart(
        right,
        figures.image_gallery(
            images, captions, max_cols=4, title=t("Most confident mistakes: true → predicted (confidence)")
        ),
        key="lesson_mistakes",
        height=common.fit(len(wrong), 4),
        help=t(
            "Test images the network got wrong, the most confident mistakes first. Each caption reads "
            "true class → predicted class, with the network's probability for its wrong answer in "
            "brackets."
        ),
    )


def learned_kernels(left: DeltaGenerator, right: DeltaGenerator) -> None:
    run = common.need_run(right)
    if run is None:
        return
    spec, model = run.spec, run.model
    layers = kernels.conv_layers(spec)
    if not layers:
        right.info(t("This network has no convolution layer, so there are no kernels. Pick a CNN in the sidebar."))
        return
    k = kernels.of_layer(model, layers[0])  # (out, in, kh, kw)
    title = t("{layer}: {n} learned kernels of {kh}×{kw}", layer=layers[0], n=k.shape[0], kh=k.shape[2], kw=k.shape[3])
    if k.shape[1] == 3:
        fig = figures.kernel_grid_rgb(k, title=title)
    else:
        fig = figures.kernel_grid(k[:, 0], shared_scale=False, title=title)
    ui.chart(
        right,
        fig,
        key="lesson_learned",
        height=common.fit(k.shape[0], 8),
        help=(
            t(
                "Each square is one kernel of the first layer, drawn as a tiny colour picture: its red, "
                "green and blue slices become the picture's three colours, stretched to the kernel's own "
                "range. Bright parts are its largest weights and dark parts its lowest; a coloured blob "
                "means it reacts to that colour, a light-dark stripe to an edge."
            )
            if k.shape[1] == 3
            else t(
                "Each square is one kernel, one cell per weight: blue is a positive weight, red a "
                "negative one, white zero. Each kernel has its own colour range, so compare their "
                "patterns, not the strength of their colours."
            )
        ),
    )
    handmade = ("sobel_vertical", "sobel_horizontal", "edges", "gaussian_blur")
    ui.chart(
        right,
        figures.kernel_grid(
            np.stack([kernel_catalogue.get_kernel(n).weights for n in handmade]),
            titles=[t(kernel_catalogue.get_kernel(n).title) for n in handmade],
            shared_scale=False,
            max_cols=8,
            title=t("Handmade kernels, for comparison"),
        ),
        key="lesson_handmade",
        height=common.fit(len(handmade), 6),
        help=t(
            "Each square is one kernel, one cell per weight: blue is a positive weight, red a negative "
            "one, white zero. Each kernel has its own colour range, so compare their patterns, not the "
            "strength of their colours."
        ),
    )
    left.caption(
        t(
            "Red and blue are weights of opposite sign, white is zero. A kernel with a red side and a blue "
            "side finds edges; one of a single colour finds blobs and strokes."
        )
    )
