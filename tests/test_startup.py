"""Start-up: ``sim --help``, ``--version`` and ``sim COMMAND --help`` import no heavy library.

Building the parser needs each command's ``register`` function only; the numerical
libraries are imported when a command runs. Each check runs in a fresh interpreter,
since this test process has imported them long before. The public API of ``sim`` is
loaded on first use (PEP 562) and must still give every name of ``sim.__all__``.
No timing here: ``bench/cli_start.py`` measures the start.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("igraph", "matplotlib", "networkx", "numpy", "pandas", "pyarrow", "scipy", "shapely")
COMMANDS = (
    "run",
    "route",
    "compare",
    "map",
    "report",
    "scenarios",
    "sweep",
    "serve",
    "export",
    "validate",
    "calibrate",
)

# Run the command line as `sim ARGS` does, then print which heavy libraries it imported.
PROBE = f"""
import contextlib, io, json, sys
from sim.cli import main
help_text = io.StringIO()
with contextlib.redirect_stdout(help_text):
    try:
        status = main(sys.argv[1:])
    except SystemExit as stop:
        status = stop.code
print(json.dumps({{
    "status": status,
    "printed": help_text.getvalue(),
    "heavy": sorted(m for m in {HEAVY!r} if m in sys.modules),
}}))
"""


def probe(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "args", [("--help",), ("--version",), *((command, "--help") for command in COMMANDS)], ids=" ".join
)
def test_help_and_version_import_no_heavy_library(args: tuple[str, ...]) -> None:
    found = probe(*args)
    assert found["status"] == 0
    if args == ("--version",):
        assert found["printed"] == f"sim {sim.__version__}\n"
    else:
        usage = "usage: sim " if args == ("--help",) else f"usage: sim {args[0]} "
        assert str(found["printed"]).startswith(usage)
    assert found["heavy"] == []


def test_every_command_is_probed() -> None:
    from sim.cli import build_parser

    (sub,) = [a for a in build_parser()._actions if a.dest == "command"]
    assert sorted(sub.choices) == sorted(COMMANDS)


def test_import_sim_imports_no_heavy_library() -> None:
    code = f"import sys, sim; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def typing_imports() -> dict[str, str]:
    """The names sim/__init__.py imports for type checkers, and their modules (read from the file)."""
    tree = ast.parse((ROOT / "sim" / "__init__.py").read_text(encoding="utf-8"))
    (block,) = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    return {
        alias.name: str(node.module)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def test_public_names_resolve_to_the_objects_of_their_modules() -> None:
    sources = typing_imports()
    assert sorted(sources) == sorted(sim.__all__)
    assert set(sim.__all__) <= set(dir(sim))
    for name, module in sources.items():
        assert getattr(sim, name) is getattr(importlib.import_module(module), name), name
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        sim.no_such_name  # noqa: B018


def test_from_sim_import_after_the_submodule_gives_the_function() -> None:
    # importing the submodule sim.evaluate first must not hide the function sim.evaluate
    code = (
        "import sys, sim.evaluate, sim.cli\n"
        "from sim import Evaluation, evaluate\n"
        "module = sys.modules['sim.evaluate']\n"
        "print(evaluate is module.evaluate, sim.evaluate is module.evaluate, Evaluation is module.Evaluation,"
        " sorted(set(sim.__all__) - set(dir(sim))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True True True []"
