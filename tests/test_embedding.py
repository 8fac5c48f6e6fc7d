"""embedding.py: PCA against a direct computation and its edge cases, the penultimate features of a trained
LeNet-5, the embedding map, its replay over the training snapshots, and the caller's network left untouched."""

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from cnnviz import embedding
from cnnviz.loaded import LoadedRun


def test_pca_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(300, 6)) @ np.diag([5.0, 3.0, 1.0, 0.5, 0.2, 0.1]) @ np.linalg.qr(rng.normal(size=(6, 6)))[0]
    f += 7.0  # PCA centres
    points, ratio = embedding.pca_2d(f)
    centred = f - f.mean(0)
    vt = np.linalg.svd(centred, full_matrices=False)[2][:2]
    for row in vt:  # the sign rule: the largest |loading| of each component is positive
        row *= np.sign(row[np.argmax(np.abs(row))])
    np.testing.assert_allclose(points, centred @ vt.T, rtol=1e-5, atol=1e-4)
    eig = np.sort(np.linalg.eigh(np.cov(f, rowvar=False))[0])[::-1]
    np.testing.assert_allclose(ratio, eig[:2] / eig.sum(), rtol=1e-9)
    comps = embedding.fit_pca(f).components
    assert all(row[np.argmax(np.abs(row))] > 0 for row in comps)
    np.testing.assert_allclose(embedding.pca_2d(f[::-1])[0], points[::-1], atol=1e-4)  # order does not matter


def test_pca_edge_cases():
    points, ratio = embedding.pca_2d(np.ones((5, 3)))
    assert np.all(points == 0) and np.all(ratio == 0)
    points, ratio = embedding.pca_2d(np.arange(4.0)[:, None])  # one feature: the second axis is empty
    assert ratio.tolist() == [1.0, 0.0] and np.all(points[:, 1] == 0)
    with pytest.raises(ValueError, match="at least 2 rows"):
        embedding.pca_2d(np.ones((1, 3)))
    with pytest.raises(ValueError, match="NaN"):
        embedding.pca_2d(np.array([[0.0, np.nan], [1.0, 2.0]]))


# ---------------------------------------------------------------- a trained LeNet-5


@pytest.fixture
def lenet(use_run) -> LoadedRun:
    return LoadedRun.open(use_run("lenet5"))


def test_the_embedding_map_of_the_test_set(lenet):
    x = lenet.test_inputs(300)
    emb = embedding.embed(lenet.model, x)
    feats, preds = embedding.penultimate_features(lenet.model, x)
    assert emb.dims == 84 and emb.points.shape == (300, 2)
    np.testing.assert_array_equal(emb.predictions, preds)
    np.testing.assert_allclose(emb.points, embedding.project(embedding.fit_pca(feats), feats), atol=1e-6)


def test_embedding_features_and_timeline(lenet):
    x = lenet.test_inputs(200)
    labels = lenet.test_labels(200)
    feats, preds = embedding.penultimate_features(lenet.model, x)
    assert feats.shape == (200, 84)
    with torch.no_grad():
        np.testing.assert_array_equal(preds, lenet.model(x).argmax(1).numpy())
    pca = embedding.fit_pca(feats)
    assert lenet.full_snapshots
    seen = []
    tl = embedding.embedding_timeline(lenet, x, pca, progress=lambda f, m: seen.append(f))
    n_snaps = len(lenet.snapshots)
    assert tl.points.shape == (n_snaps, 200, 2) and tl.predictions.shape == (n_snaps, 200)
    assert len(tl.steps) == n_snaps and tl.steps[0] == 0 and seen[-1] == 1.0
    # the last snapshot is taken after the last step: it is the final network, on the final axes
    np.testing.assert_allclose(tl.points[-1], embedding.standardise(embedding.project(pca, feats)), atol=1e-4)
    spread = np.sqrt((tl.points**2).sum(2).mean(1))  # every frame: centred, unit RMS spread
    np.testing.assert_allclose(spread, 1.0, rtol=1e-4)
    np.testing.assert_allclose(tl.points.mean(1), 0.0, atol=1e-4)
    assert (tl.predictions[-1] == labels).mean() > (tl.predictions[0] == labels).mean()


def test_timeline_refused_when_snapshots_hold_only_kernels(lenet):
    for snap in lenet.snapshots:  # what training keeps for networks over 500,000 parameters
        state = load_file(str(snap.path))
        save_file({k: v for k, v in state.items() if v.ndim == 4}, str(snap.path), metadata={"step": "0", "epoch": "0"})
    stripped = LoadedRun.open(lenet.run_id)
    assert not stripped.full_snapshots
    pca = embedding.fit_pca(np.random.default_rng(0).normal(size=(10, 84)))
    with pytest.raises(ValueError, match="only the convolution kernels"):
        embedding.embedding_timeline(stripped, stripped.test_inputs(10), pca)


def test_mapping_never_changes_the_model(lenet):
    model, x = lenet.model, lenet.test_inputs()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    embedding.penultimate_features(model, x[:50])
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not model.training and all(not m.training for m in model.modules())
    assert all(p.grad is None and p.requires_grad for p in model.parameters())
