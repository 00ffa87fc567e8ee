"""MkDocs hook: put the help of every ``sim`` command into the page that asks for it.

A page containing the line ``<!-- sim-help -->`` gets, in its place, ``sim --help`` and
``sim COMMAND --help`` for every command, as the installed parser prints them, so the
command-line reference cannot drift from the code.
"""

from __future__ import annotations

import os
from typing import Any

MARKER = "<!-- sim-help -->"


def _help_text() -> str:
    from sim.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "96"  # argparse wraps to the terminal; fixed for a stable page
    try:
        parser = build_parser()
        (sub,) = [a for a in parser._actions if a.dest == "command"]
        parts = ["### sim", "", "```text", parser.format_help().rstrip(), "```", ""]
        for name, command in sub.choices.items():
            parts += [f"### sim {name}", "", "```text", command.format_help().rstrip(), "```", ""]
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(parts)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the marker with the help of every command."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, _help_text())
