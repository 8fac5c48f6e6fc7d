"""Train, the new-run form: a dataset (a built-in, a made one, or an image folder), a network (a preset or the
Architecture page's design), the optimiser and settings, and Start training."""

from __future__ import annotations

import streamlit as st

from ... import arch, data, folders, presets, train_config
from ...fits import fit_problem
from ...i18n import N_
from ..cache.loading import download_confirmed, load_dataset
from ..session import dataset_name
from ..text import dataset_description, dataset_label, plain, reason, t
from ..training import start_training

FOLDER = "__folder__"
BUILDER = "__builder__"
OPTIMIZER_NAMES = {"adam": "Adam", "sgd": "SGD", "adadelta": "Adadelta", "rmsprop": "RMSprop"}  # names, not words
SCHEDULE_TITLES = {"onecycle": N_("one-cycle (warm-up, then cosine decay)"), "constant": N_("constant")}


def new_run(expanded: bool) -> None:
    with st.expander(t("New run"), expanded=expanded, icon=":material/add_circle:"):
        c1, c2, c3 = st.columns(3, gap="medium")
        with c1:
            info = _dataset_choice()
            spec, preset, problem = _architecture_choice(info)
        with c2:
            optimizer, lr_text, schedule = _optimiser_settings()
        with c3:
            batch, epochs, seed, val, augment = _run_settings(info)
        if problem:
            st.warning(problem, icon=":material/warning:")
            if spec is not None and preset is None:
                st.page_link(
                    "pages/architecture.py", label=t("Open the Architecture page"), icon=":material/account_tree:"
                )
        if not problem and not download_confirmed(info.name):
            return  # the dataset must be downloaded first: a click on its Download button, then Start
        if not st.button(
            t("Start training"), key="train_start", type="primary", icon=":material/play_arrow:", disabled=bool(problem)
        ):
            return
        try:
            config = train_config.TrainConfig(
                spec=spec,
                dataset=info.name,
                optimizer=optimizer,
                lr=train_config.parse_lr(lr_text),
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
            st.error(t("Cannot start: {reason}", reason=reason(e)), icon=":material/error:")
            return
        if start_training(config, load_dataset(config.dataset)):
            st.session_state["_train_started"] = True
            st.rerun()  # the page again: the form folds away, the live view and the sidebar show the new run


def _optimiser_settings() -> tuple[str, str, str]:
    """(optimiser, the learning rate as typed, schedule)."""
    optimizer = st.selectbox(
        t("Optimiser"),
        train_config.OPTIMIZERS,
        key="train_optimizer",
        persist_state="session",
        format_func=OPTIMIZER_NAMES.get,
    )
    lr_text = st.text_input(
        t("Learning rate"),
        key="train_lr",
        persist_state="session",
        placeholder=t("default {lr:g}", lr=train_config.DEFAULT_LR[optimizer]),
        help=t("Leave empty for the optimiser's usual value."),
    )
    schedule = st.selectbox(
        t("Schedule"),
        train_config.SCHEDULES,
        key="train_schedule",
        persist_state="session",
        format_func=lambda s: t(SCHEDULE_TITLES.get(s, s)),
    )
    return optimizer, lr_text, schedule


def _run_settings(info: data.DatasetInfo | None) -> tuple:
    """(batch size, epochs, seed, validation fraction, augment)."""
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
    return batch, epochs, seed, val, augment


def _dataset_choice() -> data.DatasetInfo | None:
    """The dataset picker (default: the sidebar's); a folder path is checked at once."""
    sidebar = dataset_name()
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
        format_func=lambda n: t("Your image folder…") if n == FOLDER else dataset_label(n),
    )
    if st.session_state["train_dataset"] != FOLDER:
        try:
            info = data.get_info(st.session_state["train_dataset"])
        except data.DatasetError as e:  # a made dataset damaged on disk
            st.error(plain(reason(e)))
            return None
        st.caption(dataset_description(info))
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
        st.error(plain(reason(e)))
        return None
    classes = ", ".join(info.classes[:8]) + (" …" if len(info.classes) > 8 else "")
    st.caption(
        t(
            "{n} classes: {classes} · images {shape}",
            n=len(info.classes),
            classes=plain(classes),
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
        problem = fit_problem(spec, info)
    except arch.SpecError as e:
        return None, None, reason(e)
    if problem:
        return spec, None, t("Cannot start: {reason}", reason=plain(reason(problem)))
    st.caption(t("{params} parameters", params=f"{arch.total_params(spec):,}"))
    return spec, (None if choice == BUILDER else choice), None
