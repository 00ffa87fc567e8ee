"""Save a workbench state as a scenario file the command line runs (``sim run FILE``).

The file extends the bundled scenario the state starts from, sets the year, adds and
drops the toggled projects, and removes each cut link with a ``remove_link``
modification. It is written only to ``RESULTS/scenarios/NAME.toml``, with NAME a slug
checked here: no path ever comes from the browser.

The folder ``RESULTS/scenarios/`` is checked and written as :mod:`sim.output` writes
every result: never the current directory, a home or a git repository, never in or over
the project's data, never a folder another command (or the user) filled; it carries the
:data:`~sim.output.MARKER` of ``sim serve``, so that no other command replaces it; each
file is written atomically and an existing one is never replaced.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from sim.errors import InputError
from sim.output import MARKER, atomic_file, check_output_folder, marker_text
from sim.scenario import BUNDLED_NETWORK, BUNDLED_SCENARIOS
from sim.serve.workbench import State, Workbench

__all__ = ["SAVED", "SLUG", "WRITTEN_BY", "check_results_folder", "save_scenario", "scenario_text"]

SAVED = "scenarios"
"""The folder of the results folder that saved scenarios go to."""
WRITTEN_BY = "sim serve"
_SAVING = threading.Lock()  # two tabs saving one name: the second is told it exists

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


def scenario_text(wb: Workbench, state: State, name: str) -> str:
    """Return the scenario file of ``state``.

    Raises
    ------
    InputError
        If the state cannot be written as a scenario (a project the parent drops is added:
        the parent's drop would win).
    """
    parent = wb.catalogue.scenarios[state.scenario]
    clash = sorted(set(state.add) & set(parent.drop_projects))
    if clash:
        raise InputError(
            f"scenario '{state.scenario}' drops {', '.join(clash)}; a scenario extending it cannot add "
            "it back: start from another scenario",
            field="add",
        )
    bundled = parent.file is not None and parent.file.resolve().parent == BUNDLED_SCENARIOS.resolve()
    extends = parent.name
    if not bundled and parent.file is not None:
        extends = str(parent.file.resolve())
    if bundled and parent.file is not None:
        extends = parent.file.stem
    yn = wb.year_network(state.scenario, state.year)
    lines = [
        "# Written by `sim serve` (the workbench); run it with `sim run FILE`.",
        f"# Workbench view: ?{'&'.join(f'{k}={v}' for k, v in state.query().items())}",
        f"name = {_toml_string(name)}",
        f"description = {_toml_string(_description(state))}",
        f"extends = {_toml_string(extends)}",
        f"year = {state.year}",
    ]
    if wb.network_folder is not None:
        lines.append(f"network = {_toml_string(str(Path(wb.network_folder).resolve()))}")
    if state.year > wb.data_end and not parent.include_expected:
        lines.append("include_expected = true")
    if state.add:
        lines.append(f"add_projects = {_toml_list(sorted(state.add))}")
    if state.drop:
        lines.append(f"drop_projects = {_toml_list(sorted(state.drop))}")
    on = yn.active(State(state.scenario, state.year, state.add, state.drop))
    for cut in sorted(state.cuts):
        idx = yn.cut_links.get(cut)
        if idx is None or not on[idx].any():
            lines.append(f"# cut {cut[0]} {cut[1]}-{cut[2]}: not in this network, left out")
            continue
        lines += [
            "",
            "[[modifications]]",
            'type = "remove_link"',
            f"line = {_toml_string(cut[0])}",
            f"from = {_toml_string(cut[1])}",
            f"to = {_toml_string(cut[2])}",
        ]
    return "\n".join(lines) + "\n"


def _description(state: State) -> str:
    parts = [f"The workbench view of '{state.scenario}' at the end of {state.year}"]
    if state.add:
        parts.append(f"with {', '.join(sorted(state.add))}")
    if state.drop:
        parts.append(f"without {', '.join(sorted(state.drop))}")
    if state.cuts:
        parts.append(f"and {len(state.cuts)} link(s) cut")
    return " ".join(parts) + "."


def data_folders(wb: Workbench) -> tuple[Path, ...]:
    """Folders holding the workbench's data: nothing is saved in or over them."""
    folders = [BUNDLED_NETWORK, BUNDLED_SCENARIOS, wb.full.folder]
    for s in wb.catalogue.scenarios.values():
        folders += [f.parent for f in (s.file, s.extends, s.targets_file) if f is not None]
    return tuple(dict.fromkeys(Path(f).resolve() for f in folders))


def check_results_folder(results: Path, protected: Iterable[Path] = ()) -> Path:
    """Check that saved scenarios may go to ``results/scenarios/``; return that folder.

    Called when the server starts (so that a bad ``--results`` is refused at once) and
    before each save.

    Raises
    ------
    InputError
        If ``results`` is a file, or the folder would be in or over the data, the current
        directory, a home or a git repository, or is a folder that ``sim serve`` did not
        write (one holding only ``*.toml`` files, saved before folders carried the
        marker, is taken as its own).
    """
    results = Path(results)
    if results.exists() and not results.is_dir():
        raise InputError("the results folder is a file", results)
    folder = results / SAVED
    target = Path(os.path.abspath(folder.expanduser())).resolve()
    for data in protected:
        data = Path(data).resolve()
        if target == data or data in target.parents:
            raise InputError(f"refusing to save scenarios inside the data folder {data}", folder)
    return check_output_folder(folder, protected=protected, known=("*.toml",), written_by=WRITTEN_BY)


def save_scenario(wb: Workbench, state: State, name: str, results: Path) -> Path:
    """Write the scenario of ``state`` as ``results/scenarios/NAME.toml``; return the path.

    Raises
    ------
    InputError
        For a name that is not a slug, a file of that name that already exists, or a
        results folder :func:`check_results_folder` refuses.
    """
    if not isinstance(name, str) or not SLUG.match(name):
        raise InputError(
            "name must be 1-48 lowercase letters, digits or '-', starting with a letter or digit",
            field="name",
        )
    protected = data_folders(wb)
    text = scenario_text(wb, state, name)
    with _SAVING:
        folder = check_results_folder(results, protected)
        path = folder / f"{name}.toml"
        if path.exists():
            raise InputError(f"a saved scenario '{name}' exists already: choose another name", field="name")
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / MARKER).exists():
            atomic_file(folder / MARKER, marker_text(WRITTEN_BY), protected=protected)
        return atomic_file(path, text, protected=protected)
