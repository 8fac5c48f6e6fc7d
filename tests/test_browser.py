"""One real-browser test: the app served by `streamlit run app.py`, driven in Debian's headless Chromium."""

import os
import time
from pathlib import Path

import pytest

from cnnviz import appbench, jobs, metrics, runs

CHROMIUM = appbench.CHROMIUM
SCREENSHOTS = os.environ.get("CNNVIZ_SCREENSHOTS")  # keep the screenshots there; default a temporary folder

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture
def server(isolated_home):
    with appbench.serve() as url:  # the test's own CNNVIZ_HOME and data root, from the environment
        yield url


@pytest.fixture
def page():
    with appbench.chromium() as browser:
        yield browser.new_page(viewport={"width": 1400, "height": 1000})


def _settle(page, timeout=60_000):
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)
    page.wait_for_timeout(400)


def _shot(page, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_every_page_renders_and_a_training_shows_its_curve(server, page, tmp_path):
    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(server)
    _settle(page)
    # the very first run of a fresh server draws Streamlit's automatic page list before app.py's navigation
    page.wait_for_function(
        "document.querySelector('[data-testid=\"stSidebarNavLink\"]')?.innerText.trim().endsWith('Home')",
        timeout=60_000,
    )
    links = page.locator('[data-testid="stSidebarNavLink"]')
    names = [links.nth(i).inner_text().strip().splitlines()[-1] for i in range(links.count())]  # after the icon
    assert len(names) >= 7, names

    # one click from Home: the first training, then the Train screen with its live curve
    page.get_by_role("button", name="Train LeNet-5 on the MNIST sample").click()
    page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=60_000)
    _settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    _shot(page, shots, "train-live")
    page.wait_for_selector("text=test accuracy", timeout=120_000)  # the run finishes
    _settle(page)
    _shot(page, shots, "train-finished")

    for i, name in enumerate(names):
        page.locator('[data-testid="stSidebarNavLink"]').nth(i).click()
        _settle(page)
        errors = page.locator('[data-testid="stException"]')
        assert errors.count() == 0, f"{name}: {errors.first.inner_text()[:500]}"
        _shot(page, shots, f"{i:02d}-{name.lower().replace(' ', '-')}")
    assert len(list(shots.glob("*.png"))) >= len(names) + 2

    # a copied link reopens the same view in a fresh browser session: run, layer and input image
    run_id = page.evaluate("new URLSearchParams(location.search).get('run')")
    assert run_id
    fresh = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    fresh.goto(f"{server}/feature_maps?run={run_id}&layer=pool1&class=3&index=5")
    _settle(fresh)
    fresh.wait_for_selector("text=6 maps of 12×12", timeout=60_000)
    # the index within class 3 (Streamlit may draw the widget once before the session's state reaches it)
    fresh.wait_for_function("document.querySelector('input[type=\"number\"]')?.value === '5'", timeout=20_000)
    assert fresh.locator('[data-testid="stException"]').count() == 0
    _shot(fresh, shots, "shared-link-feature-maps")

    # the guided lesson in both languages, opened on a step by its link
    for lang in ("en", "zh"):
        fresh.goto(f"{server}/lesson?step=shared-weights&lang={lang}")
        _settle(fresh)
        fresh.wait_for_selector("text=3,140", timeout=60_000)
        assert fresh.locator('[data-testid="stException"]').count() == 0
        if lang == "zh":
            assert "卷积" in fresh.content()
        _shot(fresh, shots, f"lesson-step2-{lang}")


def _click_until(page, button: str, then: str, tries: int = 3) -> None:
    """Click `button` until `then` shows. The live view redraws its buttons every second, and on a loaded machine
    a click can land on one being replaced (seen once in CI); a learner would click again, so the test does."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        page.get_by_role("button", name=button).click()
        try:
            page.get_by_role("button", name=then).wait_for(timeout=15_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise


def test_a_training_started_in_the_app_survives_a_server_restart_and_stays_controllable(isolated_home):
    with appbench.chromium() as browser:
        page = appbench.new_page(browser)
        with appbench.serve() as url:
            page.goto(f"{url}/train")
            _settle(page)
            box = page.locator('[data-testid="stNumberInput"]').filter(has_text="Epochs").locator("input")
            box.fill("200")
            box.press("Enter")
            _settle(page)
            page.get_by_role("button", name="Start training").click()
            page.wait_for_selector("text=Images per second", timeout=60_000)
            [run] = runs.list_runs()
            assert page.evaluate("new URLSearchParams(location.search).get('watch')") == run.run_id
        # the server is gone; the training is not
        time.sleep(1.0)
        info = runs.read_run(run.run_id)
        assert info.status == "running" and info.meta["pid"] != os.getpid()
        steps = metrics.last_step(run.run_id)["step"]
        time.sleep(1.5)
        assert metrics.last_step(run.run_id)["step"] > steps

        with appbench.serve() as url:  # a new server: the run is shown as training, and obeys
            page = appbench.new_page(browser)
            page.goto(f"{url}/train?watch={run.run_id}")
            _settle(page)
            page.wait_for_selector("text=Images per second", timeout=60_000)
            _click_until(page, "Pause", "Resume")
            assert runs.read_control(run.run_id)["paused"]
            time.sleep(0.5)
            paused_at = metrics.last_step(run.run_id)["step"]
            time.sleep(1.0)
            assert metrics.last_step(run.run_id)["step"] == paused_at
            page.get_by_role("button", name="Stop training").click()
            info = jobs.wait(run.run_id, 60)
            assert info.status == "stopped" and info.has_weights
            page.wait_for_selector("text=Stopped: stopped by the user", timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0


def test_the_run_report_opens_offline_with_every_figure_drawn(use_run, page, tmp_path):
    from cnnviz import report as run_report

    report = tmp_path / "report.html"
    report.write_text(run_report.report(use_run("lenet5-b256"), lang="zh"), encoding="utf-8")
    asked = []
    page.route(
        "**/*",
        lambda route: (
            asked.append(route.request.url),
            route.continue_() if route.request.url.startswith("file:") else route.abort(),
        ),
    )
    page.goto(report.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", timeout=60_000)
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == 4  # curves, kernels, confusion matrix, per-class accuracy
    for i in range(plots.count()):  # each one drawn by the embedded plotly.js, with no server
        assert plots.nth(i).locator(".main-svg").count() >= 1
    images = page.locator("figure img")
    assert images.count() == 16  # the most confident mistakes, as data URIs
    assert page.evaluate("[...document.images].every(img => img.complete && img.naturalWidth > 0)")
    assert not [url for url in asked if not url.startswith(("file:", "data:"))]  # nothing fetched from outside
    assert "混淆矩阵" in page.inner_text("body")


def _pictures(folder: Path, shape: str, count: int) -> list[str]:
    """PNG files of a filled square or a ring, a little larger each time."""
    import numpy as np
    from PIL import Image

    files = []
    for k in range(count):
        a = np.zeros((60, 60), np.uint8)
        s = 10 + 2 * k
        a[s : 60 - s, s : 60 - s] = 255
        if shape == "ring":
            a[s + 8 : 52 - s, s + 8 : 52 - s] = 0
        files.append(folder / f"{shape}{k}.png")
        Image.fromarray(a).save(files[-1])
    return [str(f) for f in files]


def test_the_dataset_maker_from_a_name_to_an_inspected_network(server, page, tmp_path):
    from cnnviz import own_data

    shots = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(f"{server}/dataset_maker")
    _settle(page)
    page.get_by_role("textbox", name="Name").fill("Shapes")
    page.get_by_role("textbox", name="Classes, one per line").fill("square\nring")
    page.get_by_role("button", name="Create the dataset").click()
    page.wait_for_selector("text=Created Shapes", timeout=30_000)
    _settle(page)

    def choose(option: str) -> None:  # in a segmented control (class, source)
        page.locator('[data-testid="stButtonGroup"] button').filter(has_text=option).first.click()
        _settle(page)

    choose("Upload pictures")
    for shape, count in (("square", 5), ("ring", 4)):
        choose(shape)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(_pictures(tmp_path, shape, count))
        _settle(page)
        page.get_by_role("button", name=f"Add {count} picture(s)").click()
        page.wait_for_selector(f"text=Added {count} to {shape}", timeout=30_000)
        _settle(page)

    choose("Draw")  # the fifth ring drawn with the mouse
    canvas = page.locator("canvas").last
    canvas.wait_for(timeout=20_000)
    box = canvas.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx - 70, cy - 70)
    page.mouse.down()
    for x, y in ((cx + 70, cy - 70), (cx + 70, cy + 70), (cx - 70, cy + 70), (cx - 70, cy - 70)):
        page.mouse.move(x, y, steps=12)
    page.mouse.up()
    page.get_by_role("button", name="Add this drawing").click()
    page.wait_for_selector("text=Added 1 to ring", timeout=30_000)
    _settle(page)
    (made,) = own_data.list_made()[0]
    assert [len(f) for f in own_data.examples(made)] == [5, 5]
    drawn = own_data.read_example(own_data.examples(made)[1][-1])
    assert drawn.max() > 200 and drawn[:3].max() == 0  # a light ring, centred on black
    _shot(page, shots, "maker")

    page.get_by_role("button", name="Train", exact=True).click()
    page.wait_for_url("**/train**", timeout=30_000)
    page.wait_for_selector("text=test accuracy", timeout=120_000)
    _settle(page)
    (run,) = runs.list_runs()
    assert run.status == "finished" and run.record.dataset == made.name and run.record.config.augment
    page.goto(f"{server}/feature_maps?run={run.run_id}")
    _settle(page)
    page.wait_for_selector("text=Prediction", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    _shot(page, shots, "maker-feature-maps")
