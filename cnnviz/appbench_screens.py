"""Every screen in the real browser: its first visit from a fresh link, and its reruns after a widget change.

For each screen a new server (`appbench.serve`) and a new browser session: the home page first (the server's
imports, as when `streamlit run app.py` opens it), then the screen's link with `?run=<id>` (the run not loaded
yet). "first visit": milliseconds from the link until the script run has finished and every Plotly chart on the
screen is drawn. Then the widget changes a learner makes first, each done, undone and done again: the first time
asks for new work ("new"), the other two are served from the app's caches ("seen", the median of the two). A run
counts as shown once the page itself has applied it (ScriptRuns.drawn), not when its last message arrives.

Used by `python -m cnnviz bench` (rows `screen_first_ms` and `screen_change_ms`).
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING

from .appbench import ScriptRuns, chromium, new_page, open_app, serve, settle
from .screens import SECTIONS

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from playwright.sync_api import Page

MAIN = '[data-testid="stMain"]'
Change = tuple["Callable[[], object] | None", "Callable[[], object]"]  # (untimed preparation, the timed action)
DRAWN = (  # the screen's title is there, no element still loading its code (a skeleton stands in for it), and
    # every chart has its SVG: the page loads each kind of element's code the first time one is shown, and Plotly
    # draws after that, so on a first visit charts and widgets appear up to seconds after the run has finished
    "!!document.querySelector('[data-testid=\"stMain\"] h1') && "
    '!document.querySelector(\'[data-testid="stMain"] [data-testid="stSkeleton"]\') && '
    "[...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')].every(c => c.querySelector('.main-svg'))"
)
TABS = {  # the screens whose tabs rerun the script (st.tabs with on_change="rerun"): the tabs a learner opens
    "experiment": ("Timeline", "Health", "Robustness"),
    "explain": ("Embedding map", "What filters look for"),
}


def all_screens() -> list[str]:
    """Every screen's URL path, in menu order ("kernels" for pages/kernels.py)."""
    return [path.removeprefix("pages/").removesuffix(".py") for pages in SECTIONS.values() for path, _, _ in pages]


def _drawn(page: Page, runs: int, timeout: float = 60_000) -> None:
    """Wait until the page has drawn `runs` script runs since it was loaded (ScriptRuns.drawn) and every chart.

    A run so short that all its messages reach the page at once can leave the script state at "notRunning"
    throughout (the page renders once, after all of them), so once the page has also shown two frames (its
    main thread free again) a script state of "notRunning" is taken as drawn too."""
    settle(page, timeout)
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    state = "document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
    page.wait_for_function(
        f"((window.__cnnvizRunsDrawn ?? 0) >= {runs} || {state} === 'notRunning') && {DRAWN}", timeout=timeout
    )


def _tab(page: Page, name: str) -> Change:
    return None, lambda: page.locator(f'{MAIN} [role="tab"]').filter(has_text=name).first.click()


def _option(page: Page, index: int) -> Change:
    """Pick option `index` of the screen's first select box: opened first (the browser alone, not timed; a second
    click if a chart drawn late closed it), then the option clicked, which is what asks the server for a rerun."""

    box, option = page.locator(f'{MAIN} [data-testid="stSelectbox"]').first, page.locator('[role="option"]').nth(index)

    def open_box() -> None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout  # imported only where a browser runs

        box.click()
        try:
            option.wait_for(timeout=5000)
        except PlaywrightTimeout:  # the list closed again: once more
            box.click()
            option.wait_for()

    return open_box, option.click


def _selected_option(page: Page) -> tuple[int, int]:
    """(index of the chosen option, number of options) of the screen's first select box, read with the box open."""
    _option(page, 0)[0]()
    chosen = page.locator('[role="option"]').evaluate_all(
        "options => [options.findIndex(o => o.getAttribute('aria-selected') === 'true'), options.length]"
    )
    page.keyboard.press("Escape")
    return max(chosen[0], 0), chosen[1]


def _ms(script: ScriptRuns, page: Page, change: Change, timeout: float = 60.0) -> float:
    """Milliseconds from the change's action until the rerun it starts has finished, the page has drawn it and
    every chart is there."""
    prepare, action = change
    if prepare:
        prepare()
    before, drawn, t0 = script.finished, script.drawn(), time.perf_counter()
    action()
    while script.finished == before:
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(f"no script run finished within {timeout:.0f} s")
        page.wait_for_timeout(5)  # lets Playwright deliver the websocket's frames
    _drawn(page, drawn + 1, timeout * 1000)
    return (time.perf_counter() - t0) * 1000


def _label(widget) -> str:
    return widget.inner_text().strip().splitlines()[0] if widget.inner_text().strip() else "?"


def _changes(page: Page, screen: str) -> dict[str, tuple[Change, Change]]:
    """name -> (do, undo) for the widget changes measured on `screen`."""
    found: dict[str, tuple[Change, Change]] = {}
    for i, name in enumerate(TABS.get(screen, ())):
        back = TABS[screen][i - 1] if i else None
        first = page.locator(f'{MAIN} [role="tab"]').first
        found[f"tab {name}"] = (_tab(page, name), _tab(page, back) if back else (None, lambda: first.click()))
    boxes = page.locator(f'{MAIN} [data-testid="stSelectbox"]')
    if boxes.count() and screen not in TABS:
        chosen, options = _selected_option(page)
        if options > 1:  # another option, then back to the one chosen
            found[f"select {_label(boxes.first)}"] = (_option(page, 1 if chosen == 0 else 0), _option(page, chosen))
    sliders = page.locator(f'{MAIN} [data-testid="stSlider"]')
    if sliders.count():
        thumb = sliders.first.locator('input[type="range"]').first  # the native input takes the key presses
        low, high, now = (float(thumb.get_attribute(a) or 0) for a in ("min", "max", "value"))
        left, right = (None, lambda: thumb.press("ArrowLeft")), (None, lambda: thumb.press("ArrowRight"))
        if low < high:  # a step away from the value shown (to the right when it is at the left end), then back
            found[f"slider {_label(sliders.first)}"] = (left, right) if now > low else (right, left)
    return found


def _first_visit_ms(script: ScriptRuns, page: Page, link: str, timeout: float = 60.0) -> float:
    """Milliseconds from opening `link` until the first whole run on the new page's own websocket has finished, the
    page has drawn it and every chart is there (a late message from the page left behind must not end the wait)."""
    opened, t0 = len(script.sockets), time.perf_counter()
    page.goto(link)
    while len(script.sockets) <= opened or not script.sockets[-1]:
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError(f"the screen did not finish its first run within {timeout:.0f} s")
        page.wait_for_timeout(5)
    _drawn(page, 1, timeout * 1000)
    return (time.perf_counter() - t0) * 1000


def _screen(url: str, screen: str, run_id: str, script: ScriptRuns, page: Page) -> dict:
    first = _first_visit_ms(script, page, f"{url}/{screen}?run={run_id}")
    out: dict = {"first_ms": round(first), "changes": {}}
    for name, (do, undo) in _changes(page, screen).items():
        try:
            new = _ms(script, page, do)
            seen = [_ms(script, page, undo), _ms(script, page, do)]
            _ms(script, page, undo)  # back as it was: the next widget may only be there in that state
        except Exception as e:  # a widget that cannot be changed this way: say so, measure the rest
            out["changes"][name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"}
            continue
        out["changes"][name] = {"new_ms": round(new), "seen_ms": round(statistics.median(seen))}
    return out


def screen_times(run_id: str, screens: Sequence[str] | None = None) -> dict:
    """{screen: {"first_ms": ms, "changes": {change: {"new_ms", "seen_ms"} or {"error"}}}} for `run_id`."""
    result = {}
    with chromium() as browser:
        for screen in screens or all_screens():
            with serve() as url:
                page = new_page(browser)
                script = ScriptRuns(page)
                open_app(page, url)
                try:
                    result[screen] = _screen(url, screen, run_id, script, page)
                except Exception as e:
                    result[screen] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"}
                page.context.close()
    return result
