"""The glossary: every term the screens use, one line each, and the screen where it lives.

Terms and meanings are English keys of the translation catalogue (marked with `N_`); the Chinese
catalogue gives each term exactly one Chinese name, and tests/test_glossary.py checks that every
Chinese sentence about a term uses that name. Pure data, no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .i18n import N_

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


@dataclass(frozen=True)
class Term:
    term: str
    meaning: str
    page: str  # the screen where the term lives, e.g. "pages/convolution.py"
    # whether every translated sentence that names the term must use its one Chinese name; off for
    # words that are also everyday verbs in English ("a run" / "it runs", "a filter" / "filters its channel")
    consistent: bool = True


TERMS: tuple[Term, ...] = (
    Term(
        N_("kernel"),
        N_(
            "A small grid of weights slid over an image; at each position the sum of pixel × weight "
            "is one output value."
        ),
        "pages/convolution.py",
    ),
    Term(
        N_("filter"),
        N_("Another name for a kernel: a layer's number of filters is its number of kernels, and of output channels."),
        "pages/architecture.py",
        consistent=False,
    ),
    Term(
        N_("convolution"),
        N_(
            "Sliding a kernel over the input and taking a weighted sum at every position; in "
            "CNNs without flipping the kernel."
        ),
        "pages/convolution.py",
    ),
    Term(
        N_("cross-correlation"),
        N_("The sliding weighted sum without the kernel flip: what CNN libraries compute and call convolution."),
        "pages/lesson.py",
    ),
    Term(
        N_("stride"),
        N_("How many pixels the kernel jumps between two positions; stride 2 about halves the output."),
        "pages/convolution.py",
    ),
    Term(
        N_("padding"),
        N_("A frame of zeros around the input; 'valid' is none, 'same' keeps the size at stride 1."),
        "pages/convolution.py",
    ),
    Term(
        N_("output size"),
        N_("O = ⌊(I − F + 2P) / S⌋ + 1 for input I, kernel F, padding P and stride S."),
        "pages/convolution.py",
    ),
    Term(
        N_("feature map"),
        N_("The output of one kernel over the whole input: where its pattern appears."),
        "pages/feature_maps.py",
    ),
    Term(
        N_("channel"),
        N_("One 2-D layer of a volume: red, green or blue of a photo, or one feature map of a layer."),
        "pages/convolution.py",
    ),
    Term(
        N_("weight"), N_("A number the network learns; kernels and dense layers are made of them."), "pages/kernels.py"
    ),
    Term(
        N_("bias"),
        N_("A learned number added to a neuron's weighted sum, one per kernel or neuron."),
        "pages/architecture.py",
    ),
    Term(N_("parameter"), N_("Every learned number of a network: its weights and biases."), "pages/architecture.py"),
    Term(
        N_("weight sharing"),
        N_("All positions of a feature map use the same kernel, so a conv layer stays small whatever the image size."),
        "pages/lesson.py",
    ),
    Term(
        N_("pooling"),
        N_("Replacing each small window of a map by one number (its maximum, mean or L2 norm); nothing to learn."),
        "pages/convolution.py",
    ),
    Term(
        N_("activation"),
        N_("The function applied to each value after a layer, and the values it gives."),
        "pages/feature_maps.py",
    ),
    Term(N_("ReLU"), N_("The activation max(0, x): negative values become zero."), "pages/lesson.py"),
    Term(
        N_("neuron"),
        N_("One unit of a layer: a weighted sum of its inputs plus a bias, then the activation."),
        "pages/lesson.py",
    ),
    Term(
        N_("dense layer"),
        N_("A layer in which every neuron has its own weight for every input value."),
        "pages/architecture.py",
    ),
    Term(
        N_("flatten"),
        N_("Laying a stack of feature maps out as one long vector for the dense layers."),
        "pages/architecture.py",
    ),
    Term(N_("logits"), N_("The last layer's raw scores, one per class, before softmax."), "pages/lesson.py"),
    Term(
        N_("softmax"),
        N_("Turns scores into probabilities: e^score divided by the sum of e^score over the classes."),
        "pages/explain.py",
    ),
    Term(
        N_("cross-entropy"),
        N_("The loss −ln p of the true class's probability: small when sure and right."),
        "pages/lesson.py",
    ),
    Term(
        N_("loss"), N_("How wrong the network is on the training images; training makes it smaller."), "pages/train.py"
    ),
    Term(
        N_("gradient"),
        N_("How much the loss grows when a weight grows; training steps against it."),
        "pages/experiment.py",
    ),
    Term(N_("learning rate"), N_("The size of each training step along the gradient."), "pages/train.py"),
    Term(N_("optimiser"), N_("The rule that turns gradients into weight changes (SGD, Adam, ...)."), "pages/train.py"),
    Term(N_("batch"), N_("The images used together for one training step."), "pages/train.py"),
    Term(
        N_("batch norm"),
        N_("A layer that rescales each channel by the statistics of the batch, which steadies training."),
        "pages/architecture.py",
    ),
    Term(N_("epoch"), N_("One pass over all the training images."), "pages/train.py"),
    Term(
        N_("dropout"),
        N_("Silencing random neurons while training, so that no neuron can rely on another."),
        "pages/architecture.py",
    ),
    Term(
        N_("overfitting"),
        N_(
            "Learning the training images by heart: training accuracy keeps rising while "
            "validation accuracy stalls or falls."
        ),
        "pages/train.py",
    ),
    Term(
        N_("validation"),
        N_("Checking on training images held back (never trained on), to watch for overfitting while training."),
        "pages/train.py",
    ),
    Term(
        N_("test set"),
        N_("Images never used in training, on which accuracy is finally measured."),
        "pages/evaluation.py",
    ),
    Term(N_("accuracy"), N_("The share of images whose predicted class is the true one."), "pages/evaluation.py"),
    Term(
        N_("class"),
        N_("One of the categories the network chooses between, such as the digit 7."),
        "pages/evaluation.py",
    ),
    Term(
        N_("confusion matrix"),
        N_("A table counting, for each true class (row), the predicted classes (columns)."),
        "pages/evaluation.py",
    ),
    Term(
        N_("L2 norm"),
        N_("The length of a list of numbers: the square root of the sum of their squares."),
        "pages/experiment.py",
    ),
    Term(
        N_("Pearson r"),
        N_("How alike two lists of numbers are in shape, from −1 (opposite) to 1 (same), whatever their scale."),
        "pages/experiment.py",
    ),
    Term(N_("receptive field"), N_("The input pixels that one unit of a layer can see."), "pages/receptive_field.py"),
    Term(
        N_("saliency"),
        N_("A map of, for each pixel, how much a small change to it changes the class score."),
        "pages/explain.py",
    ),
    Term(
        N_("Grad-CAM"),
        N_("A map of where a conv layer's features push the chosen class up, from their gradients."),
        "pages/explain.py",
    ),
    Term(N_("occlusion"), N_("Hiding one patch at a time and measuring how the prediction drops."), "pages/explain.py"),
    Term(
        N_("embedding"),
        N_("An image's vector at a late layer, drawn in 2-D so that similar images lie close."),
        "pages/explain.py",
    ),
    Term(N_("snapshot"), N_("The weights saved at one moment of training, for the timelines."), "pages/kernels.py"),
    Term(
        N_("run"),
        N_("One training: its settings, curves, snapshots and final weights, kept in the run store."),
        "pages/train.py",
        consistent=False,
    ),
    Term(
        N_("adversarial example"),
        N_(
            "An image changed a little, on purpose, so that a network answers wrongly "
            "although a person sees no difference."
        ),
        "pages/lab_adversarial.py",
    ),
    Term(
        N_("sanity check"),
        N_(
            "Randomising a trained network layer by layer to see whether an explanation "
            "method's map really depends on what the network learned."
        ),
        "pages/lab_sanity.py",
    ),
    Term(
        N_("run store"),
        N_(
            "The folder where every run is kept ($CNNVIZ_HOME/runs), shared by the app, its "
            "training processes and the command line."
        ),
        "pages/home.py",
    ),
    Term(
        N_("architecture"),
        N_("The list of layers and their settings: what the network is, before training."),
        "pages/architecture.py",
    ),
)


def search(
    query: str, terms: Sequence[Term] = TERMS, translate: Callable[[str], str] = lambda text: text
) -> list[Term]:
    """The terms whose name or meaning contains `query` (any case), in English or as translated."""
    q = query.strip().lower()
    if not q:
        return list(terms)
    return [
        term
        for term in terms
        if any(q in text.lower() for text in (term.term, term.meaning, translate(term.term), translate(term.meaning)))
    ]
