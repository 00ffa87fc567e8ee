"""The workbench's garbage-collection policy (sim.serve.memory): frozen after each answer,
collected in full only when idle, and under the computing lock."""

import gc
import threading
import time
import weakref
from contextlib import contextmanager, nullcontext

from sim.serve.memory import QuietCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_an_answer_freezes_what_is_alive_and_an_idle_server_collects_it():
    held: list[str] = []
    lock = threading.Lock()

    @contextmanager
    def exclusive():
        with lock:
            held.append("computing lock")
            yield

    collector = QuietCollector(exclusive, idle_s=0.2)
    try:
        cycle = _Cycle()
        alive = weakref.ref(cycle)
        collector.answered()
        assert gc.get_freeze_count() > 0
        del cycle
        gc.collect()  # a full collection does not look at frozen objects: the dropped cycle stays
        assert alive() is not None
        collector.start()
        assert _wait_for(lambda: collector.collections >= 1), "no idle collection"
        assert alive() is None, "the idle collection did not free the cycle"
        assert held, "collected without the computing lock"
    finally:
        collector.close()
    assert gc.get_freeze_count() == 0  # everything handed back to the collector


def test_no_full_collection_while_answers_keep_coming():
    collector = QuietCollector(nullcontext, idle_s=2.0).start()
    try:
        for _ in range(20):  # one answer every 0.05 s for a second: never idle for 2 s
            collector.answered()
            time.sleep(0.05)
        assert collector.collections == 0
        assert _wait_for(lambda: collector.collections == 1)  # then idle: one collection
    finally:
        collector.close()
