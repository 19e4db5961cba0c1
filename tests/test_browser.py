"""The teaching page in a real browser: served as ``coprod viz`` serves it (``solara run
--production`` on localhost, offline), driven by headless Chromium through Playwright.

Checks what a teacher sees: the page is not blank, a scenario pick applies, Step moves the
week counter, the network and the charts change, and side by side steps both runs. Each
step's time from click to the new pictures in the browser is measured and reported.
``COPROD_SCREENSHOT=docs/screenshot.png`` also writes the side-by-side screenshot there
(how ``docs/screenshot.png`` is made).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coprod.simulation.page.server import command, free_port

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 90  # s; solara's first start compiles its assets' index
STEP_BUDGET = 5.0  # s; generous for a loaded CI machine: the measured time is reported


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    """The page served on a free localhost port; the server is always stopped at the end."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium ({CHROMIUM}) is missing: apt-get install chromium")
    port = free_port()
    server = subprocess.Popen(
        command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    address = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"the page's server exited with status {server.returncode}")
            try:
                with urllib.request.urlopen(address, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the page did not answer within {START_TIMEOUT} s")
                time.sleep(0.5)
        yield address
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def page(url: str):
    """A fresh browser tab (a fresh session of the page) at week 0."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1350})
            tab.goto(url)
            tab.wait_for_selector(".coprod-week", timeout=60_000)
            assert week(tab) == 0
            yield tab
        finally:
            browser.close()


def week(tab) -> int:
    """The week counter of the page's readout ("Week 3 of 104")."""
    return int(tab.inner_text(".coprod-week").split()[1])


def pick(tab, selector: str, option: str) -> None:
    """Choose ``option`` in the select box under ``selector``."""
    tab.click(selector)
    tab.get_by_role("option", name=option, exact=True).click()


def image_source(tab, selector: str) -> str:
    """The current address of a picture (a new blob for every redraw)."""
    return tab.locator(f"{selector} img").first.get_attribute("src") or ""


def redrawn(tab, pictures: list[str], before: list[str], week: int) -> None:
    """Wait until the week counter reads ``week`` and every picture has a new address."""
    tab.wait_for_function(
        """([n, selectors, before]) =>
            document.querySelector('.coprod-week').innerText.startsWith(`Week ${n} `) &&
            selectors.every((s, i) => {
                const img = document.querySelector(s + ' img');
                return img !== null && img.src !== before[i];
            })""",
        arg=[week, pictures, before],
        timeout=30_000,
    )


def step(tab, pictures: list[str]) -> float:
    """Press Step; seconds until the week counter and every picture in ``pictures`` changed."""
    next_week = week(tab) + 1
    before = [image_source(tab, selector) for selector in pictures]
    start = time.perf_counter()
    tab.get_by_role("button", name="Step").click()
    redrawn(tab, pictures, before, next_week)
    return time.perf_counter() - start


def test_pick_a_scenario_and_step(page, tmp_path: Path, record_property) -> None:
    charts = [".coprod-chart-wemwbs_mean", ".coprod-chart-agency_mean", ".coprod-chart-cost_week"]
    pictures = [".coprod-network", *charts]
    shown = [image_source(page, selector) for selector in pictures]
    pick(page, ".coprod-scenario", "tokenistic")
    redrawn(page, pictures, shown, 0)  # the new scenario's pictures, at week 0
    assert "tokenistic" in page.inner_text(".coprod-talk")
    before = [page.locator(chart).screenshot() for chart in charts]
    times = [step(page, pictures) for _ in range(3)]
    assert week(page) == 3
    after = [page.locator(chart).screenshot() for chart in charts]
    assert all(b != a for b, a in zip(before, after, strict=True)), "a chart did not change"
    page.screenshot(path=tmp_path / "single.png", full_page=True)
    report(record_property, "single", times)


def test_side_by_side_steps_both_runs(page, tmp_path: Path, record_property) -> None:
    page.get_by_role("button", name="Side by side").click()
    page.wait_for_selector(".coprod-network-b img", timeout=30_000)
    assert "timebank" in page.inner_text(".coprod-readout")
    shot = os.environ.get("COPROD_SCREENSHOT")
    weeks = 30 if shot else 3  # the documentation's picture shows the paths parting
    times = [step(page, [".coprod-network", ".coprod-network-b"]) for _ in range(weeks)]
    assert week(page) == weeks
    page.screenshot(path=tmp_path / "side_by_side.png", full_page=True)
    if shot:
        shutil.copyfile(tmp_path / "side_by_side.png", shot)
    report(record_property, "side by side", times)


def report(record_property, mode: str, times: list[float]) -> None:
    """Record the step-render times (median first: the first step warms caches)."""
    median = statistics.median(times)
    record_property(f"step_render_seconds_{mode.replace(' ', '_')}", times)
    print(f"\n{mode}: step to rendered pictures {median:.2f} s median, max {max(times):.2f} s")
    assert median < STEP_BUDGET
