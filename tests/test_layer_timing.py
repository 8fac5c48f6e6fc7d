"""Timing single layers for the cost calibration: the probes each grid point is timed with, and how `measure`
turns the timings into seconds per row (the timings themselves are stubbed: only the bookkeeping is checked)."""

import json
import math

import pytest
import torch
from torch import nn

from cnnviz import layer_timing
from cnnviz.layer_timing import CONV_K, CONV_N, DENSE_K, DENSE_N, ELEMENTWISE, FIRST_CONV_K

N_PROBES = len(CONV_K) * len(CONV_N) + len(FIRST_CONV_K) * len(CONV_N) + len(DENSE_K) * len(DENSE_N) + 7


@pytest.mark.parametrize(
    "k,n,conv,shape,rows",
    [
        # 25 = 1 x 5x5; about 1e8 / (144 x 25 x 16) images a pass, at most 64
        (25, 16, (1, 16, 5), (64, 1, 16, 16), 64 * 144),
        (288, 32, (32, 32, 3), (64, 32, 14, 14), 64 * 144),  # 288 = 32 x 3x3
        (150, 6, (6, 6, 5), (64, 6, 16, 16), 64 * 144),  # 150 = 6 x 5x5
        (1600, 128, (64, 128, 5), (4, 64, 16, 16), 4 * 144),  # 1e8 // 29,491,200 = 3 images: at least 4
    ],
)
def test_a_conv_probe_has_the_grid_points_kernel_volume_and_a_12x12_output(k, n, conv, shape, rows):
    module, probe_shape, probe_rows = layer_timing._conv_probe(k, n)
    assert isinstance(module, nn.Conv2d)
    assert (module.in_channels, module.out_channels, module.kernel_size[0]) == conv
    assert probe_shape == shape and probe_rows == rows
    with torch.no_grad():
        assert module(torch.zeros(shape)).shape == (shape[0], n, 12, 12)  # rows = images x output positions


def test_every_conv_grid_point_is_a_kernel_volume_a_layer_can_have():
    for k in CONV_K + FIRST_CONV_K:
        module, *_ = layer_timing._conv_probe(k, 6)
        assert module.in_channels * module.kernel_size[0] * module.kernel_size[1] == k
    assert layer_timing._conv_probe(75, 6, first=True)[3:] == (True,)  # a first layer: no input gradient
    assert len(layer_timing._conv_probe(75, 6)) == 3


def test_elementwise_probes_are_timed_per_element():
    expected = {
        "relu": nn.ReLU,
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "maxpool": nn.MaxPool2d,
        "avgpool": nn.AvgPool2d,
        "batchnorm": nn.BatchNorm2d,
        "dropout": nn.Dropout,
    }
    assert set(ELEMENTWISE) == set(expected)
    for kind in ELEMENTWISE:
        module, shape, rows = layer_timing._elementwise_probe(kind)
        assert type(module) is expected[kind]
        assert shape == (64, 32, 16, 16) and rows == 524_288
    assert layer_timing._elementwise_probe("maxpool")[0].kernel_size == 2
    assert layer_timing._elementwise_probe("dropout")[0].p == 0.25


def test_the_grids_are_ascending():
    for grid in (CONV_K, CONV_N, FIRST_CONV_K, DENSE_K, DENSE_N):
        assert list(grid) == sorted(set(grid))


@pytest.fixture
def stubbed_timings(monkeypatch):
    """Every layer takes 2 s forward and backward and 1 s forward alone; records what each timing was asked."""
    calls = []

    def time_layer(module, shape, input_grad=True):
        calls.append((type(module).__name__, shape, input_grad, torch.get_num_threads()))
        return 2.0, 1.0

    monkeypatch.setattr(layer_timing, "_time_layer", time_layer)
    monkeypatch.setattr(layer_timing, "_time_optimizer", lambda: {"per_param": 3e-9, "per_tensor": 4e-6})
    monkeypatch.setattr(layer_timing, "_time_fixed_step", lambda: 5e-5)
    return calls


def test_measure_gives_seconds_per_row_for_every_grid_point(stubbed_timings):
    result = layer_timing.measure(1)
    grid = lambda ks, ns: {f"{k},{n}" for k in ks for n in ns}  # noqa: E731
    assert set(result["conv"]) == set(result["conv_fwd"]) == grid(CONV_K, CONV_N)
    assert set(result["conv_first"]) == set(result["conv_first_fwd"]) == grid(FIRST_CONV_K, CONV_N)
    assert set(result["dense"]) == set(result["dense_fwd"]) == grid(DENSE_K, DENSE_N)
    assert result["conv"]["25,16"] == 2.0 / (64 * 144) and result["conv_fwd"]["25,16"] == 1.0 / (64 * 144)
    assert result["conv"]["1600,128"] == 2.0 / (4 * 144)
    assert result["dense"]["4096,256"] == 2.0 / 64 and result["dense_fwd"]["64,10"] == 1.0 / 64
    for kind in ELEMENTWISE:
        assert result[kind] == 2.0 / 524_288 and result[kind + "_fwd"] == 1.0 / 524_288
    assert result["optimizer"] == {"per_param": 3e-9, "per_tensor": 4e-6} and result["step"] == 5e-5
    assert len(stubbed_timings) == N_PROBES == 77
    # only the first layers are timed without a gradient for their input
    no_input_grad = [c for c in stubbed_timings if not c[2]]
    assert len(no_input_grad) == len(FIRST_CONV_K) * len(CONV_N)
    assert {c[1][1] for c in no_input_grad} == {1, 3}  # grey or colour input channels


def test_measure_times_at_the_thread_count_asked_and_restores_it(stubbed_timings):
    before = torch.get_num_threads()
    layer_timing.measure(1)
    assert {c[3] for c in stubbed_timings} == {1}
    assert torch.get_num_threads() == before


def test_measure_restores_the_thread_count_when_a_timing_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(layer_timing, "_time_layer", broken)
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="out of memory"):
        layer_timing.measure(1)
    assert torch.get_num_threads() == before


def test_measure_reports_its_progress_up_to_one(stubbed_timings):
    seen = []
    layer_timing.measure(1, progress=seen.append)
    assert seen[:3] == [1 / (N_PROBES + 2), 2 / (N_PROBES + 2), 3 / (N_PROBES + 2)]
    assert len(seen) == N_PROBES + 1 and seen[-2] == N_PROBES / (N_PROBES + 2) and seen[-1] == 1.0
    assert seen == sorted(seen)


def test_a_real_measurement_fills_every_table(measured_calibration):
    """The session's calibration (measured once by the conftest fixture) has every entry `cost` reads."""
    stored = json.loads(measured_calibration.read_text())
    assert stored
    for entry in stored.values():
        assert set(entry["conv"]) == {f"{k},{n}" for k in CONV_K for n in CONV_N}
        assert set(entry["dense_fwd"]) == {f"{k},{n}" for k in DENSE_K for n in DENSE_N}
        assert set(entry["conv_first"]) == {f"{k},{n}" for k in FIRST_CONV_K for n in CONV_N}
        assert set(entry["optimizer"]) == {"per_param", "per_tensor"}
        numbers = [entry["step"], *entry["optimizer"].values(), *(entry[k] for k in ELEMENTWISE)]
        numbers += [v for table in ("conv", "conv_fwd", "dense", "dense_fwd") for v in entry[table].values()]
        assert all(isinstance(v, float) and math.isfinite(v) and v >= 0 for v in numbers)
