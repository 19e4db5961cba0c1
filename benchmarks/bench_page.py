"""How fast the teaching page answers in a real browser: Step to every picture redrawn, and
the weeks Play gets through in 10 seconds, for one scenario and side by side.

Serves the page as ``coprod viz`` does (``solara run --production`` on localhost) and drives
Debian's Chromium headless through Playwright (the ``test`` extra). Times include the
server's model step, drawing, the websocket and the browser painting the new pictures.
Run: ``python benchmarks/bench_page.py [--steps 8] [--play 10] [--width 1280 --height 720]``
"""

from __future__ import annotations

import argparse
import os
import statistics

from playwright.sync_api import sync_playwright

from coprod.simulation.page.browser import (
    launch,
    open_page,
    play_rate,
    served,
    side_by_side,
    step_seconds,
)


def measure(tab, steps: int, play: float) -> dict[str, float]:
    """Median and max Step-to-rendered seconds over ``steps`` steps (after one warm-up step),
    then the weeks a second Play shows (at its fastest) over ``play`` seconds."""
    step_seconds(tab)  # the first step warms caches
    times = [step_seconds(tab) for _ in range(steps)]
    return {"median": statistics.median(times), "max": max(times), "rate": play_rate(tab, play)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="timed steps per mode")
    parser.add_argument("--play", type=float, default=10.0, help="seconds of Play per mode")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with served() as (url, _), sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for mode in ("single", "side by side"):
                tab = open_page(browser, url, args.width, args.height)
                if mode == "side by side":
                    side_by_side(tab)
                found = measure(tab, args.steps, args.play)
                print(
                    f"{mode:>12}: step to rendered {found['median']:.2f} s median "
                    f"(max {found['max']:.2f}); play {found['rate']:.1f} weeks/s",
                    flush=True,
                )
                tab.close()
        finally:
            browser.close()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
