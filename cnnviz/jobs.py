"""Background training jobs for the app: one thread per run, owned by the process, never by a browser tab.

Every session of the app sees the same `JOBS`, so a run started in one tab can be watched, paused or
stopped from any other. Jobs only write through the run store (`train.train` -> `runs.RunWriter`),
so pages read progress from disk exactly as they would for a run trained on the command line.
"""
from __future__ import annotations

import atexit
import threading
import time
from dataclasses import dataclass, field

from . import data, runs
from .train import Control, Event, TrainConfig, train


@dataclass
class Job:
    config: TrainConfig
    control: Control = field(default_factory=Control)
    run_id: str | None = None
    latest: Event | None = None
    status: str = "starting"
    error: str | None = None
    started: float = field(default_factory=time.time)
    thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class JobManager:
    """Starts training threads and finds them again by run id."""

    def __init__(self):
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, config: TrainConfig, split: data.DataSplit, timeout: float = 60.0) -> Job:
        """Start training in a background thread; returns once the run exists on disk.

        Raises:
            ValueError for settings that cannot train (before any run is made), RunError if the store is unwritable.
        """
        config.validate()
        self.forget_finished()  # a finished job keeps nothing worth holding: the run store has it all
        job = Job(config)
        started = threading.Event()

        def work():
            try:
                for event in train(config, split, job.control):
                    job.latest = event
                    if event.kind == "start":
                        job.run_id, job.status = event.run_id, "running"
                        with self._lock:
                            self._jobs[event.run_id] = job
                        started.set()
                    elif event.kind == "done":
                        job.status = event.status
                        job.error = event.message or None
            except Exception as e:  # noqa: BLE001 - reported to the page that started it, never lost
                job.status, job.error = "failed", str(e) or type(e).__name__
            finally:
                started.set()

        job.thread = threading.Thread(target=work, name=f"cnnviz-train-{config.preset or 'custom'}", daemon=True)
        job.thread.start()
        started.wait(timeout)
        if job.run_id is None:
            job.thread.join(0.1)
            raise ValueError(job.error or "training did not start")
        return job

    def get(self, run_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(run_id)

    def active(self) -> list[Job]:
        """Jobs still training (or paused), oldest first."""
        with self._lock:
            return [j for j in self._jobs.values() if j.alive]

    def stop(self, run_id: str) -> None:
        """Stop a run: in this process through its job, in another process (the CLI) through a stop file."""
        job = self.get(run_id)
        if job is not None and job.alive:
            job.control.stop()
        else:
            runs.request_stop(run_id)

    def pause(self, run_id: str) -> None:
        if job := self.get(run_id):
            job.control.pause()

    def resume(self, run_id: str) -> None:
        if job := self.get(run_id):
            job.control.resume()

    def set_lr(self, run_id: str, lr: float) -> None:
        if job := self.get(run_id):
            job.control.set_lr(lr)

    def forget_finished(self) -> None:
        """Drop finished jobs so their models and data can be freed."""
        with self._lock:
            for run_id in [r for r, j in self._jobs.items() if not j.alive]:
                del self._jobs[run_id]

    def wait(self, run_id: str, timeout: float | None = None) -> Job | None:
        job = self.get(run_id)
        if job and job.thread:
            job.thread.join(timeout)
        return job

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop every job and wait for them: runs end as 'stopped' with their weights, not cut off mid-write."""
        jobs = self.active()
        for job in jobs:
            job.control.stop()
        for job in jobs:
            job.thread.join(timeout)


JOBS = JobManager()
atexit.register(JOBS.shutdown)
