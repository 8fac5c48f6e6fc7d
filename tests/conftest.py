"""Shared fixtures: every test runs with its own empty run store and data root, never the user's home."""

import os
import shutil
from pathlib import Path

import pytest

SHARED_DATASETS = Path(
    os.environ.get("CNNVIZ_SHARED_DATASETS") or Path(__file__).resolve().parents[2] / "shared" / "datasets"
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """A fresh CNNVIZ_HOME, CNNVIZ_DATA_DIR and TORCH_HOME for each test."""
    home = tmp_path / "cnnviz-home"
    monkeypatch.setenv("CNNVIZ_HOME", str(home))
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path / "cnnviz-data"))
    monkeypatch.setenv("CNNVIZ_FOLDER_ROOTS", str(tmp_path))  # the app may read the test's own image folders
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))  # an empty torch hub cache: never the user's weights
    return home


@pytest.fixture
def torch_home(tmp_path):
    """The test's private torch hub cache (empty at the start)."""
    return tmp_path / "torch"


@pytest.fixture(scope="session")
def mnist_root(tmp_path_factory):
    """A writable data root holding the real MNIST .gz files, or skip when they are not on this machine."""
    src = SHARED_DATASETS / "MNIST" / "raw"
    if not src.is_dir():
        pytest.skip(f"full MNIST is not available here (looked in {src})")
    root = tmp_path_factory.mktemp("mnist-root")
    shutil.copytree(src, root / "MNIST" / "raw")
    return root


@pytest.fixture(autouse=True)
def no_training_left_behind(isolated_home):
    """Trainings run in processes of their own: stop whatever a test left queued or running."""
    yield
    from cnnviz import jobs

    if (isolated_home / "runs").is_dir():
        jobs.stop_all(timeout=60)


@pytest.fixture(scope="session")
def measured_calibration(tmp_path_factory):
    """This machine's cost calibration, measured once per test session (it takes seconds)."""
    from cnnviz import cost, jobs, runs

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CNNVIZ_HOME", str(tmp_path_factory.mktemp("calibration-home")))
        for threads in {jobs.train_threads(), _torch_threads()}:
            cost.calibration(threads)
        return runs.home() / "calibration.json"


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


@pytest.fixture
def calibrated(measured_calibration, isolated_home):
    """The test's CNNVIZ_HOME holds the session's calibration, so screens and the CLI need not measure again."""
    isolated_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(measured_calibration, isolated_home / "calibration.json")
    return isolated_home


# ---------------------------------------------------------------- trained runs, one training per kind per session

# Every kind of trained run the tests look at. Each is trained once per test session, into a store of its own,
# and copied into a test's fresh store when it asks (`use_run`): tests stay isolated, trainings are not repeated.
TRAINED = {
    "lenet5": dict(preset="lenet5", epochs=1, batch_size=64, seed=0, snapshots=3, train_images=1000),
    "lenet5-b256": dict(preset="lenet5", epochs=1, batch_size=256, seed=0),
    "lenet5-b128": dict(preset="lenet5", epochs=1, batch_size=128, seed=0, snapshots=4),
    "mlp": dict(preset="mlp", epochs=1, seed=0),
}


class TrainedRuns:
    """Runs trained on demand, once, into a session-wide store (`home`)."""

    def __init__(self, home: Path):
        self.home = home
        self._ids: dict[str, str] = {}

    def run_id(self, kind: str) -> str:
        if kind not in self._ids:
            from cnnviz import data, train

            settings = dict(TRAINED[kind])
            preset, n = settings.pop("preset"), settings.pop("train_images", None)
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("CNNVIZ_HOME", str(self.home))
                full = data.load("mnist-sample")
                split = (
                    full
                    if n is None
                    else data.DataSplit(full.info, full.x_train[:n], full.y_train[:n], full.x_test, full.y_test)
                )
                done = train.run_training(train.config_for(preset, **settings), split)
            assert done.status == "finished", done.message
            self._ids[kind] = done.run_id
        return self._ids[kind]


@pytest.fixture(scope="session")
def trained_runs(tmp_path_factory) -> TrainedRuns:
    return TrainedRuns(tmp_path_factory.mktemp("trained-runs"))


@pytest.fixture
def use_run(trained_runs, isolated_home):
    """use_run(kind) -> run id: a copy of the session's trained run of that kind in this test's own store."""

    def copy(kind: str) -> str:
        run_id = trained_runs.run_id(kind)
        target = isolated_home / "runs" / run_id
        if not target.exists():
            shutil.copytree(trained_runs.home / "runs" / run_id, target)
        return run_id

    return copy


@pytest.fixture
def forget_loaded_runs():
    """For a test that rewrites a run's files: the app keeps one loaded run per id and weights, and run ids are
    shared by every test's copy of a trained run, so the caches are emptied before the test and after it."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()
