"""Convolution: the maths playground. Kernels, stride and padding, one output value step by step,
colour images with 3-D kernels, pooling, and why convolution needs so few parameters."""

import pandas as pd
import streamlit as st

from cnnviz import conv, figures, images, playground, ui
from cnnviz.i18n import N_
from cnnviz.ui import t

ui.ensure_navigation()

MAIN_SIDE, STEP_SIDE = 256, 64  # longest side of an uploaded picture: main views / the step-by-step view
CUSTOM = "custom"
POOL_TITLES = {"max": N_("Max pooling"), "avg": N_("Average pooling"), "l2": N_("L2 pooling")}


# ---------------------------------------------------------------- the image and the kernel


def _pick_image():
    """The grey (H, W) 0..255 image the playground works on and its caption; None when there is none yet."""
    sources = {"dataset": t("A dataset image"), "upload": t("Upload an image"), "example": t("A tiny example")}
    ui.keep_valid("conv_source", list(sources), "dataset")
    source = st.radio(t("Image"), list(sources), key="conv_source", horizontal=True, format_func=sources.get)
    if source == "example":
        examples = playground.EXAMPLES
        ui.keep_valid("conv_example", list(examples), "edge")
        name = st.selectbox(t("Example"), list(examples), key="conv_example", format_func=lambda n: t(examples[n]))
        return playground.example(name), t(examples[name])
    if source == "upload":
        upload = st.file_uploader(t("An image file (PNG, JPEG, ...)"), key="conv_upload")
        if upload is None:
            st.info(t("Upload a photo or a drawing; it is turned to grey for the one-channel convolution."))
            return None, ""
        try:
            picture = ui.colour_picture(upload.getvalue(), MAIN_SIDE)
        except ValueError as e:
            st.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
            return None, ""
        grey = images.grey(picture.rgb)  # (H, W)
        (w, h), (h2, w2) = picture.size, grey.shape
        if max(w, h) > MAIN_SIDE:
            st.caption(
                t(
                    "Your {w}×{h} picture was scaled down to {w2}×{h2} pixels and turned to grey.",
                    w=w,
                    h=h,
                    w2=w2,
                    h2=h2,
                )
            )
        if picture.notes:
            st.caption("; ".join(ui.reason(note) for note in picture.notes))
        return grey, upload.name
    split = ui.load_dataset(ui.dataset_name())
    classes = split.info.classes
    a, b = st.columns(2)
    picked = ui.pick_test_image("conv", split, classes, a, b, url=True)
    if picked is None:
        return None, ""
    img, label, g = picked  # (C, H, W) uint8
    return images.grey(img), t("test image {g}: {name}", g=g, name=classes[label])


def _pick_kernel():
    """A registry kernel or the user's own numbers as (kh, kw); None (with a warning) when they are not usable."""
    names = conv.list_kernels() + [CUSTOM]
    ui.keep_valid("conv_kernel", names, "edges", url="kernel")
    name = st.selectbox(
        t("Kernel"),
        names,
        key="conv_kernel",
        format_func=lambda n: t("Custom: type your own numbers") if n == CUSTOM else t(conv.KERNELS[n].title),
    )
    if name != CUSTOM:
        kernel = conv.get_kernel(name)
        st.caption(t(kernel.explanation))
        return kernel.weights
    size = st.radio(t("Kernel size"), [3, 5], key="conv_custom_size", horizontal=True, format_func=lambda n: f"{n}×{n}")
    columns = [str(c + 1) for c in range(size)]
    edited = st.data_editor(
        pd.DataFrame(conv.starting_cells(size), columns=columns),
        key=f"conv_custom_{size}",
        hide_index=True,
        width="content",
        column_config={c: st.column_config.TextColumn(c, width="small") for c in columns},
    )
    st.caption(t("Type numbers or fractions such as 1/9; the grid starts as the identity kernel."))
    try:
        return conv.typed_kernel(edited.to_numpy())
    except ValueError as e:
        st.warning(t("The kernel cannot be used yet: {reason}", reason=ui.reason(e)))
        return None


def _formula_lines(sizes, square: bool) -> None:
    """The filled-in output-size formula: once for a square case, else for rows and columns."""
    if square:
        st.markdown(f"`{sizes[0].formula}` → **{sizes[0].size}×{sizes[0].size}**")
    else:
        for what, s in zip((t("rows"), t("columns")), sizes):
            st.markdown(f"{what}: `{s.formula}`")


def _output_size_text(shape, kernel, stride: int, padding: int) -> None:
    """The output-size formula with the current numbers, and what the stride leaves unused."""
    sizes = [conv.output_size(shape[i], kernel.shape[i], stride, padding) for i in (0, 1)]
    st.markdown(t("**Output size** O = ⌊(I − F + 2P) / S⌋ + 1"))
    _formula_lines(sizes, shape[0] == shape[1] and kernel.shape[0] == kernel.shape[1])
    for what, s in zip((t("rows"), t("columns")), sizes):
        if not s.exact:
            st.info(
                t(
                    "Along the {what}, I − F + 2P = {span} is not a multiple of the stride {s}: the last {n} "
                    "pixel(s) (counting padding) fit no window and are never used.",
                    what=what,
                    span=s.input_size - s.kernel_size + 2 * s.padding,
                    s=s.stride,
                    n=s.unused,
                )
            )
            if shape[0] == shape[1] and kernel.shape[0] == kernel.shape[1]:
                break


# ---------------------------------------------------------------- tabs


def _convolution_tab(image, caption):
    """Kernel, stride, padding; input, kernel and output side by side with both formulas filled in."""
    st.markdown(
        t(
            "A kernel is a small grid of weights laid on the image: each output pixel is the sum of the "
            "pixels under it times the weights. Moving the kernel over every position gives the output map."
        )
    )
    left, right = st.columns([1, 1])
    with left:
        kernel = _pick_kernel()
    with right:
        stride = st.slider(
            t("Stride S"),
            1,
            4,
            1,
            key="conv_stride",
            help=t("How many pixels the kernel moves between two output values."),
        )
        padding = st.slider(
            t("Padding P"),
            0,
            3,
            0,
            key="conv_padding",
            help=t("Rings of zeros added around the image, so the kernel can sit on the border."),
        )
        clip = st.checkbox(
            t("Clip the output to 0..255"),
            key="conv_clip",
            help=t(
                "As the hand-written loop in the book chapter does: a crude activation "
                "that keeps a displayable grey image."
            ),
        )
    if image is None or kernel is None:
        return None, None, stride, padding, clip
    try:
        _output_size_text(image.shape, kernel, stride, padding)
        out = conv.convolve(image, kernel, stride, padding, clip=clip)  # (OH, OW)
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return None, None, stride, padding, clip
    params = conv.conv_params(kernel.shape[1], kernel.shape[0], 1, 1)
    st.markdown(
        t(
            "**Parameters** (F×F×D + 1)×M, one input channel and one filter: `{formula}`, whatever the "
            "image size, stride or padding.",
            formula=params.explanation,
        )
    )
    ui.chart(
        st,
        figures.kernel_applied(image, kernel, out, title=caption),
        key="conv_fig_main",
        help=t(
            "Left the input (black is its darkest value, white its brightest), middle the kernel with its "
            "weights printed, right the output map. In the kernel, and in an output with negative values, "
            "blue is positive, red negative and white zero; an output without negative values is drawn in "
            "grey like an image."
        ),
    )
    st.caption(
        t(
            "Output values from {lo} to {hi}. Blue is positive, red negative, white zero.",
            lo=playground.number(out.min()),
            hi=playground.number(out.max()),
        )
    )
    return kernel, out, stride, padding, clip


def _set_playing(on: bool, last: int) -> None:
    st.session_state["conv_playing"] = on
    if on and st.session_state.get("conv_step_pos", 0) >= last:
        st.session_state["conv_step_pos"] = 0  # play again from the start


def _keep_position(prefix: str, out) -> None:
    """The walk over `out` (session key prefix_pos) starts at the strongest value whenever out's shape changes,
    and stays inside out."""
    if f"{prefix}_pos" not in st.session_state or st.session_state.get(f"{prefix}_shape") != out.shape:
        st.session_state[f"{prefix}_pos"] = playground.strongest(out)
        st.session_state[f"{prefix}_shape"] = out.shape
    st.session_state[f"{prefix}_pos"] = min(max(int(st.session_state[f"{prefix}_pos"]), 0), out.size - 1)


def _step_view(small, kernel, stride, padding, bias, clip, out) -> None:
    """One output value: the window, the products and their sum; the output filled in up to here."""
    n, ow = out.size, out.shape[1]
    if st.session_state.get("conv_playing"):
        pos = int(st.session_state.get("conv_step_pos", 0))
        if pos >= n - 1:
            st.session_state["conv_playing"] = False
            st.rerun()  # the whole page, so the timer of this fragment stops
        st.session_state["conv_step_pos"] = pos + 1
    pos = 0
    if n > 1:
        _keep_position("conv_step", out)
        pos = st.slider(t("Output position (row by row)"), 0, n - 1, key="conv_step_pos")
    row, col = divmod(pos, ow)
    step = conv.conv_step(small, kernel, row, col, stride, padding, bias)
    ui.chart(
        st,
        figures.conv_step(
            step.padded,
            step.kernel,
            step.position,
            step.products,
            step.total,
            playground.filled_until(out, pos),
            (row, col),
        ),
        key="conv_fig_step",
        help=t(
            "From left: the input with the current window framed in orange, the kernel, each input value "
            "times the weight on it, and the output with the current cell framed. In the last three, blue "
            "is positive, red negative and white zero; grey output cells are not computed yet, and the "
            "title gives the sum of the products."
        ),
    )
    r0, c0 = step.position
    st.markdown(
        t(
            "**Output [{r}, {c}]**: the window's top-left corner is at row {r0}, column {c0} of the padded input.",
            r=row,
            c=col,
            r0=r0,
            c0=c0,
        )
    )
    st.markdown(playground.products(step.window, step.kernel))
    st.markdown(t("Sum of the {n} products = **{total}**", n=step.products.size, total=playground.number(step.total)))
    if bias:
        st.markdown(t("Plus the bias {b}: **{value}**", b=playground.number(bias), value=playground.number(step.value)))
    if clip and step.value != out[row, col]:
        st.markdown(t("Clipped to 0..255: **{v}**", v=playground.number(out[row, col])))


def _step_tab(image, kernel, stride, padding, clip) -> None:
    st.markdown(
        t(
            "Each output value is one neuron: it multiplies the pixels under the window by the kernel's "
            "weights, adds them up and adds a bias. Every position uses the same weights."
        )
    )
    if image is None or kernel is None:
        st.info(t("Pick an image above and a usable kernel in the Convolution tab first."))
        return
    small = images.shrink(image, STEP_SIDE)
    if small.shape != image.shape:
        st.caption(
            t("Scaled down to {w}×{h} pixels here so the window stays visible.", w=small.shape[1], h=small.shape[0])
        )
    st.caption(t("Kernel, stride, padding and clipping come from the Convolution tab."))
    a, b, c, _ = st.columns([1, 1, 1, 2])
    bias = float(c.number_input(t("Bias b"), value=0.0, step=1.0, key="conv_step_bias") or 0.0)
    try:
        out = conv.convolve(small, kernel, stride, padding, bias=bias, clip=clip)  # (OH, OW)
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return
    playing = bool(st.session_state.get("conv_playing"))
    a.button(
        t("Pause") if playing else t("Play"),
        key="conv_step_play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        on_click=_set_playing,
        args=(not playing, out.size - 1),
    )
    if b.button(t("Back to start"), key="conv_step_reset", icon=":material/first_page:"):
        st.session_state["conv_playing"] = False
        st.session_state["conv_step_pos"] = 0
    st.fragment(_step_view, run_every=0.6 if playing else None)(small, kernel, stride, padding, bias, clip, out)


def _colour_tab() -> None:
    """An RGB image, a 3-D kernel (one weighted 2-D slice per channel) and the summed output."""
    st.markdown(
        t(
            "A colour image has three channels, so the kernel has three slices, one per channel. Each slice "
            "is convolved with its channel and the three results are added, plus one bias: one output map."
        )
    )
    sources = {"shapes": t("Coloured shapes (built in)"), "upload": t("Your own colour image")}
    ui.keep_valid("conv_rgb_source", list(sources), "shapes")
    source = st.radio(t("Colour image"), list(sources), key="conv_rgb_source", horizontal=True, format_func=sources.get)
    rgb = playground.colour_shapes()
    if source == "upload":
        upload = st.file_uploader(t("A colour image file (PNG, JPEG, ...)"), key="conv_rgb_upload")
        if upload is None:
            st.info(t("Upload a colour picture; until then the built-in shapes are shown."))
        else:
            try:
                rgb = images.shrink(ui.colour_picture(upload.getvalue(), MAIN_SIDE).rgb, STEP_SIDE)
                st.caption(t("Scaled to {w}×{h} pixels.", w=rgb.shape[2], h=rgb.shape[1]))
            except ValueError as e:
                st.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
    cols = st.columns([2, 1, 1, 1, 1])
    ui.keep_valid("conv_rgb_kernel", conv.list_kernels(), "sobel_vertical")
    name = cols[0].selectbox(
        t("2-D kernel for every slice"),
        conv.list_kernels(),
        key="conv_rgb_kernel",
        format_func=lambda n: t(conv.KERNELS[n].title),
    )
    weights = [
        cols[i + 1].number_input(label, value=1.0, step=0.5, key=f"conv_rgb_w_{c}")
        for i, (c, label) in enumerate((("r", t("× red")), ("g", t("× green")), ("b", t("× blue"))))
    ]
    bias = cols[4].number_input(t("Bias b"), value=0.0, step=10.0, key="conv_rgb_bias")
    kernel3 = playground.colour_kernel(conv.get_kernel(name).weights, [w or 0.0 for w in weights])  # (3, kh, kw)
    try:
        maps = playground.colour_maps(rgb, kernel3, float(bias or 0.0))  # (4, OH, OW)
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return
    names = [t("red channel"), t("green channel"), t("blue channel")]
    ui.chart(
        st,
        figures.image_gallery(playground.channel_views(rgb), [t("the colour image")] + names, max_cols=4),
        key="conv_fig_rgb_input",
        help=t(
            "The colour picture, then each of its three channels alone, drawn in its own colour: bright "
            "where the picture has much of that colour. The network receives the three channels as three "
            "grey grids of numbers stacked together."
        ),
    )
    left, right = st.columns([3, 2])
    ui.chart(
        left,
        figures.kernel_grid(
            kernel3,
            titles=[t("red slice"), t("green slice"), t("blue slice")],
            max_cols=3,
            title=t("3-D kernel 3×{k}×{k}", k=kernel3.shape[1]),
        ),
        key="conv_fig_rgb_kernel",
        help=t(
            "The three slices of one 3-D kernel, one per colour channel, one cell per weight: blue is "
            "positive, red negative, white zero. The slices share one colour scale, so a slice whose "
            "multiplier is 0 is all white."
        ),
    )
    with right:
        filters = st.number_input(
            t("Filters M in the layer"), min_value=1, max_value=512, value=1, step=1, key="conv_rgb_filters"
        )
        params = conv.conv_params(kernel3.shape[2], kernel3.shape[1], 3, int(filters))
        st.markdown(t("**Parameters** (F×F×D + 1)×M with D = 3 channels: `{formula}`", formula=params.explanation))
        st.caption(t("Each filter has its own 3-D kernel and bias; each gives one output map."))
    ui.chart(
        st,
        figures.feature_map_grid(
            maps, titles=names + [t("sum + bias")], max_cols=4, title=t("Each slice on its channel, then the sum")
        ),
        key="conv_fig_rgb_output",
        help=t(
            "The first maps show what each kernel slice makes of its own colour channel; the last adds "
            "them up (plus the bias, if any) into the layer's one output map. Blue is positive, red "
            "negative and white zero (grey maps, from black to white, when no value is negative), and "
            "each map has its own colour range."
        ),
    )


def _pooling_tab(image, conv_out) -> None:
    st.markdown(
        t(
            "Pooling shrinks a map by summarising each window with one number. It has no weights to learn, "
            "and it works on each channel separately."
        )
    )
    if image is None:
        st.info(t("Pick an image above first."))
        return
    sources = {"output": t("The convolution output"), "input": t("The input image")}
    ui.keep_valid("conv_pool_source", list(sources), "output")
    a, b, c, d = st.columns([2, 2, 1, 1])
    source = a.radio(t("Pool"), list(sources), key="conv_pool_source", format_func=sources.get)
    x = conv_out if source == "output" and conv_out is not None else image
    if source == "output" and conv_out is None:
        st.info(t("The Convolution tab has no output yet, so the input image is pooled."))
    kind = b.selectbox(t("Kind"), list(conv.POOL_KINDS), key="conv_pool_kind", format_func=lambda k: t(POOL_TITLES[k]))
    b.caption(t(conv.POOL_KINDS[kind]))
    size = c.slider(t("Window"), 1, 5, 2, key="conv_pool_size")
    stride = d.slider(t("Stride"), 1, 5, 2, key="conv_pool_stride")
    try:
        pooled = conv.pool(x, kind, size, stride)  # (OH, OW)
        sizes = [conv.pool_output_size(x.shape[i], size, stride) for i in (0, 1)]
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return
    st.markdown(t("**Output size** O = ⌊(I − F) / S⌋ + 1"))
    _formula_lines(sizes, x.shape[0] == x.shape[1])
    if pooled.size > 1:
        _keep_position("conv_pool", pooled)
    row, col = divmod(int(st.session_state.get("conv_pool_pos", 0)) if pooled.size > 1 else 0, pooled.shape[1])
    ps = conv.pool_step(x, kind, size, row, col, stride)
    ui.chart(
        st,
        figures.pooling_view(x, pooled, kind, size, stride, window_rc=ps.position, out_rc=(row, col)),
        key="conv_fig_pool",
        help=t(
            "Left the input, right the pooled output, each from black (lowest value) to white (highest), "
            "with the values printed when the map is small. The orange squares mark one pooling window "
            "and the output cell it becomes."
        ),
    )
    if pooled.size > 1:
        st.slider(t("Pooling window (row by row)"), 0, pooled.size - 1, key="conv_pool_pos")
        st.caption(t("The orange squares mark the chosen window and its output."))
    r0, c0 = ps.position
    left, right = st.columns([1, 3])
    ui.chart(
        left,
        figures.heatmap(
            ps.window,
            [str(c0 + j) for j in range(size)],
            [str(r0 + i) for i in range(size)],
            colorscale="gray",
            text_fmt=".4~g",
        ),
        key="conv_fig_pool_window",
        help=t(
            "The chosen pooling window close up, labelled with its rows and columns in the input and "
            "every value printed; black is its smallest value, white its largest. Pooling turns these "
            "numbers into the single output value given on the right."
        ),
    )
    right.markdown(
        t(
            "**Output [{r}, {c}]** = {what} of the window at row {r0}, column {c0} = **{v}**",
            r=row,
            c=col,
            what={"max": t("the largest value"), "avg": t("the mean"), "l2": t("√(sum of squares)")}[kind],
            r0=r0,
            c0=c0,
            v=playground.number(ps.result),
        )
    )


def _why_tab() -> None:
    st.markdown(
        t(
            "A dense layer gives every output its own weight for every pixel, so its size grows with the "
            "image. A convolution layer reuses one small kernel at every position (weight sharing): its "
            "parameters depend only on the kernel size, the channels and the number of filters."
        )
    )
    rows = []
    for c in conv.lesson_comparisons():
        h, w = c.image_shape
        rows.append(
            {
                t("Image"): f"{h}×{w}",
                t("Dense layer"): t("{n} inputs → {u} neurons", n=f"{c.inputs:,}", u=f"{c.dense_units:,}"),
                t("Dense parameters"): f"{c.inputs:,} × {c.dense_units:,} + {c.dense_units:,} = {c.dense.total:,}",
                t("Conv parameters"): c.conv.explanation,
                t("Dense ÷ conv"): playground.ratio(c.ratio),
            }
        )
    st.table(pd.DataFrame(rows), hide_index=True)
    st.caption(
        t(
            "The examples of the lessons: a 3×3 kernel against a dense layer with 4 outputs (2 blur and edge "
            "filters against 50 neurons on the last row)."
        )
    )
    st.subheader(t("Try your own numbers"))
    a, b, c, d, e = st.columns(5)
    side = a.number_input(t("Image side"), min_value=1, max_value=4096, value=28, step=1, key="conv_dvc_size")
    k = b.number_input(t("Kernel side F"), min_value=1, max_value=15, value=3, step=1, key="conv_dvc_kernel")
    m = c.number_input(t("Filters M"), min_value=1, max_value=1024, value=1, step=1, key="conv_dvc_filters")
    ch = d.selectbox(t("Channels D"), [1, 3], key="conv_dvc_channels")
    units = e.number_input(
        t("Dense neurons"),
        min_value=0,
        max_value=100_000,
        value=0,
        step=1,
        key="conv_dvc_units",
        help=t("0: as many neurons as the convolution layer has outputs."),
    )
    try:
        cmp = conv.dense_vs_conv(int(side), int(k), filters=int(m), in_channels=int(ch), dense_units=int(units) or None)
    except ValueError as err:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(err)))
        return
    x, y, z = st.columns(3)
    x.metric(
        t("Dense layer"), f"{cmp.dense.total:,}", help=f"{cmp.inputs:,} × {cmp.dense_units:,} + {cmp.dense_units:,}"
    )
    y.metric(t("Convolution layer"), f"{cmp.conv.total:,}", help=cmp.conv.explanation)
    z.metric(t("Dense ÷ conv"), playground.ratio(cmp.ratio))
    st.caption(
        t(
            "Image {s}×{s}×{d}: a dense layer from {n} inputs to {u} neurons against {m} kernel(s) of "
            "{k}×{k}×{d}, each shared by every position.",
            s=side,
            d=ch,
            n=f"{cmp.inputs:,}",
            u=f"{cmp.dense_units:,}",
            m=m,
            k=k,
        )
    )


# ---------------------------------------------------------------- layout

st.title(t("Convolution, step by step"))
st.markdown(
    t(
        "Slide a kernel over an image and see every number: stride, padding, the sum behind each output "
        "value, colour images, pooling, and why convolution needs so few weights."
    )
)
picker = st.container(border=True)
tabs = st.tabs([t("Convolution"), t("Step by step"), t("Colour (3-D kernel)"), t("Pooling"), t("Why convolution?")])
with tabs[4]:  # tabs that need no image first: a missing dataset stops only the rest
    _why_tab()
with tabs[2]:
    _colour_tab()
with picker:
    image, caption = _pick_image()
with tabs[0]:
    kernel, conv_out, stride, padding, clip = _convolution_tab(image, caption)
    if image is None:
        st.info(t("Pick an image above to start."))
with tabs[1]:
    _step_tab(image, kernel, stride, padding, clip)
with tabs[3]:
    _pooling_tab(image, conv_out)
