"""Keep Python's full garbage collections out of the clicks.

The workbench keeps what it has computed (compiled graphs, solved states, itineraries):
hundreds of thousands of objects that live as long as the server. CPython's cyclic garbage
collector walks every tracked object on each full (generation 2) collection, and those
come every few hundred clicks: 50 to 130 ms each on the bundled network, paid by whichever
click triggered it (measured over 500 clicks: 6 such pauses, the longest clicks of the
run).

So the server moves what is alive after each answer into the collector's permanent
generation (:func:`gc.freeze`, a constant-time list splice), where full collections do not
look; objects dropped later are still freed at once by their reference count. Cyclic
garbage among frozen objects would wait: when the server has been idle for a while, a
:class:`QuietCollector` thread collects everything once (:func:`gc.unfreeze`,
:func:`gc.collect`) and freezes again, holding the workbench's computing lock so that no
click is answered meanwhile.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

__all__ = ["QuietCollector"]


class QuietCollector:
    """Freeze after each answer; collect fully only when the server is idle.

    Parameters
    ----------
    exclusive
        Returns a context in which no answer is being computed (the workbench's
        computing lock).
    idle_s
        Seconds without an answer before a full collection.
    """

    def __init__(self, exclusive: Callable[[], AbstractContextManager[object]], idle_s: float = 2.0) -> None:
        self._exclusive = exclusive
        self.idle_s = idle_s
        self._last = time.monotonic()
        self._pending = False  # answers since the last full collection
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.collections = 0

    def answered(self) -> None:
        """Call after each answer: what it left alive is moved out of the collector's walk."""
        gc.freeze()
        self._last = time.monotonic()
        self._pending = True

    def settle(self) -> None:
        """Collect everything once and freeze what survives (the caller holds no answer)."""
        with self._exclusive():
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._pending = False
            self.collections += 1

    def start(self) -> QuietCollector:
        """Start the idle thread (a daemon); returns self."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sim-serve-gc", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the idle thread and hand every frozen object back to the collector."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        gc.unfreeze()

    def _run(self) -> None:
        while not self._stop.wait(min(self.idle_s / 2, 0.5)):
            if self._pending and time.monotonic() - self._last >= self.idle_s:
                self.settle()
