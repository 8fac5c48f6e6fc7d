"""The guided lesson's small sums: what its widgets compute, step by step (the steps are in `lesson_steps`).

The 4x4 example and the output made so far, weight sharing as dense neurons, convolution against
cross-correlation, window coverage under stride and padding, a kernel per colour channel, dropout, the gradient
of a kernel, softmax and the loss, an MLP against a CNN on shifted digits, and the source lessons' results
beside the learner's. Numpy, and torch only to test trained networks on shifted digits; no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import arch, conv, data, formulas, kernel_catalogue


# ---------------------------------------------------------------- step 1-2: the 4x4 example

# A 4x4 stroke (a tiny "7") and a vertical-line kernel: the four outputs differ, so every slider
# position shows a new sum.
TINY_IMAGE = np.array([[0, 3, 3, 1], [0, 0, 3, 0], [0, 1, 3, 0], [0, 3, 1, 0]], dtype=np.float64)  # (4, 4)
TINY_KERNEL = np.array([[-1, 2, -1], [-1, 2, -1], [-1, 2, -1]], dtype=np.float64)  # (3, 3)


def output_so_far(
    image: np.ndarray, kernel: np.ndarray, position: int, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """The conv output with cells after `position` (row-major) set to NaN: what the sliding window has made so far.

    Returns: float64 (OH, OW).
    """
    out = conv.convolve(image, kernel, stride, padding)  # (OH, OW)
    if not 0 <= position < out.size:
        raise ValueError(f"position {position} is outside the {out.shape[0]}x{out.shape[1]} output")
    partial = out.ravel().copy()
    partial[position + 1 :] = np.nan
    return partial.reshape(out.shape)


def shared_weight_maps(kernel: np.ndarray, image_shape: tuple[int, int]) -> np.ndarray:
    """Each output neuron of a stride-1 conv as a dense neuron: its weight for every input pixel.

    The kernel sits at the neuron's window and every other weight is zero, so the same values
    reappear, shifted, in every map: weight sharing made visible.
    Returns: float64 (OH * OW, H, W).
    """
    k = np.asarray(kernel, dtype=np.float64)  # (kh, kw)
    h, w = image_shape
    oh, ow = formulas.output_size(h, k.shape[0]).size, formulas.output_size(w, k.shape[1]).size
    maps = np.zeros((oh * ow, h, w))
    for i in range(oh * ow):
        r, c = divmod(i, ow)
        maps[i, r : r + k.shape[0], c : c + k.shape[1]] = k
    return maps


# ---------------------------------------------------------------- convolution against cross-correlation


def rotate_180(kernel: np.ndarray) -> np.ndarray:
    """The kernel turned upside down and left to right: what a mathematical convolution slides. Returns (kh, kw)."""
    return np.asarray(kernel, dtype=np.float64)[..., ::-1, ::-1].copy()


def true_convolution(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolution as mathematics defines it (kernel rotated by 180°), next to `conv.convolve`, which is what
    F.conv2d and every CNN library compute: the cross-correlation. Returns float64 (OH, OW)."""
    return conv.convolve(image, rotate_180(kernel))


# A kernel with one weight off centre moves the image: up and left as slid, down and right once rotated,
# which makes the difference visible at a glance. A symmetric blur is the same both ways.
SHIFT_KERNEL = np.zeros((5, 5))
SHIFT_KERNEL[4, 4] = 1.0  # (5, 5)


# ---------------------------------------------------------------- stride and padding: who is seen how often


def window_coverage(size: int, kernel: int, stride: int = 1, padding: int = 0) -> np.ndarray:
    """How many kernel windows contain each pixel of a size x size input (square kernel, stride, padding).

    A window covers a pixel in 2-D exactly when it covers its row and its column, so the count is the product
    of the row and column counts. Returns int64 (size, size).
    """
    out = formulas.output_size(size, kernel, stride, padding).size
    along = np.zeros(size + 2 * padding, dtype=np.int64)  # windows over each position of the padded line
    for o in range(out):
        along[o * stride : o * stride + kernel] += 1
    inner = along[padding : padding + size]
    return np.outer(inner, inner)


def padding_name(size: int, kernel: int, stride: int, padding: int) -> str:
    """'valid' (no padding), 'same' (the output keeps the input's size at stride 1), or '' for neither."""
    if padding == 0:
        return "valid"
    if stride == 1 and formulas.output_size(size, kernel, stride, padding).size == size:
        return "same"
    return ""


# ---------------------------------------------------------------- step 3: channels


def rgb_image(size: int = 16) -> np.ndarray:
    """A synthetic colour picture: a red square, a green horizontal bar, a blue gradient (values 0..1).

    Returns: float64 (3, size, size).
    """
    img = np.zeros((3, size, size))
    q = size // 4
    img[0, q : 3 * q, q : 3 * q] = 1.0  # red square in the middle
    img[1, size // 2 - 1 : size // 2 + 1, :] = 1.0  # green horizontal bar
    img[2] = np.linspace(0.0, 0.6, size)[None, :]  # blue brightening to the right
    return img


# One 3x3 slice per colour: vertical edges in red, horizontal edges in green, a blur of blue;
# each slice finds something in its own channel of `rgb_image`.
RGB_KERNEL = np.stack(
    [
        kernel_catalogue.get_kernel("sobel_vertical").weights,
        kernel_catalogue.get_kernel("sobel_horizontal").weights,
        kernel_catalogue.get_kernel("gaussian_blur").weights,
    ]
)  # (3, 3, 3)


def channel_contributions(image: np.ndarray, kernel: np.ndarray, bias: float = 0.0) -> np.ndarray:
    """What each channel's slice adds to a 3-D convolution, and their sum (plus bias): the layer's output.

    Args: image (C, H, W); kernel (C, kh, kw).
    Returns: float64 (C + 1, OH, OW): one map per channel, then the total.
    """
    img, ker = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if img.ndim != 3 or ker.ndim != 3 or img.shape[0] != ker.shape[0]:
        raise ValueError(
            f"need a (C, H, W) image and a (C, kh, kw) kernel with the same C, got {img.shape} and {ker.shape}"
        )
    parts = [conv.convolve(img[c], ker[c]) for c in range(img.shape[0])]  # C x (OH, OW)
    total = conv.convolve(img, ker, bias=bias)  # the real 3-D convolution, not the sum above
    return np.stack(parts + [total])


# ---------------------------------------------------------------- step 4: output size on a digit


def box_kernel(size: int) -> np.ndarray:
    """An F x F averaging kernel (every weight 1/F²), the simplest kernel of any size. Returns (F, F)."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"kernel size must be a whole number >= 1, got {size!r}")
    return np.full((size, size), 1.0 / size**2)


def centre_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The central size x size part of an (H, W) image (all of it when size >= H, W)."""
    img = np.asarray(image)
    h, w = img.shape[-2:]
    top, left = max((h - size) // 2, 0), max((w - size) // 2, 0)
    return img[..., top : top + size, left : left + size]


# ---------------------------------------------------------------- ReLU


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x), elementwise."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


# ---------------------------------------------------------------- dropout


@dataclass(frozen=True)
class DropoutView:
    """A dense layer's activations before and after one dropout draw (inverted dropout, as nn.Dropout)."""

    activations: np.ndarray  # (rows, cols) ReLU outputs of the layer
    mask: np.ndarray  # (rows, cols) 1.0 kept, 0.0 dropped
    output: np.ndarray  # activations * mask / (1 - p)
    p: float
    kept: int
    mean_over_draws: float  # the output's mean averaged over many draws: close to the activations' mean


DRAWS = 1000  # draws averaged to show that dropout keeps the mean output


def dropout_demo(p: float, draw: int = 0, shape: tuple[int, int] = (8, 8)) -> DropoutView:
    """One dropout draw over a fixed layer of rows x cols neurons.

    Args: p drop probability in [0, 1); draw which random mask (new draw, new mask; same draw, same mask).
    Returns: DropoutView; the activations do not depend on `draw`, only the mask does.
    """
    p = float(p)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"the dropout probability must be in [0, 1), got {p}")
    # All positive, so that every dropped neuron shows as a new black cell.
    activations = np.random.default_rng(1234).uniform(0.1, 1.0, shape)  # (rows, cols)
    mask = (np.random.default_rng([5678, int(draw)]).random(shape) >= p).astype(np.float64)
    many = np.random.default_rng([5678, int(draw), 1]).random((DRAWS,) + shape) >= p  # (DRAWS, rows, cols)
    mean_over_draws = float((activations * many).mean() / (1.0 - p))
    return DropoutView(activations, mask, activations * mask / (1.0 - p), p, int(mask.sum()), mean_over_draws)


# ---------------------------------------------------------------- the gradient of a kernel

# A 6x6 picture (a bright stroke with a bend) and the kernel to be rediscovered from its output alone: 16
# outputs for 9 weights, and patches varied enough that only this kernel makes exactly this target.
GRADIENT_IMAGE = np.array(
    [
        [0.0, 0.2, 0.9, 0.8, 0.1, 0.0],
        [0.0, 0.1, 0.9, 0.3, 0.0, 0.0],
        [0.1, 0.0, 0.8, 0.9, 0.7, 0.2],
        [0.0, 0.0, 0.7, 0.1, 0.0, 0.6],
        [0.3, 0.0, 0.9, 0.0, 0.0, 0.0],
        [0.0, 0.5, 0.6, 0.2, 0.0, 0.1],
    ]
)  # (6, 6)
GRADIENT_KERNEL = np.array(
    [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
)  # (3, 3): finds edges from dark on the left to bright on the right
GRADIENT_TARGET = conv.convolve(GRADIENT_IMAGE, GRADIENT_KERNEL)  # (4, 4): the output we want
# the loss's curvature peaks at 21 here, so a rate over 2/21 = 0.095 overshoots and the loss grows: worth seeing once
LEARNING_RATES = (0.005, 0.01, 0.02, 0.05, 0.1)


@dataclass(frozen=True)
class KernelGradient:
    """One kernel on one image against a target output, with the loss ½·Σ(output − target)² and its gradient."""

    output: np.ndarray  # (OH, OW) the kernel's output now
    error: np.ndarray  # (OH, OW) output − target
    loss: float
    gradient: np.ndarray  # (kh, kw) d loss / d weight, one per kernel weight


def kernel_gradient(image: np.ndarray, kernel: np.ndarray, target: np.ndarray) -> KernelGradient:
    """The loss of `kernel` and its gradient, by hand: weight (i, j) multiplied the pixel at (r + i, c + j) into
    output (r, c), so its gradient is Σ error[r, c] · image[r + i, c + j], which is the error slid over the
    input exactly as the kernel slid: a cross-correlation of the image with the error."""
    output = conv.convolve(image, kernel)  # (OH, OW)
    error = output - np.asarray(target, dtype=np.float64)
    return KernelGradient(output, error, 0.5 * float((error**2).sum()), conv.convolve(image, error))


def descend(
    kernel: np.ndarray,
    lr: float,
    steps: int = 1,
    image: np.ndarray = GRADIENT_IMAGE,
    target: np.ndarray = GRADIENT_TARGET,
) -> np.ndarray:
    """`steps` steps of gradient descent on the kernel: weight ← weight − lr · gradient. Returns (kh, kw)."""
    k = np.asarray(kernel, dtype=np.float64)
    for _ in range(steps):
        k = k - lr * kernel_gradient(image, k, target).gradient
    return k


# ---------------------------------------------------------------- softmax and the loss


@dataclass(frozen=True)
class Decision:
    """A network's last scores for one image, as probabilities, and the cross-entropy loss for its label."""

    logits: np.ndarray  # (K,) the last layer's outputs
    probabilities: np.ndarray  # (K,) softmax of the logits, summing to 1
    label: int
    predicted: int
    loss: float  # −ln probabilities[label]


def decision(logits: np.ndarray, label: int) -> Decision:
    """Softmax and cross-entropy for one image, as F.cross_entropy computes them (the largest logit is taken off
    before exponentiating, which changes nothing but keeps e^score finite)."""
    z = np.asarray(logits, dtype=np.float64).ravel()  # (K,)
    if not 0 <= label < len(z):
        raise ValueError(f"label {label} is not one of the {len(z)} classes")
    shifted = z - z.max()
    log_total = np.log(np.exp(shifted).sum())
    return Decision(z, np.exp(shifted - log_total), int(label), int(z.argmax()), float(log_total - shifted[label]))


# ---------------------------------------------------------------- an MLP against a CNN on shifted digits

SHIFTS = (0, 1, 2, 3, 4, 5, 6)  # pixels to the right


def shift_right(images: torch.Tensor, pixels: int) -> torch.Tensor:
    """Images (N, C, H, W) moved `pixels` to the right, the uncovered columns black (what MNIST's border is)."""
    if pixels == 0:
        return images.clone()
    out = torch.zeros_like(images)
    out[..., pixels:] = images[..., :-pixels]
    return out


def accuracy_under_shift(model: torch.nn.Module, split: data.DataSplit, shifts: tuple[int, ...] = SHIFTS) -> np.ndarray:
    """Test accuracy of a trained model with every test image shifted right by each of `shifts` pixels.

    Returns: float64 (len(shifts),) in 0..1.
    """
    model.eval()
    with torch.inference_mode():
        return np.array(
            [
                float(
                    (model(data.normalize(shift_right(split.x_test, d), split.info)).argmax(1) == split.y_test)
                    .float()
                    .mean()
                )
                for d in shifts
            ]
        )


# ---------------------------------------------------------------- the source lessons' results, beside the learner's

# The video lesson's deeper CNN on the 10,000 MNIST test digits: 99.21% overall, 79 mistakes, per digit.
SOURCE_DEEP_CNN = {
    "accuracy": 0.9921,
    "mistakes": 79,
    "per_class": (0.9949, 0.9921, 0.9922, 0.9960, 0.9929, 0.9888, 0.9885, 0.9932, 0.9949, 0.9871),
}
SOURCE_LENET5_ACCURACY = 0.984


# ---------------------------------------------------------------- training curves and the summary


def keras_rows(spec: arch.ArchSpec) -> list[dict]:
    """The architecture as Keras's model.summary() prints it: (None, H, W, C) shapes, the batch first and the
    channels last, against our (C, H, W). Flatten follows Keras too; only layers with an output are listed."""
    rows = []
    for info in arch.infer_shapes(spec):
        shape = info.output_shape
        keras = (None, *shape[1:], shape[0]) if len(shape) == 3 else (None, *shape)
        rows.append(
            {
                "layer": info.name,
                "keras": "(" + ", ".join("None" if d is None else str(d) for d in keras) + ")",
                "ours": " × ".join(map(str, shape)),
                "parameters": info.params,
            }
        )
    return rows


def summary_rows(spec: arch.ArchSpec) -> list[dict]:
    """The architecture as table rows: layer, output shape, parameters, details (input row first)."""
    rows = [{"layer": "input", "output shape": " × ".join(map(str, spec.input_shape)), "parameters": 0, "details": ""}]
    for info in arch.infer_shapes(spec):
        rows.append(
            {
                "layer": info.name,
                "output shape": " × ".join(map(str, info.output_shape)),
                "parameters": info.params,
                "details": info.description,
            }
        )
    return rows
