"""Tests for cnnviz.compare: a run's comparison row, its twin with the other first layer, shared classes."""

import pytest

from cnnviz import arch, compare, metrics, presets, run_writer, runs


def test_summary_history_and_twin_config(use_run):
    run_id = use_run("lenet5-b128")
    record = runs.read_run(run_id).record
    s = compare.summarise(record)
    assert s.first_layer == "learned" and s.params == arch.total_params(presets.preset_spec("lenet5"))
    assert s.label == f"lenet5 #{run_id[-4:]}" and s.classes == tuple(map(str, range(10)))
    h = metrics.history(metrics.read_metrics(run_id))
    assert len({len(v) for v in h.values()}) == 1 and any(v is not None for v in h["val_acc"])
    twin = compare.twin_config(record)
    assert (
        twin.first_layer == "handcrafted"
        and twin.batch_size == 128
        and twin.spec.to_dict() == runs.read_run(run_id).meta["spec"]
    )
    assert compare.find_twins(record, runs.list_runs()) == []


def test_a_twin_is_found_by_its_settings_and_labelled(use_run, isolated_home):
    run_id = use_run("lenet5-b128")
    record = runs.read_run(run_id).record
    twin_id = run_writer.create_queued(
        {"spec": record.spec.to_dict(), "dataset": record.dataset, "config": compare.twin_config(record).to_dict()},
        label="twin",
    )
    assert [r.run_id for r in compare.find_twins(record, runs.list_runs())] == [twin_id]
    twin = runs.read_run(twin_id).record
    assert compare.summarise(twin).label == f"{record.spec.name} (handcrafted conv1) #{twin_id[-4:]}"
    assert [r.run_id for r in compare.find_twins(twin, runs.list_runs())] == [run_id]


def test_twin_config_refuses_a_network_without_convolutions(use_run):
    record = runs.read_run(use_run("mlp")).record
    with pytest.raises(ValueError, match="needs a network with a convolution"):
        compare.twin_config(record)


def test_shared_classes_picks_the_largest_group():
    def row(run_id, classes):
        return compare.RunSummary(run_id, run_id, "d", classes, "learned", None, None, None, None, None)

    digits, pets = tuple("0123456789"), ("cat", "dog")
    assert compare.shared_classes([row("a", pets), row("b", digits), row("c", digits)]) == (digits, [1, 2])
    assert compare.shared_classes([row("a", pets), row("b", digits)]) == (pets, [0])
