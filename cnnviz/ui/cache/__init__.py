"""Every cache of the app, in one place: datasets, loaded runs, and what the screens compute from them.

Resources (datasets, loaded runs and their networks) are shared read-only by every session: a cached
network is never trained or modified (analysis works on copies). Derived results are keyed by the run id,
its weights' checksum and the moment of training (`at`: a snapshot index, None for the final weights), so a
retrained or replaced run is never served stale numbers.

    loading.py      datasets (downloaded only after a click), loaded runs, evaluations, prepared inputs
    inspection.py   activations, first-layer maps, adversarial flips, the sanity cascade, the moment of training
    explain.py      attribution, probabilities, what filters look for, the embedding map
    pretrained.py   the ImageNet networks, their photos, predictions and Grad-CAM
    experiment.py   compare, timeline, robustness, health, handcrafted
    training.py     the Train screen's live figures: kernels at a snapshot, training curves
    playground.py   the playground and the builder: coloured pictures, receptive fields
    labs.py         the invariance and shortcut labs

The names reach pages as `ui.<name>` (cnnviz/ui/__init__.py imports them from each module).
"""
