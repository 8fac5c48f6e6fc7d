"""Command line: python -m cnnviz datasets | presets | summary | train | runs | evaluate | export | delete | bench.

Every error a user can cause ends with one line on stderr and exit status 2, never a traceback. This module parses
the arguments; `commands` does what they ask.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from . import i18n, presets
from .commands import (
    cmd_bench,
    cmd_datasets,
    cmd_delete,
    cmd_evaluate,
    cmd_export,
    cmd_presets,
    cmd_runs,
    cmd_summary,
    cmd_train,
    cmd_worker,
)

if TYPE_CHECKING:
    from collections.abc import Sequence


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of argparse's usage block
        self.exit(
            2,
            f"cnnviz: error: {message} (see: python -m cnnviz {self.prog.split()[-1]} --help)\n"
            if " " in self.prog
            else f"cnnviz: error: {message} (see: python -m cnnviz --help)\n",
        )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cnnviz", description="Train and inspect small CNNs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_listing(sub, "datasets", "list the datasets", cmd_datasets)
    _add_listing(sub, "presets", "list the preset architectures", cmd_presets)
    _add_summary(sub)
    _add_train(sub)
    _add_listing(sub, "runs", "list the runs in the run store", cmd_runs)
    p = sub.add_parser("evaluate", help="test accuracy, per-class accuracy and confusion matrix of a run")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)
    _add_export(sub)
    p = sub.add_parser("delete", help="delete a run")
    p.add_argument("run", metavar="RUN")
    p.set_defaults(func=cmd_delete)
    p = sub.add_parser("worker", help="train one queued run (the app starts this for each training)")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--lock-fd", type=int, default=None)
    p.set_defaults(func=cmd_worker)
    _add_bench(sub)
    return parser


def _add_listing(sub, name: str, summary: str, func) -> None:
    """A command that lists something, as a table or with --json."""
    p = sub.add_parser(name, help=summary)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=func)


def _add_summary(sub) -> None:
    p = sub.add_parser("summary", help="a network's layers, shapes, parameters, and its cost on this machine")
    p.add_argument("preset", choices=presets.list_presets(), metavar="PRESET", nargs="?")
    p.add_argument("--spec", metavar="FILE.json", help="an architecture spec exported from the app")
    p.add_argument("--dataset", default="mnist-sample")
    p.add_argument("--batch-size", type=_positive_int, default=64)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_summary)


def _add_train(sub) -> None:
    from .train_config import OPTIMIZERS, SCHEDULES

    p = sub.add_parser("train", help="train a network into a new run")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--preset", choices=presets.list_presets(), metavar="PRESET")
    group.add_argument("--spec", metavar="FILE.json", help="an architecture spec exported from the app")
    p.add_argument("--dataset", default="mnist-sample")
    p.add_argument("--epochs", type=_positive_int, default=3)
    p.add_argument("--batch-size", type=_positive_int, default=64)
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    p.add_argument("--lr", type=_positive_float, default=None, help="learning rate (default: the optimizer's)")
    p.add_argument("--schedule", choices=SCHEDULES, default="onecycle")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument(
        "--augment",
        action="store_true",
        help="shift each training image by up to 2 pixels and turn it by up to 10 degrees (tiny datasets)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_train)


def _add_export(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write a finished run as a standalone PyTorch script that trains it again, or as a one-page HTML report",
    )
    p.add_argument("run", metavar="RUN")
    p.add_argument("--script", metavar="PATH", help="the .py file to write")
    p.add_argument(
        "--report",
        metavar="PATH",
        help="the .html file to write: settings, curves, kernels, confusion "
        "matrix, per-class accuracy and mistakes, viewable offline",
    )
    p.add_argument("--lang", choices=list(i18n.LANGUAGES), default=i18n.DEFAULT, help="the report's language")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export)


def _add_bench(sub) -> None:
    p = sub.add_parser("bench", help="measure speed and accuracy; writes a table")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="under 3 minutes, on the MNIST sample (default)")
    mode.add_argument("--full", action="store_true", help="full MNIST from the data root")
    mode.add_argument(
        "--estimate",
        action="store_true",
        help="the builder's seconds-per-epoch estimate against real trainings (sample and full MNIST)",
    )
    p.add_argument("--presets", nargs="+", default=None, metavar="PRESET", help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        args.func(args)
    except ValueError as e:  # SpecError, DatasetError, RunError and bad settings are all ValueErrors
        print(f"cnnviz: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"cnnviz: error: {e.strerror or e}{f': {e.filename}' if e.filename else ''}", file=sys.stderr)
        return 2
    return 0
