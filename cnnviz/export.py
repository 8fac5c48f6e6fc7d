"""Export a finished run as a standalone PyTorch script (`script`) that trains the same network, data, settings
and seed again, with no cnnviz (the one-page HTML report is `report.py`).

The script is one template (`export_templates.TEMPLATE`, read top to bottom like the script itself) with the
run's values filled in. Two parts are written per run: `load_data`, one of four small loaders (`LOADERS`) chosen
by where the run's dataset lives, and `build_model`, one line per module of the run's own network (`arch.build`),
so the names, order and arguments cannot drift from what the run trained. The loop copies `train._loop` step for
step (the seeds, the validation hold-out, the batch order, the schedule), so on the same machine it reproduces the
run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from string import Template
from urllib.parse import parse_qs

import numpy as np
from torch import nn

from . import data, runs
from .arch import ArchSpec, build, count_torch_params, infer_shapes
from .export_templates import (
    AUGMENT_CODE,
    FIRST_LAYER_CODE,
    IMAGES_CODE,
    LOADERS,
    OPTIMIZER_CODE,
    SCHEDULE_CODE,
    STDLIB,
    TEMPLATE,
    THIRD_PARTY,
)
from .i18n import Message
from .kernel_catalogue import handcrafted_bank


def script(run_id: str) -> str:
    """The text of a standalone PyTorch script that trains a finished run's network again.

    Raises:
        RunError for an unknown, damaged or unfinished run; DatasetError when its image folder is gone.
    """
    record = finished_run(run_id).record
    config, spec = record.config, record.spec
    dataset = data.get_info(record.dataset)
    data_path, (stdlib, third_party, load_data) = _data_source(record.dataset, list(record.classes))
    handcrafted = config.first_layer == "handcrafted"
    accuracy = record.test_accuracy
    return TEMPLATE.substitute(
        run_id=run_id,
        dataset=_doc_text(record.dataset),
        dataset_title=_doc_text(dataset.title),
        n_train=f"{record.train_images or 0:,}",
        n_val=f"{record.val_images or 0:,}",
        network=_doc_text(record.name),
        params=f"{count_torch_params(build(spec)):,}",
        optimizer=config.optimizer,
        lr=f"{config.learning_rate:g}",
        schedule="one-cycle schedule" if config.schedule == "onecycle" else "constant",
        batch_size=config.batch_size,
        epochs=config.epochs,
        seed=config.seed,
        first_layer_note=(", first layer handcrafted and frozen" if handcrafted else "")
        + (", every batch shifted and turned a little" if config.augment else ""),
        accuracy=f"{accuracy} ({accuracy:.2%})" if accuracy is not None else "-",
        imports=_imports(stdlib, third_party),
        data_path=repr(data_path),
        mean=repr(tuple(dataset.mean)),
        std=repr(tuple(dataset.std)),
        val_fraction=repr(config.val_fraction),
        learning_rate=repr(config.learning_rate),
        device=repr(record.device or "cpu"),
        images=IMAGES_CODE,
        load_data=load_data,
        layers=_layers(spec),
        first_layer_code=_first_layer_code(spec) if handcrafted else "",
        first_layer_call="\n    fix_first_layer(model)" if handcrafted else "",
        augment_code=AUGMENT_CODE if config.augment else "",
        moves_line=(
            "\n    moves = torch.Generator().manual_seed(SEED + 2)  # each batch's random shifts and turns"
            if config.augment
            else ""
        ),
        batch="augment(x_train[idx], moves)" if config.augment else "x_train[idx]",
        optimizer_code=OPTIMIZER_CODE[config.optimizer],
        schedule_code=SCHEDULE_CODE[config.schedule],
    )


def finished_run(run_id: str) -> runs.RunInfo:
    """The run, if it finished; RunError for an unknown, damaged or unfinished one (its weights are not final)."""
    info = runs.read_run(run_id)
    if info.damaged:
        raise runs.RunError("run {run_id} is damaged: {reason}", run_id=run_id, reason=info.damaged)
    if info.status != "finished":
        raise runs.RunError(
            "run {run_id} is {status}: only a finished run can be exported", run_id=run_id, status=Message(info.status)
        )
    if info.record.config is None:
        raise runs.RunError("run {run_id} does not record its training setup, so it cannot be repeated", run_id=run_id)
    return info


def _doc_text(text: str) -> str:
    """A name for the docstring, escaped: a folder's path or a network's name may hold backslashes or quotes."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _imports(stdlib: list[str], third_party: list[str]) -> str:
    """The script's imports: the standard library, then the rest, each group as isort orders it."""

    def ordered(lines):
        return sorted(lines, key=lambda line: (line.startswith("from"), line.split()[1].lower()))

    return "\n".join(ordered(STDLIB + stdlib)) + "\n\n" + "\n".join(ordered(THIRD_PARTY + third_party))


def _data_source(name: str, classes: list[str]) -> tuple[str, tuple[list[str], list[str], str]]:
    """(where the run's data lives on this machine, its loader: (standard imports, other imports, code))."""
    root = data.data_dir().resolve()
    if name == "mnist-sample":
        return str((data.ASSETS / "mnist_sample.npz").resolve()), LOADERS["npz"]
    if name in ("mnist", "fashion-mnist"):
        stdlib, third_party, code = LOADERS["torchvision"]
        cls = "MNIST" if name == "mnist" else "FashionMNIST"
        return str(root), (stdlib, third_party, Template(code).substitute(cls=cls, title=data.DATASETS[name].title))
    if name == "cifar10" and not (root / "cifar10-jpg" / "train").is_dir():
        return str(root), LOADERS["cifar"]
    if name == "cifar10":  # its image-folder copy, which data.py reads as 32x32 colour images
        folder, size, channels = root / "cifar10-jpg", 32, 3
    elif name.startswith("mine:"):  # a made dataset: an image folder whose class folders are c0, c1, ...
        made = data.made_dataset(name)
        folder, size, channels, classes = made.folder, made.size, made.channels, list(made.folders)
    else:  # "folder:<path>?size=S&channels=C", as the run stored it
        path, _, query = name[len("folder:") :].partition("?")
        options = {k: v[-1] for k, v in parse_qs(query).items()}
        folder, size, channels = Path(path), int(options["size"]), int(options["channels"])
    stdlib, third_party, code = LOADERS["folder"]
    return str(folder), (
        stdlib,
        third_party,
        Template(code).substitute(size=size, channels=channels, classes=repr(classes)),
    )


def _layers(spec: ArchSpec) -> str:
    """One `("name", nn.Module(...)),` line per module of the run's network as `arch.build` makes it (a module's
    repr is the call that makes it), with each layer's output shape."""
    shapes = {row.name: row.output_shape for row in infer_shapes(spec)}
    lines = []
    for name, module in build(spec).named_children():
        line = f"        ({name!r}, nn.{module!r}),"
        if name in shapes:
            line += f"  # -> {'x'.join(map(str, shapes[name]))}"
        lines.append(line)
    return "\n".join(lines)


def _first_layer_code(spec: ArchSpec) -> str:
    """The handcrafted first layer: its kernels written out in full (numpy prints each float32 with just the digits
    that read back as the same float32), and the function that installs and freezes them."""
    name, first = next((name, m) for name, m in build(spec).named_children() if isinstance(m, nn.Conv2d))
    bank = handcrafted_bank(first.out_channels, first.in_channels, first.kernel_size[0])
    text = np.array2string(bank, separator=", ", max_line_width=110, floatmode="unique", threshold=sys.maxsize)
    kernels = "\n".join(f"    {line}" for line in text.splitlines() if line.strip())
    return FIRST_LAYER_CODE.substitute(name=name, kernels=kernels)
