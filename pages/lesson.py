"""Guided lesson: from one kernel to a 99% network, one step at a time, each beside a live widget."""
import numpy as np
import pandas as pd
import streamlit as st

from cnnviz import arch, conv, cost, data, evaluate, figures, hooks, jobs, kernels, lesson, metrics, presets, runs, ui
from cnnviz.train import config_for, split_sizes
from cnnviz.loaded import LoadedRun
from cnnviz.ui import t

ui.ensure_navigation()

N_STEPS = len(lesson.STEPS)
SAMPLE = "mnist-sample"  # the lesson always trains and draws digits from the built-in sample: offline, seconds
# session keys of the runs started here
LIVE_KEYS = {"lenet5": "lesson_run_lenet5", "deep-cnn": "lesson_run_deep", "mlp": "lesson_run_mlp"}


# ---------------------------------------------------------------- which step (session state <-> URL)


def _init_step() -> None:
    """Restore the step: the one this session last showed, else the URL's ?step=, else the first."""
    if st.session_state.get("lesson_step") in range(1, N_STEPS + 1):
        return
    # Streamlit forgets a widget's state on pages that do not draw it, hence the plain copy.
    st.session_state["lesson_step"] = (st.session_state.get("lesson_step_saved")
                                       or lesson.parse_step(st.query_params.get("step")) or 1)


def _go(delta: int) -> None:
    st.session_state["lesson_step"] = min(max(st.session_state["lesson_step"] + delta, 1), N_STEPS)


def _goto(number: int) -> None:
    st.session_state["lesson_step"] = number


def _number(step_id: str) -> int:
    """A step's number, for text that sends the learner to it (numbers move when steps are added)."""
    return lesson.STEP_IDS.index(step_id) + 1


def _step_label(number: int) -> str:
    return t("Step {n} of {total}: {title}", n=number, total=N_STEPS, title=t(lesson.get_step(number).title))


# ---------------------------------------------------------------- shared pieces


def _fit(n: int, cols: int, width: int = 620) -> int:
    """Height in px for a grid of n square panels in the right column: the grid figures are sized for the
    full page width, and without this they leave empty bands above and below."""
    cols = max(1, min(n, cols))
    rows = -(-n // cols)
    return int(rows * (width / cols + 30) + 70)


def _digit(container, key: str) -> np.ndarray:
    """A test digit of the built-in sample, chosen by class: float (28, 28) in 0..1."""
    split = ui.load_dataset(SAMPLE)
    cls = container.selectbox(t("Test digit"), list(range(10)), index=7, key=key)
    image, _, _ = data.test_image(split, cls, 0)  # (1, 28, 28) uint8
    return image[0] / 255.0


def _read_run(run_id: str | None) -> runs.RunInfo | None:
    if not run_id:
        return None
    try:
        return runs.read_run(run_id)
    except runs.RunError:
        return None


def _use_run(run_id: str) -> None:
    st.session_state["run_id"] = run_id  # a callback runs before the sidebar draws its picker, so this is allowed


def _curves(run_id: str, polling: bool) -> None:
    """Curves, progress and result of one run, read from the run store (a fragment while it trains)."""
    info = _read_run(run_id)
    if info is None:
        st.warning(t("Run {run} is gone from the run store. Start a new one.", run=run_id))
        return
    history = metrics.read_history(run_id)
    if history["epoch"]:
        ui.chart(st, figures.training_curves(history, title=t("Run {run}", run=run_id)),
                     key=f"lesson_curves_{run_id}",
                     help=t("Left the loss, right the accuracy, against the epoch (1 epoch = one pass over the "
                            "training images). Blue is measured on the training images, orange on the validation "
                            "images held back; the loss should fall and the accuracy rise, and a growing gap between "
                            "blue and orange is a sign of overfitting."))
    if info.status == "queued":
        st.info(t("Waiting for a free training slot; it starts by itself."), icon=":material/schedule:")
    elif info.status in runs.ACTIVE:
        total = info.record.total_steps or 1
        done = (metrics.last_step(run_id) or {}).get("step", 0)
        st.progress(min(done / total, 1.0), text=t("Training: step {done} of {total}", done=done, total=total))
    elif info.status == "finished" and info.test_accuracy is not None:
        st.success(t("Finished: {acc} of the test digits recognised.", acc=f"{info.test_accuracy:.1%}"))
        if st.session_state.get("run_id") != run_id:
            st.button(t("Inspect this run in the next steps"), key=f"lesson_use_{run_id}", on_click=_use_run,
                      args=(run_id,), icon=":material/search:")
    else:
        st.warning(t("This run ended as {status}. {message}", status=ui.status_label(info.status),
                     message=info.record.message or ""))
    if polling and info.status not in runs.LIVE:
        st.rerun()  # redraw the whole step once, so the finished run is no longer polled


def _live_training(container, preset: str, epochs: int, button: str) -> None:
    """A button that trains `preset` on the sample in the background, then its live curves."""
    key = LIVE_KEYS[preset]
    info = _read_run(st.session_state.get(key))
    running = info is not None and info.status in runs.LIVE
    if container.button(button, key=f"{key}_start", type="primary", disabled=running, icon=":material/play_arrow:"):
        with container:
            run_id = ui.start_training(config_for(preset, SAMPLE, epochs=epochs), ui.load_dataset(SAMPLE))
        if run_id:
            st.session_state[key] = run_id
            st.rerun()  # draw the button disabled while this run trains
    if info is None:
        container.info(t("Press the button to train. The curves appear here while it runs."))
        return
    with container:
        st.fragment(_curves, run_every=1.0 if running else None)(info.run_id, running)


def _need_run(container) -> LoadedRun | None:
    """The run picked in the sidebar, loaded, or guidance on getting one."""
    run = ui.selected_run()
    if run is None:
        container.info(t("This step looks inside a trained network, and there is none yet. Train LeNet-5 in "
                         "step {n} (a few seconds); it is then picked in the sidebar by itself.", n=_number("lenet5")))
        container.button(t("Go to step {n}", n=_number("lenet5")), key="lesson_to_lenet5", on_click=_goto,
                         args=(_number("lenet5"),), icon=":material/arrow_back:")
        return None
    container.caption(t("Run {run} · {dataset}. Pick another run in the sidebar.", run=run.run_id,
                        dataset=ui.dataset_title(run.record.dataset, run.record.dataset_title)))
    return ui.loaded_run(run)


# ---------------------------------------------------------------- the steps


def _kernel(left, right) -> None:
    out_h, out_w = conv.convolve(lesson.TINY_IMAGE, lesson.TINY_KERNEL).shape
    position = right.slider(t("Kernel position"), 1, out_h * out_w, 1, key="lesson_kernel_pos",
                            help=t("Move the 3×3 window over the 4×4 image, left to right, top to bottom.")) - 1
    row, col = divmod(position, out_w)
    step = conv.conv_step(lesson.TINY_IMAGE, lesson.TINY_KERNEL, row, col)
    so_far = lesson.output_so_far(lesson.TINY_IMAGE, lesson.TINY_KERNEL, position)
    ui.chart(right, figures.conv_step(step.padded, step.kernel, step.position, step.products, step.value, so_far,
                                      (row, col)), key="lesson_kernel_fig",
                    help=t("From left: the input with the current window framed in orange, the kernel, each input "
                           "value times the weight on it, and the output with the current cell framed. In the last "
                           "three, blue is positive, red negative and white zero; grey output cells are not computed "
                           "yet, and the title gives the sum of the products."))
    terms = " + ".join(f"{p:g}×{k:g}" if k >= 0 else f"{p:g}×({k:g})"
                       for p, k in zip(step.window.ravel(), step.kernel.ravel()))
    right.markdown(t("Output at row {row}, column {col}: {terms} = **{value}**", row=row, col=col,
                     terms=terms.replace("-", "−"), value=f"{step.value:g}".replace("-", "−")))
    left.caption(t("Orange frames: the window on the input and the output value it makes. Grey cells are not "
                   "computed yet."))


XC_KERNELS = {"shift": (lesson.SHIFT_KERNEL, t("one weight off centre")),
              "sobel_vertical": (conv.get_kernel("sobel_vertical").weights, t("vertical edges")),
              "gaussian_blur": (conv.get_kernel("gaussian_blur").weights, t("blur (symmetric)"))}


def _cross_correlation(left, right) -> None:
    name = right.radio(t("Kernel"), list(XC_KERNELS), horizontal=True, key="lesson_xc_kernel",
                       format_func=lambda k: XC_KERNELS[k][1])
    kernel = XC_KERNELS[name][0]
    digit = _digit(right, "lesson_xc_digit")  # (28, 28)
    ui.chart(right, figures.kernel_grid(np.stack([kernel, lesson.rotate_180(kernel)]), max_cols=2,
                                        titles=[t("as slid: cross-correlation"), t("rotated 180°: convolution")],
                                        title=t("The kernel, and the kernel a mathematician would slide")),
                    key="lesson_xc_kernels", height=_fit(2, 2, width=420),
                    help=t("Left the kernel as a CNN slides it, right the same kernel turned by 180°, as the "
                           "mathematical convolution uses it; one cell per weight, blue positive, red negative, white "
                           "zero. A kernel that looks the same both ways gives the same map both ways."))
    maps = np.stack([conv.convolve(digit, kernel), lesson.true_convolution(digit, kernel)])  # (2, OH, OW)
    ui.chart(right, figures.feature_map_grid(maps, max_cols=2, titles=[t("cross-correlation (what CNNs compute)"),
                                                                       t("convolution (kernel rotated)")],
                                             title=t("The same digit through both")),
                    key="lesson_xc_maps", height=_fit(2, 2),
                    help=t("The same digit through the kernel as it is (left) and through the turned kernel (right). "
                           "Blue is positive, red negative and white zero (grey, from black to white, when no value "
                           "is negative); each map has its own colour range, so look for where the two differ."))
    gap = float(np.abs(maps[0] - maps[1]).max())
    right.markdown(t("The two maps are identical: this kernel looks the same after a 180° turn.") if gap < 1e-9 else
                   t("The two maps differ by up to {gap} per pixel.", gap=f"{gap:.3g}"))
    left.caption(t("PyTorch's F.conv2d gives exactly the left map; the tests of this explorer check it."))


def _shared_weights(left, right) -> None:
    maps = lesson.shared_weight_maps(lesson.TINY_KERNEL, lesson.TINY_IMAGE.shape)  # (4, 4, 4)
    ui.chart(right, figures.kernel_grid(maps, titles=[t("neuron {i}", i=i + 1) for i in range(len(maps))],
                                        max_cols=4, title=t("The 4 conv neurons as weights over the 16 pixels")),
                    key="lesson_shared_fig", height=_fit(4, 4),
                    help=t("Each square is one of the 4 output neurons, drawn over the 16 input pixels: a cell's "
                           "colour is the weight that neuron gives that pixel (blue positive, red negative). White "
                           "cells are pixels it does not see at all; all four hold the same 9 weights, only shifted."))
    right.caption(t("The same 9 weights in every neuron, only shifted; white pixels have no weight at all."))
    comparisons = conv.lesson_comparisons()
    top = max(c.dense.total for c in comparisons)
    table = pd.DataFrame({
        t("Image"): [f"{c.image_shape[0]}×{c.image_shape[1]}" for c in comparisons],
        t("Outputs"): [c.dense_units for c in comparisons],
        t("Dense layer"): [c.dense.total for c in comparisons],
        t("Conv layer"): [c.conv.total for c in comparisons],
        t("Kernels"): [c.conv.biases for c in comparisons],
    })
    bar = dict(format="localized", min_value=0, max_value=top)
    right.dataframe(table, hide_index=True, key="lesson_params_table", column_config={
        t("Dense layer"): st.column_config.ProgressColumn(t("Dense layer"), **bar,
                                                          help=t("Parameters of a dense layer with that many outputs")),
        t("Conv layer"): st.column_config.ProgressColumn(
            t("Conv layer"), **bar, help=t("Parameters of the 3×3 conv kernels, biases included")),
    })
    digit = comparisons[2]
    left.markdown(t("For a 28×28 digit and 4 outputs, a dense layer needs **{dense}** parameters; one 3×3 kernel "
                    "needs **{conv}**, whatever the image size.", dense=f"{digit.dense.total:,}",
                    conv=f"{digit.conv.total:,}"))
    left.caption(t("The table's first row is the 4×4 example: {dense} against {conv}.",
                   dense=comparisons[0].dense.total, conv=comparisons[0].conv.total))


def _channels(left, right) -> None:
    image = lesson.rgb_image()  # (3, 16, 16)
    a, b = right.columns([1, 2])
    ui.chart(a, figures.image_gallery(image.transpose(1, 2, 0)[None], [t("input, 3 channels")]),
                key="lesson_rgb_input",
                help=t("The picture the network is given, one square per pixel. Hover over a pixel to read its row, "
                       "column and value; a grey picture runs from black (its darkest pixel) to white (its "
                       "brightest)."))
    ui.chart(b, figures.kernel_grid(lesson.RGB_KERNEL, titles=[t("red slice"), t("green slice"), t("blue slice")],
                                    shared_scale=False, max_cols=3, title=t("One 3×3×3 kernel")),
                key="lesson_rgb_kernel", height=_fit(3, 3, width=400),
                help=t("The three slices of one 3×3×3 kernel, one per colour channel, one cell per weight: blue is "
                       "positive, red negative, white zero. Each slice has its own colour range."))
    maps = lesson.channel_contributions(image, lesson.RGB_KERNEL)  # (4, 14, 14)
    ui.chart(right, figures.feature_map_grid(maps, titles=[t("from red"), t("from green"), t("from blue"),
                                                           t("sum: the output")], max_cols=4,
                                             title=t("Each slice filters its channel; the sum is one map")),
                    key="lesson_rgb_maps", height=_fit(4, 4),
                    help=t("The first maps show what each kernel slice makes of its own colour channel; the last adds "
                           "them up (plus the bias, if any) into the layer's one output map. Blue is positive, red "
                           "negative and white zero (grey maps, from black to white, when no value is negative), and "
                           "each map has its own colour range."))
    f, d, m = right.columns(3)
    size = f.select_slider(t("Kernel size F"), [1, 3, 5, 7], value=3, key="lesson_rgb_f")
    depth = d.slider(t("Input channels D"), 1, 64, 3, key="lesson_rgb_d")
    filters = m.slider(t("Kernels M"), 1, 64, 1, key="lesson_rgb_m")
    count = conv.conv_params(size, size, depth, filters)
    right.markdown(t("Parameters: (F×F×D+1)×M = {formula}", formula=count.explanation))


def _stride_padding(left, right) -> None:
    cols = right.columns(4)
    size_i = cols[0].slider(t("Input I"), 3, 28, 28, key="lesson_sp_i")
    size_f = cols[1].slider(t("Kernel F"), 1, 7, 3, key="lesson_sp_f")
    stride = cols[2].slider(t("Stride S"), 1, 4, 1, key="lesson_sp_s")
    padding = cols[3].slider(t("Padding P"), 0, 3, 0, key="lesson_sp_p")
    try:
        size = conv.output_size(size_i, size_f, stride, padding)
    except ValueError as e:
        right.warning(t("These settings do not fit: {reason}", reason=ui.reason(e)))
        return
    right.markdown(f"**{size.explanation}**")
    kind = lesson.padding_name(size_i, size_f, stride, padding)
    if kind:
        right.markdown(t("This is **{kind}** padding.", kind={"valid": t("valid"), "same": t("same")}[kind]))
    coverage = lesson.window_coverage(size_i, size_f, stride, padding)  # (I, I)
    right.markdown(t("A corner pixel is inside {corner} window(s), the centre pixel inside {centre}.",
                     corner=int(coverage[0, 0]), centre=int(coverage[size_i // 2, size_i // 2])))
    with right.expander(t("How many windows see each input pixel")):
        ui.chart(st, figures.heatmap(coverage, range(size_i), range(size_i), colorscale="Blues",
                                     text_fmt="d" if size_i <= 14 else None,
                                     title=t("Windows containing each pixel, I={i}, F={f}, S={s}, P={p}",
                                             i=size_i, f=size_f, s=stride, p=padding)),
                     key="lesson_sp_coverage",
                     help=t("A coverage map: one cell per input pixel, counting how many kernel windows contain it "
                            "(printed when the input is small). Darker blue means more windows; without padding the "
                            "border pixels are seen by fewer windows than the centre."))
    digit = lesson.centre_crop(_digit(right, "lesson_sp_digit"), size_i)  # (I, I)
    kernel = lesson.box_kernel(size_f)
    out = conv.convolve(digit, kernel, stride, padding)
    ui.chart(right, figures.kernel_applied(digit, kernel, out, title=t("The centre {i}×{i} of a test digit, "
                                                                       "averaged by an {f}×{f} kernel",
                                                                       i=size_i, f=size_f)),
                    key="lesson_sp_fig",
                    help=t("Left the input (black is its darkest value, white its brightest), middle the kernel with "
                           "its weights printed, right the output map. In the kernel, and in an output with negative "
                           "values, blue is positive, red negative and white zero; an output without negative values "
                           "is drawn in grey like an image."))
    left.caption(t("The kernel here just averages its window, so the output looks like a blurred, smaller digit. "
                   "Only its size matters in this step."))


RELU_KERNELS = ("sobel_vertical", "sobel_horizontal", "edges")


def _relu(left, right) -> None:
    name = right.radio(t("Kernel"), RELU_KERNELS, horizontal=True, key="lesson_relu_kernel",
                       format_func=lambda k: t(conv.get_kernel(k).title))
    digit = _digit(right, "lesson_relu_digit")  # (28, 28)
    before = conv.convolve(digit, conv.get_kernel(name).weights)  # (26, 26)
    after = lesson.relu(before)
    ui.chart(right, figures.feature_map_grid(np.stack([before, after]), max_cols=2,
                                             titles=[t("before ReLU"), t("after ReLU: max(0, x)")],
                                             title=t("A feature map of a test digit")),
                    key="lesson_relu_maps", height=_fit(2, 2),
                    help=t("Left the feature map before ReLU, right after it: blue is positive, red negative, white "
                           "zero. ReLU turns every red cell white (0) and leaves the blue ones as they were; each map "
                           "has its own colour range."))
    negative, zero = int((before < 0).sum()), int((before == 0).sum())
    right.markdown(t("{neg} of {n} values were negative and are now 0; {pos} positive values pass unchanged "
                     "({zero} were 0 already).", neg=negative, n=before.size, pos=int((before > 0).sum()),
                     zero=zero))
    left.caption(t("Red and blue are values of opposite sign, white is zero. After ReLU only one sign is left: "
                   "where the kernel's pattern is present."))


def _pooling(left, right) -> None:
    a, b = right.columns(2)
    kind = a.radio(t("Pooling"), list(conv.POOL_KINDS), horizontal=True, key="lesson_pool_kind",
                   format_func=lambda k: {"max": t("max"), "avg": t("average"), "l2": t("L2")}[k])
    size = b.select_slider(t("Window"), [2, 3, 4], value=2, key="lesson_pool_size")
    digit = _digit(right, "lesson_pool_digit")  # (28, 28)
    out = conv.pool(digit, kind, size)
    if kind in ("max", "avg"):  # figures.pooling_view draws these two kinds
        ui.chart(right, figures.pooling_view(digit, out, kind, size, size), key="lesson_pool_fig",
                        help=t("Left the input, right the pooled output, each from black (lowest value) to white "
                               "(highest), with the values printed when the map is small. The orange squares mark one "
                               "pooling window and the output cell it becomes."))
    else:
        ui.chart(right, figures.image(out, title=t("L2 pool {k}×{k} → {h}×{w}", k=size, h=out.shape[0],
                                                   w=out.shape[1])), key="lesson_pool_fig",
                        help=t("The digit after L2 pooling: each cell is the L2 norm of one window, the square root "
                               "of the sum of its squared values. Black is the lowest value and white the highest; "
                               "the bar on the right gives the scale."))
    every = np.stack([conv.pool(digit, k, size) for k in conv.POOL_KINDS])  # (3, OH, OW)
    ui.chart(right, figures.feature_map_grid(every, titles=[t("max"), t("average"), t("L2")], max_cols=3,
                                             title=t("The three kinds side by side")), key="lesson_pool_all",
                    height=_fit(3, 3),
                    help=t("The same digit pooled three ways with the same window: by each window's largest value, "
                           "its mean and its L2 norm. Black is low and white high, each map on its own range, so "
                           "compare shapes: max keeps thin strokes bright, average blurs them."))
    left.caption(t("{h}×{w} values became {oh}×{ow}: each output cell stands for one {k}×{k} window, by its "
                   "largest value, its mean or its L2 norm.",
                   h=digit.shape[0], w=digit.shape[1], oh=out.shape[0], ow=out.shape[1], k=size))


def _new_mask() -> None:
    st.session_state["lesson_dropout_draw"] = st.session_state.get("lesson_dropout_draw", 0) + 1


def _dropout(left, right) -> None:
    a, b = right.columns([2, 1], vertical_alignment="bottom")
    p = a.slider(t("Drop probability p"), 0.0, 0.9, 0.5, 0.1, key="lesson_dropout_p")
    b.button(t("New draw"), key="lesson_dropout_new", on_click=_new_mask, icon=":material/casino:", width="stretch")
    view = lesson.dropout_demo(p, st.session_state.get("lesson_dropout_draw", 0))
    # The mask drawn as ±1 puts all three maps on the diverging scale: zero is white, so silenced neurons
    # are white holes in the output and red cells in the mask.
    maps = np.stack([view.activations, 2 * view.mask - 1, view.output])  # (3, 8, 8)
    titles = [t("activations"), t("mask: blue kept, red dropped"),
              t("after dropout, ×{s}", s=f"{1.0 / (1.0 - p):.2f}")]
    ui.chart(right, figures.feature_map_grid(maps, titles=titles, max_cols=3,
                                             title=t("A dense layer of {n} neurons, one image in training",
                                                     n=view.mask.size)), key="lesson_dropout_fig", height=_fit(3, 3),
                    help=t("Left the layer's activations, middle the random mask (blue kept, red dropped), right the "
                           "output: kept values scaled up by 1/(1 − p), dropped ones 0. Blue is positive, red "
                           "negative and white zero, so silenced neurons are white holes in the output."))
    right.markdown(t("{kept} of {n} neurons kept. Mean output: {before} without dropout, {after} with this draw, "
                     "{average} averaged over {draws} draws.", kept=view.kept, n=view.mask.size,
                     before=f"{view.activations.mean():.3f}", after=f"{view.output.mean():.3f}",
                     average=f"{view.mean_over_draws:.3f}", draws=f"{lesson.DRAWS:,}"))
    left.caption(t("White cells in the third map are the silenced neurons. Each press of New draw is another "
                   "forward pass: another random set of neurons is silenced, and in a batch each image gets its own."))


GRAD_KEY = "lesson_grad_kernel"


def _grad_reset() -> None:
    st.session_state[GRAD_KEY] = np.zeros((3, 3)).tolist()
    st.session_state["lesson_grad_losses"] = []


def _grad_steps(steps: int) -> None:
    kernel = np.array(st.session_state[GRAD_KEY])
    losses = st.session_state["lesson_grad_losses"]
    for _ in range(steps):
        kernel = lesson.descend(kernel, st.session_state["lesson_grad_lr"])
        losses.append(lesson.kernel_gradient(lesson.GRADIENT_IMAGE, kernel, lesson.GRADIENT_TARGET).loss)
    st.session_state[GRAD_KEY] = kernel.tolist()


def _kernel_gradient(left, right) -> None:
    if GRAD_KEY not in st.session_state:
        _grad_reset()
    kernel = np.array(st.session_state[GRAD_KEY])  # (3, 3)
    image, target = lesson.GRADIENT_IMAGE, lesson.GRADIENT_TARGET
    g = lesson.kernel_gradient(image, kernel, target)
    a, b, c, d = right.columns([2, 1, 1, 1], vertical_alignment="bottom")
    a.select_slider(t("Learning rate"), lesson.LEARNING_RATES, value=0.05, key="lesson_grad_lr")
    diverged = not np.isfinite(g.loss) or g.loss > 1e12
    b.button(t("One step"), key="lesson_grad_one", on_click=_grad_steps, args=(1,), disabled=diverged,
             width="stretch")
    c.button(t("Ten steps"), key="lesson_grad_ten", on_click=_grad_steps, args=(10,), disabled=diverged,
             width="stretch")
    d.button(t("Start again"), key="lesson_grad_reset", on_click=_grad_reset, width="stretch")
    losses = [lesson.kernel_gradient(image, np.zeros((3, 3)), target).loss] + st.session_state["lesson_grad_losses"]
    right.markdown(t("After {steps} step(s): loss ½·Σ(output − target)² = **{loss}**; the centre weight's gradient "
                     "is {g}.", steps=len(losses) - 1, loss=f"{g.loss:.4g}", g=f"{g.gradient[1, 1]:.4g}"))
    ui.chart(right, figures.kernel_applied(image, kernel, g.output, title=t("The 6×6 input, the kernel now, its "
                                                                            "output")), key="lesson_grad_applied",
                    help=t("Left the input (black is its darkest value, white its brightest), middle the kernel with "
                           "its weights printed, right the output map. In the kernel, and in an output with negative "
                           "values, blue is positive, red negative and white zero; an output without negative values "
                           "is drawn in grey like an image."))
    ui.chart(right, figures.number_grids([target, g.error, g.gradient], [t("target output"),
                                         t("error = output − target"), t("gradient of each weight")]),
                    key="lesson_grad_numbers",
                    help=t("Three small grids, every value printed: the output the kernel should give, the error "
                           "(output minus target) and the gradient of the loss for each of the 9 weights. Blue is "
                           "positive, red negative, white zero, each grid on its own range; a step moves each weight "
                           "against its gradient."))
    if len(losses) > 1:
        ui.chart(right, figures.loss_steps(losses, title=t("Loss after each step")), key="lesson_grad_losses",
                        help=t("The loss after each step of gradient descent (step 0: the starting kernel of zeros); "
                               "lower is better. The axis turns logarithmic when the loss spans more than a factor of "
                               "100, and a line that climbs means the learning rate is too large."))
    if diverged:
        right.warning(t("The steps were too large and the loss exploded. Start again with a smaller learning rate."))
    left.caption(t("Each step moves every weight against its own gradient. The loss falls fast at first, then "
                   "slowly; with the largest rate the steps overshoot and the loss grows. The gradients here are the "
                   "ones autograd computes: the tests check them against PyTorch."))
    with left.expander(t("The kernel that made the target")):
        ui.chart(st, figures.kernel_grid(lesson.GRADIENT_KERNEL[None], max_cols=1), key="lesson_grad_answer",
                     height=_fit(1, 1, width=220),
                     help=t("The 3×3 kernel that made the target output, one cell per weight: blue positive, red "
                            "negative, white zero, with the bar giving the scale. The steps above should bring your "
                            "kernel close to it."))


def _lenet5(left, right) -> None:
    spec = presets.preset_spec("lenet5")
    ui.chart(right, figures.architecture_volumes([("input", spec.input_shape)] +
                                                 [(r.name, r.output_shape) for r in arch.infer_shapes(spec)]),
                    key="lesson_lenet_arch",
                    help=t("The network from left to right, the input first: each box is the output of one layer. "
                           "Blue boxes are stacks of feature maps (taller for larger maps, wider for more channels) "
                           "and green bars are flat lists of numbers, after flatten and in dense layers; under each "
                           "box are the layer's name and output shape, and hovering shows how many values it holds."))
    _live_training(right, "lenet5", 3, t("Train LeNet-5 live (3 epochs)"))
    _to_builder(left, "lenet5")
    left.caption(t("{params} parameters. Trained with Adam for 3 epochs on 3,600 digits, checked on 400 held back "
                   "(validation) and finally on 1,000 test digits.", params=f"{arch.total_params(spec):,}"))


def _softmax_loss(left, right) -> None:
    run = _need_run(right)
    if run is None:
        return
    spec, model, split, names = run.spec, run.model, run.split, list(run.classes)
    cls = right.selectbox(t("Test image of class"), list(range(len(names))), index=min(7, len(names) - 1),
                          format_func=lambda i: names[i], key="lesson_softmax_class")
    image, label, g = data.test_image(split, cls, 0)  # (C, H, W) uint8
    x = data.normalize(split.x_test[g:g + 1], split.info)[0].numpy()  # (C, H, W) as in training
    rows = arch.infer_shapes(spec)
    outputs = hooks.activations(model, x)
    flat = next((r for r in rows if r.type == "flatten"), None)
    d = lesson.decision(outputs[rows[-1].name], label)
    if flat is not None:
        before = rows[rows.index(flat) - 1].output_shape if rows.index(flat) else tuple(spec.input_shape)
        right.markdown(t("The last maps, {shape}, are flattened into {n} numbers; the dense layers turn them into "
                         "{k} scores.", shape=" × ".join(map(str, before)), n=f"{flat.output_shape[0]:,}",
                         k=len(names)))
    ui.chart(right, figures.logits_to_probabilities(d.logits, d.probabilities, names, label,
                                                    title=t("One test image: scores, then probabilities")),
                    key="lesson_softmax_fig",
                    help=t("Left the last layer's raw score (logit) for each class, right the softmax probabilities "
                           "made from them. The highest score always gets the highest probability: its bars are green "
                           "if that class is the true one and red if not, and “← true” marks the true class."))
    total = float(np.exp(d.logits - d.logits.max()).sum())
    right.markdown(t("True class {name}: p = e^({z}) / Σ e^score = **{p}**; loss = −ln {p} = **{loss}**.",
                     name=ui.plain(names[label]), z=f"{d.logits[label] - d.logits.max():.3f}".replace("-", "−"),
                     p=f"{d.probabilities[label]:.4f}", loss=f"{d.loss:.3g}"))
    right.caption(t("The scores are shifted so that the largest is 0 before e^score is taken (Σ e^score = {total} "
                    "then); the probabilities do not change.", total=f"{total:.4f}"))
    left.image(image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0), width=140,
               caption=t("The test image ({name})", name=names[label]))


def _deep_cnn(left, right) -> None:
    spec = presets.preset_spec("deep-cnn")
    rows = [{**row, "details": ui.reason(row["details"])} for row in lesson.summary_rows(spec)]
    names = {"layer": t("Layer"), "output shape": t("Output shape"), "parameters": t("Parameters"),
             "details": t("Details")}
    right.dataframe(pd.DataFrame(rows).rename(columns=names), hide_index=True, key="lesson_deep_table",
                    column_config={t("Parameters"): st.column_config.NumberColumn(format="localized")})
    right.markdown(t("Total: **{params}** parameters.", params=f"{arch.total_params(spec):,}"))
    if right.toggle(t("Show it as Keras's model.summary() prints it"), key="lesson_keras"):
        names = {"layer": t("Layer"), "keras": t("Output Shape (Keras)"), "ours": t("Output shape (here)"),
                 "parameters": t("Param #")}
        right.dataframe(pd.DataFrame(lesson.keras_rows(spec)).rename(columns=names), hide_index=True,
                        key="lesson_keras_table",
                        column_config={t("Param #"): st.column_config.NumberColumn(format="localized")})
        right.caption(t("Keras lists the batch first (None: any number of images) and the channels last; PyTorch and "
                        "this explorer put the channels first and show one image. The parameter counts are the same."))
    _live_training(right, "deep-cnn", 5, t("Train the deeper CNN on the sample (5 epochs)"))
    cal = cost.cached_calibration(jobs.train_threads())
    if cal is not None:
        n_train, n_val = split_sizes(data.get_info(SAMPLE).train_size)
        left.caption(t("Estimated for this computer: {time} for the 5 epochs.",
                       time=ui.duration(5 * cost.epoch_seconds(spec, n_train, n_val, 64, cal))))
    left.caption(t("For the full 60,000 digits, pick MNIST in the sidebar and the Deeper CNN preset on the Train "
                   "screen."))
    left.page_link("pages/train.py", label=t("Train on full MNIST"), icon=":material/model_training:")
    _to_builder(left, "deep-cnn")


def _to_builder(container, preset: str) -> None:
    """One click from the lesson's network to the learner's own copy of it on the Architecture screen."""
    if container.button(t("Make your own version of it"), key=f"lesson_build_{preset}", icon=":material/tune:",
                        help=t("Opens this network in the Architecture screen's builder")):
        st.session_state["arch_from_lesson"] = preset
        st.switch_page("pages/architecture.py")


def _mlp_vs_cnn(left, right) -> None:
    a, b = right.columns(2)
    _live_training(a, "mlp", 3, t("Train the MLP (3 epochs)"))
    _live_training(b, "lenet5", 3, t("Train LeNet-5 live (3 epochs)"))
    done = {preset: _read_run(st.session_state.get(LIVE_KEYS[preset])) for preset in ("mlp", "lenet5")}
    if not all(run is not None and run.status == "finished" for run in done.values()):
        right.info(t("When both have finished, their accuracy on shifted test digits appears here."))
        return
    split = ui.load_dataset(SAMPLE)
    accuracy = {t(presets.get_preset(preset).title): lesson.accuracy_under_shift(ui.loaded_run(run).model, split)
                for preset, run in done.items()}
    ui.chart(right, figures.accuracy_against(list(lesson.SHIFTS), accuracy, x_title=t("shift to the right (pixels)"),
                                             title=t("Test accuracy with every test digit shifted")),
                    key="lesson_shift_fig",
                    help=t("Test accuracy (up) of each network against how far every test digit was shifted to the "
                           "right, in pixels (across). A line that stays high means the network still recognises "
                           "moved digits; a line that drops means it relies on where the strokes are."))
    digit = _digit(right, "lesson_shift_digit")  # (28, 28) in 0..1
    shown = [np.roll(digit, d, axis=1) * (np.arange(28) >= d) for d in (0, 2, 4, 6)]  # as lesson.shift_right
    ui.chart(right, figures.image_gallery(np.stack(shown), [t("{d} px", d=d) for d in (0, 2, 4, 6)], max_cols=4),
                    key="lesson_shift_digits", height=_fit(4, 4),
                    help=t("One test digit shifted right by 0, 2, 4 and 6 pixels, as in the test above: the columns "
                           "pushed past the right edge are lost and the left edge is filled with black."))
    mlp, cnn = accuracy.values()
    right.markdown(t("Shifted by 2 pixels: MLP {mlp}, LeNet-5 {cnn}. Shifted by 6: MLP {mlp6}, LeNet-5 {cnn6}.",
                     mlp=f"{mlp[2]:.1%}", cnn=f"{cnn[2]:.1%}", mlp6=f"{mlp[6]:.1%}", cnn6=f"{cnn[6]:.1%}"))


def _mistakes(left, right) -> None:
    run = _need_run(right)
    if run is None:
        return
    ev = ui.evaluation(run)
    a, b = right.columns(2)
    a.metric(t("Test accuracy"), f"{ev.accuracy:.2%}")
    b.metric(t("Mistakes"), f"{ev.n_wrong:,} / {ev.n_test:,}")
    right.markdown(evaluate.report(ev, tr=t))
    ui.chart(right, figures.per_class_accuracy(ev.per_class_accuracy, ev.class_names,
                                               title=t("Accuracy per class")), key="lesson_per_class",
                    help=t("One bar per class: the share of that class's test images the network got right. The best "
                           "class is green and the worst red; a short bar is a class the network finds hard."))
    if len(ev.class_names) == 10 and run.record.dataset.startswith("mnist"):
        source = lesson.SOURCE_DEEP_CNN
        ui.chart(right, figures.per_class_against(ev.per_class_accuracy, source["per_class"], ev.class_names,
                                                  names=(t("this run"), t("the video lesson's deeper CNN")),
                                                  title=t("This run beside the video lesson, per digit")),
                        key="lesson_source",
                        help=t("Two bars per digit: blue is this run's accuracy on that digit's test images, grey the "
                               "video lesson's deeper CNN. The axis starts just below the lowest value, so small gaps "
                               "look large; a blue bar shorter than its grey neighbour is a digit this run finds "
                               "harder."))
        right.caption(t("The video lesson's deeper CNN, trained for 200 epochs on all 60,000 digits: {acc} with {n} "
                        "mistakes on the 10,000 test digits. This run: {mine} with {wrong} mistakes on {total}.",
                        acc=f"{source['accuracy']:.2%}", n=source["mistakes"], mine=f"{ev.accuracy:.2%}",
                        wrong=f"{ev.n_wrong:,}", total=f"{ev.n_test:,}"))
    wrong = evaluate.mistakes(ev, limit=8)
    if not wrong:
        right.success(t("No mistakes on the test set: nothing to show."))
        return
    images = run.split.x_test[wrong].numpy()  # (N, C, H, W) uint8
    images = images[:, 0] if images.shape[1] == 1 else images.transpose(0, 2, 3, 1)
    names = ev.class_names
    captions = [f"{names[ev.labels[i]]} → {names[ev.predictions[i]]} ({ev.confidence[i]:.0%})" for i in wrong]
    ui.chart(right, figures.image_gallery(images, captions, max_cols=4,
                                          title=t("Most confident mistakes: true → predicted (confidence)")),
                    key="lesson_mistakes", height=_fit(len(wrong), 4),
                    help=t("Test images the network got wrong, the most confident mistakes first. Each caption reads "
                           "true class → predicted class, with the network's probability for its wrong answer in "
                           "brackets."))


def _learned_kernels(left, right) -> None:
    run = _need_run(right)
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
    ui.chart(right, fig, key="lesson_learned", height=_fit(k.shape[0], 8),
                    help=(t("Each square is one kernel of the first layer, drawn as a tiny colour picture: its red, "
                            "green and blue slices become the picture's three colours, stretched to the kernel's own "
                            "range. Bright parts are its largest weights and dark parts its lowest; a coloured blob "
                            "means it reacts to that colour, a light-dark stripe to an edge.")
                          if k.shape[1] == 3 else
                          t("Each square is one kernel, one cell per weight: blue is a positive weight, red a "
                            "negative one, white zero. Each kernel has its own colour range, so compare their "
                            "patterns, not the strength of their colours.")))
    handmade = ("sobel_vertical", "sobel_horizontal", "edges", "gaussian_blur")
    ui.chart(right, figures.kernel_grid(np.stack([conv.get_kernel(n).weights for n in handmade]),
                                        titles=[t(conv.get_kernel(n).title) for n in handmade], shared_scale=False,
                                        max_cols=8, title=t("Handmade kernels, for comparison")),
                    key="lesson_handmade", height=_fit(len(handmade), 6),
                    help=t("Each square is one kernel, one cell per weight: blue is a positive weight, red a negative "
                           "one, white zero. Each kernel has its own colour range, so compare their patterns, not the "
                           "strength of their colours."))
    left.caption(t("Red and blue are weights of opposite sign, white is zero. A kernel with a red side and a blue "
                   "side finds edges; one of a single colour finds blobs and strokes."))


RENDER = {"kernel": _kernel, "cross-correlation": _cross_correlation, "shared-weights": _shared_weights,
          "channels": _channels, "stride-padding": _stride_padding, "relu": _relu, "pooling": _pooling,
          "dropout": _dropout, "kernel-gradient": _kernel_gradient, "lenet5": _lenet5, "softmax-loss": _softmax_loss,
          "deep-cnn": _deep_cnn, "mlp-vs-cnn": _mlp_vs_cnn, "mistakes": _mistakes, "learned-kernels": _learned_kernels}
PAGE_LABELS = {"pages/convolution.py": t("Open the Convolution screen"),
               "pages/architecture.py": t("Open the Architecture screen"),
               "pages/train.py": t("Open the Train screen"),
               "pages/kernels.py": t("Open the Kernels screen"),
               "pages/feature_maps.py": t("Open the Feature maps screen"),
               "pages/evaluation.py": t("Open the Evaluation screen"),
               "pages/experiment.py": t("Open the Experiment screen")}

# ---------------------------------------------------------------- layout

_init_step()
st.title(t("Guided lesson"))
st.caption(t("From one kernel to a network that reads 99% of handwritten digits, in {n} steps.", n=N_STEPS))

number = st.session_state["lesson_step"]
prev_col, pick_col, next_col = st.columns([1, 5, 1], vertical_alignment="bottom")
prev_col.button(t("Previous"), key="lesson_prev", on_click=_go, args=(-1,), disabled=number == 1,
                icon=":material/arrow_back:", width="stretch")
pick_col.selectbox(t("Step"), list(range(1, N_STEPS + 1)), key="lesson_step", format_func=_step_label,
                   label_visibility="collapsed")
next_col.button(t("Next"), key="lesson_next", on_click=_go, args=(1,), disabled=number == N_STEPS,
                icon=":material/arrow_forward:", width="stretch")
st.progress(number / N_STEPS)
st.session_state["lesson_step_saved"] = number
if st.query_params.get("step") != str(number):
    st.query_params["step"] = str(number)

current = lesson.get_step(number)
left_col, right_col = st.columns([2, 3], gap="large")
left_col.subheader(t("{n}. {title}", n=number, title=t(current.title)))
left_col.markdown(t(current.body))
left_col.page_link(current.page, label=PAGE_LABELS[current.page], icon=":material/open_in_new:")
RENDER[current.id](left_col, right_col)
