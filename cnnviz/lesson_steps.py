"""The guided lesson's path: its fifteen steps, from one kernel to a 99% network, each beside a live widget.

The path follows the source lessons (the video lesson first, with pieces of the book chapter): a kernel on a 4x4
image, convolution against cross-correlation, weight sharing, channels, stride and padding, ReLU, pooling,
dropout, the gradient of a kernel, LeNet-5, softmax and the loss, a deeper CNN, its mistakes and its learned
kernels. The texts are written for the explorer. Titles and bodies are English keys for the translation
catalogue (marked with `t` so `i18n.source_strings` finds them); the page translates them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def t(text: str) -> str:
    """Mark lesson text for the translation catalogue; the page translates it when it shows it."""
    return text


@dataclass(frozen=True)
class Step:
    """One step of the lesson: a short explanation beside a live widget, linking to the full screen."""

    id: str
    title: str
    body: str
    page: str  # the full screen for the topic, e.g. "pages/convolution.py"


STEPS: tuple[Step, ...] = (
    Step(
        "kernel",
        t("A kernel slides over an image"),
        t(
            "A kernel is a small grid of weights. Lay it on a patch of the image, multiply every pixel by the "
            "weight on top of it and add up the products: that sum is one output value. Then move the kernel "
            "by one pixel and do it again. A 3×3 kernel fits into a 4×4 image in 2×2 places, so the output "
            "is 2×2."
        ),
        "pages/convolution.py",
    ),
    Step(
        "cross-correlation",
        t("Convolution or cross-correlation?"),
        t(
            "In mathematics, a convolution first turns the kernel upside down and left to right (a 180° "
            "rotation), then slides it. PyTorch, Keras and this explorer slide the kernel as it is, which is "
            "strictly a cross-correlation, although everyone calls it convolution. For a symmetric kernel both give "
            "the same map. For a learned kernel the difference does not matter either: the network would simply "
            "learn the rotated weights."
        ),
        "pages/convolution.py",
    ),
    Step(
        "shared-weights",
        t("A convolution is neurons that share weights"),
        t(
            "Each output value is a neuron that looks only at its own patch of the image, and all of these "
            "neurons use the same 9 weights and one bias. A dense layer instead gives every neuron its own "
            "weight for every pixel. Sharing keeps a conv layer tiny however large the image gets, and it "
            "detects a pattern in the same way wherever the pattern appears."
        ),
        "pages/convolution.py",
    ),
    Step(
        "channels",
        t("Channels make kernels three-dimensional"),
        t(
            "A colour image has three channels, red, green and blue, so a kernel for it is a block of 3×3×3 "
            "weights. Each slice of the block filters its own channel, and the three results plus the bias "
            "are added into a single output map. A layer with M such kernels over D input channels has "
            "(F×F×D+1)×M parameters."
        ),
        "pages/convolution.py",
    ),
    Step(
        "stride-padding",
        t("Stride, padding and the output size"),
        t(
            "The stride S is how far the kernel jumps between positions. Padding P adds a frame of zeros "
            "around the input, so that the kernel can also be centred on border pixels: without it a corner pixel "
            "is seen by a single window, an inner pixel by F×F of them. With the input size I and the kernel size "
            "F they fix the output size: O = ⌊(I − F + 2P) / S⌋ + 1. No padding is called 'valid'; padding that "
            "keeps the size is called 'same', which at stride 1 needs P = (F − 1) / 2, a whole number only for "
            "odd F."
        ),
        "pages/convolution.py",
    ),
    Step(
        "relu",
        t("Activation: ReLU keeps the positive part"),
        t(
            "After a convolution, each value goes through an activation function. ReLU, the most common, keeps "
            "positive values and replaces negative ones by zero: max(0, x). A kernel's response is positive where "
            "its pattern is present and negative where the opposite is, so ReLU keeps only the pattern itself. "
            "Without such a bend, any stack of conv and dense layers would equal one single linear layer."
        ),
        "pages/feature_maps.py",
    ),
    Step(
        "pooling",
        t("Pooling shrinks the maps"),
        t(
            "A pooling layer replaces each small window of a map with one number: its largest value (max), "
            "its mean (average) or the square root of its sum of squares (L2). It has nothing to learn. "
            "With 2×2 windows the map keeps a quarter of its values, so the next layers cost less, see a "
            "wider part of the image, and care less about small shifts."
        ),
        "pages/convolution.py",
    ),
    Step(
        "dropout",
        t("Dropout: learning with neurons missing"),
        t(
            "While training, dropout silences each neuron of a layer at random with probability p, with a "
            "fresh draw for every image at every forward pass, and multiplies the survivors by 1/(1 − p) so that, "
            "on average, the layer's output stays the same. No neuron can count on one particular partner, so the "
            "network spreads what it knows over many neurons, which reduces overfitting. At test time nothing is "
            "dropped."
        ),
        "pages/architecture.py",
    ),
    Step(
        "kernel-gradient",
        t("How a kernel learns: its gradient"),
        t(
            "Training compares the network's output with the wanted one through a loss, and nudges every weight "
            "against its gradient: how much the loss grows when that weight grows. For a kernel the gradient has "
            "a neat form: slide the output's error over the input, as the kernel itself slid, and each of the 9 "
            "sums is the gradient of one weight. Take steps here and watch the kernel become the one that makes "
            "the target output."
        ),
        "pages/train.py",
    ),
    Step(
        "lenet5",
        t("LeNet-5, trained live"),
        t(
            "LeNet-5 (LeCun and colleagues, 1998) puts the pieces together: two rounds of 5×5 convolution and "
            "pooling, then three dense layers. Train it here on the 4,000 built-in digits and watch the loss "
            "fall while the accuracy climbs; it takes a few seconds. The video lesson reports 98.4% for it on the "
            "full MNIST set, and our own measured run on full MNIST reached 98.4% too."
        ),
        "pages/train.py",
    ),
    Step(
        "softmax-loss",
        t("From feature maps to a decision"),
        t(
            "The last maps are flattened into one long vector, and dense layers turn it into one score per "
            "class, the logits. Softmax turns the scores into probabilities: p = e^score divided by the sum of "
            "e^score over all classes. The loss for one image is −ln of the probability of its true class "
            "(cross-entropy): near 0 when the network is sure and right, large when it is sure and wrong."
        ),
        "pages/feature_maps.py",
    ),
    Step(
        "deep-cnn",
        t("A deeper network passes 99%"),
        t(
            "The video lesson's second network uses 32, then 64 and 64 filters of 3×3, ReLU, and a single max-"
            "pooling layer: 388,234 parameters, 8.7 times LeNet-5's, most of them in the dense layer after "
            "flattening. It is not that its kernels see more of the digit: its last conv sees 12×12 pixels, "
            "LeNet-5's 16×16. It has far more filters and parameters, and the lesson trained it with another "
            "optimiser (Adam) for 200 epochs. It reports 99.21%; our measured run on full MNIST reached 99.26%."
        ),
        "pages/architecture.py",
    ),
    Step(
        "mlp-vs-cnn",
        t("MLP against CNN: shift the digits"),
        t(
            "A multilayer perceptron (MLP) flattens the image first, so each of its weights belongs to one pixel "
            "position. A CNN's kernels look for the same pattern everywhere. Train both on the same digits, then "
            "move the test digits to the right: in our measured runs the CNN held up better for a shift of 2 pixels "
            "(83% against 69%), but both collapse by 4 pixels, because the dense layers at the end tie what the "
            "kernels found to where they found it. Pooling tolerates only small shifts; shifted training images "
            "are the real cure."
        ),
        "pages/experiment.py",
    ),
    Step(
        "mistakes",
        t("Reading the mistakes"),
        t(
            "Accuracy is one number. The per-class bars show which digits the network finds hard, and the "
            "gallery shows test images it got wrong, most confident mistakes first. Some would make a person "
            "hesitate too; others reveal a way of writing that the training set rarely shows."
        ),
        "pages/evaluation.py",
    ),
    Step(
        "learned-kernels",
        t("What the first layer learned"),
        t(
            "These are the first-layer kernels of the selected network, learned from the data alone. With "
            "enough training several of them resemble the handmade kernels shown below them: edge detectors, "
            "positive on one side and negative on the other, and blob or stroke detectors. A short run on the "
            "small sample leaves them noisier. Everything the later layers do is built on what these few "
            "small filters pick out."
        ),
        "pages/kernels.py",
    ),
)
STEP_IDS: tuple[str, ...] = tuple(s.id for s in STEPS)


def get_step(number: int) -> Step:
    """The step with 1-based `number`; ValueError outside 1..len(STEPS)."""
    if isinstance(number, bool) or not isinstance(number, (int, np.integer)) or not 1 <= number <= len(STEPS):
        raise ValueError(f"there is no lesson step {number!r}; steps are 1..{len(STEPS)}")
    return STEPS[int(number) - 1]


def parse_step(value: object) -> int | None:
    """A step number 1..len(STEPS) from a URL value such as "4" or "pooling"; None when it names no step."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in STEP_IDS:
        return STEP_IDS.index(text) + 1
    if text.isascii() and text.isdigit() and len(text) <= 3 and 1 <= int(text) <= len(STEPS):
        return int(text)
    return None
