"""Home: what cnnviz does, the one-click first training, and every run in the store."""

import streamlit as st

from cnnviz import jobs, runs, ui
from cnnviz.ui import t

ui.ensure_navigation()

st.title(t("cnnviz: see what a convolutional network does"))
st.markdown(
    t(
        "Train a small CNN on handwritten digits and watch its curves and kernels change live.  \n"
        "Then take it apart layer by layer: kernels, feature maps, mistakes, and why it decided.  \n"
        "Or play with the maths itself: kernels, stride, padding and pooling on real images."
    )
)

ui.quick_start_button(key="quick_start_home")
st.caption(t("LeNet-5, 3 epochs on 4,000 built-in MNIST digits: a few seconds on a laptop CPU, no download."))


@st.fragment(run_every=2.0)
def _follow(signature: tuple) -> None:
    """While runs wait or train, redraw the list when one of them starts or ends (and start queued ones)."""
    listing = runs.list_runs()
    jobs.pump(listing)
    if _signature(listing) != signature:
        st.rerun(scope="app")


def _signature(listing: list[runs.RunInfo]) -> tuple:
    return tuple((r.run_id, r.status) for r in listing)


st.subheader(t("Runs"))
listing = runs.list_runs()
if any(r.status in runs.LIVE for r in listing):
    _follow(_signature(listing))
if not listing:
    st.info(
        t(
            "No runs yet. Start one above, or on the Train page; runs trained on the command line "
            "(python -m cnnviz train) appear here too."
        )
    )
for run in listing:
    record = run.record
    cols = st.columns([4, 2, 2, 1.5, 1.2])
    cols[0].markdown(f"**{run.run_id}**  \n{ui.plain(record.name)}" if record else f"**{run.run_id}**")
    if run.damaged:
        cols[1].error(t("damaged: {reason}", reason=ui.plain(ui.reason(run.damaged))), icon=":material/broken_image:")
    else:
        cols[1].markdown(ui.dataset_title(record.dataset, record.dataset_title))
    status = "damaged" if run.damaged else run.status
    acc = record.test_accuracy if record else None
    cols[2].write(ui.status_label(status) + (f" · {acc:.2%}" if acc is not None else ""))
    if status == "queued":
        cols[2].caption(t("number {place} in line", place=jobs.queue_position(run.run_id, listing) or 1))
    if status in runs.LIVE:
        queued = status == "queued"
        if cols[3].button(
            t("Cancel") if queued else t("Stop training"),
            key=f"stop_{run.run_id}",
            icon=":material/cancel:" if queued else ":material/stop:",
        ):
            try:
                jobs.cancel(run.run_id)
            except runs.RunError as e:
                st.error(ui.reason(e))
            st.rerun()
    elif cols[4].button(t("Delete"), key=f"delete_{run.run_id}", icon=":material/delete:"):
        try:
            runs.delete_run(run.run_id)
        except runs.RunError as e:
            st.error(ui.reason(e))
        else:
            st.rerun()
