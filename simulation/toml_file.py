"""Reading a user's TOML file (a scenario, an experiment, a base, a targets file) the one way.

Editors on Windows may save UTF-8 with a byte-order mark, which ``tomllib`` reads as an
"Invalid statement" on line 1: the mark is dropped here. Every failure is an error of the
caller's kind naming the file, never a traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from coprod.simulation.errors import CoprodError


def read_toml(path: Path, error: type[CoprodError], what: str = "file") -> dict[str, Any]:
    """The TOML of ``path`` as a dict, or ``error`` naming the file and what went wrong."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise error(f"{path}: no such {what}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot be read: {exc}.") from None
