"""Train: choose data, network and settings, start a background run, and watch it learn live.

Every run trains in a process of its own behind a queue (`cnnviz.jobs`), so it goes on at full speed while the
user visits other screens, and even when the server restarts; this page only reads the run store (the tail of
metrics.jsonl, snapshots) about once a second while its run trains, and steers it through the run folder.
"""

import streamlit as st

from cnnviz import arch, data, export, folders, jobs, kernels, metrics, presets, progress, report, runs, train, ui
from cnnviz.i18n import N_
from cnnviz.ui import t

ui.ensure_navigation()

FOLDER = "__folder__"
BUILDER = "__builder__"
OPTIMIZER_NAMES = {"adam": "Adam", "sgd": "SGD", "adadelta": "Adadelta", "rmsprop": "RMSprop"}  # names, not words
SCHEDULE_TITLES = {"onecycle": N_("one-cycle (warm-up, then cosine decay)"), "constant": N_("constant")}
SIDE_BY_SIDE_KERNELS = 16  # up to this many first-layer kernels sit beside the curves
INSPECT_PAGES = (
    ("pages/kernels.py", N_("Kernels"), ":material/grid_view:"),
    ("pages/feature_maps.py", N_("Feature maps"), ":material/layers:"),
    ("pages/evaluation.py", N_("Evaluation"), ":material/fact_check:"),
)


# ---------------------------------------------------------------- the new-run form


def _dataset_choice() -> data.DatasetInfo | None:
    """The dataset picker (default: the sidebar's); a folder path is checked at once."""
    sidebar = ui.dataset_name()
    if st.session_state.get("_train_sidebar_dataset") != sidebar or "train_dataset" not in st.session_state:
        st.session_state["_train_sidebar_dataset"] = sidebar  # default, and follow the sidebar when it changes
        st.session_state["train_dataset"] = sidebar
    options = [*data.list_datasets(), FOLDER]
    if st.session_state["train_dataset"] not in options:
        st.session_state["train_dataset"] = "mnist-sample"  # a made dataset deleted meanwhile
    st.selectbox(
        t("Dataset"),
        options,
        key="train_dataset",
        format_func=lambda n: t("Your image folder…") if n == FOLDER else ui.dataset_label(n),
    )
    if st.session_state["train_dataset"] != FOLDER:
        try:
            info = data.get_info(st.session_state["train_dataset"])
        except data.DatasetError as e:  # a made dataset damaged on disk
            st.error(ui.plain(ui.reason(e)))
            return None
        st.caption(ui.dataset_description(info))
        return info
    path = st.text_input(
        t("Folder path"),
        key="train_folder",
        persist_state="session",
        placeholder="/home/me/pictures/cats-vs-dogs",
        help=t(
            "One sub-folder of images per class; or train/ and test/ folders that each hold one sub-folder per class."
        ),
    )
    if not path.strip():
        st.caption(t("Type the path of a folder on this computer with one sub-folder of images per class."))
        return None
    try:
        folders.check_folder_allowed(f"folder:{path.strip()}")
        info = data.get_info(f"folder:{path.strip()}")
    except data.DatasetError as e:
        st.error(ui.plain(ui.reason(e)))
        return None
    classes = ", ".join(info.classes[:8]) + (" …" if len(info.classes) > 8 else "")
    st.caption(
        t(
            "{n} classes: {classes} · images {shape}",
            n=len(info.classes),
            classes=ui.plain(classes),
            shape="\u00d7".join(map(str, info.input_shape)),
        )
    )
    return info


def _architecture_choice(info: data.DatasetInfo | None) -> tuple[arch.ArchSpec | None, str | None, str | None]:
    """The architecture picker: (spec, preset id or None, the problem that prevents training or None)."""
    builder = st.session_state.get("builder_spec")
    options = ([BUILDER] if builder else []) + presets.list_presets()
    if st.session_state.pop("train_use_builder", False) and builder:
        st.session_state["train_arch"] = BUILDER
    if st.session_state.get("train_arch") not in options:
        st.session_state["train_arch"] = "lenet5"
    builder_name = (builder or {}).get("name", "custom")
    choice = st.selectbox(
        t("Architecture"),
        options,
        key="train_arch",
        format_func=lambda k: (
            t("Your design: {name}", name=builder_name) if k == BUILDER else t(presets.PRESETS[k].title)
        ),
    )
    if info is None:
        return None, None, t("Choose a dataset first.")
    try:
        if choice == BUILDER:
            spec = arch.ArchSpec.from_dict(builder)
            st.caption(t("{n} layers, built on the Architecture page.", n=len(spec.layers)))
        else:
            spec = presets.preset_spec(choice, info.input_shape, len(info.classes))
            st.caption(t(presets.PRESETS[choice].description))
        problem = train.fit_problem(spec, info)
    except arch.SpecError as e:
        return None, None, ui.reason(e)
    if problem:
        return spec, None, t("Cannot start: {reason}", reason=ui.plain(ui.reason(problem)))
    st.caption(t("{params} parameters", params=f"{arch.total_params(spec):,}"))
    return spec, (None if choice == BUILDER else choice), None


def _new_run(expanded: bool) -> None:
    with st.expander(t("New run"), expanded=expanded, icon=":material/add_circle:"):
        c1, c2, c3 = st.columns(3, gap="medium")
        with c1:
            info = _dataset_choice()
            spec, preset, problem = _architecture_choice(info)
        with c2:
            optimizer = st.selectbox(
                t("Optimiser"),
                train.OPTIMIZERS,
                key="train_optimizer",
                persist_state="session",
                format_func=OPTIMIZER_NAMES.get,
            )
            lr_text = st.text_input(
                t("Learning rate"),
                key="train_lr",
                persist_state="session",
                placeholder=t("default {lr:g}", lr=train.DEFAULT_LR[optimizer]),
                help=t("Leave empty for the optimiser's usual value."),
            )
            schedule = st.selectbox(
                t("Schedule"),
                train.SCHEDULES,
                key="train_schedule",
                persist_state="session",
                format_func=lambda s: t(SCHEDULE_TITLES.get(s, s)),
            )
        with c3:
            a, b = st.columns(2)
            batch = a.number_input(t("Batch size"), 1, 4096, 64, key="train_batch", persist_state="session")
            epochs = b.number_input(t("Epochs"), 1, 1000, 3, key="train_epochs", persist_state="session")
            seed = a.number_input(
                t("Seed"),
                0,
                2**31 - 1,
                0,
                key="train_seed",
                persist_state="session",
                help=t("The same seed and settings give the same run on a CPU."),
            )
            val = b.number_input(
                t("Validation fraction"),
                0.0,
                0.5,
                0.1,
                step=0.05,
                format="%.2f",
                key="train_val",
                persist_state="session",
                help=t("Training images held back to measure generalisation after each epoch."),
            )
            augment = st.toggle(
                t("Shift and turn the pictures"),
                value=bool(info and info.name.startswith("mine:")),
                help=t(
                    "Every batch shows each picture moved by up to 2 pixels and turned by up to 10 "
                    "degrees, so a few examples become many and the network learns shapes, not "
                    "pixels. Most useful on a small dataset of your own."
                ),
            )
        if problem:
            st.warning(problem, icon=":material/warning:")
            if spec is not None and preset is None:
                st.page_link(
                    "pages/architecture.py", label=t("Open the Architecture page"), icon=":material/account_tree:"
                )
        if not problem and not ui.download_confirmed(info.name):
            return  # the dataset must be downloaded first: a click on its Download button, then Start
        if not st.button(
            t("Start training"), key="train_start", type="primary", icon=":material/play_arrow:", disabled=bool(problem)
        ):
            return
        try:
            config = train.TrainConfig(
                spec=spec,
                dataset=info.name,
                optimizer=optimizer,
                lr=train.parse_lr(lr_text),
                batch_size=int(batch),
                epochs=int(epochs),
                seed=int(seed),
                val_fraction=float(val),
                schedule=schedule,
                preset=preset,
                augment=bool(augment),
            )
            config.validate()
        except ValueError as e:
            st.error(t("Cannot start: {reason}", reason=ui.reason(e)), icon=":material/error:")
            return
        if ui.start_training(config, ui.load_dataset(config.dataset)):
            st.session_state["_train_started"] = True
            st.rerun()  # the page again: the form folds away, the live view and the sidebar show the new run


# ---------------------------------------------------------------- watching a run


def _read(run_id: str) -> runs.RunInfo | None:
    """The run with its record, or None after saying why it cannot be shown (deleted, or damaged meanwhile)."""
    try:
        run = runs.read_run(run_id)
    except runs.RunError as e:
        st.warning(ui.reason(e))
        return None
    if run.record is None:
        st.warning(t("damaged: {reason}", reason=ui.plain(ui.reason(run.damaged))))
        return None
    return run


def _steer(action, run_id: str, *args) -> None:
    """A control button's action; a run that ended meanwhile just says so."""
    try:
        action(run_id, *args)
    except runs.RunError as e:
        st.session_state["_train_control_error"] = ui.reason(e)


def _controls(run: runs.RunInfo) -> None:
    """Pause / resume / stop and a new learning rate, for a run that is training (in any process)."""
    if error := st.session_state.pop("_train_control_error", None):
        st.warning(error)
    if run.status == "queued":
        cols = st.columns([1.4, 4], vertical_alignment="center")
        cols[0].button(
            t("Cancel"),
            key="train_cancel",
            icon=":material/cancel:",
            width="stretch",
            on_click=_steer,
            args=(jobs.cancel, run.run_id),
        )
        return
    paused = st.session_state["_train_drawn_paused"] = jobs.is_paused(run.run_id)
    cols = st.columns([1, 1.3, 1.6, 0.8, 2.3], vertical_alignment="bottom")
    if paused:
        cols[0].button(
            t("Resume"),
            key="train_resume",
            icon=":material/play_arrow:",
            width="stretch",
            on_click=_steer,
            args=(jobs.resume, run.run_id),
        )
    else:
        cols[0].button(
            t("Pause"),
            key="train_pause",
            icon=":material/pause:",
            width="stretch",
            on_click=_steer,
            args=(jobs.pause, run.run_id),
        )
    if cols[1].button(
        t("Stop training"),
        key="train_stop",
        icon=":material/stop:",
        width="stretch",
        help=t("Stops after the current step; the weights so far are kept and can be inspected."),
    ):
        try:
            jobs.stop(run.run_id)
            st.toast(t("Stopping {run}…", run=run.run_id))
        except runs.RunError as e:
            st.error(ui.reason(e))
    cols[2].text_input(
        t("New learning rate"),
        key="train_new_lr",
        placeholder="0.001",
        help=t("Replaces the schedule from the next step on."),
    )
    if cols[3].button(t("Set"), key="train_set_lr", width="stretch"):
        typed = st.session_state.get("train_new_lr", "")
        try:
            jobs.set_lr(run.run_id, train.parse_lr(typed, required=True))
            st.toast(t("Learning rate set to {lr}", lr=typed.strip()))
        except (ValueError, runs.RunError) as e:
            st.error(t("Cannot change the learning rate: {reason}", reason=ui.reason(e)))
    if paused:
        cols[4].info(t("Paused"), icon=":material/pause:")


def _kernels(run: runs.RunInfo, max_cols: int) -> None:
    convs = kernels.conv_layers(run.record.spec)
    if not convs:
        st.caption(t("This network has no convolution layer, so there are no kernels to watch."))
        return
    for snap in reversed(runs.list_snapshots(run.run_id)):  # the newest may still be being written: the one before
        title = t(
            "{layer} kernels at step {step:,} (epoch {epoch:.2f})",
            layer=convs[0],
            step=snap["step"],
            epoch=snap["epoch"],
        )
        if shown := ui.snapshot_kernels_figure(run.run_id, snap, convs[0], max_cols, title=title):
            break
    else:
        st.caption(t("The first kernels appear with the first snapshot."))
        return
    fig, channels = shown
    ui.chart(
        st,
        fig,
        width="stretch",
        config={"displayModeBar": False},
        help=(
            t(
                "Each square is one kernel of the first layer, drawn as a tiny colour picture: its red, "
                "green and blue slices become the picture's three colours, stretched to the kernel's own "
                "range. Bright parts are its largest weights and dark parts its lowest; a coloured blob "
                "means it reacts to that colour, a light-dark stripe to an edge."
            )
            if channels == 3
            else t(
                "Each square is one kernel, one cell per weight: blue is a positive weight, red a negative "
                "one, white zero. All kernels share one colour scale (the bar on the right), so the same "
                "colour means the same weight in every kernel."
            )
        ),
    )
    if channels not in (1, 3):
        st.caption(t("Showing input channel 0 of {n}.", n=channels))


def _progress(run: runs.RunInfo, records: list[dict]) -> None:
    live = run.status in runs.LIVE
    p = progress.of_run(run.record, records, live)
    st.progress(
        p.fraction,
        text=t(
            "Step {step:,} of {total:,} · epoch {epoch:.2f} of {epochs}",
            step=p.step,
            total=p.total_steps,
            epoch=p.epoch,
            epochs=p.epochs or "?",
        ),
    )
    cols = st.columns(5)
    cols[0].metric(t("Images per second"), f"{p.images_per_second:,.0f}" if p.images_per_second else "—")
    if live:
        cols[1].metric(t("Time left"), t("paused") if jobs.is_paused(run.run_id) else ui.duration(p.seconds_left))
    else:
        cols[1].metric(t("Training time"), ui.duration(p.train_seconds))
    cols[2].metric(t("Train loss"), "—" if p.train_loss is None else f"{p.train_loss:.4g}")
    cols[3].metric(t("Validation accuracy"), "—" if p.val_acc is None else f"{p.val_acc:.2%}")
    cols[4].metric(t("Learning rate"), "—" if p.lr is None else f"{p.lr:.2g}")


def _curves(run: runs.RunInfo, records: list[dict]) -> None:
    if any(r.get("kind") == "step" for r in records):
        ui.chart(
            st,
            ui.training_curves_figure(run.run_id, title=t("Loss and accuracy")),
            width="stretch",
            config={"displayModeBar": False},
            help=t(
                "Left the loss, right the accuracy, against the epoch (1 epoch = one pass over the "
                "training images). Blue is measured on the training images, orange on the validation "
                "images held back; the loss should fall and the accuracy rise, and a growing gap between "
                "blue and orange is a sign of overfitting."
            ),
        )
    elif run.status in runs.LIVE:
        st.info(t("Starting… the first curve points appear within a second or two."), icon=":material/hourglass_top:")
    else:
        st.caption(t("This run logged no metrics."))


def _run_view(run: runs.RunInfo, live: bool) -> None:
    """Progress, curves and kernels of a run; `live`: each part polls the run store at its own pace."""
    first_conv = next((layer for layer in run.record.spec.layers if layer.type == "conv"), None)
    few = first_conv is None or first_conv.filters <= SIDE_BY_SIDE_KERNELS
    top = st.container()
    # a few kernels fit beside the curves; many get the full width below them, so each stays readable
    left, right = st.columns([3, 2], gap="medium") if few else (st.container(), st.container())
    max_cols = 4 if few else 8
    if not live:
        records = metrics.last_records(run.run_id)
        with top:
            _progress(run, records)
        with left:
            _curves(run, records)
        with right:
            _kernels(run, max_cols)
        return
    # Live, every part redraws at the pace its data changes: the numbers every second, the curves every two,
    # the kernels (about 20 snapshots a run) every five. Each redraw costs the server and every watching browser
    # CPU that the training shares, so a classroom watching must not redraw what did not change.
    with top:
        _live_progress(run.run_id)
    with left:
        _live_curves(run.run_id)
    with right:
        _live_kernels(run.run_id, max_cols)


@st.fragment(run_every=1.0)
def _live_progress(run_id: str) -> None:
    """The numbers, and the watch on the run's state: its end, or a pause from another tab, redraws the page."""
    run = _read(run_id)
    if run is None:
        return
    if run.status not in runs.LIVE:
        if run.record.has_weights:
            ui.select_trained_run(run_id)
        st.rerun(scope="app")  # the whole page again: outcome, links, and no more polling
    if jobs.is_paused(run_id) != st.session_state.get("_train_drawn_paused"):
        st.rerun(scope="app")  # paused or resumed from another tab: redraw the buttons too
    _progress(run, metrics.last_records(run_id))


@st.fragment(run_every=2.0)
def _live_curves(run_id: str) -> None:
    try:
        _curves(runs.read_run(run_id), metrics.last_records(run_id))
    except runs.RunError:
        pass  # deleted meanwhile: the progress above says so


@st.fragment(run_every=5.0)
def _live_kernels(run_id: str, max_cols: int) -> None:
    try:
        run = runs.read_run(run_id)
    except runs.RunError:
        return
    if run.record is not None:  # damaged meanwhile: the progress above says so
        _kernels(run, max_cols)


@st.fragment(run_every=0.5)
def _live_starting(run_id: str) -> None:
    """Polls twice a second until the first metrics arrive, so the first curve appears as soon as it exists."""
    try:
        run = runs.read_run(run_id)
        started = bool(metrics.last_step(run_id)) or run.status not in runs.LIVE
    except runs.RunError:
        started, run = True, None
    if started:
        st.rerun(scope="app")  # the page again, now with the once-a-second view
    if run.status == "queued":
        listing = runs.list_runs()
        jobs.pump(listing)  # a training process that was killed cannot start the next one: any viewer does
        place = jobs.queue_position(run_id, listing)
        st.info(
            t(
                "Waiting in the queue: number {place} in line. It starts by itself when a training slot is free "
                "({slots} at a time on this server).",
                place=place or 1,
                slots=jobs.max_running(),
            ),
            icon=":material/schedule:",
        )
    else:
        st.info(t("Starting… the first curve points appear within a few seconds."), icon=":material/hourglass_top:")


def _export_button(run_id: str) -> None:
    """The finished run to take home: a standalone PyTorch script (`export.script`) that trains it again, and a
    one-page report (`report.report`)."""
    try:
        text = export.script(run_id)
    except ValueError as e:  # its image folder was moved away, or a hand-edited run.json
        st.caption(t("No PyTorch script for this run: {reason}", reason=ui.reason(e)))
        return
    # The report evaluates the test set and embeds plotly.js (about 5 MB): made only when it is clicked, on a thread
    # of its own, so drawing this page stays cheap. That thread cannot read the session: the language goes along.
    lang = st.session_state.get("lang", "en")
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        t("Download as a PyTorch script"),
        data=text,
        file_name=f"{run_id}.py",
        mime="text/x-python",
        key=f"train_export_{run_id}",
        icon=":material/download:",
        on_click="ignore",
        help=t(
            "A standalone Python file that trains the same network again with plain PyTorch: "
            "the same data, settings and seed, no cnnviz needed."
        ),
    )
    row.download_button(
        t("Download the run report (HTML)"),
        data=lambda: report.report(run_id, lang),
        file_name=f"{run_id}.html",
        mime="text/html",
        key=f"train_report_{run_id}",
        icon=":material/description:",
        on_click="ignore",
        help=t(
            "One web page with this run's settings, training curves, first-layer kernels, "
            "confusion matrix, per-class accuracy and most confident mistakes. It opens in any "
            "browser, with no server and no internet connection."
        ),
    )


def _outcome(run: runs.RunInfo) -> None:
    record = run.record
    acc = record.test_accuracy
    if run.status == "finished":
        st.success(
            t(
                "Finished: test accuracy {acc}, after {time} of training.",
                acc=f"{acc:.2%}" if acc is not None else "—",
                time=ui.duration(record.train_seconds),
            ),
            icon=":material/check_circle:",
        )
        if times := progress.epoch_seconds(record):  # the builder's estimate, made before training, beside the truth
            st.caption(
                t(
                    "Time per epoch: estimated {estimate} before training, took {actual}.",
                    estimate=ui.duration(times[0]),
                    actual=ui.duration(times[1]),
                )
            )
        _export_button(run.run_id)
    elif run.status == "stopped":
        st.warning(
            t("Stopped: {message}.", message=record.message or "")
            + (" " + t("Test accuracy of the weights so far: {acc}.", acc=f"{acc:.2%}") if acc is not None else ""),
            icon=":material/stop_circle:",
        )
    elif run.status == "failed":
        st.error(
            t("Training failed: {message}", message=record.message or t("no reason was recorded")),
            icon=":material/error:",
        )
    elif run.status == "interrupted":
        st.warning(
            t("This run was interrupted (its process ended before it finished), so it has no final weights."),
            icon=":material/cancel:",
        )
    if record.has_weights:
        ui.select_trained_run(run.run_id)
        with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
            st.markdown(t("**Take it apart:**"))
            for page, title, icon in INSPECT_PAGES:
                st.page_link(page, label=t(title), icon=icon)


@st.fragment(run_every=2.0)
def _jobs_panel() -> None:
    """Every run queued or training on this machine right now, with its progress; a click watches it."""
    listing = runs.list_runs()
    active = progress.live_runs(listing)
    if not active:
        st.rerun(scope="app")  # all done: render once more without polling
    jobs.pump(listing)
    queued = sum(r.status == "queued" for r in active)
    st.markdown(
        t(
            "**Training now**: {running} running, {queued} waiting (at most {slots} at a time)",
            running=len(active) - queued,
            queued=queued,
            slots=jobs.max_running(),
        )
    )
    for run in active:
        cols = st.columns([3, 4, 1], vertical_alignment="center")
        paused = run.status in runs.ACTIVE and jobs.is_paused(run.run_id)
        cols[0].caption(run.run_id + (" · " + t("paused") if paused else ""))
        if run.status == "queued":
            cols[1].caption(t("waiting: number {place} in line", place=jobs.queue_position(run.run_id, listing) or 1))
        else:
            p = progress.of_run(run.record, metrics.last_records(run.run_id), live=True)
            cols[1].progress(
                p.fraction, text=t("{pct:.0%} · {left} left", pct=p.fraction, left=ui.duration(p.seconds_left))
            )
        if run.run_id != st.session_state.get("watch_run") and cols[2].button(
            t("Watch"), key=f"train_watch_{run.run_id}"
        ):
            st.session_state["watch_run"] = run.run_id
            st.rerun(scope="app")


# ---------------------------------------------------------------- page

st.title(t("Train"))
st.caption(
    t(
        "Pick a dataset, a network and settings, then watch the loss fall and the first-layer kernels take "
        "shape. Runs keep training while you look at other screens."
    )
)
if st.session_state.pop("_train_started", False):
    st.toast(t("Training started"), icon=":material/model_training:")
_new_run(expanded=not st.session_state.get("train_seen_running"))  # folded once this session watches a run

st.subheader(t("Watch a run"))
if progress.live_runs(runs.list_runs()):
    with st.container(border=True):
        _jobs_panel()
watched = ui.watched_run()
if watched is None:
    st.info(
        t(
            "No runs yet. Choose the settings above and press Start training; LeNet-5 on the MNIST sample takes a "
            "few seconds. Runs trained on the command line (python -m cnnviz train) appear here too."
        ),
        icon=":material/info:",
    )
elif (current := _read(watched)) is None:
    st.stop()
elif current.status in runs.LIVE:
    st.session_state.setdefault("train_seen_running", set()).add(watched)
    _controls(current)
    if metrics.last_step(watched):
        _run_view(current, live=True)
    else:
        _live_starting(watched)
else:
    _outcome(current)
    _run_view(current, live=False)
