"""Start the teaching page in its own process: what ``coprod viz`` runs.

Solara is not imported here: the command line stays quick to start, and only the server
process loads the page. ``--production`` serves solara's bundled assets (from the
``solara-assets`` package) without calling home, so the page also comes up offline, as it
must in many classrooms (DESIGN.md: without it the page stays blank).

By default the page listens on this computer only. ``host="0.0.0.0"`` shares it with the
class: anyone who can reach this computer on the port can open it, with no password, and
each browser tab runs its own model here (its CPU time, not theirs).
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path

from coprod.simulation.errors import CoprodError

APP = Path(__file__).with_name("app.py")
DEFAULT_PORT = 8765  # solara's own default
HOST = "127.0.0.1"
#: Solara warns, 14 lines on every page load, that a plain-http classroom server cannot set
#: a SameSite=None cookie; that only matters when the page is embedded in another site's
#: frame, which it never is. (A PYTHONWARNINGS message is matched at its start.)
QUIET = "ignore:Cookies with samesite=none require https:UserWarning"


def free_port(host: str = HOST) -> int:
    """A port nobody listens on now (the system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether ``port`` on ``host`` can be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def command(port: int, host: str = HOST, open_browser: bool = False) -> list[str]:
    """The ``solara run`` command line for the page on ``host:port``."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--production",
        "--host",
        host,
        "--port",
        str(port),
        "--open" if open_browser else "--no-open",
    ]


def environment() -> dict[str, str]:
    """The server's environment: this one, with solara's cookie warning filtered out."""
    kept = os.environ.get("PYTHONWARNINGS")
    return {**os.environ, "PYTHONWARNINGS": f"{kept},{QUIET}" if kept else QUIET}


def start(port: int, host: str = HOST, open_browser: bool = False, **popen) -> subprocess.Popen:
    """The page's server process (``popen``: extra ``subprocess.Popen`` arguments)."""
    return subprocess.Popen(command(port, host, open_browser), env=environment(), **popen)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this computer only."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def addresses(host: str) -> list[str]:
    """The IPv4 addresses others can use to reach ``host`` here: for 0.0.0.0 (every
    interface) each non-loopback address of this computer, else ``host`` itself."""
    if host != "0.0.0.0":
        return [host]
    found = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:  # the address of the interface with the default route; nothing is sent
            probe.connect(("192.0.2.1", 9))
            found.add(probe.getsockname()[0])
        except OSError:
            pass
    with contextlib.suppress(OSError):
        found.update(socket.gethostbyname_ex(socket.gethostname())[2])
    return sorted(a for a in found if not ipaddress.ip_address(a).is_loopback)


def check(port: int | None, host: str) -> int:
    """The port to serve on: ``port`` if it can be used on ``host``, else a clear error;
    without ``port``, solara's default 8765 if it is free, else any free port."""
    if port is not None and not 1 <= port <= 65535:
        raise CoprodError(f"port {port} is out of range: choose a whole number from 1 to 65535")
    try:
        socket.getaddrinfo(host, None, socket.AF_INET)
    except OSError:
        raise CoprodError(
            f"host {host!r} is not an address: use 127.0.0.1 (this computer only) or 0.0.0.0 "
            "(every network this computer is on)"
        ) from None
    if port is None:
        return DEFAULT_PORT if port_is_free(DEFAULT_PORT, host) else free_port(host)
    if not port_is_free(port, host):
        raise CoprodError(
            f"port {port} cannot be used on {host} (in use, or not an address of this "
            "computer): choose another with --port"
        )
    return port


def announce(port: int, host: str) -> str:
    """What to tell the teacher: where to open the page and, when shared, who can."""
    lines = [f"coprod page: open http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"]
    if not is_loopback(host):
        shared = addresses(host)
        lines.append(
            "Shared with the network: students open "
            + (", ".join(f"http://{a}:{port}" for a in shared) or f"this computer's address:{port}")
        )
        lines.append(
            "Anyone who can reach this computer can open the page (no password); every tab "
            "runs its own model on this computer. Ctrl-C stops it for everyone."
        )
    else:
        lines.append("(this computer only; --host 0.0.0.0 shares it with the class. Ctrl-C stops)")
    return "\n".join(lines)


def serve(port: int | None = None, host: str = HOST, open_browser: bool = False) -> int:
    """Serve the page until Ctrl-C; the exit status (130 after Ctrl-C)."""
    if importlib.util.find_spec("solara") is None:
        raise CoprodError(
            'the teaching page needs the viz extra: pip install "coprod[viz]" (from a '
            'checkout: pip install ".[viz]")'
        )
    port = check(port, host)
    print(announce(port, host), flush=True)
    process = start(port, host, open_browser)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 130
