"""Every Plotly figure of the app, built from numpy arrays and plain values (never torch, never streamlit).

Callers use `figures.<name>`; each module holds one kind of figure: `grids` (kernels, feature maps and galleries as
one tiled trace, single images), `playground` (convolution and pooling step by step), `curves` (training and other
numbers over time), `evaluation` (confusion, per class, probabilities, labelled heatmaps), `diagrams` (the
network's layers), `explain` (saliency overlays, the embedding map); `base` is the look and the helpers they share.
"""

from .base import ACCENT, DIVERGING, GREEN, GREYS, NEUTRAL, RED, TEMPLATE, TRAIN_COLOUR, TRACE_TYPES, VAL_COLOUR
from .curves import (
    METRIC_NAMES,
    accuracy_against,
    answer_over_training,
    compare_curves,
    histogram_timeline,
    loss_steps,
    similarity_against,
    similarity_cascade,
    training_curves,
)
from .diagrams import architecture_volumes
from .evaluation import (
    confusion_diff,
    confusion_matrix,
    heatmap,
    logits_to_probabilities,
    per_class_accuracy,
    per_class_against,
    probability_bars,
)
from .evaluation import grouped_accuracy  # the shortcut lab
from .explain import overlay_grid  # the shortcut lab
from .explain import overlay, scatter_embedding
from .grids import feature_map_grid, image, image_gallery, kernel_grid, kernel_grid_rgb, tile_values
from .playground import conv_step, kernel_applied, number_grids, pooling_view
