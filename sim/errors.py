"""The one exception family for bad input, and the exit codes the CLI uses.

Every message names where the problem is (file, line or row, field) so that a user can
go straight to it. The CLI prints ``str(error)`` on one line and exits with
:data:`EXIT_BAD_INPUT`; it never shows a traceback for these.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CODES",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TARGETS_NOT_MET",
    "MAX_SHOWN",
    "InputError",
    "InputErrors",
    "SimError",
    "format_location",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
MAX_SHOWN = 20
"""Errors shown in full when many are found together; the rest are counted."""
EXIT_TARGETS_NOT_MET = 3
EXIT_INTERRUPTED = 130

#: Every exit status of the ``sim`` command, with its meaning (printed by ``sim --help``).
EXIT_CODES = {
    EXIT_OK: "success (also when the reader of a pipe stops early, as `sim scenarios | head -1`)",
    EXIT_FAILURE: "a result could not be written (disk full, no permission)",
    EXIT_BAD_INPUT: "bad input: the message names the file, line or row, and field",
    EXIT_TARGETS_NOT_MET: "sim run --check: a target is not met",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); no results folder is left half-written",
}


class SimError(Exception):
    """Base class of every error ``sim`` raises on purpose."""


def format_location(file: str | Path | None, line: int | None = None, field: str | None = None) -> str:
    """Return ``file:line: field`` with the parts that are known.

    Parameters
    ----------
    file
        The file the problem is in, or None.
    line
        The 1-based line number in that file (for CSV: the header is line 1).
    field
        The column or key that is wrong.
    """
    parts = []
    if file is not None:
        parts.append(str(file) if line is None else f"{file}:{line}")
    if field is not None:
        parts.append(f"field '{field}'")
    return ": ".join(parts)


class InputError(ValueError, SimError):
    """Bad input: a file, a row or a value the program cannot use.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    file, line, field
        Where it is. Any may be None when it does not apply.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.field = field
        where = format_location(file, line, field)
        super().__init__(f"{where}: {message}" if where else message)


class InputErrors(InputError):
    """Several input problems found in one pass, reported together (one per line).

    ``str()`` shows the first :data:`MAX_SHOWN` and counts the rest ("and 357 more
    errors"); :attr:`errors` holds them all.
    """

    def __init__(self, errors: Iterable[InputError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.message, first.file, first.line, first.field)
        self.args = (str(self),)

    def __str__(self) -> str:
        lines = [str(e) for e in self.errors[:MAX_SHOWN]]
        rest = len(self.errors) - MAX_SHOWN
        if rest > 0:
            lines.append(f"and {rest} more error{'s' if rest > 1 else ''}")
        return "\n".join(lines)
