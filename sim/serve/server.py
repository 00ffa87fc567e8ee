"""Run the workbench with uvicorn: in the foreground (``sim serve``) or in a thread (tests)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn

from sim.serve.app import create_app
from sim.serve.workbench import Workbench

__all__ = ["BackgroundServer", "bind"]


def bind(host: str, port: int) -> socket.socket:
    """Open the listening socket (port 0: any free port).

    The socket is made with its protocol named (``IPPROTO_TCP``), so that asyncio switches
    Nagle's algorithm off on every connection it accepts (it checks ``sock.proto``). With
    Nagle on, an answer of more than one segment on a kept-alive connection waited for the
    browser's delayed acknowledgement: 40 ms on every click.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    """Return the page's address for a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


class BackgroundServer:
    """The workbench served from a thread, for tests and benchmarks.

    Parameters
    ----------
    workbench
        The workbench to serve.
    results
        The results folder (saved scenarios go under it).
    host
        Where to listen (port: any free one).
    """

    def __init__(self, workbench: Workbench, results: Path, host: str = "127.0.0.1") -> None:
        self.socket = bind(host, 0)
        self.url = address(self.socket)
        self.app = create_app(workbench, results)
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workbench server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()
        self.app.state.collector.close()
