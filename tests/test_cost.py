"""The cost of a design before training: exact counts, the memory formula, limits, and the calibrated estimate."""

import dataclasses
import json

import pytest

from cnnviz import arch, cost, data, layer_timing, presets, runs, train_config

# LeNet-5 on 28x28: conv1 24*24*6*25, conv2 8*8*16*150, dense 256*120, 120*84, 84*10
LENET5_MACS = 86_400 + 153_600 + 30_720 + 10_080 + 840


def test_multiply_adds_per_image_match_the_hand_count():
    assert cost.macs_per_image(presets.preset_spec("lenet5")) == LENET5_MACS
    # deep-cnn: 26*26*32*9 + 11*11*64*288 + 9*9*64*576 + 5184*64 + 64*10
    assert cost.macs_per_image(presets.preset_spec("deep-cnn")) == 194_688 + 2_230_272 + 2_985_984 + 331_776 + 640


def test_the_operations_of_a_step_follow_the_spec():
    ops = cost.ops(presets.preset_spec("lenet5"))
    assert [op.kind for op in ops] == [
        "conv_first",
        "relu",
        "avgpool",
        "conv",
        "relu",
        "avgpool",
        "dense",
        "relu",
        "dense",
        "relu",
        "dense",
    ]
    assert ops[0] == cost.Op("conv_first", 24 * 24, 1 * 25, 6)
    assert ops[2] == cost.Op("avgpool", 6 * 24 * 24)  # pooling is timed per input element
    assert ops[3] == cost.Op("conv", 8 * 8, 6 * 25, 16)
    assert ops[6] == cost.Op("dense", 1, 256, 120)


def test_training_memory_by_hand():
    spec = arch.ArchSpec((1, 4, 4), (arch.Flatten(), arch.Dense(3, "none")))
    # 51 parameters x (weight, gradient, Adam's two states); per image: input 16 and output 3 kept, and the two
    # largest (16 + 3) in flight as gradients
    assert cost.peak_memory_bytes(spec, 2) == 4 * (51 * 4 + 2 * (16 + 3 + 19))
    assert cost.peak_memory_bytes(spec, 2, "sgd") == 4 * (51 * 3 + 2 * (16 + 3 + 19))
    assert cost.peak_memory_bytes(spec, 200) > cost.peak_memory_bytes(spec, 100)


def test_limits_name_the_number_and_the_setting(monkeypatch):
    huge = arch.ArchSpec((1, 28, 28), (arch.Conv(4096, 3, padding=1),) * 17 + (arch.Flatten(), arch.Dense(10)))
    # conv1 10 x 4096, then 16 x (9 x 4096 + 1) x 4096, then (4096 x 28 x 28 + 1) x 10
    assert arch.total_params(huge) == 40_960 + 16 * 36_865 * 4096 + 3_211_265 * 10 == 2_448_138_250
    with pytest.raises(
        ValueError,
        match=r"the network has 2,448,138,250 parameters, more than this explorer "
        r"trains \(at most 50,000,000; set CNNVIZ_MAX_PARAMS",
    ):
        cost.check_limits(huge, 64)
    with pytest.raises(ValueError, match="2,448,138,250"):  # Train refuses it before anything is built
        train_config.TrainConfig(spec=huge).validate()

    wide = arch.ArchSpec((1, 28, 28), (arch.Conv(512, 3, padding=1), arch.Flatten(), arch.Dense(10)))
    cost.check_limits(wide, 64)
    with pytest.raises(ValueError, match=r"at batch size 4096 needs about [\d,]+ MB, more than the 4,096 MB allowed"):
        cost.check_limits(wide, 4096)
    monkeypatch.setenv("CNNVIZ_MAX_MEMORY_MB", "100000")
    cost.check_limits(wide, 4096)
    monkeypatch.setenv("CNNVIZ_MAX_PARAMS", "many")
    with pytest.raises(ValueError, match="CNNVIZ_MAX_PARAMS='many' must be a whole number"):
        cost.check_limits(wide, 64)


def fake_calibration(per_row: float = 1e-9) -> dict:
    grid = lambda ks, ns: {f"{k},{n}": per_row for k in ks for n in ns}  # noqa: E731
    cal = {
        "conv": grid(layer_timing.CONV_K, layer_timing.CONV_N),
        "conv_first": grid(layer_timing.FIRST_CONV_K, layer_timing.CONV_N),
        "dense": grid(layer_timing.DENSE_K, layer_timing.DENSE_N),
        "optimizer": {"per_param": 1e-8, "per_tensor": 1e-5},
        "step": 1e-4,
    }
    for kind in ("conv", "conv_first", "dense"):
        cal[kind + "_fwd"] = {k: v / 3 for k, v in cal[kind].items()}
    for kind in layer_timing.ELEMENTWISE:
        cal[kind], cal[kind + "_fwd"] = 2e-9, 1e-9
    return cal


def test_the_estimate_adds_up_the_layers():
    spec = arch.ArchSpec((1, 4, 4), (arch.Flatten(), arch.Dense(3, "relu"), arch.Dense(2, "none")))
    cal = fake_calibration()
    # batch 8: two dense layers at 8 rows x 1e-9, one relu of 3 elements x 8 x 2e-9, optimiser on 51 + 8
    # parameters in 4 tensors, the fixed step
    step = 2 * 8e-9 + 3 * 8 * 2e-9 + 1e-8 * (51 + 8) + 1e-5 * 4 + 1e-4
    assert cost.step_seconds(spec, 8, cal) == pytest.approx(step)
    # an epoch: 100 // 8 = 12 full steps, then the forward pass over 10 validation images
    evaluation = 2 * 10 * 1e-9 / 3 + 3 * 10 * 1e-9
    assert cost.epoch_seconds(spec, 100, 10, 8, cal) == pytest.approx(12 * step + evaluation)


def test_the_estimate_for_a_dataset_holds_out_its_validation_images():
    spec = arch.ArchSpec((1, 28, 28), (arch.Flatten(), arch.Dense(10, "none")))
    cal = fake_calibration()
    sample = data.get_info("mnist-sample")  # 4,000 training digits: 3,600 trained on, 400 held out
    c = cost.estimate_for(spec, 64, sample, cal)
    assert c.train_images == 3_600 and c.batch_size == 64 and c.params == 7_850
    assert c.seconds_per_epoch == pytest.approx(cost.epoch_seconds(spec, 3_600, 400, 64, cal))
    assert c.peak_memory_mb == cost.peak_memory_bytes(spec, 64) / 2**20
    assert cost.estimate_for(spec, 64, sample).seconds_per_epoch is None  # no calibration, no seconds
    unsized = dataclasses.replace(sample, train_size=None)  # an image folder not yet counted
    assert cost.estimate_for(spec, 64, unsized, cal).seconds_per_epoch is None
    assert cost.estimate_for(spec, 64, unsized, cal).train_images is None


def test_interpolation_hits_grid_points_and_is_log_linear_between():
    table = {f"{k},{n}": k * n * 1e-12 for k in layer_timing.CONV_K for n in layer_timing.CONV_N}
    assert cost._interpolate(table, layer_timing.CONV_K, layer_timing.CONV_N, 25, 16) == pytest.approx(25 * 16e-12)
    between = cost._interpolate(table, layer_timing.CONV_K, layer_timing.CONV_N, 15, 16)  # k*n is log-linear in log k
    assert between == pytest.approx(15 * 16e-12)
    assert cost._interpolate(table, layer_timing.CONV_K, layer_timing.CONV_N, 3200, 256) == pytest.approx(
        3200 * 256e-12
    )


def test_the_calibration_is_measured_once_and_refreshed_when_the_machine_changes(monkeypatch):
    calls = []
    monkeypatch.setattr(
        layer_timing, "measure", lambda threads, progress=None: calls.append(threads) or fake_calibration()
    )
    first = cost.calibration(1)
    assert cost.calibration(1) == first and calls == [1]
    cost.calibration(2)
    assert calls == [1, 2]  # another thread count is another calibration
    stored = json.loads((runs.home() / "calibration.json").read_text())
    assert set(stored) == {"1", "2"} and stored["1"]["key"]["threads"] == 1

    monkeypatch.setattr(cost, "machine_key", lambda threads: {"torch": "another", "threads": threads})
    assert cost.cached_calibration(1) is None
    cost.calibration(1)
    assert calls == [1, 2, 1]

    (runs.home() / "calibration.json").write_text("{not json")
    assert cost.cached_calibration(1) is None
    cost.calibration(1)  # a damaged cache is measured again, not an error
    assert calls == [1, 2, 1, 1]


def test_a_real_calibration_ranks_the_presets_by_their_work(calibrated):
    cal = cost.cached_calibration(train_threads())
    assert cal is not None
    seconds = {
        p: cost.epoch_seconds(presets.preset_spec(p), 3_600, 400, 64, cal) for p in ("mlp", "lenet5", "deep-cnn")
    }
    assert 0 < seconds["mlp"] < seconds["lenet5"] < seconds["deep-cnn"] < 600
    assert all(v > 0 for table in ("conv", "conv_first", "dense") for v in cal[table].values())


def train_threads() -> int:
    from cnnviz import jobs

    return jobs.train_threads()
