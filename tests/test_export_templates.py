"""The pieces of the exported training script, run on their own: its imports, optimisers and schedules, the
loaders of a run's data, the handcrafted first layer and the augmentation, each doing what cnnviz does."""

from collections import OrderedDict
from string import Template

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from cnnviz import augment, data, export_templates, optim, train_config
from cnnviz.export_templates import (
    FIRST_LAYER_CODE,
    IMAGES_CODE,
    LOADERS,
    OPTIMIZER_CODE,
    SCHEDULE_CODE,
    STDLIB,
    THIRD_PARTY,
)


def run_code(*parts: str, **names) -> dict:
    """The namespace after running the script's imports and then `parts`, with `names` set first."""
    namespace = {"__name__": "exported_piece", **names}
    exec("\n".join(STDLIB + THIRD_PARTY) + "\n\n" + "\n\n".join(parts), namespace)
    return namespace


def test_every_optimiser_is_the_trainers():
    assert set(OPTIMIZER_CODE) == set(train_config.OPTIMIZERS)
    for name, code in OPTIMIZER_CODE.items():
        params = [nn.Parameter(torch.zeros(3))]
        ours = eval(code, run_code(LEARNING_RATE=0.02), {"params": params})
        theirs = optim.make_optimizer(name, params, 0.02)
        assert type(ours) is type(theirs) and ours.defaults == theirs.defaults
    sgd = eval(OPTIMIZER_CODE["sgd"], run_code(LEARNING_RATE=0.5), {"params": [nn.Parameter(torch.zeros(1))]})
    assert (sgd.defaults["lr"], sgd.defaults["momentum"], sgd.defaults["nesterov"]) == (0.5, 0.9, True)


def test_the_one_cycle_schedule_by_hand():
    assert set(SCHEDULE_CODE) == set(train_config.SCHEDULES)
    rate = run_code(SCHEDULE_CODE["onecycle"], LEARNING_RATE=0.1)["learning_rate"]
    assert rate(0, 100) == pytest.approx(0.004)  # the warm-up starts at 4% of the rate
    assert rate(10, 100) == pytest.approx(0.1 * (0.04 + 0.96 * 0.4))
    assert rate(25, 100) == pytest.approx(0.1)  # the peak, a quarter of the way through
    assert rate(100, 100) == pytest.approx(0.0001)  # a thousandth of it at the end
    assert [rate(s, 70) for s in range(71)] == [optim.one_cycle_lr(0.1, s, 70) for s in range(71)]


def test_the_constant_schedule():
    rate = run_code(SCHEDULE_CODE["constant"], LEARNING_RATE=0.03)["learning_rate"]
    assert [rate(s, 10) for s in (0, 5, 10)] == [0.03, 0.03, 0.03]


def test_images_get_their_channel_and_labels_are_int64():
    ns = run_code(IMAGES_CODE)
    grey = ns["as_images"](np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
    assert grey.shape == (2, 1, 3, 4) and grey.dtype == torch.uint8 and grey[1, 0, 2, 3].item() == 23
    colour = ns["as_images"](np.zeros((2, 3, 5, 5), np.uint8))
    assert colour.shape == (2, 3, 5, 5)
    labels = ns["as_labels"]([3, 1])
    assert labels.dtype == torch.int64 and labels.tolist() == [3, 1]


def test_the_four_loaders():
    assert set(LOADERS) == {"npz", "torchvision", "cifar", "folder"}
    for stdlib, third_party, code in LOADERS.values():
        assert isinstance(stdlib, list) and isinstance(third_party, list)
        assert "\ndef load_data(path):\n" in "\n" + code
    assert LOADERS["cifar"][1] == LOADERS["torchvision"][1] == ["from torchvision import datasets"]


def test_the_sample_is_read_from_its_npz_as_cnnviz_reads_it():
    stdlib, third_party, code = LOADERS["npz"]
    ns = run_code(*stdlib, *third_party, IMAGES_CODE, code)
    x_train, y_train, x_test, y_test = ns["load_data"](data.ASSETS / "mnist_sample.npz")
    split = data.load("mnist-sample")
    assert x_train.shape == (4_000, 1, 28, 28) and x_test.shape == (1_000, 1, 28, 28)
    assert torch.equal(x_train, split.x_train) and torch.equal(y_train, split.y_train)
    assert torch.equal(x_test, split.x_test) and torch.equal(y_test, split.y_test)


def test_the_torchvision_loader_is_filled_in_per_dataset():
    code = Template(LOADERS["torchvision"][2]).substitute(cls="FashionMNIST", title="Fashion-MNIST")
    assert "datasets.FashionMNIST(path, train=True, download=False)" in code
    assert "datasets.FashionMNIST(path, train=False, download=False)" in code
    assert '"""Fashion-MNIST from torchvision' in code
    compile(code, "loader.py", "exec")


def folder_loader(classes: list[str], size: int = 4, channels: int = 1) -> dict:
    stdlib, third_party, code = LOADERS["folder"]
    code = Template(code).substitute(size=size, channels=channels, classes=repr(classes))
    return run_code(*stdlib, *third_party, IMAGES_CODE, code)


def make_images(folder, shades: dict[str, list[int]]) -> None:
    """One 6x6 grey picture of each shade per class, named 0.png, 1.png, ..."""
    for name, values in shades.items():
        (folder / name).mkdir(parents=True)
        for i, v in enumerate(values):
            Image.fromarray(np.full((6, 6), v, np.uint8)).save(folder / name / f"{i}.png")


def test_an_image_folder_keeps_every_fifth_image_for_testing(tmp_path):
    make_images(tmp_path / "pets", {"cats": [0, 10, 20, 30, 40], "dogs": [50, 60, 70, 80, 90]})
    make_images(tmp_path / "pets" / ".hidden", {"x": [255]})
    x_train, y_train, x_test, y_test = folder_loader(["cats", "dogs"])["load_data"](str(tmp_path / "pets"))
    assert x_train.shape == (8, 1, 4, 4) and x_test.shape == (2, 1, 4, 4)
    assert y_train.tolist() == [0, 0, 0, 0, 1, 1, 1, 1] and y_test.tolist() == [0, 1]
    assert [x.unique().tolist() for x in x_train] == [[v] for v in (0, 10, 20, 30, 50, 60, 70, 80)]
    assert [x.unique().tolist() for x in x_test] == [[40], [90]]  # the fifth image of each class


def test_an_image_folder_with_train_and_test_folders(tmp_path):
    make_images(tmp_path / "set" / "train", {"a": [1, 2], "b": [3]})
    make_images(tmp_path / "set" / "test", {"a": [4]})  # b has no test images: still a class
    x_train, y_train, x_test, y_test = folder_loader(["a", "b"], size=2, channels=3)["load_data"](tmp_path / "set")
    assert x_train.shape == (3, 3, 2, 2) and y_train.tolist() == [0, 0, 1]
    assert x_test.shape == (1, 3, 2, 2) and y_test.tolist() == [0] and x_test.unique().tolist() == [4]


def test_an_image_folder_with_other_classes_is_refused(tmp_path):
    make_images(tmp_path / "pets", {"cats": [0], "dogs": [1]})
    with pytest.raises(SystemExit, match=r"has the classes \['cats', 'dogs'\], but the run learned \['cats', 'cows'\]"):
        folder_loader(["cats", "cows"])["load_data"](tmp_path / "pets")


def test_the_handcrafted_first_layer_is_installed_and_frozen():
    kernels = "    [[[[1.0, 2.0], [3.0, 4.0]]], [[[0.5, 0.0], [0.0, -0.5]]]]"  # as numpy prints a (2, 1, 2, 2) bank
    code = FIRST_LAYER_CODE.substitute(name="conv1", kernels=kernels)
    model = nn.Sequential(OrderedDict(conv1=nn.Conv2d(1, 2, 2), dense1=nn.Linear(2, 2)))
    run_code(code)["fix_first_layer"](model)
    assert model.conv1.weight.tolist() == [[[[1.0, 2.0], [3.0, 4.0]]], [[[0.5, 0.0], [0.0, -0.5]]]]
    assert model.conv1.bias.tolist() == [0.0, 0.0]
    assert not model.conv1.weight.requires_grad and not model.conv1.bias.requires_grad
    assert model.dense1.weight.requires_grad  # the rest still learns


# ---------------------------------------------------------------- moved here from test_augment.py


def test_the_exported_script_augments_exactly_as_the_trainer_does():
    namespace = {}
    exec("import torch\nimport torch.nn.functional as F\n" + export_templates.AUGMENT_CODE, namespace)
    x = torch.randn(7, 3, 16, 16)
    ours = augment.augment(x, torch.Generator().manual_seed(5))
    theirs = namespace["augment"](x, torch.Generator().manual_seed(5))
    assert torch.equal(ours, theirs)
