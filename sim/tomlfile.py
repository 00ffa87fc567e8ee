"""Read TOML files with errors that name the file and line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from sim.errors import InputError

__all__ = ["line_of_key", "line_of_table", "read_toml"]


def read_toml(path: Path) -> dict[str, Any]:
    """Parse the TOML file at ``path``.

    Raises
    ------
    InputError
        If the file is missing, unreadable, starts with a byte-order mark, or is malformed
        (with the line tomllib reports).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read ({error})", path) from None
    if text.startswith("\ufeff"):
        raise InputError(
            "the file starts with a byte-order mark (BOM), which TOML does not allow: save it as UTF-8 "
            "without BOM",
            path,
            1,
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line = int(match.group(1)) if match else None
        if line is None and "end of document" in str(error):
            line = max(len(text.splitlines()), 1)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(error))
        raise InputError(f"malformed TOML: {message}", path, line) from None


def _lines(path: Path | None) -> list[str]:
    if path is None:
        return []
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def line_of_key(path: Path | None, key: str) -> int | None:
    """Best-effort 1-based line where ``key`` is assigned in a TOML file (None if not found)."""
    lines = _lines(path)
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, text in enumerate(lines, start=1):
        if pattern.match(text):
            return number
    return None


def line_of_table(path: Path | None, name: str, index: int) -> int | None:
    """1-based line of the ``index``-th ``[[name]]`` header in a TOML file (None if not found)."""
    lines = _lines(path)
    pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    found = [number for number, text in enumerate(lines, start=1) if pattern.match(text)]
    return found[index] if index < len(found) else None
