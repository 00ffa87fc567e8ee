"""How the trip between a city centre and a terminal or expressway entrance is known.

Every access or egress leg of an itinerary says where its minutes come from, so that a
planner can tell a published figure from a recollection or from the formula that fills
the gaps (``network/README.md``):

* ``published``: a source gives the time, or the metro or bus trip it is worked out from
  (the terminal's ``access_note`` names it);
* ``recalled``: from memory, approximate;
* ``formula``: no time given; :func:`sim.graph.access_minutes` (terminals) or
  :func:`sim.graph.entrance_minutes` (expressway entrances) works it out from the
  straight-line distance;
* ``given``: a time given in a table without the ``access_basis`` column (a user's
  network), or an entrance's ``access_min``.
"""

from __future__ import annotations

from sim.network import Network
from sim.parameters import Parameters
from sim.paths import Leg

__all__ = ["access_bases", "basis_notes", "leg_access_basis"]


def access_bases(network: Network) -> dict[str, str]:
    """Return how the access time of every terminal and expressway entrance is known, by id.

    Terminals carry their ``access_basis``; an entrance's time is ``formula`` unless its
    ``access_min`` is given.
    """
    bases = {t.id: t.access_basis for t in network.terminals}
    bases |= {n.id: "formula" if n.access_min is None else "given" for n in network.road_nodes}
    return bases


def leg_access_basis(leg: Leg, bases: dict[str, str]) -> str | None:
    """Return how an access or egress leg's time is known (None for other legs).

    The terminal or entrance is the leg's far end (access) or near end (egress); a leg
    between a city centre and the expressways of a centre-to-centre network (both ends
    the city) takes the ``road_access_min`` parameter.
    """
    if leg.kind not in ("access", "egress"):
        return None
    if leg.from_id == leg.to_id:
        return "parameter"
    place = leg.to_id if leg.kind == "access" else leg.from_id
    return bases.get(place)


def basis_notes(
    parameters: Parameters, formula_places: set[str] = frozenset({"terminal", "entrance"})
) -> dict[str, str]:
    """Return one line per basis explaining it, with the formula's values.

    ``formula_places`` says which formulas to state: ``terminal`` (stations, airports,
    ports) and/or ``entrance`` (expressway entrances).
    """
    p = parameters
    formulas = []
    if "terminal" in formula_places:
        formulas.append(
            f"stations, airports and ports {p.access_fixed_min:g} min + straight-line km x "
            f"{p.access_detour:g} at {p.access_speed_kmh:g} km/h"
        )
    if "entrance" in formula_places:
        formulas.append(
            f"expressway entrances {p.road_entrance_fixed_min:g} min + straight-line km x "
            f"{p.access_detour:g} at {p.road_entrance_speed_kmh:g} km/h (fitted on observed driving times)"
        )
    return {
        "published": "access time from a published source (the terminal's access_note)",
        "recalled": "access time from memory, approximate (not checked against a source)",
        "formula": "no published time, worked out: " + "; ".join(formulas),
        "given": "access time given in the network's table, without a stated basis",
        "parameter": f"the road_access_min parameter ({p.road_access_min:g} min)",
    }
