"""The Ray executor (CNNVIZ_EXECUTOR=ray) against a local Ray runtime started here (1 CPU, no network)."""

import os
import time

import pytest

from cnnviz import jobs, metrics, runs
from cnnviz.train import config_for

ray = pytest.importorskip("ray", reason="Ray is not installed: pip install -r requirements-ray.txt")


@pytest.fixture
def local_ray(monkeypatch):
    monkeypatch.setenv("CNNVIZ_EXECUTOR", "ray")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")  # else Ray writes a token into the user's home
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_the_ray_executor_trains_queued_runs_on_the_cluster(local_ray):
    first = jobs.submit(config_for("lenet5", epochs=1, batch_size=256), owner="a")
    second = jobs.submit(config_for("mlp", epochs=1, batch_size=256), owner="b")
    assert runs.read_run(first).meta["executor"] == "ray"
    infos = [jobs.wait(r, 300) for r in (first, second)]
    assert [i.status for i in infos] == ["finished", "finished"]
    assert all(i.meta["pid"] != os.getpid() and i.has_weights for i in infos)
    runs.load_model(first)


def test_a_run_cancelled_while_ray_has_not_started_it_is_removed(local_ray):
    busy = jobs.submit(config_for("lenet5", epochs=200, batch_size=32), owner="a")  # holds Ray's only CPU
    deadline = time.monotonic() + 120
    while not metrics.last_step(busy):
        assert time.monotonic() < deadline, "the first run did not start on Ray"
        time.sleep(0.1)
    waiting = jobs.submit(config_for("mlp", epochs=1), owner="b")
    assert runs.read_run(waiting).status == "starting"  # handed to Ray, waiting for a CPU there
    jobs.cancel(waiting)
    assert not runs.run_path(waiting).exists()
    jobs.stop(busy)
    assert jobs.wait(busy, 300).status in ("stopped", "failed")
