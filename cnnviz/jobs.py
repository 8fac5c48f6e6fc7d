"""Training jobs for the app: each training in its own OS process, behind a fair queue.

The app never trains in its own interpreter (a training thread there is starved while a browser
watches: measured 10x slower). Instead `submit` writes a *queued* run into the run store, and
`pump` starts queued runs, oldest first, while fewer than `max_running()` trainings hold a lock:

    app (any tab, any server)  --submit-->  runs/<id>/run.json  status "queued"
    pump (on submit, when a training ends, when a live screen polls)
        --> python -m cnnviz worker <id>   (own process group: it outlives the server)
            claims the run (status "running"), trains, writes the result, then pumps the queue again

Pause, resume, a new learning rate and stop reach the trainer through the run folder's
control.json (see `control.Control`), so every tab, a restarted server and the CLI all steer every
run the same way. With CNNVIZ_EXECUTOR=ray each worker runs as a Ray task on an existing cluster
instead (see `_launch_ray`); the run store must then be on a path every node shares.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from . import data, run_writer, runs, settings
from .i18n import Invalid, Message, Translated
from .safe_files import open_append
from .train_config import TrainConfig

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXECUTORS = ("local", "ray")


class QueueFull(Translated, ValueError):
    """This session already has as many trainings waiting or running as one session may."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(
            Message(
                "you already have {count} trainings waiting or running, the most one session may "
                "have ({limit}); wait for one to finish, or cancel one",
                count=count,
                limit=limit,
            )
        )
        self.count, self.limit = count, limit


def max_running() -> int:
    """How many trainings may run at once: CNNVIZ_MAX_TRAININGS, else one per two cores (at least one)."""
    return _setting("CNNVIZ_MAX_TRAININGS", max(1, (os.cpu_count() or 2) // 2))


def max_per_session() -> int:
    """How many trainings one browser session may have queued or running: CNNVIZ_MAX_PER_SESSION, else 2."""
    return _setting("CNNVIZ_MAX_PER_SESSION", 2)


def train_threads() -> int:
    """Threads per training process: CNNVIZ_TRAIN_THREADS, else the cores left after one for the server and
    its browsers, shared by the trainings that may run at once. An OpenMP team that shares its cores with a
    busy server stalls at every barrier (measured: 3-4x slower on 2 cores), so the server keeps a core."""
    return _setting("CNNVIZ_TRAIN_THREADS", max(1, ((os.cpu_count() or 1) - 1) // max_running()))


def executor() -> str:
    name = os.environ.get("CNNVIZ_EXECUTOR", "local").strip().lower() or "local"
    if name not in EXECUTORS:
        raise Invalid(
            "CNNVIZ_EXECUTOR={name!r} is not known; use one of {names}", name=name, names=", ".join(EXECUTORS)
        )
    return name


def _setting(name: str, default: int) -> int:
    return settings.whole_number(name, default)


# ---------------------------------------------------------------- the queue


@contextmanager
def _queue_lock():
    """One pump or cancel at a time across every process using this store."""
    root = runs.runs_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".queue.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def waiting(listing: list[runs.RunInfo]) -> list[runs.RunInfo]:
    """The runs of a listing that wait for a process, in the order they will start (first come, first served)."""
    waiting = [r for r in listing if not r.damaged and r.status == "queued"]
    return sorted(waiting, key=lambda r: (r.record.submitted or 0, r.run_id))


def _active(listing: list[runs.RunInfo]) -> list[runs.RunInfo]:
    return [r for r in listing if not r.damaged and r.status in runs.ACTIVE]


def submit(config: TrainConfig, owner: str = "cli") -> str:
    """Queue a training and start it if there is room; returns the run id at once.

    Raises:
        ValueError for settings that cannot train, QueueFull past the per-session limit, RunError when
        the store is unwritable.
    """
    config.validate()
    mine = [r for r in runs.list_runs() if r.record and r.record.owner == owner and r.status in runs.LIVE]
    limit = max_per_session()
    if owner != "cli" and len(mine) >= limit:
        raise QueueFull(len(mine), limit)
    run_id = run_writer.create_queued(
        {
            "preset": config.preset,
            "spec": config.spec.to_dict(),
            "dataset": config.dataset,
            "dataset_title": data.get_info(config.dataset).title,
            "config": config.to_dict(),
            "owner": owner,
            "submitted": time.time(),
        },
        label=config.preset or config.spec.name,
    )
    pump()
    return run_id


def _room(listing: list[runs.RunInfo]) -> int:
    """How many waiting runs may start now: all of them with Ray (its scheduler queues by the cluster's free
    CPUs), else the free training slots."""
    if executor() == "ray":
        return len(waiting(listing))
    return max(max_running() - len(_active(listing)), 0)


def pump(listing: list[runs.RunInfo] | None = None) -> list[str]:
    """Start queued runs while there is room (all of them with Ray); returns the ids started.

    `listing`: a fresh `runs.list_runs()` the caller already has; when it shows nothing to start, nothing is
    locked or read again (the live screens call this every few seconds).
    """
    if listing is not None and not (waiting(listing) and _room(listing)):
        return []
    started = []
    with _queue_lock():
        listing = runs.list_runs()
        for run in waiting(listing)[: _room(listing)]:
            if _launch(run.run_id):
                started.append(run.run_id)
    return started


def queue_position(run_id: str, listing: list[runs.RunInfo] | None = None) -> int | None:
    """1 for the next run to start, 2 for the one after it...; None when the run is not waiting.

    `listing`: a `runs.list_runs()` the caller already has (else the store is listed here).
    """
    ids = [r.run_id for r in waiting(runs.list_runs() if listing is None else listing)]
    return ids.index(run_id) + 1 if run_id in ids else None


def cancel(run_id: str) -> None:
    """A queued run is removed before it starts; a running one is asked to stop (keeping its weights so far)."""
    with _queue_lock():
        info = runs.read_run(run_id)
        if info.status == "queued" or (info.status == "starting" and info.record and info.record.executor == "ray"):
            lock = run_writer.lock_run(run_id)  # a run being claimed this instant holds its lock: then it is running
            if lock is not None:
                lock.close()
                runs.delete_run(run_id)
                return
    runs.request_stop(run_id)


# ---------------------------------------------------------------- steering a running training (any process)


def stop(run_id: str) -> None:
    cancel(run_id)


def pause(run_id: str) -> None:
    runs.write_control(run_id, paused=True)


def resume(run_id: str) -> None:
    runs.write_control(run_id, paused=False)


def set_lr(run_id: str, lr: float) -> None:
    runs.write_control(run_id, lr=float(lr))


def is_paused(run_id: str) -> bool:
    """Whether the run was asked to pause (by any tab or process) and not asked to resume since."""
    try:
        return bool(runs.read_control(run_id)["paused"])
    except runs.RunError:
        return False


def wait(run_id: str, timeout: float = 120.0, poll: float = 0.1) -> runs.RunInfo:
    """Block until a run has ended (any status but queued, starting or running); for tests and scripts."""
    deadline = time.monotonic() + timeout
    while True:
        info = runs.read_run(run_id)
        if info.status not in runs.LIVE:
            return info
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} is still {info.status} after {timeout:.0f} s")
        time.sleep(poll)


def stop_all(timeout: float = 60.0) -> None:
    """Cancel every queued run and stop every training in this store, then wait for them (tests, benchmarks)."""
    deadline = time.monotonic() + timeout
    while live := [r for r in runs.list_runs() if not r.damaged and r.status in runs.LIVE]:
        for run in live:
            try:
                cancel(run.run_id)
            except runs.RunError:
                pass  # ended meanwhile
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(live)} run(s) still training after {timeout:.0f} s")
        time.sleep(0.1)


# ---------------------------------------------------------------- executors


def _launch(run_id: str) -> bool:
    if executor() == "ray":
        return _launch_ray(run_id)
    return _launch_local(run_id)


def _launch_local(run_id: str) -> bool:
    """Start `python -m cnnviz worker <id>` in its own session, handing it the run's lock already taken.

    Taking the lock here (not in the child, which needs seconds to import torch) makes the run count as
    running at once, so the next pump cannot start one run too many; if the child dies the kernel frees
    the lock and the run reads as interrupted.
    """
    lock = run_writer.lock_run(run_id)
    if lock is None:
        return False
    try:
        info = runs.read_run(run_id)
        runs.update_meta(run_id, status="starting", executor="local", launched=time.time())
        with open_append(info.path / "worker.log", "ab") as log:
            command = [sys.executable, "-m", "cnnviz", "worker", run_id, "--lock-fd", str(lock.fileno())]
            process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                pass_fds=(lock.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=_worker_env(),
            )
        threading.Thread(target=process.wait, daemon=True).start()  # reap it when it ends: no zombie processes
    except (OSError, runs.RunError) as e:
        runs.update_meta(run_id, status="failed", message=f"the training process could not start: {e}")
        return False
    finally:
        lock.close()  # the child keeps its own copy of the lock
    return True


def _worker_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env["CNNVIZ_HOME"] = str(runs.home())
    return env


def _launch_ray(run_id: str) -> bool:
    """Send the worker to a Ray cluster (RAY_ADDRESS, or one already joined by this process).

    The task runs the same worker command on whichever node Ray picks, with this store's path and this
    project's path: both must exist on every node (a shared file system). Ray's own scheduler decides
    when it starts; until it claims the lock the run shows as "starting".
    """
    try:
        import ray
    except ImportError:
        raise Invalid("CNNVIZ_EXECUTOR=ray needs Ray: pip install -r requirements-ray.txt") from None
    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS") or "auto", log_to_driver=False)
    runs.update_meta(run_id, status="starting", executor="ray", launched=time.time())
    task = ray.remote(num_cpus=1)(_ray_worker)
    task.remote(run_id, str(runs.home()), str(PROJECT_ROOT))
    return True


def _ray_worker(run_id: str, home: str, project: str) -> int:
    """Runs on a Ray node: the ordinary worker in a child process (so a crash there cannot take Ray down)."""
    import os as _os
    import subprocess as _subprocess
    import sys as _sys

    env = {
        **_os.environ,
        "CNNVIZ_HOME": home,
        "PYTHONPATH": _os.pathsep.join(filter(None, [project, _os.environ.get("PYTHONPATH")])),
    }
    with open(_os.path.join(home, "runs", run_id, "worker.log"), "ab") as log:
        return _subprocess.run(
            [_sys.executable, "-m", "cnnviz", "worker", run_id],
            cwd=project,
            env=env,
            stdin=_subprocess.DEVNULL,
            stdout=log,
            stderr=_subprocess.STDOUT,
        ).returncode


_ray_worker.__module__ = "__main__"  # pickled by value: Ray nodes need not import cnnviz to unpickle it


# ---------------------------------------------------------------- the worker process


def work(run_id: str, lock_fd: int | None = None) -> int:
    """Train one queued run in this process (`python -m cnnviz worker`); returns an exit status.

    SIGTERM and SIGINT end the run as "interrupted" (never "stopped by the user"); whatever happens,
    the queue is pumped at the end so the next waiting run starts without any server.
    """
    import torch

    from . import data
    from .train import train

    lock = os.fdopen(lock_fd, "a") if lock_fd is not None else None
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        info = runs.read_run(run_id)
        if info.record is None or info.record.config is None:
            raise runs.RunError(
                "run {run_id} cannot be trained: {reason}",
                run_id=run_id,
                reason=info.damaged or Message("it records no training settings"),
            )
        config = info.record.config
        if runs.read_control(run_id)["stop"]:
            runs.update_meta(run_id, status="stopped", message="cancelled before it started")
            return 0
        torch.set_num_threads(train_threads())
        split = data.load(config.dataset)
        for event in train(config, split, run_id=run_id, lock=lock):
            if event.kind == "done":
                print(f"{run_id}: {event.status} {event.message}", flush=True)
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - a run must say why it failed, whatever failed
        message = f"{type(e).__name__}: {e}"[:500]
        print(f"{run_id}: failed before or while training: {message}", flush=True)
        try:
            if runs.read_run(run_id).status in runs.LIVE:
                runs.update_meta(run_id, status="failed", message=message)
        except (runs.RunError, OSError):
            pass
        return 1
    finally:
        if lock is not None and not lock.closed:
            lock.close()
        if lock_fd is not None:  # started by the local executor: start the next waiting run (Ray queues its own)
            try:
                pump()
            except (OSError, ValueError):
                pass
