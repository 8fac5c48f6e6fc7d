"""Killed, concurrent and damaged training: nothing half-written is ever taken for a finished run."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnnviz import runs
from cnnviz import jobs
from cnnviz.train import config_for, run_training

ROOT = Path(__file__).resolve().parents[1]


def _train_process(home, *extra):
    env = {**os.environ, "CNNVIZ_HOME": str(home)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cnnviz",
            "train",
            "--preset",
            "lenet5",
            "--epochs",
            "2",
            "--batch-size",
            "32",
            "--json",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def _wait(predicate, timeout=90):
    t0 = time.time()
    while not predicate():
        if time.time() - t0 > timeout:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def _run_dirs(home, exclude=()):
    root = Path(home) / "runs"
    if not root.is_dir():
        return []
    return [p for p in root.iterdir() if not p.name.startswith(".") and p.name not in exclude]


def _metric_lines(run_dir):
    return len((run_dir / "metrics.jsonl").read_text().splitlines()) if run_dir else 0


# each takes the killed run's folder (None until it exists)
KILL_POINTS = {
    "as soon as the run exists": lambda run: run is not None,
    "after a few logged steps": lambda run: _metric_lines(run) >= 3,
    "after the first epoch": lambda run: run is not None and '"epoch"' in (run / "metrics.jsonl").read_text(),
    "near the end": lambda run: _metric_lines(run) >= 40,
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_at_any_moment_leaves_an_interrupted_run_and_others_intact(isolated_home, point):
    survivor = run_training(config_for("mlp", epochs=1)).run_id
    before = {p.name: p.read_bytes() for p in runs.run_path(survivor).iterdir() if p.is_file()}
    proc = _train_process(isolated_home)
    try:
        new_run = lambda: (_run_dirs(isolated_home, exclude={survivor}) or [None])[0]  # noqa: E731
        _wait(lambda: KILL_POINTS[point](new_run()) or proc.poll() is not None)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    listing = {r.run_id: r for r in runs.list_runs()}
    assert len(listing) == 2
    killed = next(r for r in listing.values() if r.run_id != survivor)
    if killed.status == "finished":  # the process won the race and finished first: then it must be whole
        runs.load_model(killed.run_id)
    else:
        assert killed.status == "interrupted" and killed.damaged is None
        assert not (killed.path / runs.WEIGHTS).exists()
        with pytest.raises(runs.RunError, match="no weights"):
            runs.load_weights(killed.run_id)
        runs.delete_run(killed.run_id)  # an interrupted run can be removed
    after = {p.name: p.read_bytes() for p in runs.run_path(survivor).iterdir() if p.is_file()}
    assert after == before and listing[survivor].status == "finished"
    runs.load_model(survivor)


def test_cli_trainings_beside_an_app_job_each_complete_with_their_own_files(isolated_home):
    procs = [_train_process(isolated_home, "--seed", str(seed)) for seed in (1, 2)]
    app_run = jobs.submit(config_for("lenet5", epochs=2, batch_size=32, seed=3), owner="app")
    seen_damaged = []
    while any(p.poll() is None for p in procs) or runs.read_run(app_run).status in runs.LIVE:
        seen_damaged += [r.damaged for r in runs.list_runs() if r.damaged]
        time.sleep(0.05)
    outputs = [json.loads(p.stdout.read()) for p in procs]
    assert seen_damaged == []  # listings during training never showed a half-made run
    ids = {o["run_id"] for o in outputs} | {app_run}
    assert len(ids) == 3
    listing = {r.run_id: r for r in runs.list_runs()}
    assert set(listing) == ids and all(listing[i].status == "finished" for i in ids)
    assert {listing[i].meta["config"]["seed"] for i in ids} == {1, 2, 3}
    for run_id in ids:
        runs.load_model(run_id)


def test_stop_from_another_process_reaches_a_cli_run(isolated_home):
    proc = _train_process(isolated_home)
    try:
        _wait(lambda: _metric_lines((_run_dirs(isolated_home) or [None])[0]) >= 2)
        run_id = _run_dirs(isolated_home)[0].name
        jobs.stop(run_id)  # a run of another process: through its control file
        out = json.loads(proc.communicate(timeout=60)[0])
    finally:
        proc.kill()
    assert out["status"] == "stopped"
    assert runs.read_run(run_id).has_weights


def test_unpickling_is_never_used():
    """Weights are safetensors, metadata JSON. The one exception: torchvision's ImageNet files, which exist only
    as PyTorch archives, are checked against their published checksum and read with the tensors-only loader."""
    for path in (ROOT / "cnnviz").glob("*.py"):
        source = path.read_text()
        assert "import pickle" not in source and "allow_pickle=True" not in source, path.name
        for line in source.splitlines():
            if "torch.load(" in line and not line.lstrip().startswith(("#", "`")) and "weights_only" not in line:
                raise AssertionError(f"{path.name}: torch.load without weights_only: {line.strip()}")
    weights = (ROOT / "cnnviz" / "imagenet_weights.py").read_text()
    assert weights.index("sha256_prefix):") < weights.index("torch.load(path")  # checksum first
