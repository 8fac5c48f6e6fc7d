import time

import pytest

from cnnviz import data, runs
from cnnviz.jobs import JobManager
from cnnviz.train import config_for


def _wait_for(predicate, timeout=60):
    t0 = time.time()
    while not predicate():
        assert time.time() - t0 < timeout, "timed out"
        time.sleep(0.05)


def test_two_jobs_train_at_once_and_stopping_one_leaves_the_other():
    manager = JobManager()
    split = data.load("mnist-sample")
    a = manager.start(config_for("lenet5", epochs=5, batch_size=32), split)
    b = manager.start(config_for("mlp", epochs=1, batch_size=32, seed=1), split)
    assert a.run_id != b.run_id and {j.run_id for j in manager.active()} <= {a.run_id, b.run_id}
    manager.stop(a.run_id)
    manager.wait(a.run_id, 60)
    manager.wait(b.run_id, 120)
    assert runs.read_run(a.run_id).status == "stopped"
    assert runs.read_run(b.run_id).status == "finished"
    manager.forget_finished()
    assert manager.get(a.run_id) is None and manager.active() == []


def test_pause_resume_and_change_the_learning_rate():
    manager = JobManager()
    job = manager.start(config_for("lenet5", epochs=3, batch_size=32), data.load("mnist-sample"))
    manager.pause(job.run_id)
    time.sleep(0.3)
    step = job.latest.step
    time.sleep(0.5)
    assert job.latest.step == step and job.control.paused  # nothing moves while paused
    manager.set_lr(job.run_id, 0.001)
    manager.resume(job.run_id)
    _wait_for(lambda: job.latest.step > step + 2)
    assert job.latest.lr == 0.001
    manager.stop(job.run_id)
    manager.wait(job.run_id, 60)
    assert job.status == "stopped"


def test_bad_settings_raise_before_any_run_exists():
    with pytest.raises(ValueError, match="learning rate"):
        JobManager().start(config_for("lenet5", lr=-1.0), data.load("mnist-sample"))
    assert runs.list_runs() == []
