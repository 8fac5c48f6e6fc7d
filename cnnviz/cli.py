"""Command line: python -m cnnviz datasets | presets | summary | train | runs | evaluate | export | delete | bench.

Every error a user can cause ends with one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import arch, data, i18n, presets, runs

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


def _print_json(obj) -> None:
    print(json.dumps(obj, indent=2, default=str))


def cmd_datasets(args: argparse.Namespace) -> None:
    infos = [data.get_info(name) for name in data.list_datasets()]  # the built-in ones, then the made ones
    if args.json:
        return _print_json(
            [
                {"name": i.name, "title": i.title, "classes": list(i.classes), "input_shape": list(i.input_shape)}
                for i in infos
            ]
        )
    for info in infos:
        print(f"{info.name:<14} {'x'.join(map(str, info.input_shape)):<9} {info.title}")
    print("folder:<path>  your own images, one sub-folder per class (optional ?size=32&channels=3)")


def cmd_presets(args: argparse.Namespace) -> None:
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "description": p.description,
            "source": p.source,
            "params_mnist": arch.total_params(p.spec()),
        }
        for p in presets.PRESETS.values()
    ]
    if args.json:
        return _print_json(rows)
    for r in rows:
        print(f"{r['id']:<12} {r['params_mnist']:>9,}  {r['description']}  [{r['source']}]")


def _spec_for(preset: str | None, spec_file: str | None, dataset: str) -> arch.ArchSpec:
    info = data.get_info(dataset)
    if spec_file:
        path = Path(spec_file)
        if not path.is_file():
            raise ValueError(f"spec file not found: {spec_file}")
        spec = arch.ArchSpec.from_json(path.read_text(errors="replace"))
        if tuple(spec.input_shape) != tuple(info.input_shape):
            raise ValueError(
                f"the spec's input_shape {list(spec.input_shape)} does not match {dataset}'s {list(info.input_shape)}"
            )
    else:
        spec = presets.preset_spec(preset, info.input_shape, len(info.classes))
    arch.infer_shapes(spec)
    return spec


def cmd_summary(args: argparse.Namespace) -> None:
    import torch
    from tqdm import tqdm

    from . import cost

    if bool(args.preset) == bool(args.spec):
        raise ValueError("give a PRESET or --spec FILE.json (one of them)")
    spec = _spec_for(args.preset, args.spec, args.dataset)
    rows = arch.infer_shapes(spec)
    info = data.get_info(args.dataset)
    threads = torch.get_num_threads()  # what `cnnviz train` will use
    cal = cost.cached_calibration(threads)
    if cal is None:
        with tqdm(total=100, desc="measuring this machine (once)", unit="%", file=sys.stderr, leave=False) as bar:
            cal = cost.calibration(threads, progress=lambda f: bar.update(round(f * 100) - bar.n))
    c = cost.estimate_for(spec, args.batch_size, info, cal)
    seconds = round(c.seconds_per_epoch, 2) if c.seconds_per_epoch is not None else None
    if args.json:
        return _print_json(
            {
                "preset": args.preset,
                "spec": args.spec,
                "dataset": args.dataset,
                "input_shape": list(spec.input_shape),
                "layers": [
                    {"name": r.name, "type": r.type, "output_shape": list(r.output_shape), "params": r.params}
                    for r in rows
                ],
                "total_params": c.params,
                "macs_per_image": c.macs_per_image,
                "batch_size": args.batch_size,
                "peak_memory_mb": round(c.peak_memory_mb, 2),
                "estimated_seconds_per_epoch": seconds,
                "threads": threads,
            }
        )
    print(arch.summary_table(spec))
    print(f"multiply-adds per image: {c.macs_per_image:,}")
    print(f"training memory at batch size {args.batch_size}: about {c.peak_memory_mb:,.1f} MB (the dataset is extra)")
    if seconds is not None:
        print(f"estimated time per epoch on {args.dataset} here ({threads} thread(s)): {seconds:,} s")


def cmd_train(args: argparse.Namespace) -> None:
    from tqdm import tqdm

    from .control import Control
    from .train import TrainConfig, train

    if not args.preset and not args.spec:
        raise ValueError("give --preset NAME or --spec FILE.json")
    spec = _spec_for(args.preset, args.spec, args.dataset)
    config = TrainConfig(
        spec=spec,
        dataset=args.dataset,
        optimizer=args.optimizer,
        lr=args.lr,
        batch_size=args.batch_size,
        epochs=args.epochs,
        seed=args.seed,
        device=args.device,
        val_fraction=args.val_fraction,
        schedule=args.schedule,
        preset=args.preset,
        augment=args.augment,
    )
    config.validate()
    split = data.load(args.dataset, progress=_load_bar())
    control = Control()
    signal.signal(signal.SIGINT, lambda *_: (control.stop(), signal.signal(signal.SIGINT, signal.default_int_handler)))
    bar, final = None, None
    for event in train(config, split, control):
        if event.kind == "start":
            bar = tqdm(total=event.total_steps, desc=event.run_id, unit="step", file=sys.stderr, dynamic_ncols=True)
        elif event.kind in ("step", "epoch"):
            bar.update(event.step - bar.n)
            fields = (
                {"loss": event.loss, "acc": event.train_acc} if event.kind == "step" else {"val_acc": event.val_acc}
            )
            bar.set_postfix(
                {k: f"{v:.4f}" for k, v in fields.items() if v is not None}
                | {"img/s": f"{event.images_per_second:,.0f}"},
                refresh=False,
            )
        else:
            final = event
    bar.close()
    _start_queued()
    record = runs.read_run(final.run_id).record
    result = {
        "run_id": final.run_id,
        "status": final.status,
        "message": final.message,
        "test_accuracy": final.test_accuracy,
        "epochs": args.epochs,
        "epochs_done": record.epochs_done,
        "batch_size": args.batch_size,
        "train_seconds": record.train_seconds,
        "images_per_second": record.images_per_second,
        "params": record.params,
        "dataset": args.dataset,
        "preset": args.preset,
    }
    if args.json:
        _print_json(result)
    else:
        acc = f"{final.test_accuracy:.2%}" if final.test_accuracy is not None else "-"
        print(
            f"{final.run_id}: {final.status}, test accuracy {acc}, {result['train_seconds']} s of training, "
            f"{result['images_per_second']:,} images/s" + (f" ({final.message})" if final.message else "")
        )
    if final.status == "failed":
        sys.exit(1)


def _start_queued() -> None:
    """This run held a training slot: let the app's queue use it now."""
    from . import jobs

    try:
        jobs.pump()
    except (OSError, ValueError):
        pass


def _load_bar():
    from tqdm import tqdm

    bar = None

    def progress(fraction: float, message: str) -> None:
        nonlocal bar
        bar = bar or tqdm(total=100, unit="%", file=sys.stderr, leave=False)
        bar.set_description(message[:60], refresh=False)
        bar.update(round(fraction * 100) - bar.n)

    return progress


def cmd_runs(args: argparse.Namespace) -> None:
    listing = runs.list_runs()
    rows = [
        {
            "run_id": r.run_id,
            "status": "damaged",
            "damaged": r.damaged,
            "preset": None,
            "dataset": None,
            "test_accuracy": None,
            "params": None,
            "epochs": None,
            "train_seconds": None,
            "created": None,
        }
        if r.damaged
        else {
            "run_id": r.run_id,
            "status": r.status,
            "damaged": None,
            "preset": r.record.preset,
            "dataset": r.record.dataset,
            "test_accuracy": r.record.test_accuracy,
            "params": r.record.params,
            "epochs": r.record.epochs,
            "train_seconds": r.record.train_seconds,
            "created": r.record.created,
        }
        for r in listing
    ]
    if args.json:
        return _print_json(rows)
    if not rows:
        print(f"no runs yet in {runs.runs_root()} (try: python -m cnnviz train --preset lenet5)")
    for r in rows:
        acc = f"{r['test_accuracy']:.2%}" if r["test_accuracy"] is not None else "-"
        note = f"  ({r['damaged']})" if r["damaged"] else ""
        print(f"{r['run_id']:<40} {r['status']:<12} {str(r['dataset']):<14} {str(r['preset']):<12} {acc:>8}{note}")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from . import evaluate
    from .loaded import LoadedRun

    loaded = LoadedRun.open(args.run)
    ev = evaluate.evaluate(loaded.model, loaded.split, loaded.classes)
    if args.json:
        return _print_json(
            {
                "run_id": args.run,
                "accuracy": ev.accuracy,
                "loss": ev.loss,
                "n_test": ev.n_test,
                "n_wrong": ev.n_wrong,
                "class_names": list(ev.class_names),
                "per_class_accuracy": [float(a) for a in ev.per_class_accuracy],
                "confusion_matrix": ev.confusion.tolist(),
                "report": evaluate.report(ev),
            }
        )
    print(evaluate.report(ev))
    width = max(len(c) for c in ev.class_names)
    for name, acc in zip(ev.class_names, ev.per_class_accuracy):
        print(f"  {name:<{width}}  {acc:7.2%}")


def cmd_export(args: argparse.Namespace) -> None:
    from . import export, report

    if not args.script and not args.report:
        raise ValueError("give --script PATH, --report PATH or both")
    files = [(path, make) for path, make in ((args.script, export.script), (args.report, report.report)) if path]
    if len(files) == 2 and Path(args.script).resolve() == Path(args.report).resolve():
        raise ValueError("--script and --report name the same file")
    for path, _ in files:  # refuse before writing anything, so a refusal leaves no file half done
        if Path(path).exists() and not args.force:
            raise ValueError(f"{path} already exists (add --force to overwrite it)")
    # both texts are made before either is written: an unusable run writes nothing
    texts = {
        "script": export.script(args.run) if args.script else None,
        "report": report.report(args.run, args.lang) if args.report else None,
    }
    result = {"run_id": args.run}
    if args.script:
        Path(args.script).write_text(texts["script"], encoding="utf-8")
        result.update(script=args.script, bytes=len(texts["script"].encode()))
    if args.report:
        Path(args.report).write_text(texts["report"], encoding="utf-8")
        result.update(report=args.report, report_bytes=len(texts["report"].encode()))
    if args.json:
        return _print_json(result)
    if args.script:
        print(f"wrote {args.script}: python {args.script} trains {args.run} again with plain PyTorch")
    if args.report:
        print(f"wrote {args.report}: {args.run} on one page; it opens in a browser with no server or network")


def cmd_delete(args: argparse.Namespace) -> None:
    runs.delete_run(args.run)
    print(f"deleted {args.run}")


def cmd_worker(args: argparse.Namespace) -> None:
    from . import jobs

    sys.exit(jobs.work(args.run, args.lock_fd))


def cmd_bench(args: argparse.Namespace) -> None:
    from . import bench

    bench.main(quick=not args.full, as_json=args.json, presets=args.presets, estimate=args.estimate)


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
    from .train import OPTIMIZERS, SCHEDULES

    parser = _Parser(prog="cnnviz", description="Train and inspect small CNNs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("datasets", help="list the datasets")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_datasets)
    p = sub.add_parser("presets", help="list the preset architectures")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_presets)
    p = sub.add_parser("summary", help="a network's layers, shapes, parameters, and its cost on this machine")
    p.add_argument("preset", choices=presets.list_presets(), metavar="PRESET", nargs="?")
    p.add_argument("--spec", metavar="FILE.json", help="an architecture spec exported from the app")
    p.add_argument("--dataset", default="mnist-sample")
    p.add_argument("--batch-size", type=_positive_int, default=64)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_summary)
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
    p = sub.add_parser("runs", help="list the runs in the run store")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_runs)
    p = sub.add_parser("evaluate", help="test accuracy, per-class accuracy and confusion matrix of a run")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)
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
    p = sub.add_parser("delete", help="delete a run")
    p.add_argument("run", metavar="RUN")
    p.set_defaults(func=cmd_delete)
    p = sub.add_parser("worker", help="train one queued run (the app starts this for each training)")
    p.add_argument("run", metavar="RUN")
    p.add_argument("--lock-fd", type=int, default=None)
    p.set_defaults(func=cmd_worker)
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
    return parser


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
