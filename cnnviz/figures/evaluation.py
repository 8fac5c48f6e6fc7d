"""How well a network does: confusion matrices, accuracy per class, class probabilities, labelled heatmaps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .base import ACCENT, GREEN, NEUTRAL, RED, VAL_COLOUR, _array, _finish, _plain, _signed, t

if TYPE_CHECKING:
    from collections.abc import Sequence


def _labels(names, k: int, what: str) -> list[str]:
    names = [_plain(n) for n in names]
    if len(names) != k:
        raise ValueError(f"{what}: expected {k} class names, got {len(names)}")
    return names


def _square_height(k: int) -> int:
    return int(np.clip(40 * k, 260, 640)) + 90


def confusion_matrix(cm: np.ndarray, class_names: Sequence[str], normalize: bool = False, title: str = "") -> go.Figure:
    """Confusion matrix, rows = true class (class 0 at the top), columns = predicted class.

    Args: cm (K, K) int counts; normalize: show row-normalised fractions (as %) instead of counts.
    Returns: one heatmap whose z is the counts, or the row fractions when normalize.
    """
    cm = _array(cm, (2,), "cm")  # (K, K)
    if cm.shape[0] != cm.shape[1]:
        raise ValueError(f"confusion matrix must be square, got shape {cm.shape}")
    names = _labels(class_names, cm.shape[0], "confusion_matrix")
    if normalize:
        z = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)  # empty rows stay at 0 instead of NaN
        text, hover = "%{z:.0%}", "true %{y}<br>predicted %{x}<br>%{z:.1%} of row (%{customdata} images)"
    else:
        z, text, hover = cm, "%{z}", "true %{y}<br>predicted %{x}<br>%{z} images"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=names,
            y=names,
            customdata=cm,
            colorscale="Blues",
            texttemplate=text,
            textfont=dict(size=12 if len(names) <= 12 else 8),
            hoverinfo="skip",
            colorbar=dict(thickness=12, tickformat=".0%" if normalize else None),
        )
    )
    # Streamlit reports no selection for clicks on a heatmap; an invisible marker on every cell makes
    # a click return that cell's (x, y), and carries the hover text.
    k = len(names)
    xs, ys = [names[j] for _ in range(k) for j in range(k)], [names[i] for i in range(k) for _ in range(k)]
    height = _square_height(k)
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            showlegend=False,
            customdata=np.stack([z.reshape(-1), cm.reshape(-1)], axis=1),
            marker=dict(symbol="square", size=max(6, (height - 160) / k * 0.9), opacity=0),
            hovertemplate=hover.replace("%{z", "%{customdata[0]").replace("%{customdata}", "%{customdata[1]}")
            + "<extra></extra>",
        )
    )
    _label_axes(fig, t("predicted"), t("true"))
    # fixed ranges: autorange would pad for the (invisible) markers and push the labels away from the cells
    fig.update_xaxes(range=[-0.5, k - 0.5])
    fig.update_yaxes(range=[k - 0.5, -0.5], autorange=False)
    return _finish(fig, title, height, clickmode="event+select")


def _label_axes(fig: go.Figure, x_title: str, y_title: str) -> None:
    fig.update_xaxes(title_text=x_title, type="category", side="bottom", showgrid=False, constrain="domain")
    fig.update_yaxes(
        title_text=y_title, type="category", autorange="reversed", showgrid=False, scaleanchor="x", constrain="domain"
    )


def confusion_diff(cm_a: np.ndarray, cm_b: np.ndarray, class_names: Sequence[str], title: str = "") -> go.Figure:
    """Difference a - b of two confusion matrices on a diverging scale centred at zero.

    Args: cm_a, cm_b (K, K) int counts.  Returns: one heatmap with z = cm_a - cm_b.
    """
    a, b = _array(cm_a, (2,), "cm_a"), _array(cm_b, (2,), "cm_b")
    if a.shape != b.shape or a.shape[0] != a.shape[1]:
        raise ValueError(f"confusion matrices must be square and the same shape, got {a.shape} and {b.shape}")
    names = _labels(class_names, a.shape[0], "confusion_diff")
    z = a.astype(np.int64) - b.astype(np.int64)
    fig = go.Figure(
        _signed(
            z,
            x=names,
            y=names,
            texttemplate="%{z:+d}",
            showscale=True,
            colorbar=dict(thickness=12),
            hovertemplate="true %{y}<br>predicted %{x}<br>a \u2212 b = %{z:+d}<extra></extra>",
        )
    )
    _label_axes(fig, t("predicted"), t("true"))
    return _finish(fig, title, _square_height(len(names)))


_NAME_ROWS = (1.11, 1.21)  # accuracy-axis heights of the best and worst names: above a 100% bar's value


def per_class_accuracy(acc: np.ndarray, class_names: Sequence[str], title: str = "") -> go.Figure:
    """Accuracy per class as % bars; the best class green, the worst red, both named in annotations.

    Args: acc (K,) in 0..1.
    """
    acc = _array(acc, (1,), "acc").astype(np.float64)  # (K,)
    names = _labels(class_names, len(acc), "per_class_accuracy")
    if not np.isfinite(acc).any():
        raise ValueError("per_class_accuracy: no class has a finite accuracy")
    best, worst = int(np.nanargmax(acc)), int(np.nanargmin(acc))  # NaN = class absent from the data
    colours = [NEUTRAL] * len(acc)
    colours[worst], colours[best] = RED, GREEN  # all equal -> best == worst, shown green
    fig = go.Figure(
        go.Bar(
            x=names,
            y=acc,
            marker_color=colours,
            texttemplate="%{y:.1%}",
            textposition="outside",
            hovertemplate="%{x}: %{y:.2%}<extra></extra>",
        )
    )
    # The names sit in a band above every bar and its value (next to the bar they overlapped a neighbour's value),
    # the worst one a row higher when the two bars are neighbours, so the two names do not overlap either.
    for i, label in ((best, "best"), (worst, "worst")):
        if label == "worst" and worst == best:
            continue
        text = t("best: {name}", name=names[i]) if label == "best" else t("worst: {name}", name=names[i])
        fig.add_annotation(
            x=names[i],
            y=_NAME_ROWS[1] if label == "worst" and abs(worst - best) == 1 else _NAME_ROWS[0],
            yanchor="bottom",
            text=text,
            showarrow=False,
            font=dict(color=GREEN if label == "best" else RED, size=12),
        )
    fig.update_xaxes(type="category", title_text=t("class"))
    ticks = [0, 0.2, 0.4, 0.6, 0.8, 1.0]  # no tick above 100% in the room left for the names
    fig.update_yaxes(range=[0, 1.32], tickvals=ticks, tickformat=".0%", title_text=t("accuracy"))
    return _finish(fig, title, 380, showlegend=False)


def probability_bars(
    probs: np.ndarray, class_names: Sequence[str], true_label: int | None = None, title: str = ""
) -> go.Figure:
    """Horizontal bars of class probabilities, class 0 at the top; prediction coloured, true class marked.

    Args: probs (K,) summing to 1; true_label index of the true class or None.  Colours: predicted class
    green when right (or no label given: accent blue), red when wrong; the true class gets "\u2190 true".
    """
    p = _array(probs, (1,), "probs").astype(np.float64)  # (K,)
    names = _labels(class_names, len(p), "probability_bars")
    pred = int(np.argmax(p))
    if true_label is not None and not 0 <= int(true_label) < len(p):
        raise ValueError(f"true_label {true_label} is not a class index in 0..{len(p) - 1}")
    colours, text = [NEUTRAL] * len(p), [f"{v:.1%}" for v in p]
    colours[pred] = ACCENT if true_label is None else (GREEN if int(true_label) == pred else RED)
    if true_label is not None:
        text[int(true_label)] += "  \u2190 " + t("true")
    fig = go.Figure(
        go.Bar(
            x=p,
            y=names,
            orientation="h",
            marker_color=colours,
            text=text,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.2%}<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 1.25], tickvals=[0, 0.25, 0.5, 0.75, 1], tickformat=".0%", title_text=t("probability"))
    fig.update_yaxes(type="category", autorange="reversed")
    return _finish(fig, title, int(np.clip(28 * len(p), 200, 700)) + 90, showlegend=False)


def logits_to_probabilities(
    logits: np.ndarray, probs: np.ndarray, class_names: Sequence[str], true_label: int | None = None, title: str = ""
) -> go.Figure:
    """Two bar panels, one row per class: the last layer's scores (logits, any sign), then their softmax.

    Args: logits (K,); probs (K,) summing to 1; true_label index of the true class or None. The predicted class
    is coloured as in `probability_bars` in both panels, so the eye follows one class from score to probability.
    """
    z = _array(logits, (1,), "logits").astype(np.float64)  # (K,)
    p = _array(probs, (1,), "probs").astype(np.float64)  # (K,)
    if z.shape != p.shape:
        raise ValueError(f"logits_to_probabilities: {len(z)} logits but {len(p)} probabilities")
    names = _labels(class_names, len(p), "logits_to_probabilities")
    pred = int(np.argmax(p))
    colours = [NEUTRAL] * len(p)
    colours[pred] = ACCENT if true_label is None else (GREEN if int(true_label) == pred else RED)
    marks = ["  \u2190 " + t("true") if true_label is not None and i == int(true_label) else "" for i in range(len(p))]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.12,
        subplot_titles=[_plain(t("scores (logits)")), _plain(t("softmax: probabilities"))],
    )
    fig.add_trace(
        go.Bar(
            x=z,
            y=names,
            orientation="h",
            marker_color=colours,
            cliponaxis=False,
            text=[f"{v:.2f}".replace("-", "\u2212") for v in z],
            textposition="outside",
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Bar(
            x=p,
            y=names,
            orientation="h",
            marker_color=colours,
            cliponaxis=False,
            text=[f"{v:.1%}{m}" for v, m in zip(p, marks)],
            textposition="outside",
            hovertemplate="%{y}: %{x:.2%}<extra></extra>",
        ),
        1,
        2,
    )
    pad = 0.5 * (float(np.abs(z).max()) or 1.0)  # room for the value printed beyond each bar's end
    fig.update_xaxes(range=[min(0.0, float(z.min())) - pad, max(0.0, float(z.max())) + pad], row=1, col=1)
    fig.update_xaxes(range=[0, 1.7], tickvals=[0, 0.5, 1], tickformat=".0%", row=1, col=2)
    fig.update_yaxes(type="category", autorange="reversed")
    return _finish(fig, title, int(np.clip(28 * len(p), 200, 700)) + 110, showlegend=False)


def per_class_against(
    acc: np.ndarray,
    reference: np.ndarray,
    class_names: Sequence[str],
    names: tuple[str, str] = ("yours", "reference"),
    title: str = "",
) -> go.Figure:
    """Accuracy per class of a run beside a reference (the source lesson's numbers), as grouped % bars.

    Args: acc (K,), reference (K,) in 0..1 (NaN where unknown); names the two legend entries.
    """
    a = _array(acc, (1,), "acc").astype(np.float64)  # (K,)
    r = _array(reference, (1,), "reference").astype(np.float64)  # (K,)
    if a.shape != r.shape:
        raise ValueError(f"per_class_against: {len(a)} accuracies against {len(r)} reference values")
    labels = _labels(class_names, len(a), "per_class_against")
    fig = go.Figure(
        [
            go.Bar(
                x=labels,
                y=v,
                name=_plain(n),
                marker_color=c,
                texttemplate="%{y:.1%}",
                textposition="outside",
                textangle=-90,
                hovertemplate=f"{_plain(n)}: %{{y:.2%}}<extra></extra>",
            )
            for v, n, c in ((a, names[0], ACCENT), (r, names[1], NEUTRAL))
        ]
    )
    low = float(np.nanmin(np.concatenate([a, r])))
    fig.update_xaxes(type="category", title_text=t("class"))
    fig.update_yaxes(range=[max(0.0, low - 0.1), 1.04], tickformat=".0%", title_text=t("accuracy"))
    return _finish(fig, title, 380, barmode="group", legend=dict(orientation="h", y=-0.25))


def heatmap(
    matrix: np.ndarray,
    x_labels: Sequence[object],
    y_labels: Sequence[object],
    title: str = "",
    colorscale: str = "Viridis",
    zmid: float | None = None,
    text_fmt: str | None = None,
) -> go.Figure:
    """Generic labelled heatmap, first row at the top.

    Args: matrix (R, C); x_labels C strings; y_labels R strings; zmid centre of a diverging scale;
    text_fmt d3 format of the printed values (e.g. ".2f", ".0%"), None prints nothing.
    """
    z = _array(matrix, (2,), "matrix")  # (R, C)
    xs, ys = [str(v) for v in x_labels], [str(v) for v in y_labels]
    if (len(ys), len(xs)) != z.shape:
        raise ValueError(f"heatmap: matrix shape {z.shape} but {len(ys)} y labels and {len(xs)} x labels")
    opts = dict(zmid=zmid) if zmid is not None else {}
    if text_fmt:
        opts.update(texttemplate=f"%{{z:{text_fmt}}}", textfont=dict(size=11))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=xs,
            y=ys,
            colorscale=colorscale,
            colorbar=dict(thickness=12),
            hovertemplate="%{y} / %{x}<br>%{z:.4g}<extra></extra>",
            **opts,
        )
    )
    fig.update_xaxes(type="category", showgrid=False)
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
    return _finish(fig, title, int(np.clip(30 * len(ys), 200, 700)) + 110)


def grouped_accuracy(categories: Sequence[str], series: dict, title: str = "") -> go.Figure:
    """Accuracies of a few networks on a few test sets as grouped % bars: one group per test set, one colour per
    network (the first accent blue, the second orange, then grey).

    Args: categories the test sets' names (K,); series {network name: (K,) accuracies in 0..1}.
    """
    labels = [_plain(c) for c in categories]
    if not series:
        raise ValueError("grouped_accuracy: no network to show")
    colours = [ACCENT, VAL_COLOUR] + [NEUTRAL] * len(series)
    bars = []
    for (name, values), colour in zip(series.items(), colours):
        v = _array(values, (1,), "values").astype(np.float64)  # (K,)
        if len(v) != len(labels):
            raise ValueError(f"grouped_accuracy: {len(labels)} test sets but {len(v)} accuracies for {name!r}")
        bars.append(
            go.Bar(
                x=labels,
                y=v,
                name=_plain(name),
                marker_color=colour,
                texttemplate="%{y:.0%}",
                textposition="outside",
                cliponaxis=False,
                hovertemplate=f"{_plain(name)}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
            )
        )
    fig = go.Figure(bars)
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%", title_text=t("accuracy"))
    return _finish(fig, title, 360, barmode="group", legend=dict(orientation="h", y=-0.18))
