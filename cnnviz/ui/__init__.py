"""Streamlit glue shared by every screen: text in the session's language, the sidebar, the input picker,
every cache, and starting trainings. Pages use it as `ui.<name>`.

With app.py and pages/, the only code that imports streamlit. Cached objects are read-only (models are never
trained once cached); training happens in processes of its own (`jobs`), never in the server.

    text.py      t, reason, plain and the labels of runs, datasets and durations
    widgets.py   chart (every figure, with its reading help) and keep_valid (choices kept valid and in the URL)
    session.py   navigation, the sidebar, the selected run and dataset
    inputs.py    the input picker: a test image, an upload or a drawing
    cache/       every cache: datasets, loaded runs and what screens compute from them, a module per area
    training.py  starting trainings, the one-click first run, the run the Train screen watches, the empty states
"""

# every cache, by the module of cache/ that holds it
from .cache.loading import download_confirmed, evaluation, load_dataset, loaded_run, prepared_image, warm_up
from .cache.inspection import (
    activations,
    adversarial_flips,
    first_layer_maps,
    kernel_range,
    mistake_story,
    sanity_cascade,
)
from .cache.explain import (
    attribution_map,
    embedding_map,
    embedding_timeline,
    filter_images,
    probabilities,
    top_images,
)
from .cache.pretrained import prepared_photo, pretrained_grad_cam, pretrained_look, pretrained_network
from .cache.experiment import (
    activation_timeline,
    class_timeline,
    edited_activations,
    gradient_history,
    health_report,
    kernel_replay,
    occlusion,
    run_history,
    run_summary,
    weight_layers,
    weight_timeline,
)
from .cache.training import snapshot_kernels_figure, training_curves_figure
from .cache.playground import colour_picture, field_confirmed
from .cache.labs import invariance_curves, map_similarity, shortcut_result

from .inputs import drawing, pick_input, pick_test_image, Picked, show_input, show_prediction, shown
from .session import dataset_name, ensure_navigation, init_state, selected_run, session_owner, sidebar, usable_runs
from .text import (
    dataset_description,
    dataset_label,
    dataset_title,
    duration,
    plain,
    reason,
    run_caption,
    run_label,
    status_label,
    t,
)
from .training import (
    calibration,
    live_progress,
    QUICK_START,
    quick_start_button,
    require_loaded,  # train
    require_run,
    select_trained_run,
    start_training,
    watched_run,
)
from .widgets import chart, keep_valid
from .moment import moment, moment_label, whole_network  # the moment of training shown (time travel)
