"""Every cache of the app, in one place: datasets, loaded runs, and what the screens compute from them.

Resources (datasets, loaded runs and their networks) are shared read-only by every session: a cached
network is never trained or modified (analysis works on copies). Derived results are keyed by the run id,
its weights' checksum and the moment of training (`at`: a snapshot index, None for the final weights), so a
retrained or replaced run is never served stale numbers.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from safetensors import SafetensorError

from .. import adversarial, data, evaluate, folders, hooks, images, kernels, metrics, mistake, runs, sanity
from .. import attribution, embedding, featurevis, pretrained  # explain
from .. import compare, handcrafted, health, robustness, timeline  # experiment
from .. import figures, i18n  # train
from .. import arch, receptive  # playground and builder
from .. import invariance  # labs: invariance
from .. import shortcut  # labs: shortcut learning
from ..loaded import LoadedRun
from ..record import RunRecord
from .text import dataset_title, plain, reason, t

if TYPE_CHECKING:
    import torch

    from .inputs import Picked


def load_dataset(name: str, stop: bool = True) -> data.DataSplit | None:
    """A dataset in memory, with a progress bar the first time.

    A dataset that cannot be loaded shows the reason and what to do, then stops the page
    (or, with stop=False, returns None so the rest of the page still works).
    """
    try:
        folders.check_folder_allowed(name)
        if data.is_loaded(name):
            return data.load(name)
        if not download_confirmed(name):
            if stop:
                st.stop()
            return None
        bar = st.progress(0.0, text=t("Loading {name}…", name=name))
        split = data.load(name, progress=lambda f, msg: bar.progress(min(max(f, 0.0), 1.0), text=msg))
        bar.empty()
        return split
    except data.DatasetError as e:
        st.error(t("This dataset is not available: {reason}", reason=plain(reason(e))))
        if stop:
            st.stop()
        return None


def download_confirmed(name: str) -> bool:
    """A dataset that must be downloaded first is downloaded only after a click here, never because a link or a
    remembered choice named it."""
    key = f"_download_ok_{name}"
    mb = data.needs_download(name)
    if mb is None or st.session_state.get(key):
        return True
    title = dataset_title(name)
    st.info(
        t(
            "{title} is not on this computer yet. Using it first downloads about {mb} MB from the internet into "
            "{folder}.",
            title=title,
            mb=mb,
            folder=plain(str(data.data_dir())),
        ),
        icon=":material/cloud_download:",
    )
    if st.button(t("Download {title}", title=title), key=f"download_{name}", icon=":material/download:"):
        st.session_state[key] = True
        return True
    return False


@st.cache_resource(max_entries=8, show_spinner=False)
def _loaded(run_id: str, sha: str, dataset: str, _split: data.DataSplit) -> LoadedRun:
    return LoadedRun.open(run_id, _split)


def loaded_run(run: runs.RunInfo) -> LoadedRun:
    """A run with its network, dataset and snapshots, loaded once per run and weights and shared by every screen
    (the dataset is loaded first with a progress bar, or asked for when it must be downloaded)."""
    split = load_dataset(run.record.dataset)
    try:
        return _loaded(run.run_id, run.record.weights_sha256, run.record.dataset, split)
    except (runs.RunError, data.DatasetError) as e:
        st.error(reason(e))
        st.stop()


@st.cache_data(max_entries=32, show_spinner=False)
def _evaluation(run_id: str, sha: str, at: int | None, _loaded: LoadedRun) -> evaluate.Evaluation:
    return evaluate.evaluate(_loaded.model_at(at), _loaded.split, _loaded.classes)


def evaluation(loaded: LoadedRun, at: int | None = None) -> evaluate.Evaluation:
    """The test-set evaluation of a run's network (at snapshot `at`, else its final weights), computed once."""
    with st.spinner(t("Evaluating on the test set…")):
        try:
            return _evaluation(loaded.run_id, loaded.sha, at, loaded)
        except ValueError as e:
            st.error(reason(e))
            st.stop()


@st.cache_data(max_entries=32, show_spinner=False)
def prepared_image(content: bytes, dataset: str) -> images.PreparedImage:
    """An uploaded or drawn image decoded safely and prepared like the dataset's images (see `images`)."""
    return images.prepare_image(images.load_image_bytes(content), data.get_info(dataset))


@st.cache_data(max_entries=128, show_spinner=False)
def _activations(run_id: str, sha: str, at: int | None, input_key: str, _loaded: LoadedRun, _x) -> dict:
    return hooks.activations(_loaded.model_at(at), _x)


def activations(loaded: LoadedRun, picked: Picked, at: int | None = None) -> dict:
    """Every layer's output for a picked input ({layer: array without the batch dimension, ..., "softmax"}), at
    snapshot `at` (None: the final weights)."""
    return _activations(loaded.run_id, loaded.sha, at, picked.key, loaded, picked.x)


@st.cache_data(max_entries=32, show_spinner=False)
def _first_layer_maps(run_id: str, sha: str, at: int | None, input_key: str, _loaded: LoadedRun, _x):
    return kernels.apply_first_layer(_loaded.model_at(at), _x)


def first_layer_maps(loaded: LoadedRun, picked: Picked, at: int | None = None) -> np.ndarray:
    """The first conv layer's kernels slid over a picked input (before the activation): (M, H', W')."""
    return _first_layer_maps(loaded.run_id, loaded.sha, at, picked.key, loaded, picked.x)


@st.cache_data(max_entries=8, show_spinner=False)
def _flips(run_id: str, sha: str, count: int, _loaded: LoadedRun):
    return adversarial.flips(_loaded.model, _loaded.split, count)


def adversarial_flips(loaded: LoadedRun, count: int) -> np.ndarray:
    """The smallest nudge, in grey levels, that flips each of the first `count` test images it gets right."""
    return _flips(loaded.run_id, loaded.sha, count, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _cascade(run_id: str, sha: str, index: int, _loaded: LoadedRun):
    x = _loaded.test_inputs()[index].numpy()  # (C, H, W) as in training
    return sanity.cascade(_loaded.model, x, int(_loaded.split.y_test[index]))


def sanity_cascade(loaded: LoadedRun, index: int) -> sanity.Cascade:
    """The attribution maps of test image `index` as the network is randomised layer by layer (see `sanity`)."""
    return _cascade(loaded.run_id, loaded.sha, index, loaded)


# ------------------------------------------------ explain: attribution, what filters look for, the embedding map


@st.cache_data(max_entries=64, show_spinner=False)
def _attribution(
    run_id: str,
    sha: str,
    at: int | None,
    input_key: str,
    method: str,
    target: int,
    layer: str | None,
    _loaded: LoadedRun,
    _x,
) -> attribution.Attribution:
    options = {"baseline": attribution.black_baseline(_loaded.info)} if method == "integrated_gradients" else {}
    return attribution.attribute(method, _loaded.model_at(at), _x, target, layer=layer, **options)


def attribution_map(
    loaded: LoadedRun, picked: Picked, method: str, target: int, layer: str | None = None, at: int | None = None
) -> attribution.Attribution:
    """One method's attribution map of a picked input for class `target` (Integrated Gradients from a black image,
    Grad-CAM at `layer`), at snapshot `at` (None: the final weights)."""
    return _attribution(loaded.run_id, loaded.sha, at, picked.key, method, target, layer, loaded, picked.x)


@st.cache_data(max_entries=64, show_spinner=False)
def _probabilities(run_id: str, sha: str, at: int | None, input_key: str, _loaded: LoadedRun, _x) -> np.ndarray:
    return evaluate.predict(_loaded.model_at(at), _x)[0]


def probabilities(loaded: LoadedRun, picked: Picked, at: int | None = None) -> np.ndarray:
    """The network's class probabilities for a picked input: float32 (K,) summing to 1."""
    return _probabilities(loaded.run_id, loaded.sha, at, picked.key, loaded, picked.x)


@st.cache_data(max_entries=32, show_spinner=False)
def _filter_images(
    run_id: str, sha: str, at: int | None, layer: str, steps: int, where: str, _loaded: LoadedRun
) -> featurevis.FilterImages:
    # the bar is made (and emptied) in here so a cache hit can replay it harmlessly
    text = t("Synthesising one picture per channel of {layer}…", layer=layer)
    bar = st.progress(0.0, text=text)
    result = featurevis.activation_maximisation(
        _loaded.model_at(at),
        layer,
        _loaded.info,
        steps=steps,
        where=where,
        progress=lambda f, _msg: bar.progress(min(max(f, 0.0), 1.0), text=text),
    )
    bar.empty()
    return result


def filter_images(
    loaded: LoadedRun, layer: str, steps: int, where: str, at: int | None = None
) -> featurevis.FilterImages:
    """One synthesised picture per channel of `layer` (activation maximisation, `where` "centre" or "mean"), made
    once with a progress bar."""
    return _filter_images(loaded.run_id, loaded.sha, at, layer, steps, where, loaded)


@st.cache_data(max_entries=64, show_spinner=False)
def _top_images(
    run_id: str, sha: str, at: int | None, layer: str, channel: int, k: int, _loaded: LoadedRun
) -> np.ndarray:
    return featurevis.top_activating(_loaded.model_at(at), _loaded.test_inputs(), layer, channel, k=k)


def top_images(loaded: LoadedRun, layer: str, channel: int, k: int, at: int | None = None) -> np.ndarray:
    """Indices of the k test images that excite one channel of `layer` most, strongest first: int64 (k,)."""
    return _top_images(loaded.run_id, loaded.sha, at, layer, channel, k, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _embedding(run_id: str, sha: str, _loaded: LoadedRun) -> embedding.Embedding:
    return embedding.embed(_loaded.model, _loaded.test_inputs(embedding.EMBEDDING_IMAGES))


def embedding_map(loaded: LoadedRun) -> embedding.Embedding:
    """The first EMBEDDING_IMAGES test images placed by what the final network's classifier sees (PCA to 2-D)."""
    return _embedding(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _timeline(run_id: str, sha: str, _loaded: LoadedRun, _pca: embedding.PCA) -> embedding.Timeline:
    text = t("Replaying the training snapshots…")
    bar = st.progress(0.0, text=text)
    result = embedding.embedding_timeline(
        _loaded,
        _loaded.test_inputs(embedding.EMBEDDING_IMAGES),
        _pca,
        progress=lambda f, _msg: bar.progress(min(max(f, 0.0), 1.0), text=text),
    )
    bar.empty()
    return result


def embedding_timeline(loaded: LoadedRun, pca: embedding.PCA) -> embedding.Timeline:
    """The embedding map at every training snapshot on the final map's axes (`pca`), replayed once with a progress
    bar. Raises: Invalid when the snapshots keep only the conv kernels (check `loaded.full_snapshots` first)."""
    return _timeline(loaded.run_id, loaded.sha, loaded, pca)


def _weights_stamp(name: str, trained: bool) -> str:
    """Which weights a pretrained network has: a replaced or downloaded file is never served from the cache."""
    if not trained:
        return "random"
    try:
        stat = pretrained.weights_file(name).stat()
    except OSError:
        return "missing"
    return f"{stat.st_size}-{stat.st_mtime_ns}"


@st.cache_resource(max_entries=2, show_spinner=False)
def _pretrained(name: str, trained: bool, stamp: str) -> pretrained.Network:
    return pretrained.load(name, "imagenet" if trained else None)


def pretrained_network(name: str, trained: bool) -> pretrained.Network:
    """An ImageNet network built once and shared read-only: its weights from the hub cache (loaded again when the
    file changes), or random weights. Raises: WeightsError for a damaged weights file."""
    return _pretrained(name, trained, _weights_stamp(name, trained))


@st.cache_data(max_entries=16, show_spinner=False)
def prepared_photo(content: bytes) -> pretrained.Prepared:
    """An uploaded photo decoded safely and prepared for the ImageNet networks (see `pretrained.prepare`)."""
    return pretrained.prepare(images.load_image_bytes(content))


@st.cache_data(max_entries=16, show_spinner=False)
def _look(name: str, stamp: str, image_key: str, _net: pretrained.Network, _x) -> pretrained.Look:
    return pretrained.look(_net, _x)


def pretrained_look(net: pretrained.Network, image_key: str, x: torch.Tensor) -> pretrained.Look:
    """What a pretrained network makes of a prepared photo (x (1, 3, 224, 224), named by `image_key`): top-5, maps."""
    return _look(net.entry.id, _weights_stamp(net.entry.id, net.trained), image_key, net, x)


@st.cache_data(max_entries=32, show_spinner=False)
def _pretrained_cam(name: str, stamp: str, image_key: str, target: int, _net: pretrained.Network, _x) -> np.ndarray:
    return attribution.grad_cam(_net.model, _x, target, _net.entry.gradcam_layer, relu_attributions=True).heat


def pretrained_grad_cam(net: pretrained.Network, image_key: str, x: torch.Tensor, target: int) -> np.ndarray:
    """Grad-CAM of ImageNet class `target` at the network's last convolutional stage (ReLU'd, then upsampled):
    float32 (224, 224) in 0..1."""
    return _pretrained_cam(net.entry.id, _weights_stamp(net.entry.id, net.trained), image_key, target, net, x)


# ------------------------------------------------ experiment: compare, timeline, robustness, health, handcrafted


@st.cache_data(max_entries=32, show_spinner=False)
def _summary(run_id: str, sha: str | None, _record: RunRecord) -> compare.RunSummary:
    return compare.summarise(_record)


def run_summary(record: RunRecord) -> compare.RunSummary:
    """A run's row of the comparison table (see `compare.summarise`)."""
    return _summary(record.run_id, record.weights_sha256, record)


@st.cache_data(max_entries=32, show_spinner=False)
def _history(run_id: str, sha: str | None) -> dict:
    return metrics.read_history(run_id)


def run_history(record: RunRecord) -> dict:
    """A finished run's training curves as `metrics.history` lists (its metrics are read once per weights)."""
    return _history(record.run_id, record.weights_sha256)


@st.cache_data(max_entries=8, show_spinner=False)
def _class_timeline(run_id: str, sha: str, _loaded: LoadedRun) -> timeline.ClassTimeline:
    return timeline.per_class_over_training(_loaded, max_images=1000)


def class_timeline(loaded: LoadedRun) -> timeline.ClassTimeline:
    """Per-class accuracy at every snapshot, on the first 1,000 test images."""
    return _class_timeline(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _weight_layers(run_id: str, sha: str, _loaded: LoadedRun) -> list[str]:
    return timeline.weight_layers(_loaded)


def weight_layers(loaded: LoadedRun) -> list[str]:
    """The layers whose weights the snapshots hold (see `timeline.weight_layers`)."""
    return _weight_layers(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _weight_timeline(run_id: str, sha: str, layer: str, _loaded: LoadedRun):
    return timeline.weight_timeline(_loaded, layer)


def weight_timeline(loaded: LoadedRun, layer: str) -> tuple[list[np.ndarray], list[int]]:
    """One layer's flattened weights at every snapshot, and the snapshot steps."""
    return _weight_timeline(loaded.run_id, loaded.sha, layer, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _activation_timeline(run_id: str, sha: str, layer: str, _loaded: LoadedRun):
    probe = _loaded.test_inputs(timeline.PROBE_IMAGES)  # the same images at every snapshot
    return timeline.activation_timeline(_loaded, layer, probe)


def activation_timeline(loaded: LoadedRun, layer: str) -> tuple[list[np.ndarray], list[int]]:
    """One layer's outputs on the first `timeline.PROBE_IMAGES` test images at every snapshot, and the steps."""
    return _activation_timeline(loaded.run_id, loaded.sha, layer, loaded)


@st.cache_data(max_entries=64, show_spinner=False)
def _replay(run_id: str, sha: str, layer: str, index: int, _loaded: LoadedRun):
    return timeline.kernel_replay(_loaded, layer, index)


def kernel_replay(loaded: LoadedRun, layer: str, index: int) -> tuple[np.ndarray, np.ndarray]:
    """A conv layer's kernels at snapshot `index` and their change since snapshot 0 (out, in, kh, kw) each."""
    return _replay(loaded.run_id, loaded.sha, layer, index, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _health(run_id: str, sha: str, _loaded: LoadedRun) -> health.HealthReport:
    return health.check(_loaded.model, _loaded.test_inputs(health.MAX_IMAGES))


def health_report(loaded: LoadedRun) -> health.HealthReport:
    """Dead units and sparsity of the final network's ReLUs on (up to 10,000 of) the test images."""
    return _health(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=8, show_spinner=False)
def _gradients(run_id: str, sha: str) -> health.GradientHistory:
    return health.gradient_history(metrics.read_metrics(run_id, max_steps=metrics.HISTORY_POINTS))


def gradient_history(loaded: LoadedRun) -> health.GradientHistory:
    """The per-layer gradient norms the run logged while training."""
    return _gradients(loaded.run_id, loaded.sha)


@st.cache_data(max_entries=128, show_spinner=False)
def _edited_activations(
    run_id: str,
    sha: str,
    input_key: str,
    layer: str,
    out_ch: int,
    in_ch: int,
    kernel_key: str,
    _loaded: LoadedRun,
    _x,
    _kernel,
) -> dict:
    return hooks.activations(handcrafted.with_kernel(_loaded.model, layer, out_ch, in_ch, _kernel), _x)


def edited_activations(
    loaded: LoadedRun, picked: Picked, layer: str, out_ch: int, in_ch: int, kernel: np.ndarray
) -> dict:
    """Every layer's output for a picked input through a copy of the network with kernel slice [out_ch, in_ch] of
    `layer` replaced by `kernel` (kh, kw) (see `handcrafted.with_kernel`; the run's network is never touched).

    Raises: Invalid for a kernel that cannot be used (`handcrafted.checked_kernel` says why, before any work).
    """
    kernel = handcrafted.checked_kernel(loaded.model, layer, out_ch, in_ch, kernel)
    key = hashlib.sha1(kernel.tobytes()).hexdigest()
    return _edited_activations(
        loaded.run_id, loaded.sha, picked.key, layer, out_ch, in_ch, key, loaded, picked.x, kernel
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _occlusion(
    run_id: str, sha: str, input_key: str, target: int, patch: int, stride: int, _loaded: LoadedRun, _x
) -> np.ndarray:
    return robustness.occlusion_map(_loaded.model, _x, target, patch, stride, robustness.fill_value(_loaded.info))


def occlusion(loaded: LoadedRun, picked: Picked, target: int, patch: int, stride: int) -> np.ndarray:
    """How much hiding each black patch of a picked input lowers p(target): (H', W') (see `robustness`)."""
    return _occlusion(loaded.run_id, loaded.sha, picked.key, target, patch, stride, loaded, picked.x)


# ------------------------------------------------ moment of training: what time travel needs precomputed


@st.cache_data(max_entries=32, show_spinner=False)
def _kernel_range(run_id: str, sha: str, layer: str, _loaded: LoadedRun) -> float:
    states = [_loaded.model.state_dict()] + [_loaded.state_at(s.index) for s in _loaded.snapshots]
    return max(float(np.abs(kernels.of_layer(state, layer)).max()) for state in states) or 1.0


def kernel_range(loaded: LoadedRun, layer: str) -> float:
    """The largest |weight| of a conv layer over all of training: one colour scale for every moment."""
    return _kernel_range(loaded.run_id, loaded.sha, layer, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _training_features(run_id: str, sha: str, at: int | None, _loaded: LoadedRun) -> np.ndarray:
    return mistake.training_features(_loaded.model_at(at), _loaded)


@st.cache_data(max_entries=64, show_spinner=False)
def _story(run_id: str, sha: str, at: int | None, index: int, _loaded: LoadedRun) -> mistake.Story:
    features = _training_features(run_id, sha, at, _loaded)
    return mistake.story(_loaded, index, features, at)


def mistake_story(loaded: LoadedRun, index: int, at: int | None = None) -> mistake.Story:
    """Why the network (at snapshot `at`) got test image `index` wrong: Grad-CAM, top classes, nearest training
    images in its embedding, its answer over training (see `mistake.story`)."""
    with st.spinner(t("Looking for the training images it resembles…")):
        return _story(loaded.run_id, loaded.sha, at, index, loaded)


# ------------------------------------------------ train: live view and the new-run form


@st.cache_data(max_entries=64, show_spinner=False)
def _snapshot_kernels(run_id: str, index: int, step: int, layer: str, max_cols: int, title: str, lang: str):
    k = kernels.of_layer(runs.load_snapshot(run_id, index), layer)  # (out, in, kh, kw)
    fig = (
        figures.kernel_grid_rgb(k, title=title, max_cols=max_cols)
        if k.shape[1] == 3
        else figures.kernel_grid(k[:, 0], title=title, max_cols=max_cols)
    )
    return fig, k.shape[1]


def snapshot_kernels_figure(
    run_id: str, snapshot: dict, layer: str, max_cols: int, title: str
) -> tuple[go.Figure, int] | None:
    """The kernel grid of a conv layer at one snapshot (`runs.list_snapshots` gives them) and its input channels,
    built once per snapshot and language; None when the snapshot cannot be read (the newest one may still be being
    written)."""
    try:  # `step` keys the cache too, so a snapshot index listed again for another step is never stale
        return _snapshot_kernels(
            run_id, snapshot["index"], snapshot["step"], layer, max_cols, title, i18n.current_language()
        )
    except (runs.RunError, ValueError, OSError, SafetensorError):
        return None


@st.cache_data(max_entries=32, show_spinner=False)
def _curves(run_id: str, metrics_version: tuple[int, int] | None, title: str, lang: str) -> go.Figure:
    return figures.training_curves(metrics.read_history(run_id), title=title)


def training_curves_figure(run_id: str, title: str) -> go.Figure:
    """A run's loss and accuracy curves, built again only when its metrics.jsonl has changed."""
    return _curves(run_id, metrics.metrics_version(run_id), title, i18n.current_language())


# ------------------------------------------------ playground and builder: convolution, receptive fields


@st.cache_data(max_entries=8, show_spinner=False)
def colour_picture(content: bytes, side: int) -> images.Picture:
    """An upload as RGB pixels, its longer side at most `side` pixels (see `images.colour_picture`)."""
    return images.colour_picture(content, side)


@st.cache_data(max_entries=64, show_spinner=False)
def _field_confirmed(spec_key: str, layer: str, row: int, col: int) -> bool:
    return receptive.confirmed_by_gradient(arch.ArchSpec.from_json(spec_key), layer, row, col)


def field_confirmed(spec: arch.ArchSpec, layer: str, row: int, col: int) -> bool:
    """Whether backpropagation finds exactly the computed receptive field of a unit (see
    `receptive.confirmed_by_gradient`)."""
    return _field_confirmed(spec.to_json(), layer, row, col)


# ------------------------------------------------ labs: invariance (shifted, turned and scaled test images)


@st.cache_data(max_entries=16, show_spinner=False)
def _invariance_curves(run_id: str, sha: str, _loaded: LoadedRun) -> invariance.Curves:
    return invariance.curves(_loaded.model, _loaded.split)


def invariance_curves(loaded: LoadedRun) -> invariance.Curves:
    """A run's test accuracy with every test image shifted, turned or scaled by each amount (see `invariance`)."""
    return _invariance_curves(loaded.run_id, loaded.sha, loaded)


@st.cache_data(max_entries=16, show_spinner=False)
def _map_similarity(run_id: str, sha: str, _loaded: LoadedRun) -> dict:
    return invariance.map_similarity(_loaded.model, _loaded.split)


def map_similarity(loaded: LoadedRun) -> dict:
    """How alike each conv and pooling layer's maps stay as the test images shift ({layer: (n_shifts,)})."""
    return _map_similarity(loaded.run_id, loaded.sha, loaded)


# ------------------------------------------------ labs: shortcut learning (a watermark on one class)


@st.cache_data(max_entries=8, show_spinner=False)
def _shortcut(marked_id: str, marked_sha: str, control_id: str, control_sha: str, marked_class: int):
    return shortcut.measure_apart(marked_id, control_id, marked_class)


def shortcut_result(marked: runs.RunInfo, control: runs.RunInfo, marked_class: int) -> shortcut.Result:
    """The watermarked run and its control on every test variant, and where Grad-CAM looks (see `shortcut`),
    measured in a process of its own (in the server's interpreter it took ten times as long)."""
    return _shortcut(
        marked.run_id, marked.record.weights_sha256, control.run_id, control.record.weights_sha256, marked_class
    )
