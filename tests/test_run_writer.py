import os

import pytest
import torch

from cnnviz import presets, run_writer, runs


def test_a_live_writer_holds_its_run(isolated_home):
    spec = presets.preset_spec("mlp").to_dict()
    writer = run_writer.RunWriter(
        {"spec": spec, "dataset": "mnist-sample", "classes": list("0123456789")}, label="live"
    )
    try:
        assert runs.read_run(writer.run_id).status == "running"
        with pytest.raises(runs.RunError, match="still training"):
            runs.delete_run(writer.run_id)
    finally:
        writer.close()
    assert runs.read_run(writer.run_id).status == "interrupted"


def test_unwritable_store_is_reported(tmp_path, monkeypatch):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("CNNVIZ_HOME", str(blocker))
    with pytest.raises(runs.RunError, match="cannot write to the run store"):
        run_writer.RunWriter({"spec": {}}, label="x")


def test_a_planted_link_is_never_written_through_and_a_fifo_lock_never_waited_on(tmp_path):
    meta = {"spec": presets.preset_spec("mlp").to_dict(), "dataset": "mnist-sample"}
    run_id = run_writer.create_queued(meta, "planted")
    outside = tmp_path / "outside.txt"
    outside.write_text("")
    metrics = runs.run_path(run_id) / "metrics.jsonl"
    metrics.unlink()
    metrics.symlink_to(outside)
    with pytest.raises(runs.RunError, match="metrics.jsonl cannot be opened"):
        run_writer.RunWriter({**meta, "classes": list("0123456789")}, run_id=run_id)
    assert outside.read_text() == ""  # nothing written outside the store

    lock = runs.run_path(run_id) / ".lock"
    lock.unlink()
    os.mkfifo(lock)
    assert runs.read_run(run_id).damaged == "its .lock is not a regular file"  # so the queue never picks it
    with pytest.raises(runs.RunError, match="its .lock cannot be opened"):
        run_writer.lock_run(run_id)  # and claiming it fails at once instead of blocking


def test_a_run_folder_removed_while_training_is_a_plain_error(isolated_home):
    spec = presets.preset_spec("mlp").to_dict()
    writer = run_writer.RunWriter(
        {"spec": spec, "dataset": "mnist-sample", "classes": list("0123456789")}, label="gone"
    )
    try:
        import shutil

        shutil.rmtree(writer.path)
        with pytest.raises(runs.RunError, match="cannot write its snapshot \\(was the run folder removed"):
            writer.snapshot(1, 0.1, {"w": torch.zeros(2)})
        with pytest.raises(runs.RunError, match="cannot write its run.json"):
            writer.update(status="failed")
    finally:
        writer.close()
