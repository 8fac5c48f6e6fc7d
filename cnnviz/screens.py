"""The app's screens: their sections, titles and icons, in menu order (app.py builds the navigation from this)."""

from __future__ import annotations

from .i18n import N_

SECTIONS: dict[str, list[tuple[str, str, str]]] = {  # section -> [(page file, title, icon)]
    N_("Start"): [("pages/home.py", N_("Home"), ":material/home:")],
    N_("Learn"): [
        ("pages/lesson.py", N_("Guided lesson"), ":material/school:"),
        ("pages/convolution.py", N_("Convolution"), ":material/blur_on:"),
        ("pages/architecture.py", N_("Architecture"), ":material/account_tree:"),
        ("pages/glossary.py", N_("Glossary"), ":material/menu_book:"),
    ],
    N_("Train"): [
        ("pages/train.py", N_("Train"), ":material/model_training:"),
        ("pages/dataset_maker.py", N_("Make a dataset"), ":material/add_photo_alternate:"),
    ],
    N_("Inspect"): [
        ("pages/kernels.py", N_("Kernels"), ":material/grid_view:"),
        ("pages/feature_maps.py", N_("Feature maps"), ":material/layers:"),
        ("pages/evaluation.py", N_("Evaluation"), ":material/fact_check:"),
        ("pages/explain.py", N_("Explain a decision"), ":material/psychology:"),
        ("pages/receptive_field.py", N_("Receptive field"), ":material/center_focus_strong:"),
    ],
    N_("Experiment"): [
        ("pages/experiment.py", N_("Experiment"), ":material/science:"),
        ("pages/pretrained.py", N_("Pretrained networks"), ":material/photo_camera:"),
    ],
    N_("Labs"): [
        ("pages/lab_adversarial.py", N_("Adversarial nudge"), ":material/bolt:"),
        ("pages/lab_sanity.py", N_("Sanity check for explanations"), ":material/rule:"),
        ("pages/lab_invariance.py", N_("Invariance: shifted, turned and scaled digits"), ":material/open_with:"),
        ("pages/lab_shortcut.py", N_("Shortcut learning"), ":material/fingerprint:"),
    ],
}
TITLES: dict[str, str] = {path: title for pages in SECTIONS.values() for path, title, _ in pages}  # English
