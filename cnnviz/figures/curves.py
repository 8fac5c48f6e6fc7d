"""Numbers over time: training curves, runs compared, accuracy against a setting, loss per step, histograms."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.colors as pcolors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..i18n import N_
from .base import ACCENT, TRAIN_COLOUR, VAL_COLOUR, _array, _empty, _finish, _plain, t

if TYPE_CHECKING:
    from collections.abc import Sequence


def _points(history: dict, x_key: str, y_key: str) -> tuple[list, list]:
    """(x, y) pairs of a history where both are present (None marks a metric not logged at that step)."""
    xs, ys = (list(history.get(k) if history.get(k) is not None else []) for k in (x_key, y_key))
    if len(ys) and len(xs) != len(ys):
        raise ValueError(f"history[{y_key!r}] has {len(ys)} points but history[{x_key!r}] has {len(xs)}")
    pairs = [(x, y) for x, y in zip(xs, ys) if x is not None and y is not None]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def training_curves(history: dict, title: str = "") -> go.Figure:
    """Loss and accuracy vs (fractional) epoch, train and validation, side by side.

    Args: history dict of lists: step, epoch, train_loss and optional val_loss, train_acc, val_acc
    (None entries are skipped).  Returns: figure with one trace per metric that has points.
    """
    for key in ("epoch", "train_loss"):
        if key not in history:
            raise ValueError(f"history needs a {key!r} list, got keys {sorted(history)}")
    fig = make_subplots(rows=1, cols=2, subplot_titles=[t("loss"), t("accuracy")], horizontal_spacing=0.1)
    for col, metric in ((1, "loss"), (2, "acc")):
        for split, colour in (("train", TRAIN_COLOUR), ("val", VAL_COLOUR)):
            x, y = _points(history, "epoch", f"{split}_{metric}")
            if not y:
                continue
            name = t("train") if split == "train" else t("validation")
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    name=name,
                    legendgroup=name,
                    mode="lines+markers" if len(y) < 30 else "lines",
                    line=dict(color=colour, width=2),
                    marker=dict(size=5),
                    showlegend=not any(trace.name == name for trace in fig.data),
                    hovertemplate=f"{name} {metric}<br>epoch %{{x:.2f}}<br>%{{y:.4g}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text=t("epoch"))
    fig.update_yaxes(title_text=t("loss"), row=1, col=1)
    fig.update_yaxes(title_text=t("accuracy"), tickformat=".0%", row=1, col=2)
    return _finish(fig, title, 380, legend=dict(orientation="h", y=-0.2, x=0.5, xanchor="center"), margin=dict(b=70))


METRIC_NAMES = {
    "train_loss": N_("training loss"),
    "val_loss": N_("validation loss"),
    "train_acc": N_("training accuracy"),
    "val_acc": N_("validation accuracy"),
}


def compare_curves(histories: dict, metric: str = "val_acc", title: str = "") -> go.Figure:
    """One metric of several runs overlaid against epoch.

    Args: histories {run label: history dict as in training_curves}; metric a history key.
    """
    fig = go.Figure()
    palette = pcolors.qualitative.D3
    for i, (label, hist) in enumerate(histories.items()):
        x, y = _points(hist, "epoch", metric)
        if y:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    name=str(label),
                    mode="lines+markers" if len(y) <= 12 else "lines",
                    line=dict(color=palette[i % len(palette)], width=2),
                    hovertemplate=f"{label}<br>epoch %{{x:.2f}}<br>{metric} %{{y:.4g}}<extra></extra>",
                )
            )
    if not fig.data:
        return _empty(title, t("no run has logged {metric}", metric=metric))
    fig.update_xaxes(title_text=t("epoch"))
    fig.update_yaxes(
        title_text=t(METRIC_NAMES[metric]) if metric in METRIC_NAMES else metric.replace("_", " "),
        tickformat=".0%" if metric.endswith("acc") else None,
    )
    return _finish(fig, title, 400, hovermode="x unified" if len(fig.data) <= 6 else "closest")


def _lines_against(xs, series: dict, x_title: str, what: str, hover: str, title: str) -> go.Figure:
    """One line per named series of values against one setting's values `xs` (`what` names them in errors)."""
    fig = go.Figure()
    palette = pcolors.qualitative.D3
    for i, (name, ys) in enumerate(series.items()):
        y = _array(ys, (1,), what).astype(np.float64)
        if len(y) != len(xs):
            raise ValueError(f"{len(xs)} settings but {len(y)} {what} for {name}")
        fig.add_trace(
            go.Scatter(
                x=list(xs),
                y=y,
                name=_plain(name),
                mode="lines+markers",
                line=dict(color=palette[i % len(palette)], width=2),
                hovertemplate=f"{_plain(name)}: %{{y:{hover}}}<extra></extra>",
            )
        )
    fig.update_xaxes(title_text=_plain(x_title))
    return _finish(fig, title, 360, hovermode="x unified")


def accuracy_against(xs: Sequence[float], series: dict, x_title: str, title: str = "") -> go.Figure:
    """Accuracy (0..1) of several networks against one setting (a shift, a noise level), one line each.

    Args: xs the setting's values; series {name: accuracies, one per x}.
    """
    fig = _lines_against(xs, series, x_title, "accuracies", ".1%", title)
    return fig.update_yaxes(title_text=t("accuracy"), range=[0, 1.02], tickformat=".0%")


def similarity_against(xs: Sequence[float], series: dict, x_title: str, title: str = "") -> go.Figure:
    """Cosine similarity (1 = unchanged) of several layers' maps against one setting (a shift), one line each.

    Args: xs the setting's values; series {layer name: one similarity per x}.
    """
    fig = _lines_against(xs, series, x_title, "similarities", ".2f", title)
    lowest = min([0.0] + [float(np.min(v)) for v in series.values()])  # similarities can fall below 0
    return fig.update_yaxes(title_text=t("cosine similarity with the unmoved maps"), range=[lowest - 0.02, 1.02])


def similarity_cascade(stages: Sequence[str], series: dict, title: str = "") -> go.Figure:
    """How alike each method's map stays to its trained one (rank correlation, 1 = the same) as the network is
    randomised stage by stage. Args: stages the x labels (the first is the trained network); series
    {method name: one correlation per stage}."""
    labels = [_plain(s) for s in stages]
    fig = go.Figure()
    palette = pcolors.qualitative.D3
    for i, (name, ys) in enumerate(series.items()):
        y = _array(ys, (1,), "correlations").astype(np.float64)
        if len(y) != len(labels):
            raise ValueError(f"similarity_cascade: {len(labels)} stages but {len(y)} values for {name}")
        fig.add_trace(
            go.Scatter(
                x=labels,
                y=y,
                name=_plain(name),
                mode="lines+markers",
                line=dict(color=palette[i % len(palette)], width=2),
                hovertemplate=f"{_plain(name)}: %{{y:.2f}}<extra></extra>",
            )
        )
    fig.update_xaxes(type="category", title_text=t("randomised up to this layer (from the output side)"))
    fig.update_yaxes(title_text=t("rank correlation with the trained map"), range=[-1.05, 1.05])
    return _finish(fig, title, 380, hovermode="x unified")


def loss_steps(losses: np.ndarray | Sequence[float], title: str = "") -> go.Figure:
    """The loss after each step of gradient descent (step 0 = before any), on a log scale when it spans decades."""
    y = _array(losses, (1,), "losses").astype(np.float64)  # (S,)
    fig = go.Figure(
        go.Scatter(
            x=list(range(len(y))),
            y=y,
            mode="lines+markers",
            line=dict(color=ACCENT),
            hovertemplate=t("step") + " %{x}: %{y:.4g}<extra></extra>",
        )
    )
    positive = y[np.isfinite(y) & (y > 0)]
    log = positive.size > 1 and positive.max() / positive.min() > 100
    fig.update_xaxes(title_text=t("step"), rangemode="tozero")
    fig.update_yaxes(title_text=t("loss"), type="log" if log else "linear")
    return _finish(fig, title, 260, showlegend=False)


def histogram_timeline(
    values_per_step: Sequence[np.ndarray], steps: Sequence[int], title: str = "", moment_step: int | None = None
) -> go.Figure:
    """Histograms of a value (weights, activations) over snapshots as one heatmap with common bins.

    Args: values_per_step T 1-D arrays; steps T snapshot steps; moment_step: the step the other screens show,
    outlined.  Returns: heatmap z (bins, T) of counts.
    """
    values = [np.asarray(v, dtype=np.float64).ravel() for v in values_per_step]
    steps = list(steps)
    if len(values) != len(steps):
        raise ValueError(f"histogram_timeline: {len(values)} value arrays but {len(steps)} steps")
    finite = [v[np.isfinite(v)] for v in values]
    if not values or not any(v.size for v in finite):
        raise ValueError("histogram_timeline needs at least one non-empty array of finite values")
    lo, hi = min(v.min() for v in finite if v.size), max(v.max() for v in finite if v.size)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, 41)  # common bins so columns are comparable
    z = np.stack([np.histogram(v, bins=edges)[0] for v in finite], axis=1)  # (bins, T)
    centres = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=steps,
            y=centres,
            colorscale="Viridis",
            colorbar=dict(thickness=12, title=t("count")),
            hovertemplate="step %{x}<br>value \u2248 %{y:.3g}<br>count %{z}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=t("step"), type="category" if len(steps) <= 12 else "-")
    fig.update_yaxes(title_text=t("value"))
    if moment_step in steps:  # the moment of training shown: a frame around its column
        i = steps.index(moment_step)
        x0, x1 = (
            (i - 0.5, i + 0.5)
            if len(steps) <= 12
            else ((steps[max(i - 1, 0)] + moment_step) / 2, (steps[min(i + 1, len(steps) - 1)] + moment_step) / 2)
        )
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=edges[0], y1=edges[-1], line=dict(color="#ff7f0e", width=2))
    return _finish(fig, title, 380)


def answer_over_training(
    steps: np.ndarray,
    true_probability: np.ndarray,
    chosen_probability: np.ndarray,
    chosen_names: Sequence[str],
    true_name: str,
    moment_step: int | None = None,
    title: str = "",
) -> go.Figure:
    """One image's answer at each moment of training: the probability of its true class and of the class chosen.

    Args: steps (S,); true_probability, chosen_probability (S,) in 0..1; chosen_names (S,) the class chosen at each
    step (shown on hover); moment_step: the step shown on the other screens, marked by a dotted line.
    """
    x = _array(steps, (1,), "steps")
    p_true = _array(true_probability, (1,), "true_probability").astype(np.float64)
    p_chosen = _array(chosen_probability, (1,), "chosen_probability").astype(np.float64)
    if not len(x) == len(p_true) == len(p_chosen) == len(chosen_names):
        raise ValueError(
            f"answer_over_training: {len(x)} steps but {len(p_true)}, {len(p_chosen)} probabilities "
            f"and {len(chosen_names)} names"
        )
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=p_true,
            name=t("true class: {name}", name=_plain(true_name)),
            mode="lines+markers",
            line=dict(color=TRAIN_COLOUR, width=2),
            hovertemplate=t("step %{x}: %{y:.1%}") + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=p_chosen,
            name=t("class chosen"),
            mode="lines+markers",
            line=dict(color=VAL_COLOUR, width=2),
            text=[_plain(n) for n in chosen_names],
            hovertemplate=t("step %{x}: %{text} at %{y:.1%}") + "<extra></extra>",
        )
    )
    if moment_step is not None:
        fig.add_vline(x=moment_step, line=dict(color="#888", dash="dot", width=1.5))
    fig.update_xaxes(title_text=t("training step"))
    fig.update_yaxes(title_text=t("probability"), range=[0, 1.02], tickformat=".0%")
    return _finish(fig, title, 300, hovermode="x unified", legend=dict(orientation="h", y=1.12, x=0))
