"""The shortcut lab's experiment in a process of its own: `run_apart` (train both runs, then measure them) and
`measure_apart` (measure two stored runs), run as `python -m cnnviz.shortcut_apart`, which reports its progress
and its result as JSON lines on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

from . import jobs
from .i18n import Invalid, Message
from .shortcut import Progress, Result, Scores, measure_runs, run_experiment

# In the app server's interpreter the experiment ran 4-6x and its measurement 10x slower than alone: the script's
# thread takes turns with the server's. So the app runs both in a child process that reports in JSON lines.


def _encoded(message: Message) -> dict:
    """A Message as JSON, nested Messages included, so that it is translated where it is shown."""
    return {
        "template": message.template,
        "values": {k: _encoded(v) if isinstance(v, Message) else v for k, v in message.values.items()},
    }


def _decoded(d: dict) -> Message:
    return Message(d["template"], **{k: _decoded(v) if isinstance(v, dict) else v for k, v in d["values"].items()})


def _result_json(r: Result) -> dict:
    return {
        "marked_class": r.marked_class,
        "mass": r.mass,
        "region_share": r.region_share,
        "scores": {
            run: {v: [s.accuracy, s.marked_accuracy, s.called_marked] for v, s in by.items()}
            for run, by in r.scores.items()
        },
        "examples": r.examples.tolist(),
        "heat": {run: np.round(h, 4).tolist() for run, h in r.heat.items()},
    }


def _result_from(d: dict) -> Result:
    return Result(
        d["marked_class"],
        {run: {v: Scores(*s) for v, s in by.items()} for run, by in d["scores"].items()},
        d["mass"],
        d["region_share"],
        np.array(d["examples"], np.uint8),
        {run: np.array(h, np.float32) for run, h in d["heat"].items()},
    )


def _apart(args: list[str], progress: Progress | None) -> dict:
    """Run `python -m cnnviz.shortcut_apart ARGS`, pass its progress on as it comes; its last report."""
    command = [sys.executable, "-m", "cnnviz.shortcut_apart", *args]
    last, error, other = None, None, []
    with subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parents[1],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        for line in process.stdout:
            try:
                report = json.loads(line)
            except ValueError:
                other.append(line.strip())  # a warning or a traceback: kept for the message
                continue
            if "error" in report:
                error = _decoded(report["error"])
            elif "fraction" in report:
                progress and progress(report["fraction"], _decoded(report["message"]))
            else:
                last = report
    if last is None:
        reason = error or " ".join(other[-3:])[-500:] or f"exit status {process.returncode}"
        raise Invalid("the experiment stopped: {reason}", reason=reason)
    return last


def run_apart(marked_class: int, seed: int = 0, progress: Progress | None = None) -> tuple[tuple[str, str], Result]:
    """`run_experiment` then `measure_runs` in a process of its own, its progress passed on as it comes.

    Returns ((watermarked run id, control run id), their Result)."""
    last = _apart(["run", str(int(marked_class)), str(int(seed))], progress)
    return tuple(last["runs"]), _result_from(last["result"])


def measure_apart(marked_id: str, control_id: str, marked_class: int) -> Result:
    """`measure_runs` in a process of its own."""
    return _result_from(_apart(["measure", marked_id, control_id, str(int(marked_class))], None)["result"])


def _main(args: list[str]) -> int:
    """python -m cnnviz.shortcut_apart run CLASS SEED | measure MARKED_RUN CONTROL_RUN CLASS, reporting JSON lines."""
    torch.set_num_threads(jobs.train_threads())  # the server keeps a core, as for every training the app starts

    def say(**report):
        print(json.dumps(report, default=str), flush=True)  # a Path in a message as text

    try:
        if args[0] == "run":
            marked_class = int(args[1])
            ids = run_experiment(marked_class, int(args[2]), lambda f, m: say(fraction=0.95 * f, message=_encoded(m)))
            say(
                fraction=0.95,
                message=_encoded(Message("Testing both networks on the four test sets and computing Grad-CAM…")),
            )
            say(runs=list(ids), result=_result_json(measure_runs(*ids, marked_class)))
        else:
            say(result=_result_json(measure_runs(args[1], args[2], int(args[3]))))
    except (ValueError, OSError) as e:
        say(error=_encoded(e.message if isinstance(getattr(e, "message", None), Message) else Message(str(e))))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
