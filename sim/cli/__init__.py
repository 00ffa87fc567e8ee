"""Command-line interface: argument parsing and printing only.

Every command is a module of this package with a ``register`` function that adds its
parser; each is a thin call into the API (:mod:`sim.evaluate`, :mod:`sim.scenario`).
Bad input prints one line naming file, line and field, and exits with status 2.

What every command shares is set up here and in :mod:`sim.cli.common`: ``--version``,
``-q/--quiet`` and ``-v/--verbose`` on every command, the exit statuses
(:data:`sim.errors.EXIT_CODES`), and a reader that closes the pipe early (``sim
scenarios | head -1``) ending the command quietly with status 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from sim import __version__
from sim.cli import (
    calibrate,
    compare,
    export,
    report,
    route,
    run,
    scenarios,
    serve,
    sweep,
    travel_map,
    validate,
)
from sim.cli.common import add_common_options, configure_messages, debug, escape_unencodable_output
from sim.errors import (
    EXIT_BAD_INPUT,
    EXIT_CODES,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    InputError,
)

__all__ = ["build_parser", "main"]

DESCRIPTION = """\
Door-to-door travel times on the multimodal network of the Middle Yangtze River
urban agglomeration (Hubei, Hunan, Jiangxi), and whether the plans' targets are met.

commands:
  sim run [SCENARIO]        evaluate a scenario (default: today) and check the targets
  sim route FROM TO         the fastest itinerary between two cities, leg by leg
  sim compare A B           what changes from scenario A to scenario B, and why
  sim map CITY              travel-time map from one city
  sim scenarios             the bundled scenarios, a line each
  sim report A [B]          one self-contained HTML report (pictures inline)
  sim validate [DIR]        check a network folder (schema, ids, ranges, years)
  sim calibrate             compare modelled with observed times (network/observed_times.csv)
  sim export FILE           .gpkg, .geojson, .omx, .graphml or .gexf, for GIS and other tools
  sim sweep FILE            batch sweep: project subsets, parameters, failures (Parquet)
  sim serve                 the planning workbench in the browser (needs the serve extra)

A SCENARIO is a file (scenarios/today.toml) or the name of a bundled one (today).
Cities are given by id, Chinese or English name (wuhan, 武汉, Wuhan).
Every command takes -q/--quiet and -v/--verbose; scenarios, validate, route and compare
take --json; a FILE argument of - means standard output. `sim COMMAND --help` for more.
"""


def _exit_codes_text() -> str:
    lines = ["exit status:"]
    lines += [f"  {code:<3} {meaning}" for code, meaning in EXIT_CODES.items()]
    return "\n".join(lines)


COMMANDS = (run, route, compare, travel_map, report, scenarios, sweep, serve, export, validate, calibrate)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sim`` command line; return the exit status (see :data:`sim.errors.EXIT_CODES`)."""
    escape_unencodable_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "quiet", False) and getattr(args, "verbose", False):
        parser.error("-q/--quiet and -v/--verbose exclude each other")
    configure_messages(args)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_OK
    started = time.perf_counter()
    debug(f"sim {__version__}, Python {sys.version.split()[0]}: {args.command}")
    try:
        status = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, not at exit
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_OK
    except InputError as error:
        for line in str(error).splitlines():
            print(f"sim: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("sim: interrupted; no results folder was left half-written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"sim: error: cannot write{where}: {error.strerror}", file=sys.stderr)
        return EXIT_FAILURE
    debug(f"{args.command} took {time.perf_counter() - started:.1f} s, exit status {status}")
    return status


def _discard_stdout() -> None:
    """After the reader of a pipe went away: send what is left of stdout nowhere.

    Python flushes standard output at exit; into a closed pipe that would fail again and
    print "Exception ignored ... BrokenPipeError". Pointing the descriptor at the null
    device lets the program end quietly (the recipe of the Python documentation, signal).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real descriptor (captured output)
        pass


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every command."""
    parser = argparse.ArgumentParser(
        prog="sim",
        description=DESCRIPTION,
        epilog=_exit_codes_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sim {__version__}")
    add_common_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    for command_parser in sub.choices.values():
        add_common_options(command_parser)
    return parser
