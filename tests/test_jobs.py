"""Training jobs: each in its own process, steered through the run folder, behind a fair queue."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnnviz import jobs, metrics, runs
from cnnviz.train import config_for

LONG = {"epochs": 200, "batch_size": 32}  # minutes of training: always still running when the test acts


def _wait_for(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _steps(run_id: str) -> int:
    last = metrics.last_step(run_id)
    return last["step"] if last else 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_training_runs_in_another_process_and_finishes():
    run_id = jobs.submit(config_for("lenet5", epochs=1, batch_size=256), owner="s1")
    assert runs.read_run(run_id).status in ("starting", "running")  # room for one: it started at once
    info = jobs.wait(run_id, 120)
    assert info.status == "finished" and info.has_weights
    assert info.meta["pid"] != os.getpid() and info.meta["owner"] == "s1"
    assert info.meta["config"]["epochs"] == 1 and info.meta["executor"] == "local"
    runs.load_model(run_id)


def test_pause_resume_learning_rate_and_stop_reach_the_process():
    run_id = jobs.submit(config_for("lenet5", **LONG), owner="s1")
    _wait_for(lambda: _steps(run_id) > 0, what="the first logged step")
    jobs.pause(run_id)
    assert jobs.is_paused(run_id)
    time.sleep(0.5)  # the trainer looks at its control file ten times a second
    paused_at = _steps(run_id)
    time.sleep(1.0)
    assert _steps(run_id) == paused_at  # nothing moves while paused

    jobs.set_lr(run_id, 0.00123)
    jobs.resume(run_id)
    assert not jobs.is_paused(run_id)
    _wait_for(lambda: _steps(run_id) > paused_at + 2, what="steps after resuming")
    assert metrics.last_step(run_id)["lr"] == 0.00123

    jobs.stop(run_id)
    info = jobs.wait(run_id, 60)
    assert info.status == "stopped" and info.has_weights
    assert info.meta["paused_seconds"] >= 1.0  # the pause is not counted as training time


def test_the_queue_holds_its_cap_and_order_and_cancel_removes_a_waiting_run(monkeypatch):
    monkeypatch.setenv("CNNVIZ_MAX_TRAININGS", "1")
    first = jobs.submit(config_for("lenet5", **LONG), owner="a")
    second = jobs.submit(config_for("mlp", epochs=1, batch_size=256), owner="b")
    third = jobs.submit(config_for("mlp", epochs=1, batch_size=256, seed=1), owner="c")
    fourth = jobs.submit(config_for("mlp", epochs=1, batch_size=256, seed=2), owner="d")
    assert [runs.read_run(r).status for r in (second, third, fourth)] == ["queued"] * 3
    assert [jobs.queue_position(r) for r in (first, second, third, fourth)] == [None, 1, 2, 3]
    assert jobs.pump() == []  # the cap holds

    jobs.cancel(third)
    assert not runs.run_path(third).exists()
    assert jobs.queue_position(fourth) == 2

    starts = {}
    jobs.stop(first)
    deadline = time.monotonic() + 180
    while any(runs.read_run(r).status in runs.LIVE for r in (second, fourth)):
        listing = runs.list_runs()
        assert sum(r.status in runs.ACTIVE for r in listing) <= 1  # never two at once
        for r in listing:
            if r.status in runs.ACTIVE:
                starts.setdefault(r.run_id, time.monotonic())
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert runs.read_run(second).status == runs.read_run(fourth).status == "finished"
    started = [r for r in sorted(starts, key=starts.get) if r != first]
    assert started in ([second, fourth], [second])  # first come, first served (the last may be too quick to see)
    assert runs.read_run(second).meta["started"] <= runs.read_run(fourth).meta["started"]


def test_one_session_cannot_fill_the_queue(monkeypatch):
    monkeypatch.setenv("CNNVIZ_MAX_PER_SESSION", "2")
    monkeypatch.setenv("CNNVIZ_MAX_TRAININGS", "1")
    jobs.submit(config_for("lenet5", **LONG), owner="greedy")
    jobs.submit(config_for("lenet5", **LONG), owner="greedy")
    with pytest.raises(jobs.QueueFull, match="you already have 2 trainings waiting or running") as e:
        jobs.submit(config_for("lenet5", **LONG), owner="greedy")
    assert (e.value.count, e.value.limit) == (2, 2)
    other = jobs.submit(config_for("lenet5", **LONG), owner="someone-else")  # others still get a place
    assert jobs.queue_position(other) == 2
    assert len(runs.list_runs()) == 3


def test_bad_settings_raise_before_any_run_exists():
    with pytest.raises(ValueError, match="learning rate"):
        jobs.submit(config_for("lenet5", lr=-1.0))
    with pytest.raises(ValueError, match="CNNVIZ_MAX_TRAININGS must be at least 1"):
        os.environ["CNNVIZ_MAX_TRAININGS"] = "0"
        try:
            jobs.max_running()
        finally:
            del os.environ["CNNVIZ_MAX_TRAININGS"]
    assert runs.list_runs() == []


def test_a_training_outlives_the_process_that_started_it_and_stays_controllable():
    """What a server restart does to a training: the launcher (standing in for the server) exits."""
    code = (
        "from cnnviz import jobs; from cnnviz.train import config_for; "
        "print(jobs.submit(config_for('lenet5', epochs=200, batch_size=32), owner='server'))"
    )
    launcher = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert launcher.returncode == 0, launcher.stderr
    run_id = launcher.stdout.strip().splitlines()[-1]
    _wait_for(lambda: _steps(run_id) > 0, what="training after the launcher exited")
    info = runs.read_run(run_id)
    assert info.status == "running" and _pid_alive(info.meta["pid"])
    jobs.pause(run_id)  # a new "server" steers it
    time.sleep(0.5)
    steps = _steps(run_id)
    time.sleep(0.6)
    assert _steps(run_id) == steps
    jobs.stop(run_id)
    assert jobs.wait(run_id, 60).status == "stopped"


def test_sigterm_to_a_trainer_marks_the_run_interrupted_not_stopped_by_the_user():
    run_id = jobs.submit(config_for("lenet5", **LONG), owner="s1")
    _wait_for(lambda: _steps(run_id) > 0, what="the first logged step")
    os.kill(runs.read_run(run_id).meta["pid"], signal.SIGTERM)
    info = jobs.wait(run_id, 60)
    assert info.status == "interrupted"
    assert "stopped by the user" not in info.meta.get("message", "")


def test_a_killed_trainer_is_interrupted_and_the_next_run_starts_when_anyone_pumps(monkeypatch):
    monkeypatch.setenv("CNNVIZ_MAX_TRAININGS", "1")
    first = jobs.submit(config_for("lenet5", **LONG), owner="a")
    second = jobs.submit(config_for("mlp", epochs=1, batch_size=256), owner="b")
    _wait_for(lambda: _steps(first) > 0, what="the first logged step")
    pid = runs.read_run(first).meta["pid"]
    os.kill(pid, signal.SIGKILL)
    _wait_for(lambda: not _pid_alive(pid) or runs.read_run(first).status == "interrupted", what="the kill")
    _wait_for(lambda: runs.read_run(first).status == "interrupted", what="the lock to be freed")
    assert runs.read_run(second).status == "queued"  # a killed trainer could not start it
    assert jobs.pump() == [second]
    assert jobs.wait(second, 120).status == "finished"


def test_a_worker_that_fails_before_training_says_why(monkeypatch):
    monkeypatch.setenv("CNNVIZ_MAX_TRAININGS", "1")
    first = jobs.submit(config_for("lenet5", **LONG), owner="a")
    second = jobs.submit(config_for("mlp", epochs=1), owner="b")
    meta = runs.read_run(second).meta
    runs.update_meta(second, config={**meta["config"], "dataset": "no-such-dataset"})  # edited while it waited
    jobs.stop(first)
    info = jobs.wait(second, 120)
    assert info.status == "failed" and "no-such-dataset" in info.meta["message"]
    assert "no-such-dataset" in (info.path / "worker.log").read_text()
