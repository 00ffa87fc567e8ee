"""Command-line interface: argument parsing and printing only.

Every command is a module of this package with a ``register`` function that adds its
parser; each is a thin call into the API (:mod:`sim.evaluate`, :mod:`sim.scenario`).
Bad input prints one line naming file, line and field, and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sim.cli import calibrate, compare, export, report, route, run, scenarios, sweep, travel_map, validate
from sim.cli.common import escape_unencodable_output
from sim.errors import EXIT_BAD_INPUT, EXIT_FAILURE, InputError

__all__ = ["main"]

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
  sim export FILE.graphml   the door-to-door graph of a profile, for other tools
  sim sweep FILE            batch sweep: project subsets, parameters, failures (Parquet)

A SCENARIO is a file (scenarios/today.toml) or the name of a bundled one (today).
Cities are given by id, Chinese or English name (wuhan, 武汉, Wuhan).
"""

COMMANDS = (run, route, compare, travel_map, report, scenarios, sweep, export, validate, calibrate)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sim`` command line; return the exit status."""
    escape_unencodable_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except InputError as error:
        for line in str(error).splitlines():
            print(f"sim: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("sim: interrupted; no results folder was left half-written", file=sys.stderr)
        return 130
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"sim: error: cannot write{where}: {error.strerror}", file=sys.stderr)
        return EXIT_FAILURE


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every command."""
    parser = argparse.ArgumentParser(
        prog="sim", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser
