"""Write results safely: only where they are the program's own, and atomically.

Two promises. A results folder or file is written only where it cannot destroy what a
user keeps: never onto the current directory, a parent of the project's data, a home
directory or a file; an existing folder only if ``sim`` wrote it (it holds the
:data:`MARKER` file, or is empty), unless the user says ``--force``. And everything is
written into a hidden temporary folder next to the destination, then swapped into place
with renames, so an interrupted run leaves either the previous complete folder or
nothing: never a half-written folder that looks complete. Leftovers of a killed writer
(``.NAME.tmp-*``, ``.NAME.old-*``) are removed by the next write once their process is
gone.

Every name that becomes part of a path (a scenario's or sweep's ``name``) must be a plain
name: :func:`check_plain_name`.
"""

from __future__ import annotations

import fnmatch
import glob
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import InputError
from sim.generator import written_by_sim

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MARKER",
    "atomic_file",
    "atomic_folder",
    "atomic_path",
    "check_output_file",
    "check_output_folder",
    "check_plain_name",
    "marker_text",
    "remove_stale",
    "replace_atomically",
    "write_csv",
    "write_json",
    "written_by_sim",
]

MARKER = ".sim-results"
"""File that marks a folder as written by ``sim`` (it says which command wrote it)."""

_STARTED = time.time()  # this process's start, near enough: sim.output is imported first thing
_PLAIN_NAME = re.compile(r"^[\w-][\w.-]*$")
_MAX_NAME = 100


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    r"""Write a DataFrame as UTF-8 CSV, no index, ``\\n`` line ends (byte-identical runs)."""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def write_json(data: Any, path: Path) -> None:
    """Write JSON with sorted keys and a final newline."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def check_plain_name(
    name: str, file: str | Path | None = None, line: int | None = None, field: str = "name"
) -> str:
    """Return ``name`` if it can safely become a file or folder name, else raise.

    A plain name has letters, digits, ``-``, ``_`` and ``.`` only, does not start with
    ``.`` and has at most 100 characters: no separator, no ``..``, never empty.

    Raises
    ------
    InputError
        Naming ``file``, ``line`` and ``field``.
    """
    if not isinstance(name, str) or not _PLAIN_NAME.match(name) or len(name) > _MAX_NAME:
        raise InputError(
            f"{name!r} is not a plain name (letters, digits, '-', '_', '.' not first, at most "
            f"{_MAX_NAME} characters): it becomes a file or folder name",
            file,
            line,
            field,
        )
    return name


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(Path(path).expanduser())).resolve()


def _is_within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _never_here(destination: Path, protected: Iterable[Path], what: str) -> None:
    """Refuse destinations whose replacement would destroy a user's or the project's files."""
    target = _resolved(destination)
    cwd = _resolved(Path.cwd())
    if _is_within(cwd, target):
        raise InputError(
            f"refusing to write {what} here: it is the current directory or contains it", destination
        )
    home = _resolved(Path.home())
    if target == home or target.parent == target:
        raise InputError(f"refusing to write {what} over a home or root directory", destination)
    for data in protected:
        data = _resolved(data)
        if _is_within(data, target):
            raise InputError(
                f"refusing to write {what} here: it is, or contains, the data folder {data}", destination
            )
    if target.is_dir() and (target / ".git").exists():
        raise InputError(f"refusing to write {what} over a git repository", destination)


def check_output_folder(
    destination: Path,
    *,
    force: bool = False,
    protected: Iterable[Path] = (),
    known: Iterable[str] = (),
    written_by: str | None = None,
) -> Path:
    """Check that a results folder may be (re)written at ``destination``; return it.

    Parameters
    ----------
    destination
        The folder a command is about to create or replace.
    force
        Replace an existing folder that ``sim`` did not write (the user said so).
    protected
        Folders whose loss would lose the project's data (network, scenarios): the
        destination may be neither one of them nor a parent of one.
    known
        File name patterns a command wrote before folders carried the marker: a folder
        holding only such files is taken as an older result of the same command.
    written_by
        The command about to write (``sim run``): a folder another command wrote (a
        sweep's, say) is not replaced without ``force`` either.

    Raises
    ------
    InputError
        If the destination is a file, the current directory or one of its parents, a
        home or root directory, a git repository, or holds the project's data (even with
        ``force``); or if it is a folder ``sim`` did not write (unless ``force``).
    """
    destination = Path(destination)
    if destination.exists() and not destination.is_dir():
        raise InputError("refusing to write a results folder over a file", destination)
    _never_here(destination, protected, "a results folder")
    if not destination.is_dir() or force:
        return destination
    if (destination / MARKER).is_file():
        other = _marker_owner(destination / MARKER)
        if written_by is None or other in (None, written_by):
            return destination
        raise InputError(
            f"refusing to replace the results of '{other}' with those of '{written_by}': choose another "
            "--out, or add --force",
            destination,
        )
    entries = [p.name for p in destination.iterdir()]
    patterns = tuple(known)
    if all(any(fnmatch.fnmatchcase(e, p) for p in patterns) for e in entries):
        return destination  # empty, or an older result of this command
    raise InputError(
        f"refusing to replace a folder that sim did not write (no {MARKER} in it; it holds "
        f"{len(entries)} entries, e.g. '{sorted(entries)[0]}'): choose another --out, or add --force "
        "to replace it and everything in it",
        destination,
    )


def check_output_file(destination: Path, *, force: bool = False, protected: Iterable[Path] = ()) -> Path:
    """Check that a single output file (a report, an export) may be written; return it.

    An existing file is replaced only if :func:`written_by_sim` recognises it, or with
    ``force``; a folder, or a file in the project's data folders (``protected``), never.

    Raises
    ------
    InputError
        Naming the file and why it is refused.
    """
    destination = Path(destination)
    if destination.is_dir():
        raise InputError("refusing to write a file over a folder", destination)
    target = _resolved(destination)
    if destination.exists():
        for data in protected:
            if _is_within(target, _resolved(data)):
                raise InputError(
                    f"refusing to replace a file in the data folder {_resolved(data)}", destination
                )
    if destination.exists() and not force and not written_by_sim(destination):
        raise InputError(
            "refusing to replace a file that sim did not write: choose another name, or add --force",
            destination,
        )
    return destination


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(destination: Path) -> list[Path]:
    """Remove leftovers of killed writers next to ``destination``; return what was removed.

    A leftover is a ``.NAME.tmp-*`` or ``.NAME.old-*`` entry older than this process
    whose writer (the pid in its name, when there is one) is no longer running.
    """
    destination = Path(destination)
    parent = destination.parent
    if not parent.is_dir():
        return []
    removed = []
    for prefix in (f".{destination.name}.tmp-", f".{destination.name}.old-"):
        for path in parent.glob(glob.escape(prefix) + "*"):
            pid = path.name[len(prefix) :].split("-", 1)[0]
            try:
                if path.lstat().st_mtime >= _STARTED:
                    continue
            except OSError:
                continue
            if pid.isdigit() and _pid_alive(int(pid)):
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _marker_owner(marker: Path) -> str | None:
    """Return the command a marker names (None if it cannot be read)."""
    try:
        owner = json.loads(marker.read_text(encoding="utf-8")).get("written_by")
    except (OSError, ValueError, AttributeError):
        return None
    return owner if isinstance(owner, str) else None


def marker_text(written_by: str) -> str:
    """Return the text of a :data:`MARKER` file for a folder ``written_by`` writes."""
    from sim import __version__

    return json.dumps({"written_by": written_by, "version": __version__}, sort_keys=True) + "\n"


def atomic_folder(
    destination: Path,
    fill: Callable[[Path], None],
    *,
    written_by: str | None = None,
    force: bool = False,
    protected: Iterable[Path] = (),
    known: Iterable[str] = (),
) -> Path:
    """Create ``destination`` by calling ``fill(tmp)`` on a temporary folder, then renaming.

    Parameters
    ----------
    destination
        The folder to (re)create.
    fill
        Writes every file into the folder it is given.
    written_by
        What writes it (``sim run``), recorded in the folder's :data:`MARKER`.
    force, protected, known
        As for :func:`check_output_folder`, which is called first (with ``written_by``).

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
    protected = tuple(protected)
    check_output_folder(destination, force=force, protected=protected, known=known, written_by=written_by)
    destination.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(destination)
    tmp = Path(tempfile.mkdtemp(prefix=f".{destination.name}.tmp-{os.getpid()}-", dir=destination.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; results are ordinary folders
        fill(tmp)
        (tmp / MARKER).write_text(marker_text(written_by or "sim"), encoding="utf-8")
        old = None
        if destination.exists():
            old = destination.parent / f".{destination.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old, ignore_errors=True)
            os.replace(destination, old)
        os.replace(tmp, destination)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return destination


def atomic_file(destination: Path, text: str, *, force: bool = False, protected: Iterable[Path] = ()) -> Path:
    """Write ``text`` to ``destination`` through a temporary file and a rename.

    :func:`check_output_file` is called first (``force`` and ``protected`` as there).
    """

    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return atomic_path(destination, write, force=force, protected=protected)


def atomic_path(
    destination: Path,
    write: Callable[[Path], None],
    *,
    force: bool = False,
    protected: Iterable[Path] = (),
) -> Path:
    """Create the file ``destination`` by calling ``write(tmp)`` on a temporary path, then renaming.

    :func:`check_output_file` is called first (``force`` and ``protected`` as there);
    then :func:`replace_atomically`.
    """
    destination = Path(destination)
    check_output_file(destination, force=force, protected=protected)
    return replace_atomically(destination, write)


def replace_atomically(destination: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path next to ``destination``, then rename it over it.

    No check of what is replaced (the caller's :func:`atomic_path` does that). The
    temporary path does not exist when ``write`` is called (writers such as GDAL refuse
    an existing empty file) and keeps the destination's suffix (they choose the format
    by it). If ``write`` raises, nothing is left behind and an existing file is unchanged.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(destination)
    handle, name = tempfile.mkstemp(
        prefix=f".{destination.name}.tmp-{os.getpid()}-", suffix=destination.suffix, dir=destination.parent
    )
    os.close(handle)
    os.unlink(name)
    try:
        write(Path(name))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)
        os.replace(name, destination)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return destination
