"""explain.py: attribution on hand-set networks with known answers, IG completeness, activation maximisation,
top-activating images, PCA against a direct computation, the embedding timeline, and an untouched model."""
import shutil
from collections import OrderedDict
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from cnnviz import data, explain, runs, train

GRADIENT_METHODS = ("saliency", "smoothgrad", "integrated_gradients")


# ---------------------------------------------------------------- a hand-set network with a known answer


def quadrant_net(stride: int = 1) -> nn.Sequential:
    """8x8 input; conv1 channel 0 = x, channel 1 = -x (then ReLU); class 1 reads channel 0 in the top-left
    quadrant only, class 0 reads channel 1 in the bottom-right only. Named like arch.build's networks."""
    k = 1 if stride == 1 else 2
    conv = nn.Conv2d(1, 2, k, stride)
    s = 8 // stride
    dense = nn.Linear(2 * s * s, 2)
    with torch.no_grad():
        conv.bias.zero_()
        conv.weight.zero_()
        conv.weight[0, 0] = 1.0 / (k * k)
        conv.weight[1, 0] = -1.0 / (k * k)
        dense.weight.zero_()
        dense.bias.zero_()
        w = dense.weight.view(2, 2, s, s)
        w[1, 0, :s // 2, :s // 2] = 1.0
        w[0, 1, s // 2:, s // 2:] = 1.0
    return nn.Sequential(OrderedDict(conv1=conv, conv1_relu=nn.ReLU(), flatten=nn.Flatten(), dense1=dense)).eval()


def quadrant_image() -> np.ndarray:
    """(1, 8, 8): positive ramp 0.5..2 in the top-left quadrant, -1 elsewhere."""
    x = -np.ones((1, 8, 8), np.float32)
    x[0, :4, :4] = np.linspace(0.5, 2.0, 16, dtype=np.float32).reshape(4, 4)
    return x


TOP_LEFT = np.zeros((8, 8), bool)
TOP_LEFT[:4, :4] = True


@pytest.mark.parametrize("method", GRADIENT_METHODS)
def test_gradient_methods_see_only_the_quadrant_the_class_reads(method):
    net, x = quadrant_net(), quadrant_image()
    a = explain.attribute(method, net, x, target=1)
    assert a.heat.shape == a.raw.shape == (8, 8) and a.target == 1 and a.method == method
    assert np.all(a.heat[~TOP_LEFT] == 0) and np.all(a.raw[~TOP_LEFT] == 0)
    assert np.all(a.heat[TOP_LEFT] > 0) and a.heat.max() == pytest.approx(1.0)


def test_saliency_and_integrated_gradients_exact_values():
    net, x = quadrant_net(), quadrant_image()
    sal = explain.saliency(net, x, 1)
    np.testing.assert_array_equal(sal.raw, TOP_LEFT.astype(np.float32))  # d logit1 / dx = 1 there, 0 elsewhere
    ig = explain.integrated_gradients(net, x, 1)  # baseline 0: logit1 = sum of the positive top-left pixels
    np.testing.assert_allclose(ig.raw, np.where(TOP_LEFT, x[0], 0), atol=1e-5)
    np.testing.assert_allclose(ig.heat, np.where(TOP_LEFT, x[0] / 2.0, 0), atol=1e-6)


def test_grad_cam_exact_on_the_conv_module_and_its_activation():
    net, x = quadrant_net(), quadrant_image()
    # d logit1 / d channel 0 is 1 on 16 of 64 cells: weight 1/4; channel 1 gets weight 0
    cam = explain.grad_cam(net, x, 1, "conv1")
    np.testing.assert_allclose(cam.raw, 0.25 * x[0], atol=1e-6)
    np.testing.assert_allclose(cam.heat, np.where(TOP_LEFT, x[0] / 2.0, 0), atol=1e-6)
    cam_relu = explain.grad_cam(net, x, 1, "conv1_relu")
    np.testing.assert_allclose(cam_relu.raw, 0.25 * np.maximum(x[0], 0), atol=1e-6)
    # class 0 reads channel 1 (bright where x < 0) in the bottom-right: weight 1/4 for channel 1. Grad-CAM
    # weighs whole channels, so the heat covers everywhere channel 1 fires, i.e. all but the top-left
    other = explain.grad_cam(net, x, 0, "conv1")
    np.testing.assert_allclose(other.raw, -0.25 * x[0], atol=1e-6)
    np.testing.assert_array_equal(other.heat, (~TOP_LEFT).astype(np.float32))


def test_grad_cam_upsampled_from_a_coarse_layer_is_hot_in_the_quadrant():
    net, x = quadrant_net(stride=2), quadrant_image()  # conv1 maps are 4x4, upsampled to 8x8
    cam = explain.grad_cam(net, x, 1, "conv1")
    assert cam.heat.shape == (8, 8)
    assert TOP_LEFT[np.unravel_index(np.argmax(cam.heat), cam.heat.shape)]
    assert cam.heat[TOP_LEFT].sum() / cam.heat.sum() > 0.8
    assert cam.heat[5:, :].max() == 0 and cam.heat[:, 5:].max() == 0


def test_bad_requests_raise_clear_value_errors():
    net, x = quadrant_net(), quadrant_image()
    with pytest.raises(ValueError, match="target class"):
        explain.saliency(net, x, 2)
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        explain.grad_cam(net, x, 1, "conv9")
    with pytest.raises(ValueError, match="feature maps"):
        explain.grad_cam(net, x, 1, "dense1")
    with pytest.raises(ValueError, match="unknown attribution method"):
        explain.attribute("lime", net, x, 1)
    with pytest.raises(ValueError, match="needs a convolution layer"):
        explain.attribute("gradcam", net, x, 1)
    with pytest.raises(ValueError, match="float input"):
        explain.saliency(net, (x * 100).astype(np.uint8), 1)
    with pytest.raises(ValueError, match="one image"):
        explain.saliency(net, np.zeros((2, 1, 8, 8), np.float32), 1)


def test_pca_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(300, 6)) @ np.diag([5.0, 3.0, 1.0, 0.5, 0.2, 0.1]) @ np.linalg.qr(rng.normal(size=(6, 6)))[0]
    f += 7.0  # PCA centres
    points, ratio = explain.pca_2d(f)
    centred = f - f.mean(0)
    vt = np.linalg.svd(centred, full_matrices=False)[2][:2]
    for row in vt:  # the sign rule: the largest |loading| of each component is positive
        row *= np.sign(row[np.argmax(np.abs(row))])
    np.testing.assert_allclose(points, centred @ vt.T, rtol=1e-5, atol=1e-4)
    eig = np.sort(np.linalg.eigh(np.cov(f, rowvar=False))[0])[::-1]
    np.testing.assert_allclose(ratio, eig[:2] / eig.sum(), rtol=1e-9)
    comps = explain.fit_pca(f).components
    assert all(row[np.argmax(np.abs(row))] > 0 for row in comps)
    np.testing.assert_allclose(explain.pca_2d(f[::-1])[0], points[::-1], atol=1e-4)  # order does not matter


def test_pca_edge_cases():
    points, ratio = explain.pca_2d(np.ones((5, 3)))
    assert np.all(points == 0) and np.all(ratio == 0)
    points, ratio = explain.pca_2d(np.arange(4.0)[:, None])  # one feature: the second axis is empty
    assert ratio.tolist() == [1.0, 0.0] and np.all(points[:, 1] == 0)
    with pytest.raises(ValueError, match="at least 2 rows"):
        explain.pca_2d(np.ones((1, 3)))
    with pytest.raises(ValueError, match="NaN"):
        explain.pca_2d(np.array([[0.0, np.nan], [1.0, 2.0]]))


# ---------------------------------------------------------------- a trained LeNet-5


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    home = tmp_path_factory.mktemp("explain-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNVIZ_HOME", str(home))
        mp.setenv("CNNVIZ_DATA_DIR", str(home / "data"))
        done = train.run_training(train.config_for("lenet5", epochs=1))
        spec, model = runs.load_model(done.run_id)
        split = data.load("mnist-sample")
    return SimpleNamespace(home=home, run_id=done.run_id, spec=spec, model=model, split=split,
                           x=data.normalize(split.x_test, split.info))


@pytest.fixture
def run_home(trained, monkeypatch):
    monkeypatch.setenv("CNNVIZ_HOME", str(trained.home))
    return trained


def _centre(model, layer, x):
    """The centre unit of every channel of `layer` for images x, by a forward hook on the original network."""
    out = []
    handle = dict(model.named_children())[layer].register_forward_hook(lambda _m, _i, o: out.append(o))
    try:
        with torch.no_grad():
            model(x)
    finally:
        handle.remove()
    maps = out[0]  # (N, C, h, w)
    return maps[:, :, maps.shape[2] // 2, maps.shape[3] // 2]  # (N, C)


def test_integrated_gradients_completeness_on_lenet(trained):
    base = explain.black_baseline(trained.split.info)
    for i, target in ((0, None), (1, 3)):
        x = trained.x[i]
        with torch.no_grad():
            logits = trained.model(x[None])[0]
            target = int(logits.argmax()) if target is None else target
            rise = float(logits[target] - trained.model(torch.from_numpy(base)[None])[0, target])
        a = explain.integrated_gradients(trained.model, x.numpy(), target, baseline=base)
        assert float(a.raw.astype(np.float64).sum()) == pytest.approx(rise, rel=0.02, abs=0.02)
        assert abs(a.delta) <= 0.02 * abs(rise) + 0.02


def test_activation_maximisation_beats_random_and_real_images(trained):
    info = trained.split.info
    seen = []
    result = explain.activation_maximisation(trained.model, "conv2", info,
                                             progress=lambda f, msg: seen.append(f))
    assert result.images.shape == (16, 1, 28, 28) and result.channels == tuple(range(16))
    assert result.images.min() >= 0 and result.images.max() <= 1
    assert seen and seen[-1] == pytest.approx(1.0) and seen == sorted(seen)
    # measured independently: the returned pixels, normalised, through the original network
    x_opt = (torch.from_numpy(result.images) - info.mean[0]) / info.std[0]
    reached = _centre(trained.model, "conv2", x_opt).diagonal()  # image k for channel k
    np.testing.assert_allclose(reached.numpy(), result.activation, rtol=1e-4, atol=1e-4)
    random_start = 0.1 * torch.randn(16, 1, 28, 28, generator=torch.Generator().manual_seed(5))
    random_act = _centre(trained.model, "conv2", random_start).diagonal()
    assert torch.all(reached > random_act)
    assert (reached >= 5 * random_act.abs()).float().mean() >= 0.75  # many times a random input, for most
    best_real = _centre(trained.model, "conv2", trained.x).amax(0)  # (16,) over 1,000 test digits
    assert torch.all(reached > best_real)


def test_activation_maximisation_of_an_activation_layer_and_bad_settings(trained):
    info = trained.split.info
    r = explain.activation_maximisation(trained.model, "conv1_relu", info, channels=[2, 0], steps=20)
    assert r.channels == (2, 0) and r.images.shape == (2, 1, 28, 28) and np.all(r.activation >= 0)
    with pytest.raises(ValueError, match="channels 0..5"):
        explain.activation_maximisation(trained.model, "conv1", info, channels=[6])
    with pytest.raises(ValueError, match="no channels"):
        explain.activation_maximisation(trained.model, "dense1", info)
    with pytest.raises(ValueError, match="where"):
        explain.activation_maximisation(trained.model, "conv1", info, where="edge")


def test_top_activating_returns_the_strongest_images(trained):
    x = trained.x
    out = []
    handle = trained.model.conv2.register_forward_hook(lambda _m, _i, o: out.append(o))
    try:
        with torch.no_grad():
            trained.model(x)
    finally:
        handle.remove()
    scores = out[0][:, 5].flatten(1).amax(1).numpy()  # channel 5's max over positions, per image
    top = explain.top_activating(trained.model, x, "conv2", 5, k=8, batch_size=300)
    assert top.shape == (8,) and len(set(top.tolist())) == 8
    rest = np.setdiff1d(np.arange(len(x)), top)
    assert scores[top].min() >= scores[rest].max()
    assert np.all(np.diff(scores[top]) <= 0)  # strongest first
    np.testing.assert_allclose(explain.channel_max_activation(trained.model, x, "conv2", 5), scores, rtol=1e-5)


def test_embedding_features_and_timeline(run_home):
    t = run_home
    x = t.x[:200]
    feats, preds = explain.penultimate_features(t.model, x)
    assert feats.shape == (200, 84)
    with torch.no_grad():
        np.testing.assert_array_equal(preds, t.model(x).argmax(1).numpy())
    pca = explain.fit_pca(feats)
    assert explain.timeline_available(t.model, t.run_id)
    seen = []
    tl = explain.embedding_timeline(t.model, t.run_id, x, pca, progress=lambda f, m: seen.append(f))
    n_snaps = len(runs.list_snapshots(t.run_id))
    assert tl.points.shape == (n_snaps, 200, 2) and tl.predictions.shape == (n_snaps, 200)
    assert len(tl.steps) == n_snaps and tl.steps[0] == 0 and seen[-1] == 1.0
    # the last snapshot is taken after the last step: it is the final network, on the final axes
    np.testing.assert_allclose(tl.points[-1], explain.standardise(explain.project(pca, feats)), atol=1e-4)
    spread = np.sqrt((tl.points ** 2).sum(2).mean(1))  # every frame: centred, unit RMS spread
    np.testing.assert_allclose(spread, 1.0, rtol=1e-4)
    np.testing.assert_allclose(tl.points.mean(1), 0.0, atol=1e-4)
    assert (tl.predictions[-1] == t.split.y_test[:200].numpy()).mean() > (tl.predictions[0] ==
                                                                          t.split.y_test[:200].numpy()).mean()


def test_timeline_refused_when_snapshots_hold_only_kernels(run_home, tmp_path, monkeypatch):
    home = tmp_path / "kernel-only"
    shutil.copytree(run_home.home / "runs" / run_home.run_id, home / "runs" / run_home.run_id)
    monkeypatch.setenv("CNNVIZ_HOME", str(home))
    for path in (home / "runs" / run_home.run_id / "snapshots").glob("*.safetensors"):
        state = load_file(str(path))
        save_file({k: v for k, v in state.items() if v.ndim == 4}, str(path), metadata={"step": "0", "epoch": "0"})
    assert not explain.timeline_available(run_home.model, run_home.run_id)
    pca = explain.fit_pca(np.random.default_rng(0).normal(size=(10, 84)))
    with pytest.raises(ValueError, match="only the convolution kernels"):
        explain.embedding_timeline(run_home.model, run_home.run_id, run_home.x[:10], pca)


def test_explaining_never_changes_the_model(trained):
    model, x = trained.model, trained.x
    before = {k: v.clone() for k, v in model.state_dict().items()}
    explain.attribute("saliency", model, x[0].numpy(), 1)
    explain.attribute("smoothgrad", model, x[0].numpy(), 1, samples=4)
    explain.attribute("integrated_gradients", model, x[0].numpy(), 1, steps=8)
    explain.attribute("gradcam", model, x[0].numpy(), 1, layer="conv2")
    explain.attribute("gradcam", model, x[0].numpy(), 1, layer="conv1_relu")
    explain.activation_maximisation(model, "conv1", trained.split.info, steps=5)
    explain.top_activating(model, x[:50], "conv1", 0)
    explain.penultimate_features(model, x[:50])
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not model.training and all(not m.training for m in model.modules())
    for m in model.modules():
        assert not (m._forward_hooks or m._forward_pre_hooks or m._backward_hooks or m._backward_pre_hooks)
    assert all(p.grad is None and p.requires_grad for p in model.parameters())
