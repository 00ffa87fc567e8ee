"""Open Matrix (OMX) skims: door-to-door and timetable minutes per profile and component.

Needs the ``omx`` extra (``openmatrix``, on PyTables/HDF5). One matrix per profile and
measure, named ``<profile>_<measure>``:

- ``door_to_door``: the door-to-door minutes (as ``travel_times.csv``);
- ``timetable``: the timetable reading, station to station: first boarding to last
  alighting by scheduled services on the path that minimises it
  (:attr:`sim.evaluate.ProfileResult.timetable_minutes`; ``inf`` where no scheduled
  service joins two cities, so everywhere off the diagonal for ``road``);
- ``access``, ``processing``, ``wait``, ``in_vehicle``, ``transfer``, ``egress``: the parts
  of the door-to-door time.

Rows are origins and columns destinations, in the order of ``cities.csv``; the mapping
``city`` gives the city id of each row (ASCII), ``zone`` the numbers 1..n. Minutes are
float64; unreachable pairs are ``inf``; the diagonal is 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.evaluate import Evaluation
from sim.generator import generator
from sim.graph import COMPONENTS
from sim.output import replace_atomically

__all__ = ["OMX_EXTRA_HINT", "omx_matrices", "require_omx", "write_omx"]

OMX_EXTRA_HINT = 'install the optional omx extra: python -m pip install "sim[omx]" (openmatrix)'


def require_omx() -> None:
    """Raise ImportError naming the ``omx`` extra unless openmatrix imports."""
    try:
        import openmatrix  # noqa: F401
    except ImportError as error:
        raise ImportError(f"OMX output needs openmatrix: {OMX_EXTRA_HINT}") from error


def omx_matrices(result: Evaluation) -> dict[str, np.ndarray]:
    """Return every matrix written by :func:`write_omx`, by name."""
    out: dict[str, np.ndarray] = {}
    for profile, res in result.results.items():
        out[f"{profile}_door_to_door"] = res.minutes.astype(np.float64)
        out[f"{profile}_timetable"] = np.asarray(res.timetable_minutes, dtype=np.float64)
        unreachable = ~np.isfinite(res.minutes)
        for k, comp in enumerate(COMPONENTS):
            part = res.parts[:, :, k].astype(np.float64)
            part[unreachable] = np.inf
            out[f"{profile}_{comp}"] = part
    return out


def write_omx(result: Evaluation, path: Path) -> Path:
    """Write the matrices of every profile of ``result`` to an OMX file."""
    require_omx()
    import openmatrix as omx

    matrices = omx_matrices(result)
    ids = list(result.city_ids)

    def fill(tmp: Path) -> None:
        with omx.open_file(str(tmp), "w") as f:
            for name, matrix in matrices.items():
                f[name] = matrix
                profile, _, measure = name.partition("_")
                node = f[name]
                node.attrs.profile = profile
                node.attrs.measure = measure
                node.attrs.units = "minutes"
            f.create_mapping("zone", list(range(1, len(ids) + 1)))
            # openmatrix's create_mapping takes integers only; the ids go in as an HDF5
            # string array in the same lookup group, which OMX readers list as a mapping
            f.create_array("/lookup", "city", obj=np.array(ids, dtype="S"))
            f.root._v_attrs.scenario = result.scenario.name
            f.root._v_attrs.generator = generator()

    return replace_atomically(Path(path), fill)
