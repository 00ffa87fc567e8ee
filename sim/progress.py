"""Progress of long work: a bar on a terminal, plain lines in a log.

On a terminal (standard error is a TTY) progress is a ``tqdm`` bar redrawn in place.
Anywhere else (a log file, CI, a pipe) it is a plain line every ``interval`` seconds and
one at the end, each ending in a newline, so that a log holds no carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["Progress"]


class Progress:
    """Count work done towards a known total and show it.

    Parameters
    ----------
    total
        Units of work expected (scenarios of a sweep, ...).
    label
        What is being done, at the start of each line (``sweep planned-rail``).
    unit
        Name of one unit, for the lines (``scenarios``).
    stream
        Where to write (default: standard error at the time of the call).
    enabled
        False shows nothing (``-q``).
    interval
        Seconds between plain lines when ``stream`` is not a terminal.
    """

    def __init__(
        self,
        total: int,
        label: str,
        unit: str = "items",
        *,
        stream: TextIO | None = None,
        enabled: bool = True,
        interval: float = 10.0,
    ) -> None:
        self.total = total
        self.label = label
        self.unit = unit
        self.done = 0
        self.enabled = enabled
        self.interval = interval
        self._stream = stream if stream is not None else sys.stderr
        self._started = time.perf_counter()
        self._last_line = self._started
        self._bar: Any = None
        if enabled and _is_terminal(self._stream):
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, desc=label, unit=f" {unit}", unit_scale=True, file=self._stream, leave=True
            )

    def update(self, n: int, note: str = "") -> None:
        """Add ``n`` units done; ``note`` (``chunk 3/40``) is shown beside the count."""
        self.done += n
        if not self.enabled:
            return
        if self._bar is not None:
            if note:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(n)
            return
        now = time.perf_counter()
        if now - self._last_line >= self.interval:
            self._last_line = now
            self._line(note)

    def close(self) -> None:
        """Finish: close the bar, or write the closing line."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        else:
            self._line("done")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _line(self, note: str) -> None:
        seconds = time.perf_counter() - self._started
        rate = self.done / seconds if seconds > 0 else 0.0
        share = f" ({100 * self.done / self.total:.0f} %)" if self.total else ""
        left = ""
        if rate > 0 and self.done < self.total:
            left = f", about {(self.total - self.done) / rate:,.0f} s left"
        extra = f"; {note}" if note else ""
        self._stream.write(
            f"sim: {self.label}: {self.done:,}/{self.total:,} {self.unit}{share}, "
            f"{rate:,.0f}/s, {seconds:,.0f} s{left}{extra}\n"
        )
        self._stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
