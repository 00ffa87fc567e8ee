"""Declarative CSV table reading: columns, types and one error per bad cell.

Each table is described by a tuple of :class:`Column`. :func:`read_table` checks the
header, converts every cell and collects every problem as an :class:`InputError` that
names the file, the line and the field, instead of stopping at the first.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError

__all__ = [
    "Column",
    "Row",
    "choice",
    "non_negative",
    "positive",
    "read_table",
    "to_float",
    "to_int",
    "to_str",
]


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes
    ----------
    name
        Header name.
    parse
        Converts the stripped cell text to a value; raises ``ValueError`` with a
        message when the text is not acceptable.
    required
        When True, an empty cell is an error; otherwise it reads as None.
    may_be_absent
        When True, the column may be missing from the header (a later addition to a
        table's schema): every cell then reads as None.
    """

    name: str
    parse: Callable[[str], Any]
    required: bool = True
    may_be_absent: bool = False


@dataclass(frozen=True)
class Row:
    """A converted row and where it came from."""

    values: dict[str, Any]
    file: str
    line: int

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


def to_str(text: str) -> str:
    """Return the text as it is (already stripped)."""
    return text


def to_float(text: str) -> float:
    """Parse a finite decimal number."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a number, got '{text}'") from None
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got '{text}'")
    return value


def to_int(text: str) -> int:
    """Parse a whole number (``2017``, not ``2017.5``)."""
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"expected a whole number, got '{text}'") from None


def positive(text: str) -> float:
    """Parse a number > 0."""
    value = to_float(text)
    if value <= 0:
        raise ValueError(f"must be > 0, got {text}")
    return value


def non_negative(text: str) -> float:
    """Parse a number >= 0."""
    value = to_float(text)
    if value < 0:
        raise ValueError(f"must be >= 0, got {text}")
    return value


def choice(*allowed: str) -> Callable[[str], str]:
    """Return a parser that accepts only the ``allowed`` words."""

    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"'{text}' is not one of {', '.join(allowed)}")
        return text

    return parse


def read_table(
    path: Path, columns: tuple[Column, ...], rejected: list[dict[str, str]] | None = None
) -> tuple[list[Row], list[InputError]]:
    """Read a CSV file into converted rows.

    Parameters
    ----------
    path
        The CSV file (UTF-8, header row).
    columns
        What the table must contain. Extra columns are allowed and ignored.
    rejected
        If given, the raw cells (stripped text by column) of every row that did not
        convert are appended to it, so that a caller can tell a reference to a row that
        failed (a consequence of that error) from a reference to nothing.

    Returns
    -------
    rows, errors
        Rows whose cells all converted, and one error per bad cell (or one for the missing columns).
        Line numbers are those of the line a row starts on (the header is line 1).
    """
    errors: list[InputError] = []
    rows: list[Row] = []
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        return [], [InputError("file not found", path)]
    except OSError as error:
        return [], [InputError(f"cannot read ({error.strerror})", path)]
    with handle:
        reader = csv.reader(handle)
        start = 1
        try:
            header = next(reader, None)
            if not header:
                return [], [InputError("empty file: expected a header row", path, 1)]
            names = [h.strip() for h in header]
            present = set(names)
            missing = [c.name for c in columns if c.name not in present and not c.may_be_absent]
            if missing:
                more = (
                    f" (and {', '.join(missing[1:])}; the header has {', '.join(names)})"
                    if missing[1:]
                    else ""
                )
                return [], [InputError(f"missing column{more}", path, 1, missing[0])]
            while True:
                start = reader.line_num + 1
                cells = next(reader, None)
                if cells is None:
                    break
                if not cells:
                    continue  # a blank line
                raw: dict[str | None, Any] = dict(zip(names, cells, strict=False))
                if len(cells) > len(names):
                    raw[None] = cells[len(names) :]
                row, row_errors = _convert(raw, columns, path, start)
                errors.extend(row_errors)
                if row is not None:
                    rows.append(row)
                elif rejected is not None:
                    rejected.append({k: v.strip() for k, v in raw.items() if isinstance(k, str)})
        except UnicodeDecodeError:
            return [], [InputError("not UTF-8 text", path)]
        except csv.Error as error:
            return [], [InputError(f"malformed CSV ({error})", path, start)]
    return rows, errors


def _convert(
    raw: dict[str, Any], columns: tuple[Column, ...], path: Path, line: int
) -> tuple[Row | None, list[InputError]]:
    errors: list[InputError] = []
    values: dict[str, Any] = {}
    if None in raw:
        errors.append(InputError("more cells than header columns", path, line))
    clean = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
    for column in columns:
        text = clean.get(column.name, "")
        if text == "":
            if column.required:
                errors.append(InputError("empty, but required", path, line, column.name))
            values[column.name] = None
            continue
        try:
            values[column.name] = column.parse(text)
        except ValueError as error:
            errors.append(InputError(str(error), path, line, column.name))
    if errors:
        return None, errors
    return Row(values, str(path), line), []
