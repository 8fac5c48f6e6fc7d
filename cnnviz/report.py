"""A finished run as one HTML page that opens offline: its settings, curves, first-layer kernels, confusion matrix,
per-class accuracy and most confident mistakes, in English or Chinese (`python -m cnnviz export --report`, the
Train screen)."""

from __future__ import annotations

import base64
import html
import io
import time

import numpy as np
from PIL import Image

from . import __version__, data, evaluate, figures, i18n, kernels, metrics
from .export import finished_run
from .i18n import DEFAULT, language, translate
from .loaded import LoadedRun
from .presets import PRESETS
from .record import RunRecord

MISTAKES = 16  # the most confident mistakes shown

REPORT_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.45; }
h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .8em 0; }
th, td { padding: .25em .8em; border-bottom: 1px solid #eee; text-align: left; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
tfoot td { font-weight: bold; }
.mistakes { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; width: 110px; text-align: center; font-size: 12px; }
figure img { width: 84px; image-rendering: pixelated; border: 1px solid #ccc; }
footer { margin-top: 3em; color: #888; font-size: 13px; }
"""


def report(run_id: str, lang: str = DEFAULT) -> str:
    """A finished run as one HTML page in `lang`: its settings, training curves, first-layer kernels, confusion
    matrix, per-class accuracy and most confident mistakes.

    The page opens from a file, with no server and no network: plotly.js is inside it once, the images are data
    URIs and the style is inline. Every name that comes from the run (ids, titles, class names) is escaped: a
    run.json or a folder name can hold anything.

    Raises:
        RunError for an unknown, damaged or unfinished run; DatasetError when its data cannot be read.
    """
    record = finished_run(run_id).record

    def tr(text, **values):  # the page's own words (named like the pages' t, so the translation scan finds them)
        return translate(text, lang, **values)

    loaded = LoadedRun.open(run_id)
    ev = evaluate.evaluate(loaded.model, loaded.split, loaded.classes)
    names = [str(c) for c in ev.class_names]
    plotted = 0

    def plot(fig) -> str:
        """A figure's div; plotly.js (4.8 MB) goes in with the first one only. No Plotly logo: it links out."""
        nonlocal plotted
        plotted += 1
        return fig.to_html(full_html=False, include_plotlyjs=plotted == 1, config={"displaylogo": False})

    with language(lang):  # the figures' titles and axes in the report's language
        page = [
            *_curves(run_id, tr, plot),
            *_kernels(loaded, tr, plot),
            *_confusion(ev, names, tr, plot),
            *_per_class(ev, names, tr, plot),
        ]
    page += _mistakes(ev, loaded.split.x_test, names, tr)
    return _document(run_id, record, ev, page, lang, tr)


def _curves(run_id: str, tr, plot) -> list[str]:
    """The training curves, with how to read them."""
    return [
        f"<h2>{html.escape(tr('Training curves'))}</h2>",
        _para(
            tr(
                "Left the loss, right the accuracy, against the epoch (1 epoch = one pass over the "
                "training images). Blue is measured on the training images, orange on the validation "
                "images held back; the loss should fall and the accuracy rise, and a growing gap between "
                "blue and orange is a sign of overfitting."
            )
        ),
        plot(figures.training_curves(metrics.read_history(run_id))),
    ]


def _kernels(loaded: LoadedRun, tr, plot) -> list[str]:
    """The first convolution layer's kernels after training, or why there are none."""
    section = [f"<h2>{html.escape(tr('First-layer kernels'))}</h2>"]
    convs = kernels.conv_layers(loaded.spec)
    if not convs:
        return [*section, _para(tr("This network has no convolution layer, so it has no kernels to show."))]
    learned = kernels.of_layer(loaded.model, convs[0])  # (out, in, kh, kw)
    title = tr("{layer} after training", layer=convs[0])
    if learned.shape[1] == 3:  # as the Kernels screen first shows them: colour kernels as pictures
        return [
            *section,
            _para(
                tr(
                    "Each square is one kernel of the first layer, drawn as a tiny colour picture: "
                    "its red, green and blue slices become the picture's three colours, stretched to "
                    "the kernel's own range. Bright parts are its largest weights and dark parts its "
                    "lowest; a coloured blob means it reacts to that colour, a light-dark stripe to "
                    "an edge."
                )
            ),
            plot(figures.kernel_grid_rgb(learned, title=title)),
        ]
    return [  # grey images: the one input channel, all kernels on one colour scale
        *section,
        _para(
            tr(
                "Each square is one kernel, one cell per weight: blue is a positive weight, red a "
                "negative one, white zero. All kernels share one colour scale (the bar on the "
                "right), so the same colour means the same weight in every kernel."
            )
        ),
        plot(figures.kernel_grid(learned[:, 0], shared_scale=True, title=title)),
    ]


def _confusion(ev: evaluate.Evaluation, names: list[str], tr, plot) -> list[str]:
    """The one-sentence result and the confusion matrix."""
    return [
        f"<h2>{html.escape(tr('Confusion matrix'))}</h2>",
        _para(evaluate.report(ev, tr=tr)),
        _para(
            tr(
                "Rows are the true classes, columns what the network said. The diagonal is right; every "
                "other cell is one kind of mistake."
            )
        ),
        plot(figures.confusion_matrix(ev.confusion, names)),
    ]


def _per_class(ev: evaluate.Evaluation, names: list[str], tr, plot) -> list[str]:
    """Accuracy per class, as a table and as a chart."""
    return [
        f"<h2>{html.escape(tr('Accuracy per class'))}</h2>",
        _class_table(ev, tr),
        _para(
            tr(
                "One bar per class: the share of that class's test images the network got right. The best "
                "class is green and the worst red; a short bar is a class the network finds hard."
            )
        ),
        plot(figures.per_class_accuracy(ev.per_class_accuracy, names)),
    ]


def _mistakes(ev: evaluate.Evaluation, x_test, names: list[str], tr) -> list[str]:
    """The most confident mistakes as captioned pictures, or that there were none."""
    esc = html.escape
    section = [f"<h2>{esc(tr('Misclassified test images'))}</h2>"]
    wrong = evaluate.mistakes(ev, limit=MISTAKES)
    if not wrong:
        return [*section, _para(tr("No test image was misclassified."))]
    section += [
        _para(
            tr(
                "Test images the network got wrong, the most confident mistakes first. Each caption reads "
                "true class → predicted class, with the network's probability for its wrong answer in "
                "brackets."
            )
        ),
        '<div class="mistakes">',
    ]
    for i, image in zip(wrong, x_test[wrong].numpy()):  # uint8 (C, H, W)
        caption = esc(
            tr(
                "true {true} → {pred} ({conf:.0%})",
                true=names[ev.labels[i]],
                pred=names[ev.predictions[i]],
                conf=float(ev.confidence[i]),
            )
        )
        section.append(
            f'<figure><img src="{_png_data_uri(image)}" alt="{caption}"><figcaption>{caption}</figcaption></figure>'
        )
    return [*section, "</div>"]


def _document(run_id: str, record: RunRecord, ev: evaluate.Evaluation, page: list[str], lang: str, tr) -> str:
    """The whole HTML page: head and style, the title and the run's facts, the sections, the footer."""
    esc = html.escape
    footer = tr("Written by cnnviz {version} on {date}.", version=__version__, date=time.strftime("%Y-%m-%d %H:%M"))
    title = tr("Run report: {run}", run=run_id)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{esc(lang)}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title>",
            f"<style>{REPORT_CSS}</style>",
            "</head>",
            "<body>",
            f"<h1>{esc(title)}</h1>",
            _header_table(record, ev, tr),
            *page,
            f"<footer>{esc(footer)}</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _para(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _header_table(record: RunRecord, ev: evaluate.Evaluation, tr) -> str:
    """The run's facts, one row each; rows the run.json lacks (an older run's versions) are left out."""
    config, name, preset = record.config, record.dataset, record.preset
    accuracy, seconds, versions = record.test_accuracy, record.train_seconds, record.versions
    rows = [
        (tr("Run"), record.run_id),
        (tr("Dataset"), tr(data.DATASETS[name].title) if name in data.DATASETS else record.dataset_title or name),
        (tr("Network"), tr(PRESETS[preset].title) if preset in PRESETS else record.spec.name),
        (tr("Parameters"), f"{record.params:,}" if record.params is not None else None),
        (tr("Optimiser"), config.optimizer),
        (tr("Learning rate"), f"{config.learning_rate:g}"),
        (tr("Batch size"), config.batch_size),
        (tr("Epochs"), config.epochs),
        (tr("Seed"), config.seed),
        (tr("Test accuracy"), f"{accuracy:.2%}" if accuracy is not None else None),
        (tr("Test loss"), f"{ev.loss:.4f}"),
        (tr("Training time"), i18n.duration(seconds, tr) if seconds is not None else None),
        (tr("Date"), (record.created or "")[:16].replace("T", " ") or None),  # 2025-06-01T14:03:59+0200
        ("cnnviz", versions.get("cnnviz")),
        ("PyTorch", versions.get("torch")),
    ]
    cells = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(value))}</td></tr>"
        for label, value in rows
        if value is not None
    )
    return f'<table class="facts">{cells}</table>'


def _class_table(ev: evaluate.Evaluation, tr) -> str:
    """Class, test images, right answers and accuracy, one row per class and the total below."""
    support, correct = ev.confusion.sum(1), np.diag(ev.confusion)

    def row(cells: list[str]) -> str:  # the first cell a name, the others numbers (right-aligned)
        return (
            "<tr>" + "".join(f'<td class="n">{c}</td>' if i else f"<td>{c}</td>" for i, c in enumerate(cells)) + "</tr>"
        )

    def percent(a: float) -> str:
        return f"{a:.2%}" if np.isfinite(a) else "–"  # NaN: a class without test images

    head = "".join(
        f"<th>{html.escape(h)}</th>" for h in (tr("Class"), tr("Test images"), tr("Correct"), tr("Accuracy"))
    )
    body = "".join(
        row([html.escape(name), f"{n:,}", f"{c:,}", percent(a)])
        for name, n, c, a in zip(ev.class_names, support, correct, ev.per_class_accuracy)
    )
    total = row([html.escape(tr("All classes")), f"{ev.n_test:,}", f"{ev.n_test - ev.n_wrong:,}", percent(ev.accuracy)])
    return f'<table class="classes"><thead><tr>{head}</tr></thead><tbody>{body}</tbody><tfoot>{total}</tfoot></table>'


def _png_data_uri(image: np.ndarray) -> str:
    """A uint8 image (C, H, W) as a PNG data URI: the page carries its pictures inside it."""
    picture = image[0] if image.shape[0] == 1 else np.ascontiguousarray(image.transpose(1, 2, 0))
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
