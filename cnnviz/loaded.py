"""A loaded run: everything the inspection screens need of one trained run, read once.

    loaded = LoadedRun.open(run_id)      # record, network, dataset, snapshots
    loaded.model                         # the final network (eval mode; shared, never trained)
    loaded.model_at(5)                   # the network as it was at snapshot 5 (None: the final one)
    loaded.state_at(5)                   # that snapshot's weights (conv kernels only for large networks)

Analysis functions take what this holds (models, tensors, arrays), never run ids or paths, so the
same function serves a run's final network, a snapshot of it, a pretrained network or a test's toy.
The app keeps one LoadedRun per run and weights (`ui.loaded_run`), shared by every screen and session.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from . import data, runs
from .arch import ArchSpec, build
from .i18n import Invalid
from .record import RunRecord

if TYPE_CHECKING:
    from .evaluate import Evaluation

MODELS_KEPT = 4  # snapshot networks kept built per run: a slider moved back and forth rebuilds nothing


@dataclass(frozen=True)
class Snapshot:
    """One saved moment of training."""

    index: int  # 0 = the starting weights
    step: int
    epoch: float
    path: Path


class LoadedRun:
    """One finished (or stopped) run with its network, its dataset and its training snapshots."""

    def __init__(
        self, record: RunRecord, model: nn.Module, split: data.DataSplit, snapshots: tuple[Snapshot, ...]
    ) -> None:
        self.record = record
        self.model = model
        self.split = split
        self.snapshots = snapshots
        self._models: OrderedDict[int, nn.Module] = OrderedDict()
        self._lock = threading.Lock()
        self._full: bool | None = None
        self._test_x: torch.Tensor | None = None

    @classmethod
    def open(cls, run_id: str, split: data.DataSplit | None = None) -> LoadedRun:
        """Load a run's final network (checksum checked) and its dataset (`split`, when the caller has it).

        Raises: RunError for a missing, damaged or unfinished run; DatasetError when its data is not here.
        """
        info = runs.read_run(run_id)
        if info.damaged:
            raise runs.RunError("run {run_id} is damaged: {reason}", run_id=run_id, reason=info.damaged)
        _, model = runs.load_model(run_id)
        split = split if split is not None else data.load(info.record.dataset)
        snaps = tuple(Snapshot(s["index"], s["step"], s["epoch"], s["path"]) for s in runs.list_snapshots(run_id))
        return cls(info.record, model, split, snaps)

    # ------------------------------------------------------------ what the run is

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def spec(self) -> ArchSpec:
        return self.record.spec

    @property
    def sha(self) -> str:
        """The final weights' checksum: with the run id, what a cache of anything computed from them is keyed by."""
        return self.record.weights_sha256 or ""

    @property
    def info(self) -> data.DatasetInfo:
        return self.split.info

    @property
    def classes(self) -> tuple[str, ...]:
        """The class names the network was trained with (the dataset's, for runs that did not store them)."""
        return tuple(map(str, self.record.classes or self.split.info.classes))

    # ------------------------------------------------------------ the test set as the network sees it

    def test_inputs(self, count: int | None = None) -> torch.Tensor:
        """The first `count` test images (all by default), normalised as in training: float (N, C, H, W)."""
        with self._lock:
            if self._test_x is None:
                self._test_x = data.normalize(self.split.x_test, self.split.info)
        return self._test_x if count is None else self._test_x[:count]

    def test_labels(self, count: int | None = None) -> np.ndarray:
        """Labels of the first `count` test images: int64 (N,)."""
        y = self.split.y_test.numpy().astype(np.int64)
        return y if count is None else y[:count]

    # ------------------------------------------------------------ training snapshots

    @property
    def full_snapshots(self) -> bool:
        """Whether the snapshots hold whole networks (runs up to 500k parameters), not only the conv kernels:
        the views that run the network at a moment of training (predictions, maps, attribution) need that."""
        if self._full is None:
            self._full = bool(self.snapshots) and set(self.model.state_dict()) <= set(self.state_at(0))
        return self._full

    def snapshot(self, index: int) -> Snapshot:
        if not 0 <= index < len(self.snapshots):
            raise Invalid(
                "run {run_id} has {n} snapshots; there is no snapshot {index}",
                run_id=self.run_id,
                n=len(self.snapshots),
                index=index,
            )
        return self.snapshots[index]

    def state_at(self, index: int) -> dict[str, torch.Tensor]:
        """The weights saved at snapshot `index` (every tensor, or the conv kernels only for large networks)."""
        self.snapshot(index)
        return runs.load_snapshot(self.run_id, index)

    def model_at(self, index: int | None) -> nn.Module:
        """The network as it was at snapshot `index` (eval mode, shared read-only); None gives the final one.

        Raises: Invalid when the snapshots keep only the convolution kernels (networks over 500k parameters).
        """
        if index is None:
            return self.model
        with self._lock:
            if index in self._models:
                self._models.move_to_end(index)
                return self._models[index]
        state = self.state_at(index)
        if set(self.model.state_dict()) - set(state):
            raise Invalid(
                "run {run_id} kept only its convolution kernels in its snapshots (it is too large to keep "
                "whole networks), so the network cannot be rebuilt as it was during training",
                run_id=self.run_id,
            )
        past = build(self.spec)
        try:
            past.load_state_dict(state)
        except RuntimeError as e:
            raise Invalid(
                "snapshot {index} of run {run_id} does not fit this network: {reason}",
                index=index,
                run_id=self.run_id,
                reason=str(e)[:200],
            ) from None
        past.eval().requires_grad_(False)
        with self._lock:
            self._models[index] = past
            while len(self._models) > MODELS_KEPT:
                self._models.popitem(last=False)
        return past

    def evaluate(self, at: int | None = None) -> Evaluation:
        """The network (at snapshot `at`, else its final weights) scored on the whole test set (not cached)."""
        from .evaluate import evaluate

        return evaluate(self.model_at(at), self.split, self.classes)
