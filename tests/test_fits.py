import pytest

from cnnviz import arch, data, i18n, presets
from cnnviz.fits import check_fits, fit_problem
from cnnviz.train import config_for
from cnnviz.train_config import TrainConfig


def test_a_network_fits_a_dataset_when_it_takes_its_images_and_ends_in_one_output_per_class():
    mnist, cifar = data.get_info("mnist-sample"), data.get_info("cifar10")
    assert fit_problem(presets.preset_spec("lenet5"), mnist) is None
    assert fit_problem(presets.preset_spec("lenet5", (3, 32, 32)), cifar) is None
    wrong_input = fit_problem(presets.preset_spec("lenet5"), cifar)
    assert wrong_input == "the network expects inputs 1×28×28 but cifar10 gives 3×32×32"
    seven = arch.ArchSpec((1, 28, 28), (arch.Flatten(), arch.Dense(7, "none")), "seven")
    assert fit_problem(seven, mnist) == (
        "the network must end in a dense layer of 10 units, one per class of mnist-sample, but its output is 7"
    )
    no_layers = arch.ArchSpec((1, 28, 28), (), "empty")  # its output is its input
    assert str(fit_problem(no_layers, mnist)).endswith("but its output is 1×28×28")
    assert i18n.message_text(wrong_input, "zh") == "网络需要 1×28×28 的输入，但 cifar10 提供的是 3×32×32"


def test_check_fits_refuses_what_fit_problem_finds():
    split = data.load("mnist-sample")
    seven = arch.ArchSpec((1, 28, 28), (arch.Flatten(), arch.Dense(7, "none")), "seven")
    with pytest.raises(ValueError, match="one per class of mnist-sample, but its output is 7$"):
        check_fits(TrainConfig(spec=seven), split)
    check_fits(config_for("mlp"), split)  # fits: nothing raised
