"""Commands to a training loop while it runs: stop, pause and resume, a new learning rate.

Given from the training's own process (another thread, Ctrl-C) through the methods, or from any other process
(the app, another server, the command line) through the run folder's control.json, which the loop polls.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from pathlib import Path

from .i18n import Invalid
from .runs import CONTROL


class Control:
    """Commands to a training loop: stop, pause/resume, change the learning rate.

    Given from the same process (another thread, Ctrl-C) through the methods, or from any other process
    through the run folder's control.json (`runs.write_control`), which `poll` reads when it changed,
    at most every `POLL_SECONDS`: one `os.stat` per step in between, nothing per step otherwise.
    """

    POLL_SECONDS = 0.1

    def __init__(self) -> None:
        self.stop_requested = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.lr_override: float | None = None
        self._folder: Path | None = None
        self._seen: int | None = None
        self._next_poll = 0.0

    def stop(self) -> None:
        self.stop_requested.set()
        self._running.set()  # a paused loop must wake up to stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def set_lr(self, lr: float) -> None:
        if not math.isfinite(lr) or lr <= 0:
            raise Invalid("the learning rate must be a positive number, got {got}", got=lr)
        self.lr_override = float(lr)

    def watch(self, folder: Path) -> None:
        """Also obey the requests written to `folder`/control.json by other processes."""
        self._folder = folder
        self.poll(force=True)

    def poll(self, force: bool = False) -> None:
        """Apply control.json if it changed since the last look (cheap enough to call every step)."""
        if self._folder is None:
            return
        now = time.monotonic()
        if not force and now < self._next_poll:
            return
        self._next_poll = now + self.POLL_SECONDS
        try:
            stat = os.stat(self._folder / CONTROL)
        except OSError:
            return
        if stat.st_mtime_ns == self._seen:
            return
        self._seen = stat.st_mtime_ns
        try:
            state = json.loads((self._folder / CONTROL).read_text())
        except (OSError, ValueError):
            self._seen = None  # caught mid-write by a non-atomic writer: read it again next time
            return
        if not isinstance(state, dict):
            return
        lr = state.get("lr")
        if isinstance(lr, (int, float)) and not isinstance(lr, bool) and math.isfinite(lr) and lr > 0:
            self.lr_override = float(lr)
        if state.get("stop") is True:
            self.stop()
        elif state.get("paused") is True:
            self.pause()
        else:
            self.resume()

    def wait_while_paused(self) -> float:
        """Block while paused; returns the seconds spent waiting (left out of the timings)."""
        self.poll()
        if self._running.is_set():
            return 0.0
        t0 = time.perf_counter()
        while not self._running.wait(self.POLL_SECONDS):
            self.poll(force=True)
        return time.perf_counter() - t0
