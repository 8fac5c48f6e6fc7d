"""Convolution: the maths playground. Kernels, stride and padding, one output value step by step,
colour images with 3-D kernels, pooling, and why convolution needs so few parameters."""
import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from cnnviz import conv, figures, images, ui
from cnnviz.i18n import N_
from cnnviz.ui import t

ui.ensure_navigation()

MAIN_SIDE, STEP_SIDE = 256, 64  # longest side of an uploaded picture: main views / the step-by-step view
WEIGHT_LIMIT = 1e6  # beyond this a typed weight is a typo, and sums overflow the colour scale
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R 601, as Pillow's convert("L")
CUSTOM = "custom"
POOL_TITLES = {"max": N_("Max pooling"), "avg": N_("Average pooling"), "l2": N_("L2 pooling")}


# ---------------------------------------------------------------- built-in images (pixel values, not maths)


def _toy(kind: str) -> np.ndarray:
    """Tiny grey pictures (values 0..9) whose step-by-step sums stay easy to follow: (H, W) float."""
    img = np.zeros((8, 8))
    if kind == "edge":
        img[:, 4:] = 9
    elif kind == "cross":
        img = np.maximum(np.eye(8), np.fliplr(np.eye(8))) * 9
    elif kind == "square":
        img[2:6, 2:6] = 9
    else:  # the 4×4 picture of the video lesson: a 3×3 kernel leaves a 2×2 output
        img = np.array([[1, 2, 0, 3], [4, 9, 8, 1], [0, 7, 9, 2], [5, 1, 3, 6]], dtype=float)
    return img


EXAMPLES = {"edge": N_("8×8: a vertical edge"), "cross": N_("8×8: a diagonal cross"),
            "square": N_("8×8: a bright square"), "four": N_("4×4: the video lesson's size")}


def _shapes_rgb() -> np.ndarray:
    """A 32×32 colour picture: red square, green disc, blue bar, yellow square on dark grey. (3, H, W) 0..255."""
    img = np.full((3, 32, 32), 25.0)
    yy, xx = np.mgrid[:32, :32]
    img[:, 3:13, 3:13] = np.array([230, 30, 30])[:, None, None]
    img[:, (yy - 9) ** 2 + (xx - 23) ** 2 <= 36] = np.array([40, 200, 60])[:, None]
    img[:, 17:21, 16:29] = np.array([230, 220, 40])[:, None, None]
    img[:, 24:29, 3:29] = np.array([40, 70, 230])[:, None, None]
    return img


# ---------------------------------------------------------------- small helpers


@st.cache_data(max_entries=8, show_spinner=False)
def _decoded(content: bytes) -> tuple[np.ndarray, tuple[int, int], tuple[str, ...]]:
    """An upload as float RGB (3, H, W) 0..255, longer side at most MAIN_SIDE; its original (W, H); notes."""
    im = images.load_image_bytes(content)
    size, notes = im.size, tuple(im.info.get("cnnviz_notes", ()))
    if im.mode in ("LA", "RGBA"):  # transparent parts on white, as an image viewer shows them
        im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im.convert("RGBA"))
    im = im.convert("RGB")
    im.thumbnail((MAIN_SIDE, MAIN_SIDE), Image.LANCZOS)
    return np.asarray(im, dtype=np.float64).transpose(2, 0, 1), size, notes


def _shrink(img: np.ndarray, side: int) -> np.ndarray:
    """A grey (H, W) image with its longer side cut to `side` pixels (Lanczos); small images unchanged."""
    h, w = img.shape
    if max(h, w) <= side:
        return img
    scale = side / max(h, w)
    small = Image.fromarray(img.astype(np.float32)).resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                                            Image.LANCZOS)
    return np.clip(np.asarray(small, dtype=np.float64), 0.0, 255.0)



def _fmt(v: float) -> str:
    """A value rounded to 4 decimals without trailing zeros: 12, -0.5, 0.1111."""
    s = f"{float(v):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _ratio(r: float) -> str:
    return f"{r:,.1f}×" if r < 100 else f"{r:,.0f}×"


def _term(x: float, w: float) -> str:
    w_text = f"{w:.3g}"
    return f"{x:.3g}×" + (f"({w_text})" if w < 0 else w_text)


def _cell(text, row: int, col: int) -> float:
    """One typed kernel weight: a number or a fraction such as 1/9."""
    blank = text is None or (isinstance(text, float) and np.isnan(text))  # a cleared cell arrives as None or NaN
    s = "" if blank else str(text).strip().replace("\u2212", "-")
    if not s:
        raise ValueError(t("row {r}, column {c} is empty", r=row, c=col))
    try:
        num, _, den = s.partition("/")
        v = float(num) / float(den) if den else float(num)
    except ValueError:
        raise ValueError(t("row {r}, column {c}: {value} is not a number (write e.g. 2, -0.5 or 1/9)",
                           r=row, c=col, value=repr(s))) from None
    except ZeroDivisionError:
        raise ValueError(t("row {r}, column {c}: {value} divides by zero", r=row, c=col, value=repr(s))) from None
    if not np.isfinite(v):
        raise ValueError(t("row {r}, column {c}: {value} is not a finite number (NaN or infinity)",
                           r=row, c=col, value=repr(s)))
    if abs(v) > WEIGHT_LIMIT:
        raise ValueError(t("row {r}, column {c}: {value} is too large (keep weights within ±1,000,000)",
                           r=row, c=col, value=repr(s)))
    return v


# ---------------------------------------------------------------- the image and the kernel


def _pick_image() -> tuple[np.ndarray | None, str]:
    """The grey (H, W) 0..255 image the playground works on and its caption; None when there is none yet."""
    sources = {"dataset": t("A dataset image"), "upload": t("Upload an image"), "example": t("A tiny example")}
    ui.keep_valid("conv_source", list(sources), "dataset")
    source = st.radio(t("Image"), list(sources), key="conv_source", horizontal=True, format_func=sources.get)
    if source == "example":
        ui.keep_valid("conv_example", list(EXAMPLES), "edge")
        name = st.selectbox(t("Example"), list(EXAMPLES), key="conv_example", format_func=lambda n: t(EXAMPLES[n]))
        return _toy(name), t(EXAMPLES[name])
    if source == "upload":
        upload = st.file_uploader(t("An image file (PNG, JPEG, ...)"), key="conv_upload")
        if upload is None:
            st.info(t("Upload a photo or a drawing; it is turned to grey for the one-channel convolution."))
            return None, ""
        try:
            rgb, (w, h), notes = _decoded(upload.getvalue())
        except ValueError as e:
            st.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
            return None, ""
        grey = np.tensordot(LUMA, rgb, axes=1)  # (H, W)
        if max(w, h) > MAIN_SIDE:
            st.caption(t("Your {w}×{h} picture was scaled down to {w2}×{h2} pixels and turned to grey.",
                         w=w, h=h, w2=grey.shape[1], h2=grey.shape[0]))
        if notes:
            st.caption("; ".join(ui.reason(note) for note in notes))
        return grey, upload.name
    split = ui.load_dataset(ui.dataset_name())
    classes = split.info.classes
    a, b = st.columns(2)
    picked = ui.pick_test_image("conv", split, classes, a, b, url=True)
    if picked is None:
        return None, ""
    img, label, g = picked  # (C, H, W) uint8
    grey = img[0].astype(np.float64) if img.shape[0] == 1 else np.tensordot(LUMA, img.astype(np.float64), axes=1)
    return grey, t("test image {g}: {name}", g=g, name=classes[label])


def _pick_kernel() -> np.ndarray | None:
    """A registry kernel or the user's own numbers as (kh, kw); None (with a warning) when they are not usable."""
    names = conv.list_kernels() + [CUSTOM]
    ui.keep_valid("conv_kernel", names, "edges", url="kernel")
    name = st.selectbox(t("Kernel"), names, key="conv_kernel",
                        format_func=lambda n: t("Custom: type your own numbers") if n == CUSTOM
                        else t(conv.KERNELS[n].title))
    if name != CUSTOM:
        kernel = conv.get_kernel(name)
        st.caption(t(kernel.explanation))
        return kernel.weights
    size = st.radio(t("Kernel size"), [3, 5], key="conv_custom_size", horizontal=True,
                    format_func=lambda n: f"{n}×{n}")
    start = np.full((size, size), "0", dtype=object)
    start[size // 2, size // 2] = "1"  # the identity kernel: change numbers and watch the output follow
    columns = [str(c + 1) for c in range(size)]
    edited = st.data_editor(pd.DataFrame(start, columns=columns), key=f"conv_custom_{size}", hide_index=True,
                            width="content",
                            column_config={c: st.column_config.TextColumn(c, width="small") for c in columns})
    st.caption(t("Type numbers or fractions such as 1/9; the grid starts as the identity kernel."))
    try:
        cells = edited.to_numpy()
        return np.array([[_cell(cells[r, c], r + 1, c + 1) for c in range(size)] for r in range(size)])
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
            st.info(t("Along the {what}, I − F + 2P = {span} is not a multiple of the stride {s}: the last {n} "
                      "pixel(s) (counting padding) fit no window and are never used.",
                      what=what, span=s.input_size - s.kernel_size + 2 * s.padding, s=s.stride, n=s.unused))
            if shape[0] == shape[1] and kernel.shape[0] == kernel.shape[1]:
                break


# ---------------------------------------------------------------- tabs


def _convolution_tab(image, caption):
    """Kernel, stride, padding; input, kernel and output side by side with both formulas filled in."""
    st.markdown(t("A kernel is a small grid of weights laid on the image: each output pixel is the sum of the "
                  "pixels under it times the weights. Moving the kernel over every position gives the output map."))
    left, right = st.columns([1, 1])
    with left:
        kernel = _pick_kernel()
    with right:
        stride = st.slider(t("Stride S"), 1, 4, 1, key="conv_stride", help=t("How many pixels the kernel moves "
                                                                             "between two output values."))
        padding = st.slider(t("Padding P"), 0, 3, 0, key="conv_padding",
                            help=t("Rings of zeros added around the image, so the kernel can sit on the border."))
        clip = st.checkbox(t("Clip the output to 0..255"), key="conv_clip",
                           help=t("As the hand-written loop in the book chapter does: a crude activation "
                                  "that keeps a displayable grey image."))
    if image is None or kernel is None:
        return None, None, stride, padding, clip
    try:
        _output_size_text(image.shape, kernel, stride, padding)
        out = conv.convolve(image, kernel, stride, padding, clip=clip)  # (OH, OW)
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return None, None, stride, padding, clip
    params = conv.conv_params(kernel.shape[1], kernel.shape[0], 1, 1)
    st.markdown(t("**Parameters** (F×F×D + 1)×M, one input channel and one filter: `{formula}`, whatever the "
                  "image size, stride or padding.", formula=params.explanation))
    ui.chart(st, figures.kernel_applied(image, kernel, out, title=caption), key="conv_fig_main",
                 help=t("Left the input (black is its darkest value, white its brightest), middle the kernel with its "
                        "weights printed, right the output map. In the kernel, and in an output with negative values, "
                        "blue is positive, red negative and white zero; an output without negative values is drawn in "
                        "grey like an image."))
    st.caption(t("Output values from {lo} to {hi}. Blue is positive, red negative, white zero.",
                 lo=_fmt(out.min()), hi=_fmt(out.max())))
    return kernel, out, stride, padding, clip


def _set_playing(on: bool, last: int) -> None:
    st.session_state["conv_playing"] = on
    if on and st.session_state.get("conv_step_pos", 0) >= last:
        st.session_state["conv_step_pos"] = 0  # play again from the start


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
        if "conv_step_pos" not in st.session_state or st.session_state.get("conv_step_shape") != out.shape:
            # the strongest response, not a blank corner
            st.session_state["conv_step_pos"] = int(np.argmax(np.abs(out)))
            st.session_state["conv_step_shape"] = out.shape
        st.session_state["conv_step_pos"] = min(max(int(st.session_state.get("conv_step_pos", 0)), 0), n - 1)
        pos = st.slider(t("Output position (row by row)"), 0, n - 1, key="conv_step_pos")
    row, col = divmod(pos, ow)
    step = conv.conv_step(small, kernel, row, col, stride, padding, bias)
    partial = out.astype(np.float64).ravel()
    partial[pos + 1:] = np.nan  # not computed yet
    ui.chart(st, figures.conv_step(step.padded, step.kernel, step.position, step.products, step.total,
                                   partial.reshape(out.shape), (row, col)), key="conv_fig_step",
                 help=t("From left: the input with the current window framed in orange, the kernel, each input value "
                        "times the weight on it, and the output with the current cell framed. In the last three, blue "
                        "is positive, red negative and white zero; grey output cells are not computed yet, and the "
                        "title gives the sum of the products."))
    r0, c0 = step.position
    st.markdown(t("**Output [{r}, {c}]**: the window's top-left corner is at row {r0}, column {c0} of the padded "
                  "input.", r=row, c=col, r0=r0, c0=c0))
    st.markdown(" + ".join(_term(x, w) for x, w in zip(step.window.ravel(), step.kernel.ravel())))
    st.markdown(t("Sum of the {n} products = **{total}**", n=step.products.size, total=_fmt(step.total)))
    if bias:
        st.markdown(t("Plus the bias {b}: **{value}**", b=_fmt(bias), value=_fmt(step.value)))
    if clip and step.value != out[row, col]:
        st.markdown(t("Clipped to 0..255: **{v}**", v=_fmt(out[row, col])))


def _step_tab(image, kernel, stride, padding, clip) -> None:
    st.markdown(t("Each output value is one neuron: it multiplies the pixels under the window by the kernel's "
                  "weights, adds them up and adds a bias. Every position uses the same weights."))
    if image is None or kernel is None:
        st.info(t("Pick an image above and a usable kernel in the Convolution tab first."))
        return
    small = _shrink(image, STEP_SIDE)
    if small.shape != image.shape:
        st.caption(t("Scaled down to {w}×{h} pixels here so the window stays visible.",
                     w=small.shape[1], h=small.shape[0]))
    st.caption(t("Kernel, stride, padding and clipping come from the Convolution tab."))
    a, b, c, _ = st.columns([1, 1, 1, 2])
    bias = float(c.number_input(t("Bias b"), value=0.0, step=1.0, key="conv_step_bias") or 0.0)
    try:
        out = conv.convolve(small, kernel, stride, padding, bias=bias, clip=clip)  # (OH, OW)
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return
    playing = bool(st.session_state.get("conv_playing"))
    a.button(t("Pause") if playing else t("Play"), key="conv_step_play", icon=":material/pause:" if playing
             else ":material/play_arrow:", on_click=_set_playing, args=(not playing, out.size - 1))
    if b.button(t("Back to start"), key="conv_step_reset", icon=":material/first_page:"):
        st.session_state["conv_playing"] = False
        st.session_state["conv_step_pos"] = 0
    st.fragment(_step_view, run_every=0.6 if playing else None)(small, kernel, stride, padding, bias, clip, out)


def _colour_tab() -> None:
    """An RGB image, a 3-D kernel (one weighted 2-D slice per channel) and the summed output."""
    st.markdown(t("A colour image has three channels, so the kernel has three slices, one per channel. Each slice "
                  "is convolved with its channel and the three results are added, plus one bias: one output map."))
    sources = {"shapes": t("Coloured shapes (built in)"), "upload": t("Your own colour image")}
    ui.keep_valid("conv_rgb_source", list(sources), "shapes")
    source = st.radio(t("Colour image"), list(sources), key="conv_rgb_source", horizontal=True,
                      format_func=sources.get)
    rgb = _shapes_rgb()
    if source == "upload":
        upload = st.file_uploader(t("A colour image file (PNG, JPEG, ...)"), key="conv_rgb_upload")
        if upload is None:
            st.info(t("Upload a colour picture; until then the built-in shapes are shown."))
        else:
            try:
                rgb = np.stack([_shrink(ch, STEP_SIDE) for ch in _decoded(upload.getvalue())[0]])
                st.caption(t("Scaled to {w}×{h} pixels.", w=rgb.shape[2], h=rgb.shape[1]))
            except ValueError as e:
                st.error(t("This file cannot be used: {reason}", reason=ui.reason(e)))
    cols = st.columns([2, 1, 1, 1, 1])
    ui.keep_valid("conv_rgb_kernel", conv.list_kernels(), "sobel_vertical")
    name = cols[0].selectbox(t("2-D kernel for every slice"), conv.list_kernels(), key="conv_rgb_kernel",
                             format_func=lambda n: t(conv.KERNELS[n].title))
    weights = [cols[i + 1].number_input(label, value=1.0, step=0.5, key=f"conv_rgb_w_{c}")
               for i, (c, label) in enumerate((("r", t("× red")), ("g", t("× green")), ("b", t("× blue"))))]
    bias = cols[4].number_input(t("Bias b"), value=0.0, step=10.0, key="conv_rgb_bias")
    kernel3 = np.stack([float(w or 0.0) * conv.get_kernel(name).weights for w in weights])  # (3, kh, kw)
    try:
        parts = [conv.convolve(rgb[c], kernel3[c]) for c in range(3)]  # each (OH, OW)
        total = conv.convolve(rgb, kernel3, bias=float(bias or 0.0))  # (OH, OW): the sum plus the bias
    except ValueError as e:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(e)))
        return
    u8 = np.clip(np.round(rgb), 0, 255).astype(np.uint8).transpose(1, 2, 0)  # (H, W, 3)
    tinted = [np.where(np.arange(3) == c, u8, 0).astype(np.uint8) for c in range(3)]  # one channel kept
    names = [t("red channel"), t("green channel"), t("blue channel")]
    ui.chart(st, figures.image_gallery(np.stack([u8] + tinted), [t("the colour image")] + names, max_cols=4),
                 key="conv_fig_rgb_input",
                 help=t("The colour picture, then each of its three channels alone, drawn in its own colour: bright "
                        "where the picture has much of that colour. The network receives the three channels as three "
                        "grey grids of numbers stacked together."))
    left, right = st.columns([3, 2])
    ui.chart(left, figures.kernel_grid(kernel3, titles=[t("red slice"), t("green slice"), t("blue slice")],
                                       max_cols=3, title=t("3-D kernel 3×{k}×{k}", k=kernel3.shape[1])),
                   key="conv_fig_rgb_kernel",
                   help=t("The three slices of one 3-D kernel, one per colour channel, one cell per weight: blue is "
                          "positive, red negative, white zero. The slices share one colour scale, so a slice whose "
                          "multiplier is 0 is all white."))
    with right:
        filters = st.number_input(t("Filters M in the layer"), min_value=1, max_value=512, value=1, step=1,
                                  key="conv_rgb_filters")
        params = conv.conv_params(kernel3.shape[2], kernel3.shape[1], 3, int(filters))
        st.markdown(t("**Parameters** (F×F×D + 1)×M with D = 3 channels: `{formula}`", formula=params.explanation))
        st.caption(t("Each filter has its own 3-D kernel and bias; each gives one output map."))
    ui.chart(st, figures.feature_map_grid(np.stack(parts + [total]), titles=names + [t("sum + bias")],
                                          max_cols=4, title=t("Each slice on its channel, then the sum")),
                 key="conv_fig_rgb_output",
                 help=t("The first maps show what each kernel slice makes of its own colour channel; the last adds "
                        "them up (plus the bias, if any) into the layer's one output map. Blue is positive, red "
                        "negative and white zero (grey maps, from black to white, when no value is negative), and "
                        "each map has its own colour range."))


def _pooling_tab(image, conv_out) -> None:
    st.markdown(t("Pooling shrinks a map by summarising each window with one number. It has no weights to learn, "
                  "and it works on each channel separately."))
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
        if "conv_pool_pos" not in st.session_state or st.session_state.get("conv_pool_shape") != pooled.shape:
            st.session_state["conv_pool_pos"] = int(np.argmax(np.abs(pooled)))
            st.session_state["conv_pool_shape"] = pooled.shape
        st.session_state["conv_pool_pos"] = min(int(st.session_state["conv_pool_pos"]), pooled.size - 1)
    row, col = divmod(int(st.session_state.get("conv_pool_pos", 0)) if pooled.size > 1 else 0, pooled.shape[1])
    ps = conv.pool_step(x, kind, size, row, col, stride)
    ui.chart(st, figures.pooling_view(x, pooled, kind, size, stride, window_rc=ps.position, out_rc=(row, col)),
                 key="conv_fig_pool",
                 help=t("Left the input, right the pooled output, each from black (lowest value) to white (highest), "
                        "with the values printed when the map is small. The orange squares mark one pooling window "
                        "and the output cell it becomes."))
    if pooled.size > 1:
        st.slider(t("Pooling window (row by row)"), 0, pooled.size - 1, key="conv_pool_pos")
        st.caption(t("The orange squares mark the chosen window and its output."))
    r0, c0 = ps.position
    left, right = st.columns([1, 3])
    ui.chart(left, figures.heatmap(ps.window, [str(c0 + j) for j in range(size)], [str(r0 + i) for i in range(size)],
                                   colorscale="gray", text_fmt=".4~g"), key="conv_fig_pool_window",
                   help=t("The chosen pooling window close up, labelled with its rows and columns in the input and "
                          "every value printed; black is its smallest value, white its largest. Pooling turns these "
                          "numbers into the single output value given on the right."))
    right.markdown(t("**Output [{r}, {c}]** = {what} of the window at row {r0}, column {c0} = **{v}**", r=row, c=col,
                     what={"max": t("the largest value"), "avg": t("the mean"), "l2": t("√(sum of squares)")}[kind],
                     r0=r0, c0=c0, v=_fmt(ps.result)))


def _why_tab() -> None:
    st.markdown(t("A dense layer gives every output its own weight for every pixel, so its size grows with the "
                  "image. A convolution layer reuses one small kernel at every position (weight sharing): its "
                  "parameters depend only on the kernel size, the channels and the number of filters."))
    rows = []
    for c in conv.lesson_comparisons():
        h, w = c.image_shape
        rows.append({t("Image"): f"{h}×{w}", t("Dense layer"): t("{n} inputs → {u} neurons", n=f"{c.inputs:,}",
                                                                  u=f"{c.dense_units:,}"),
                     t("Dense parameters"): f"{c.inputs:,} × {c.dense_units:,} + {c.dense_units:,} = {c.dense.total:,}",
                     t("Conv parameters"): c.conv.explanation,
                     t("Dense ÷ conv"): _ratio(c.ratio)})
    st.table(pd.DataFrame(rows), hide_index=True)
    st.caption(t("The examples of the lessons: a 3×3 kernel against a dense layer with 4 outputs (2 blur and edge "
                 "filters against 50 neurons on the last row)."))
    st.subheader(t("Try your own numbers"))
    a, b, c, d, e = st.columns(5)
    side = a.number_input(t("Image side"), min_value=1, max_value=4096, value=28, step=1, key="conv_dvc_size")
    k = b.number_input(t("Kernel side F"), min_value=1, max_value=15, value=3, step=1, key="conv_dvc_kernel")
    m = c.number_input(t("Filters M"), min_value=1, max_value=1024, value=1, step=1, key="conv_dvc_filters")
    ch = d.selectbox(t("Channels D"), [1, 3], key="conv_dvc_channels")
    units = e.number_input(t("Dense neurons"), min_value=0, max_value=100_000, value=0, step=1, key="conv_dvc_units",
                           help=t("0: as many neurons as the convolution layer has outputs."))
    try:
        cmp = conv.dense_vs_conv(int(side), int(k), filters=int(m), in_channels=int(ch),
                                 dense_units=int(units) or None)
    except ValueError as err:
        st.warning(t("This combination does not work: {reason}", reason=ui.reason(err)))
        return
    x, y, z = st.columns(3)
    x.metric(t("Dense layer"), f"{cmp.dense.total:,}",
             help=f"{cmp.inputs:,} × {cmp.dense_units:,} + {cmp.dense_units:,}")
    y.metric(t("Convolution layer"), f"{cmp.conv.total:,}", help=cmp.conv.explanation)
    z.metric(t("Dense ÷ conv"), _ratio(cmp.ratio))
    st.caption(t("Image {s}×{s}×{d}: a dense layer from {n} inputs to {u} neurons against {m} kernel(s) of "
                 "{k}×{k}×{d}, each shared by every position.", s=side, d=ch, n=f"{cmp.inputs:,}",
                 u=f"{cmp.dense_units:,}", m=m, k=k))


# ---------------------------------------------------------------- layout

st.title(t("Convolution, step by step"))
st.markdown(t("Slide a kernel over an image and see every number: stride, padding, the sum behind each output "
              "value, colour images, pooling, and why convolution needs so few weights."))
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
