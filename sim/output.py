"""Write a run's results folder atomically.

Everything is written into a hidden temporary folder next to the destination, then
swapped into place with renames, so an interrupted run leaves either the previous
complete folder or nothing: never a half-written folder that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["atomic_file", "atomic_folder", "write_csv", "write_json"]


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    r"""Write a DataFrame as UTF-8 CSV, no index, ``\\n`` line ends (byte-identical runs)."""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_json(data: Any, path: Path) -> None:
    """Write JSON with sorted keys and a final newline."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def atomic_folder(destination: Path, fill: Callable[[Path], None]) -> Path:
    """Create ``destination`` by calling ``fill(tmp)`` on a temporary folder, then renaming.

    Parameters
    ----------
    destination
        The folder to (re)create.
    fill
        Writes every file into the folder it is given.

    Returns
    -------
    Path
        ``destination``.

    Notes
    -----
    If ``fill`` raises, the temporary folder is removed and ``destination`` is left as it
    was. An existing ``destination`` is replaced only once the new one is complete.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{destination.name}.tmp-", dir=destination.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; results are ordinary folders
        fill(tmp)
        old = None
        if destination.exists():
            old = destination.parent / f".{destination.name}.old-{os.getpid()}"
            os.replace(destination, old)
        os.replace(tmp, destination)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return destination


def atomic_file(destination: Path, text: str) -> Path:
    """Write ``text`` to ``destination`` through a temporary file and a rename."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{destination.name}.tmp-", dir=destination.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)
        os.replace(name, destination)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return destination
