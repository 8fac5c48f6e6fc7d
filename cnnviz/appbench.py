"""Benchmarks of what a user of the app sees: the real server (`streamlit run app.py`) in headless Chromium.

- app_train_ratio: seconds of training of the same run from the command line, over the app's one-click run
  (or the Train screen's, for another preset) while a browser watches the Train screen. 1.0: no cost.
- app_click_latency_ms: while a training runs, click another screen in the sidebar; milliseconds until it
  has drawn its figures and Streamlit is idle.
- queue: trainings requested at once from several browser sessions: all finish, the cap holds, and the
  total time against the same runs one after another from the command line.

Used by `python -m cnnviz bench`; needs Playwright's Python package and Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from . import jobs, metrics, runs

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CNNVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
QUICK_START_BUTTON = "Train LeNet-5 on the MNIST sample"
PRESET_TITLES = {"deep-cnn": "Deeper CNN"}  # the start of the preset's title in the Train screen's picker


def available() -> str | None:
    """None when the browser benchmarks can run here, else why not."""
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(env: dict | None = None, timeout: float = 60.0) -> Iterator[str]:
    """`streamlit run app.py` on a free port of 127.0.0.1; yields its URL and stops it afterwards."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the Streamlit server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium (Debian's build, never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Browser) -> Page:
    return browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US").new_page()


def settle(page: Page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the script (no running indicator)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def open_app(page: Page, url: str) -> None:
    """Open the app and wait for app.py's navigation (a fresh server's first run shows another list first)."""
    page.goto(url)
    settle(page)
    page.wait_for_function(
        "document.querySelector('[data-testid=\"stSidebarNavLink\"]')?.innerText.trim().endsWith('Home')",
        timeout=60_000,
    )


def _cli_train_seconds(preset: str, epochs: int, seed: int) -> float:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "cnnviz",
            "train",
            "--preset",
            preset,
            "--epochs",
            str(epochs),
            "--seed",
            str(seed),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return float(json.loads(out.stdout)["train_seconds"])


def _new_runs(before: set[str]) -> list[str]:
    return sorted({r.run_id for r in runs.list_runs()} - before)


def _app_train_seconds(page, url: str, preset: str, epochs: int) -> tuple[float, str]:
    """Start a run from the app as a learner would and watch it on the Train screen to the end."""
    before = {r.run_id for r in runs.list_runs()}
    if preset == "lenet5" and epochs == 3:
        open_app(page, url)
        page.get_by_role("button", name=QUICK_START_BUTTON).click()  # the one-click run, then the Train screen
    else:
        page.goto(f"{url}/train")
        settle(page)
        if preset != "lenet5":
            page.locator('[data-testid="stSelectbox"]').filter(has_text="Architecture").click()
            page.get_by_role("option", name=PRESET_TITLES[preset], exact=False).first.click()
            settle(page)
        box = page.locator('[data-testid="stNumberInput"]').filter(has_text="Epochs").locator("input")
        box.fill(str(epochs))
        box.press("Enter")
        settle(page)
        page.get_by_role("button", name="Start training").click()
    deadline = time.monotonic() + 600
    while not (new := _new_runs(before)):
        assert time.monotonic() < deadline, "no run appeared"
        time.sleep(0.05)
    info = jobs.wait(new[0], timeout=600)
    if info.status != "finished":
        raise RuntimeError(f"the app's run ended {info.status}: {info.record.message}")
    page.wait_for_selector("text=test accuracy", timeout=60_000)  # the watcher saw the end
    return float(info.record.train_seconds), new[0]


def app_train_ratio(presets: Sequence[str], epochs: int = 3, pairs: int = 3) -> tuple[dict, dict]:
    """Median of CLI-seconds / app-seconds per preset, alternating app and CLI runs of the same config."""
    ratios, detail = {}, {}
    with serve() as url, chromium() as browser:
        page = new_page(browser)
        for preset in presets:
            app_s, cli_s, eta = [], [], []
            for _ in range(pairs):
                seconds, run_id = _app_train_seconds(page, url, preset, epochs)
                app_s.append(seconds)
                eta.append(eta_error(run_id))
                cli_s.append(_cli_train_seconds(preset, epochs, seed=0))
            per_pair = [c / a for a, c in zip(app_s, cli_s)]
            ratios[preset] = round(statistics.median(per_pair), 3)
            detail[preset] = {
                "epochs": epochs,
                "dataset": "mnist-sample",
                "app_train_seconds": app_s,
                "cli_train_seconds": cli_s,
                "pair_ratios": [round(r, 3) for r in per_pair],
                "eta_error_at_10pct": [e for e in eta if e is not None],
            }
    return ratios, detail


def eta_error(run_id: str) -> float | None:
    """|predicted - true| / true of the remaining time, as the trainer predicted it once a tenth was done."""
    records = [r for r in metrics.read_metrics(run_id) if r.get("kind") == "step" and r.get("eta") is not None]
    info = runs.read_run(run_id)
    total, end = info.record.total_steps, records[-1]["active"] if records else None
    first = next((r for r in records if r["step"] >= 0.1 * total), None) if total else None
    if first is None or end is None or end - first["active"] <= 0:
        return None
    true_left = end - first["active"]
    return round(abs(first["eta"] - true_left) / true_left, 3)


def click_latency(screens: Sequence[str] = ("Kernels", "Evaluation"), repeats: int = 3) -> dict:
    """Milliseconds from a sidebar click to the screen drawn, while a deep-cnn training runs in the background."""
    from .train import config_for

    finished = jobs.submit(config_for("lenet5", epochs=1), owner="bench")  # something to inspect
    jobs.wait(finished, 300)
    busy = jobs.submit(config_for("deep-cnn", epochs=200), owner="bench")
    times: dict[str, list[float]] = {s: [] for s in screens}
    try:
        with serve() as url, chromium() as browser:
            page = new_page(browser)
            open_app(page, url)
            page.goto(f"{url}/train")  # the learner watches the training, then looks elsewhere
            settle(page)
            deadline = time.monotonic() + 120
            while not metrics.last_step(busy):
                assert time.monotonic() < deadline, "the background training did not start"
                time.sleep(0.1)
            for _ in range(repeats):
                for screen in screens:
                    page.goto(f"{url}/train")
                    settle(page)
                    link = page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=screen)
                    t0 = time.perf_counter()
                    link.click()
                    page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=60_000)
                    settle(page)
                    times[screen].append((time.perf_counter() - t0) * 1000)
        still_training = runs.read_run(busy).status == "running"
    finally:
        jobs.stop_all()
    return {
        "ms": {s: round(statistics.median(v), 1) for s, v in times.items()},
        "all_ms": {s: [round(x) for x in v] for s, v in times.items()},
        "training_throughout": still_training,
    }


def queue(sessions: int = 4, per_session: int = 2, cap: int | None = None) -> dict:
    """sessions x per_session one-click trainings requested at once; then the same runs back to back (CLI)."""
    n = sessions * per_session
    cap = cap or jobs.max_running()
    env = {"CNNVIZ_MAX_TRAININGS": str(cap), "CNNVIZ_MAX_PER_SESSION": str(per_session)}
    before = {r.run_id for r in runs.list_runs()}
    peak = 0
    with serve(env) as url, chromium() as browser:
        pages = [new_page(browser) for _ in range(sessions)]
        for page in pages:
            open_app(page, url)
        t0 = time.perf_counter()
        for _ in range(per_session):
            for page in pages:
                page.goto(url)  # back on Home (the one-click moves to Train)
                settle(page)
                page.get_by_role("button", name=QUICK_START_BUTTON).click()
                page.wait_for_url("**/train**", timeout=120_000)  # the click reached the server: it opened Train
                settle(page)
        deadline = time.monotonic() + 900
        while True:
            mine = [r for r in runs.list_runs() if r.run_id not in before]
            peak = max(peak, sum(r.status in runs.ACTIVE for r in mine))
            if len(mine) == n and all(r.status not in runs.LIVE for r in mine):
                break
            assert time.monotonic() < deadline, "the queue did not drain"
            time.sleep(0.05)
        queue_seconds = time.perf_counter() - t0
    statuses = [r.status for r in mine]
    t0 = time.perf_counter()
    for i in range(n):
        _cli_train_seconds("lenet5", 3, seed=i)
    back_to_back = time.perf_counter() - t0
    return {
        "requested": n,
        "sessions": sessions,
        "finished": statuses.count("finished"),
        "lost": n - len(mine),
        "cap": cap,
        "peak_running": peak,
        "queue_seconds": round(queue_seconds, 1),
        "back_to_back_seconds": round(back_to_back, 1),
        "ratio": round(queue_seconds / back_to_back, 3),
    }


MOMENT_SCREENS = ("kernels", "feature_maps", "evaluation", "explain")  # the screens the moment of training moves


# Counts, in the page itself, the times the app's script state turns "notRunning": the browser has then applied
# every message of the run. The websocket's `script_finished` arrives earlier, before a busy page has drawn what
# the run sent (seconds earlier on a first visit on this machine), so it alone under-measures what a learner sees.
_COUNT_DRAWN_RUNS = """
window.__cnnvizRunsDrawn = 0;
new MutationObserver(changes => {
    for (const c of changes)
        if (c.target.getAttribute('data-test-script-state') === 'notRunning' && c.oldValue !== 'notRunning')
            window.__cnnvizRunsDrawn += 1;
}).observe(document, {attributes: true, attributeOldValue: true, subtree: true,
                      attributeFilter: ['data-test-script-state']});
"""


class ScriptRuns:
    """Counts the whole script runs Streamlit finishes for a page, read from its websocket (a `script_finished`
    message ends every run, however short: the running indicator only shows for runs longer than a moment). Runs
    cut short for a rerun and fragments' own runs (a live view's poll) do not count: the screen is not drawn then.
    `drawn()` counts the runs the page has finished applying (see _COUNT_DRAWN_RUNS)."""

    def __init__(self, page: Page) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.page = page
        page.add_init_script(_COUNT_DRAWN_RUNS)
        self.sockets: list[int] = []  # whole runs finished on each websocket the page has opened, in order
        done = ForwardMsg.FINISHED_SUCCESSFULLY  # not a run cut short for a rerun, nor a fragment's own run

        def listen(ws) -> None:
            self.sockets.append(0)
            index = len(self.sockets) - 1

            def on_frame(payload):
                if not isinstance(payload, bytes):
                    return
                msg = ForwardMsg.FromString(payload)
                if msg.WhichOneof("type") == "script_finished" and msg.script_finished == done:
                    self.sockets[index] += 1

            ws.on("framereceived", on_frame)

        page.on("websocket", listen)

    @property
    def finished(self) -> int:
        """Whole runs finished on every websocket the page has opened."""
        return sum(self.sockets)

    def drawn(self) -> int:
        """Runs the page (since it was last loaded) has finished drawing."""
        return self.page.evaluate("window.__cnnvizRunsDrawn ?? 0")

    def ms_until_done(self, action: Callable[[], object], timeout: float = 60.0) -> float:
        """Milliseconds from `action` (a click, a key) until the run it starts has finished and the page is drawn."""
        before = self.finished
        t0 = time.perf_counter()
        action()
        while self.finished == before:
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError(f"no script run finished within {timeout:.0f} s")
            self.page.wait_for_timeout(5)  # lets Playwright deliver the websocket's frames
        settle(self.page, timeout * 1000)
        return (time.perf_counter() - t0) * 1000


def moment_latency(
    presets: Sequence[str] = ("lenet5", "deep-cnn"), screens: Sequence[str] = MOMENT_SCREENS, moves: int = 5
) -> dict:
    """Milliseconds per move of the moment-of-training slider, per preset and screen, after the screen's first visit.

    Each screen is opened at the end of training, then the slider at the top of the screen is stepped back `moves`
    snapshots, one key press at a time as a learner drags it (moments never shown before: "new"), then forward over
    the same moments ("seen": what the app keeps). Medians of each, and every move.
    """
    from .train import config_for

    run_ids = {}
    for preset in presets:
        run_ids[preset] = jobs.submit(config_for(preset, epochs=3), owner="bench")
        info = jobs.wait(run_ids[preset], 900)
        if info.status != "finished":
            raise RuntimeError(f"the {preset} run ended {info.status}")
    result: dict = {"new_ms": {}, "seen_ms": {}, "all_ms": {}}
    with serve() as url, chromium() as browser:
        page = new_page(browser)
        script = ScriptRuns(page)
        open_app(page, url)
        for preset, run_id in run_ids.items():
            for screen in screens:
                page.goto(f"{url}/{screen}?run={run_id}&at=end")
                settle(page)
                page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=60_000)
                slider = page.locator('[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]').first
                slider.focus()
                new = [script.ms_until_done(lambda: slider.press("ArrowLeft")) for _ in range(moves)]
                seen = [script.ms_until_done(lambda: slider.press("ArrowRight")) for _ in range(moves)]
                key = f"{preset}.{screen}"
                result["new_ms"][key], result["seen_ms"][key] = (
                    round(statistics.median(new)),
                    round(statistics.median(seen)),
                )
                result["all_ms"][key] = {"new": [round(x) for x in new], "seen": [round(x) for x in seen]}
    return result
