"""Shared fixtures: every test runs with its own empty run store and data root, never the user's home."""
import os
import shutil
from pathlib import Path

import pytest

SHARED_DATASETS = Path(os.environ.get("CNNVIZ_SHARED_DATASETS") or Path(__file__).resolve().parents[2] / "shared"
                       / "datasets")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """A fresh CNNVIZ_HOME and CNNVIZ_DATA_DIR for each test."""
    home = tmp_path / "cnnviz-home"
    monkeypatch.setenv("CNNVIZ_HOME", str(home))
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path / "cnnviz-data"))
    monkeypatch.setenv("CNNVIZ_FOLDER_ROOTS", str(tmp_path))  # the app may read the test's own image folders
    return home


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
