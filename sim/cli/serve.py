"""``sim serve``: the planning workbench in the browser."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from sim.cli.common import progress, report_problems
from sim.errors import EXIT_BAD_INPUT
from sim.scenario import BUNDLED_NETWORK

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve`` command."""
    sp = sub.add_parser(
        "serve",
        help="the planning workbench in the browser (needs the serve extra)",
        description="Start a local web application: the map, the build-out (scenarios, years, projects), "
        "the verdicts under both readings, failures, and views to share by URL. Serves only this machine "
        "unless --host says otherwise; nothing on the page is fetched from outside. Needs "
        '`pip install -e ".[serve]"`.',
    )
    sp.add_argument(
        "--network", type=Path, help="network folder of the same schema (default: the bundled one)"
    )
    sp.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine)"
    )
    sp.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0: any free port)")
    sp.add_argument("--open", action="store_true", help="open the page in the default browser")
    sp.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        help="results folder: saved scenarios go to RESULTS/scenarios/",
    )
    sp.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    """Run ``sim serve`` until interrupted."""
    try:
        import uvicorn

        from sim.serve.app import create_app
        from sim.serve.server import address, bind
    except ImportError as error:
        print(
            f"sim: error: sim serve needs the serve extra ({error.name} is missing): "
            'pip install -e ".[serve]"',
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    from sim.serve.save import check_results_folder, data_folders
    from sim.serve.workbench import Workbench
    from sim.validate import Problem

    if not 0 <= args.port <= 65535:
        print(f"sim: error: --port {args.port} outside 0..65535", file=sys.stderr)
        return EXIT_BAD_INPUT
    folder = args.network or BUNDLED_NETWORK
    log = progress(args)
    log(f"loading and checking the network in {folder}")
    found: list[Problem] = []
    workbench = Workbench(args.network, warn=found.append)  # through the one gate, as every command
    report_problems(args, folder, found)
    check_results_folder(args.results, data_folders(workbench))  # a bad --results is refused now
    try:
        sock = bind(args.host, args.port)
    except OSError as error:
        print(f"sim: error: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    url = address(sock)
    workbench.solve(workbench.default_state())  # the first page is answered at once
    app = create_app(workbench, args.results)
    stop = threading.Event()

    def warm() -> None:  # every year of the default scenario, then one full collection
        workbench.warm(stop=stop)
        if not stop.is_set():
            app.state.collector.settle()

    threading.Thread(target=warm, daemon=True).start()
    print(f"sim serve: {url}  (Ctrl-C to stop)", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"sim serve: listening on {args.host}: other machines can reach this page", flush=True)
    if args.open:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        stop.set()
        sock.close()
        app.state.collector.close()
    return 0
