"""Start-up of the ``sim`` command, beside the cost of an eager import, measured in one run.

Usage::

    python bench/cli_start.py [--repeat 21]

Starts ``sim --help``, ``sim run --help`` and ``sim --version`` ``repeat`` times each in
child processes, interleaved with ``python -c "import sim.evaluate"`` (what every start
cost when ``sim`` imported the evaluation eagerly: numpy, pandas, scipy, matplotlib) and
``python -c pass`` (the interpreter alone), and prints the median wall time of each and
how many times the eager import takes. Checks first that every command exits 0 and
prints what it should. The children run in an empty temporary folder, with this
environment: ``PYTHONPATH=OTHER_TREE`` measures another copy of the code.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def sim_script() -> str:
    """The ``sim`` entry point of this interpreter's environment (else the one on PATH)."""
    beside = Path(sys.executable).parent / "sim"
    found = str(beside) if beside.exists() else shutil.which("sim")
    if found is None:
        sys.exit("no sim command: install the package (pip install -e .)")
    return found


def wall_time(command: list[str], folder: str) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21, help="starts of each command (default 21)")
    args = parser.parse_args()

    sim = sim_script()
    python = sys.executable
    eager = 'python -c "import sim.evaluate"'
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "sim --help": [sim, "--help"],
        "sim run --help": [sim, "run", "--help"],
        "sim --version": [sim, "--version"],
        eager: [python, "-c", "import sim.evaluate"],
    }
    with tempfile.TemporaryDirectory(prefix="sim-bench-start-") as folder:
        package = subprocess.run(
            [python, "-c", "import sim; print(sim.__version__, sim.__file__)"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for name, command in commands.items():  # each works, and prints what it should
            out = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=True).stdout
            expected = {"sim --help": "usage: sim ", "sim run --help": "usage: sim run "}.get(name, "")
            if name == "sim --version":
                expected = f"sim {package[0]}\n"
            if not out.startswith(expected):
                sys.exit(f"{name} printed {out[:60]!r}, expected {expected!r}")
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):  # interleaved, so that other load falls on every command alike
            for name, command in commands.items():
                times[name].append(wall_time(command, folder))

    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"sim {package[0]} from {Path(package[1]).parent}; {sim}")
    print(f"median wall time of {args.repeat} starts each, interleaved (Python {sys.version.split()[0]})")
    width = max(len(name) for name in commands)
    print(f"{'command':<{width}}  {'median s':>8}  {'eager import / this':>19}")
    for name, median in medians.items():
        print(f"{name:<{width}}  {median:>8.3f}  {medians[eager] / median:>19.1f}")


if __name__ == "__main__":
    main()
