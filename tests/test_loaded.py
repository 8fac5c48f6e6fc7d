"""Tests for cnnviz.loaded: a run read once, with its network at any snapshot of training."""

import numpy as np
import pytest
import torch

from cnnviz import data, evaluate, kernels, presets, runs
from cnnviz.loaded import LoadedRun


@pytest.fixture
def loaded(use_run) -> LoadedRun:
    return LoadedRun.open(use_run("lenet5"))


def test_a_loaded_run_holds_its_record_network_data_and_snapshots(loaded):
    assert loaded.record.preset == "lenet5" and loaded.spec == presets.preset_spec("lenet5")
    assert loaded.classes == tuple(str(d) for d in range(10)) and loaded.info.name == "mnist-sample"
    assert loaded.sha == runs.read_run(loaded.run_id).meta["weights_sha256"]
    assert [s.index for s in loaded.snapshots] == [0, 1, 2] and loaded.snapshots[0].step == 0
    assert loaded.full_snapshots
    np.testing.assert_array_equal(loaded.test_inputs(5), data.normalize(loaded.split.x_test[:5], loaded.info))
    np.testing.assert_array_equal(loaded.test_labels(5), loaded.split.y_test[:5].numpy())


def test_model_at_is_the_network_with_that_snapshots_weights(loaded):
    assert loaded.model_at(None) is loaded.model
    start = loaded.model_at(0)
    state = runs.load_snapshot(loaded.run_id, 0)
    for name, tensor in start.state_dict().items():
        torch.testing.assert_close(tensor, state[name], rtol=0, atol=0)
    assert not start.training
    assert loaded.model_at(0) is start  # built once, then kept
    np.testing.assert_array_equal(kernels.of_layer(start, "conv1"), kernels.of_layer(state, "conv1"))
    # the last snapshot is the end of training: the same answers as the final weights
    last = loaded.model_at(len(loaded.snapshots) - 1)
    x = loaded.test_inputs(50)
    np.testing.assert_allclose(evaluate.predict(last, x), evaluate.predict(loaded.model, x), rtol=1e-5, atol=1e-6)
    # and the random start scores worse than the trained network on the same images
    assert loaded.evaluate(0).accuracy < loaded.evaluate().accuracy
    with pytest.raises(ValueError, match="has 3 snapshots; there is no snapshot 3"):
        loaded.model_at(3)


def test_a_network_whose_snapshots_keep_only_kernels_says_so(loaded):
    kernels_only = {k: v for k, v in runs.load_snapshot(loaded.run_id, 1).items() if k.startswith("conv")}
    from safetensors.torch import save_file

    save_file(kernels_only, str(loaded.snapshots[1].path))  # as train writes them for networks over 500k weights
    reloaded = LoadedRun.open(loaded.run_id)
    assert reloaded.full_snapshots  # snapshot 0 is whole
    np.testing.assert_array_equal(kernels.of_layer(reloaded.state_at(1), "conv1"), kernels_only["conv1.weight"])
    with pytest.raises(ValueError, match="kept only its convolution kernels"):
        reloaded.model_at(1)


def test_a_damaged_or_unfinished_run_is_refused(use_run):
    run_id = use_run("mlp")
    (runs.run_path(run_id) / "weights.safetensors").write_bytes(b"not weights")
    with pytest.raises(runs.RunError, match="damaged"):
        LoadedRun.open(run_id)
