"""Drive the teaching page in headless Chromium (Playwright), as a teacher would.

Shared by the browser test (``tests/test_browser.py``) and the benchmark
(``benchmarks/bench_page.py``), so both time the same thing: from a click on Step to every
picture showing the new week. Playwright is a test dependency, imported only when a browser
is opened; nothing in the page itself imports this module.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from coprod.simulation.page.server import free_port, start

CHROMIUM = Path("/usr/bin/chromium")  # Debian's Chromium: Playwright's own download is offline
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
#: Every picture on the page: the networks (one per run), the difference map and the charts.
PICTURES = '.coprod-network, .coprod-network-b, .coprod-gap, [class*="coprod-chart-"]'
PLAY = re.compile(r"^(Play|▶)$")  # the page's named button (and Mesa's old "▶")
PAUSE = re.compile(r"^(Pause|❚❚)$")

#: A picture has been redrawn for week ``n`` when its image has a new address (a PNG redrawn
#: on the server) or its own ``data-week`` reads ``n`` (drawn in the browser: the attribute
#: is patched in the same update as the drawing). Two animation frames then let it paint.
_REDRAWN = """([n, before]) => {
    const counter = document.querySelector('.coprod-week');
    if (!counter || !counter.innerText.startsWith(`Week ${n} `)) return false;
    const pictures = [...document.querySelectorAll(arguments_selector)];
    return pictures.length > 0 && pictures.every((p, i) => {
        const img = p.querySelector('img');
        if (img) return img.src !== before[i];
        const marks = [...p.querySelectorAll('[data-week]')];
        return marks.length > 0 && marks.every(m => m.dataset.week === String(n));
    });
}""".replace("arguments_selector", repr(PICTURES))
_SOURCES = f"""() => [...document.querySelectorAll({PICTURES!r})].map(p => {{
    const img = p.querySelector('img'); return img ? img.src : null; }})"""
_PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


@contextmanager
def served(port: int | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """The page served as ``coprod viz`` serves it, on a free localhost port: its address
    and the server's process. The server is always stopped at the end."""
    port = port or free_port()
    server = start(
        port, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    address = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(address, server)
        yield address, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for(address: str, server: subprocess.Popen) -> None:
    """Block until the server answers ``address``; raise if it exits or never answers."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the page's server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(address, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the page did not answer within {START_TIMEOUT} s") from None
            time.sleep(0.5)


def cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time the process has used so far (Linux ``/proc``): its own, whatever the load."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launch(playwright: Any) -> Any:
    """Headless Debian Chromium."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def open_page(
    browser: Any, url: str, width: int = 1280, height: int = 720, failed: list | None = None
) -> Any:
    """A fresh tab (a fresh session of the page) at week 0, every picture drawn; the address
    of every request that fails is appended to ``failed``."""
    tab = browser.new_page(viewport={"width": width, "height": height})
    if failed is not None:
        tab.on("requestfailed", lambda request: failed.append(request.url))
    tab.goto(url)
    tab.wait_for_selector(".coprod-week", timeout=60_000)
    wait_redrawn(tab, week(tab), [None] * 64)
    return tab


def week(tab: Any) -> int:
    """The week counter ("Week 3 of 104")."""
    return int(tab.inner_text(".coprod-week").split()[1])


def sources(tab: Any) -> list[str | None]:
    """The image address of every picture drawn on the server (``None``: drawn in the page)."""
    return tab.evaluate(_SOURCES)


def wait_redrawn(tab: Any, target: int, before: list[str | None], timeout: float = 30) -> None:
    """Wait until the counter reads week ``target`` and every picture shows it, painted."""
    tab.wait_for_function(_REDRAWN, arg=[target, before], timeout=timeout * 1000)
    tab.evaluate(_PAINTED)


def step_seconds(tab: Any) -> float:
    """Press Step; seconds until the week counter and every picture show the next week."""
    target, before = week(tab) + 1, sources(tab)
    start = time.perf_counter()
    tab.get_by_role("button", name="Step", exact=True).click()
    wait_redrawn(tab, target, before)
    return time.perf_counter() - start


def play_rate(tab: Any, seconds: float = 10.0, speed: str = "fast") -> float:
    """Weeks a second shown in the browser while playing: pick ``speed`` (where the page
    offers one), press Play, and count the weeks for ``seconds`` or until the counter says
    the run has ended."""
    choice = tab.get_by_role("button", name=speed, exact=True)
    if choice.count():
        choice.click()
    first, started = week(tab), time.perf_counter()
    tab.get_by_role("button", name=PLAY).click()
    tab.get_by_role("button", name=PAUSE).wait_for(timeout=10_000)
    last, now = first, started
    while now - started < seconds and "end" not in tab.inner_text(".coprod-week"):
        time.sleep(0.2)
        last, now = week(tab), time.perf_counter()
    pause = tab.get_by_role("button", name=PAUSE)
    if pause.count():
        pause.click()
    return (last - first) / (now - started)


def side_by_side(tab: Any) -> None:
    """Switch the page to two scenarios side by side (a change of settings starts again at
    week 0) and wait for both runs' pictures."""
    before = sources(tab)
    tab.get_by_role("button", name="Side by side").click()
    tab.wait_for_selector(".coprod-network-b", timeout=30_000)
    wait_redrawn(tab, 0, before + [None] * 8)
