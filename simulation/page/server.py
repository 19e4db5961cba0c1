"""Start the teaching page in its own process: what ``coprod viz`` runs.

Solara is not imported here: the command line stays quick to start, and only the server
process loads the page. ``--production`` serves solara's bundled assets (from the
``solara-assets`` package) without calling home, so the page also comes up offline, as it
must in many classrooms (DESIGN.md: without it the page stays blank).
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from pathlib import Path

from coprod.simulation.errors import CoprodError

APP = Path(__file__).with_name("app.py")
DEFAULT_PORT = 8765  # solara's own default
HOST = "127.0.0.1"


def free_port() -> int:
    """A port nobody listens on now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether ``port`` on the loopback address can be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def command(port: int, open_browser: bool = False) -> list[str]:
    """The ``solara run`` command line for the page on ``port``."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--production",
        "--host",
        HOST,
        "--port",
        str(port),
        "--open" if open_browser else "--no-open",
    ]


def serve(port: int | None = None, open_browser: bool = False) -> int:
    """Serve the page until Ctrl-C; the exit status (130 after Ctrl-C).

    Without ``port``, solara's default 8765 if it is free, else any free port. The page
    listens on this computer only; the address to open is printed."""
    if importlib.util.find_spec("solara") is None:
        raise CoprodError(
            'the teaching page needs the viz extra: pip install "coprod[viz]" (from a '
            'checkout: pip install ".[viz]")'
        )
    if port is None:
        port = DEFAULT_PORT if port_is_free(DEFAULT_PORT) else free_port()
    elif not port_is_free(port):
        raise CoprodError(f"port {port} is in use on {HOST}: choose another with --port")
    print(f"coprod page: open http://{HOST}:{port} (Ctrl-C to stop)", flush=True)
    process = subprocess.Popen(command(port, open_browser))
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 130
