"""Make a dataset: name a few classes, add pictures by drawing, camera or upload, then train a network on them."""

import streamlit as st

from cnnviz import own_data, own_import, presets, train, ui
from cnnviz.ui import t

ui.ensure_navigation()

NEW = "__new__"
GALLERY_COLUMNS = 8
SHOWN_PER_CLASS = 24  # the newest examples of a class shown with their delete buttons (three rows), unless all
SOURCES = {
    "draw": ":material/draw: " + t("Draw"),
    "camera": ":material/photo_camera: " + t("Camera"),
    "upload": ":material/upload: " + t("Upload pictures"),
    "zip": ":material/folder_zip: " + t("Upload a zip"),
}


def _notice(text: str | None = None, kind: str = "success") -> None:
    """Say what the last action did, after the rerun that shows its result (no text: say what is kept)."""
    if text is not None:
        st.session_state.setdefault("maker_notices", []).append((kind, text))
        return
    for kind, said in st.session_state.pop("maker_notices", []):
        {"success": st.success, "warning": st.warning, "error": st.error}[kind](said)


def _bump(name: str) -> int:
    """A counter in a widget's key: bumping it gives a fresh, empty widget (a cleared canvas or uploader)."""
    st.session_state[name] = st.session_state.get(name, 0) + 1
    return st.session_state[name]


def _choose() -> own_data.OwnDataset | None:
    made, problems = own_data.list_made()
    for problem in problems:
        st.warning(t("A made dataset cannot be read: {reason}", reason=ui.plain(ui.reason(problem))))
    ids = [d.id for d in made]
    titles = {d.id: d.title for d in made}
    if "_maker_open" in st.session_state:  # a dataset just made: show it (set before its picker is drawn)
        st.session_state["maker_dataset"] = st.session_state.pop("_maker_open")
    if st.session_state.get("maker_dataset") not in [*ids, NEW]:
        st.session_state["maker_dataset"] = ids[0] if ids else NEW
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        t("Dataset"),
        [*ids, NEW],
        key="maker_dataset",
        format_func=lambda i: t("New dataset…") if i == NEW else t(titles[i]),
    )
    if own_import.EXAMPLE_ID not in ids and right.button(
        t("Add the example: 3, 5 and 8 from MNIST"), key="maker_example", icon=":material/auto_awesome:"
    ):
        with st.spinner(t("Copying 120 digits from the MNIST sample…")):
            own_import.example_set()
        st.session_state["_maker_open"] = own_import.EXAMPLE_ID
        st.rerun()
    return None if chosen == NEW else next(d for d in made if d.id == chosen)


def _new_dataset_form() -> None:
    with st.form("maker_new"):
        name = st.text_input(t("Name"), max_chars=own_data.MAX_NAME_CHARS, placeholder=t("Shapes"))
        classes = st.text_area(
            t("Classes, one per line"),
            placeholder=t("circle\nsquare\ntriangle"),
            help=t("Between 2 and 10 classes. Names may hold letters, digits, spaces and - _ . , ' ( ) + &."),
        )
        a, b, c = st.columns(3)
        size = a.selectbox(t("Picture size"), own_data.SIZES, format_func=lambda s: f"{s}×{s}")
        colour = b.selectbox(t("Colour"), [1, 3], format_func=lambda n: t("grey") if n == 1 else t("colour"))
        drawings = c.selectbox(
            t("Kind of pictures"),
            [True, False],
            format_func=lambda d: t("drawings (centred like MNIST)") if d else t("photos"),
        )
        if not st.form_submit_button(t("Create the dataset"), type="primary", icon=":material/add:"):
            return
    try:
        ds = own_data.create(name, [line for line in classes.splitlines() if line.strip()], size, colour, drawings)
    except own_data.OwnDataError as e:
        st.error(t("Not created: {reason}", reason=ui.plain(ui.reason(e))), icon=":material/error:")
        return
    st.session_state["_maker_open"] = ds.id
    _notice(t("Created {title}. Now add examples to each class.", title=ui.plain(ds.title)))
    st.rerun()


def _add(ds: own_data.OwnDataset, index: int, pictures: list[tuple[str, bytes]]) -> None:
    """Store the pictures in class `index`; say how many were added and why any was not."""
    added, refused = 0, []
    for name, content in pictures:
        try:
            own_data.add_example(ds, index, content)
            added += 1
        except own_data.OwnDataError as e:
            refused.append(f"{ui.plain(name)}: {ui.plain(ui.reason(e))}")
    for line in refused:
        _notice(t("Not added: {reason}", reason=line), "error")
    if added:
        _notice(t("Added {n} to {name}.", n=added, name=ui.plain(ds.classes[index])))
    st.rerun()


def _add_examples(ds: own_data.OwnDataset) -> None:
    st.subheader(t("Add examples"))
    names = list(ds.classes)
    ui.keep_valid("maker_class", list(range(len(names))), 0)
    index = st.segmented_control(
        t("To the class"), list(range(len(names))), key="maker_class", format_func=lambda i: names[i], required=True
    )
    sources = [s for s in SOURCES if s != "draw" or ds.channels == 1]
    ui.keep_valid("maker_source", sources, sources[0])
    source = st.segmented_control(t("From"), sources, key="maker_source", format_func=SOURCES.get, required=True)
    if source == "draw":
        box = st.container()
        drawn = ui.drawing(
            "maker",
            box,
            box,
            hint=t("Draw one example with the mouse, large and centred."),
            empty=t("Draw in the black box, then add the drawing to the class."),
            key=f"maker_canvas_{st.session_state.get('maker_canvas_n', 0)}",
        )
        if drawn and st.button(t("Add this drawing"), key="maker_add_drawing", type="primary", icon=":material/add:"):
            _bump("maker_canvas_n")
            _add(ds, index, [(t("your drawing"), drawn)])
    elif source == "camera":
        photo = st.camera_input(t("Take a photo"), key=f"maker_camera_{st.session_state.get('maker_camera_n', 0)}")
        if photo is not None and st.button(
            t("Add this photo"), key="maker_add_photo", type="primary", icon=":material/add:"
        ):
            _bump("maker_camera_n")
            _add(ds, index, [(t("the photo"), photo.getvalue())])
    elif source == "upload":
        files = st.file_uploader(
            t("Pictures (PNG, JPEG, ...)"),
            accept_multiple_files=True,
            key=f"maker_upload_{st.session_state.get('maker_upload_n', 0)}",
        )
        if files and st.button(
            t("Add {n} picture(s)", n=len(files)), key="maker_add_upload", type="primary", icon=":material/add:"
        ):
            _bump("maker_upload_n")
            _add(ds, index, [(f.name, f.getvalue()) for f in files])
    else:
        _import_zip(ds)


def _import_zip(ds: own_data.OwnDataset) -> None:
    st.caption(
        t(
            "A zip with one folder of pictures per class: folders named like a class add to it, others become "
            "new classes (up to 10)."
        )
    )
    archive = st.file_uploader(
        t("A zip of class folders"), type=["zip"], key=f"maker_zip_{st.session_state.get('maker_zip_n', 0)}"
    )
    if archive is None or not st.button(
        t("Import the zip"), key="maker_import", type="primary", icon=":material/unarchive:"
    ):
        return
    bar = st.progress(0.0, text=t("Importing…"))
    try:
        done = own_import.import_zip(ds, archive.getvalue(), lambda f, _: bar.progress(min(f, 1.0)))
    except own_data.OwnDataError as e:
        st.error(t("Not imported: {reason}", reason=ui.plain(ui.reason(e))), icon=":material/error:")
        return
    bar.empty()
    _bump("maker_zip_n")
    added = ", ".join(f"{ui.plain(c)} {n}" for c, n in done.added.items()) or "0"
    _notice(t("Imported: {added}.", added=added))
    for where, why in done.skipped[:10]:
        _notice(t("Left out {what}: {reason}", what=ui.plain(where), reason=ui.plain(ui.reason(why))), "warning")
    if len(done.skipped) > 10:
        _notice(t("…and {n} more left out.", n=len(done.skipped) - 10), "warning")
    st.rerun()


def _gallery(ds: own_data.OwnDataset, files: list) -> None:
    index = st.session_state.get("maker_class", 0)
    st.subheader(t("Examples of {name} ({n})", name=ui.plain(ds.classes[index]), n=len(files[index])))
    if not files[index]:
        st.caption(t("None yet."))
        return
    every = len(files[index]) > SHOWN_PER_CLASS and st.toggle(
        t("Show all {n}, not only the newest {k}", n=len(files[index]), k=SHOWN_PER_CLASS), key="maker_show_all"
    )
    shown = files[index][::-1] if every else files[index][-SHOWN_PER_CLASS:][::-1]  # newest first
    for start in range(0, len(shown), GALLERY_COLUMNS):  # row by row, so every picture sits above its button
        for column, path in zip(st.columns(GALLERY_COLUMNS), shown[start : start + GALLERY_COLUMNS]):
            box = column.container(border=True, horizontal_alignment="center")
            box.image(own_data.read_example(path), width=64)
            if box.button(
                "",
                key=f"maker_del_{ds.id}_{index}_{path.name}",
                icon=":material/delete:",
                help=t("Delete this example"),
            ):
                own_data.delete_example(ds, index, path.name)
                st.rerun()


def _train(ds: own_data.OwnDataset) -> None:
    st.subheader(t("Train on it"))
    problem = own_data.problem(ds)
    if problem:
        st.info(ui.reason(problem), icon=":material/info:")
    a, b, c = st.columns(3, vertical_alignment="bottom")
    preset = a.selectbox(
        t("Network"), presets.list_presets(), key="maker_preset", format_func=lambda k: t(presets.PRESETS[k].title)
    )
    epochs = b.number_input(
        t("Epochs"),
        1,
        200,
        30,
        key="maker_epochs",
        help=t("A tiny dataset needs many passes; each one takes a moment."),
    )
    augment = c.toggle(
        t("Shift and turn the pictures"),
        value=True,
        key="maker_augment",
        help=t(
            "Every batch shows each picture moved by up to 2 pixels and turned by up to 10 "
            "degrees, so a few examples become many and the network learns shapes, not pixels."
        ),
    )
    if not st.button(
        t("Train"), key="maker_train", type="primary", icon=":material/play_arrow:", disabled=problem is not None
    ):
        return
    split = ui.load_dataset(ds.name)
    config = train.config_for(
        preset,
        ds.name,
        epochs=int(epochs),
        augment=bool(augment),
        batch_size=min(16, max(1, int(len(split.x_train) * 0.9))),
    )
    if ui.start_training(config, split):
        st.switch_page("pages/train.py")


def _manage(ds: own_data.OwnDataset) -> None:
    with st.expander(t("Classes and the dataset"), icon=":material/settings:"):
        left, right = st.columns(2, vertical_alignment="bottom")
        name = left.text_input(t("New class"), key="maker_new_class", max_chars=own_data.MAX_NAME_CHARS)
        if right.button(t("Add the class"), key="maker_add_class", icon=":material/add:") and name.strip():
            try:
                own_data.add_class(ds, name)
                st.rerun()
            except own_data.OwnDataError as e:
                st.error(ui.plain(ui.reason(e)), icon=":material/error:")
        index = st.session_state.get("maker_class", 0)
        if st.button(
            t("Remove the class {name} and its examples", name=ui.plain(ds.classes[index])),
            key="maker_remove_class",
            icon=":material/remove:",
        ):
            try:
                own_data.remove_class(ds, index)
                st.rerun()
            except own_data.OwnDataError as e:
                st.error(ui.plain(ui.reason(e)), icon=":material/error:")
        sure = st.checkbox(t("Yes, delete {title} and all its pictures", title=ui.plain(ds.title)), key="maker_sure")
        if st.button(t("Delete the dataset"), key="maker_delete", icon=":material/delete_forever:", disabled=not sure):
            own_data.delete(ds)
            _notice(t("Deleted {title}.", title=ui.plain(ds.title)))
            st.rerun()


st.title(t("Make a dataset"))
st.markdown(
    t(
        "Name a few classes, give each some examples: drawn with the mouse, taken with the camera or uploaded. "
        "Then train a network on them in seconds and take it apart on every inspection screen."
    )
)
_notice()
made = _choose()
if made is None:
    _new_dataset_form()
    st.stop()
counts = own_data.examples(made)
st.caption(
    ui.dataset_description(made.info())
    + " "
    + " · ".join(f"{ui.plain(c)}: {len(f)}" for c, f in zip(made.classes, counts))
)
_add_examples(made)
_gallery(made, counts)
_train(made)
_manage(made)
