"""What each command of `python -m cnnviz` does, given its parsed arguments (`cli` parses them): list the datasets,
presets and runs, summarise a network, train, evaluate, export, delete, work a queued run, bench.

Each prints a table or, with --json, JSON; a user's mistake is a ValueError, which `cli.main` prints as one line.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from . import arch, data, presets, runs


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
    from .train import train
    from .train_config import TrainConfig

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
