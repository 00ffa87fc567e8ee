"""Fit running-time parameters to observed times, and check them out of sample.

The parameters fitted (:data:`FITTED`) enter every edge's time linearly once written as
``u`` (the value itself, or its reciprocal for a speed factor or a rate): the time of an
edge is ``c + D u``. Rather than restate the model here, ``c`` and ``D`` are measured on
the graph itself: it is built at the scenario's values and once more with each ``u``
moved (:class:`LinearGraph`), and the difference is the slope. The time of an observed trip
on a given path is then linear in ``u``, and the fit is a linear programme: the values, in
their physical bounds, that minimise the mean absolute percentage error against the
observed values (the MAPE ``sim calibrate`` reports; a bound counts only beyond it).
Paths depend on the parameters, so paths and fit are repeated until the paths settle; a
parameter whose effect bends (a cruising speed capped by each section's limit) is
re-linearised around each new value until the values settle.

Out of sample (:func:`cross_validate`): the observations are grouped by city pair; each
group is predicted by the full model (the graph rebuilt) with parameters refitted on the
other groups only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from sim.graph import COMPONENTS, TIMETABLE_EDGE_KINDS, Graph, build_graph
from sim.modes import PROFILES
from sim.network import Network
from sim.parameters import Parameters
from sim.paths import Leg, itinerary, node_distances, shortest_path_tree, station_to_station

__all__ = [
    "FITTED",
    "FitResult",
    "FittedParameter",
    "LinearGraph",
    "ObservedTrip",
    "apply_fit",
    "cross_validate",
    "fit",
    "modelled_minutes",
    "named_nodes",
    "pair_groups",
    "trip_legs",
]

RAIL_MODES = ("hsr", "intercity", "conventional")
MAX_ROUNDS = 6  # rounds of routing and fitting on one linearisation
MAX_RELINEARISATIONS = 12  # for parameters that are not linear
TRUST = 0.15  # share of a non-linear parameter's u range it may move in one linearisation
# values have settled when none moves by more than this share of its u range (for the
# cruising speed, about 0.5 km/h: under 0.2 min on a 300 km drive)
SETTLED = 0.01


@dataclass(frozen=True)
class FittedParameter:
    """A parameter the calibration fits: one value shared by the listed keys of a table.

    Attributes
    ----------
    name
        The :class:`~sim.parameters.Parameters` field.
    keys
        The per-mode keys that take the value together; empty for a scalar parameter.
    low, high
        Physical bounds on the value.
    reciprocal
        Times are linear in ``1 / value`` (a speed factor, a rate) rather than in it.
    linear
        True when every edge's time is exactly linear in ``u`` (the fit is then one linear
        programme per set of paths); False for a parameter whose effect bends (a speed
        capped by a limit, a wait capped): the fit then re-linearises around each new
        value, within a trust region, until the values settle.
    """

    name: str
    keys: tuple[str, ...]
    low: float
    high: float
    reciprocal: bool
    linear: bool = True

    def u(self, value: float) -> float:
        """Return the linear coordinate of ``value``."""
        return 1.0 / value if self.reciprocal else value

    def value(self, u: float) -> float:
        """Return the parameter value at linear coordinate ``u``."""
        return 1.0 / u if self.reciprocal else u

    def u_bounds(self) -> tuple[float, float]:
        """Bounds on ``u``."""
        a, b = self.u(self.low), self.u(self.high)
        return (min(a, b), max(a, b))

    def current(self, parameters: Parameters) -> float:
        """Return the value in ``parameters`` (that of the first key of a table)."""
        value = getattr(parameters, self.name)
        return float(value[self.keys[0]] if self.keys else value)


# Which parameters each profile's observations fit, with their bounds (reasons in
# sim/parameters.py): rail, the share of line speed run and the acceleration; road, the
# cruising speed (capped by each section's limit: not linear) and the drive from a city
# centre to its expressway entrances (a fixed part and a speed). Road bounds: cruising
# between 80 km/h and the 120 km/h limit; the entrance drive's fixed part 0-20 min, its
# speed over straight-line km x access_detour 30-130 km/h (urban expressways cut the
# detour).
FITTED: dict[str, tuple[FittedParameter, ...]] = {
    "rail": (
        FittedParameter("speed_factor", RAIL_MODES, 0.80, 1.00, reciprocal=True),
        FittedParameter("acceleration_ms2", RAIL_MODES, 0.30, 0.50, reciprocal=True),
    ),
    "road": (
        FittedParameter("expressway_cruise_kmh", (), 80.0, 120.0, reciprocal=True, linear=False),
        FittedParameter("road_entrance_fixed_min", (), 0.0, 20.0, reciprocal=False),
        FittedParameter("road_entrance_speed_kmh", (), 30.0, 130.0, reciprocal=True),
    ),
}


def apply_fit(
    parameters: Parameters, fitted: Sequence[FittedParameter], values: Sequence[float]
) -> Parameters:
    """Return ``parameters`` with each fitted parameter set to its value."""
    overrides = {
        f.name: dict.fromkeys(f.keys, float(v)) if f.keys else float(v)
        for f, v in zip(fitted, values, strict=True)
    }
    return parameters.with_overrides(overrides)


@dataclass(frozen=True)
class ObservedTrip:
    """What the fit needs of one observation.

    Attributes
    ----------
    key
        Which :class:`LinearGraph` the trip runs on (the network of its year).
    origin, destination
        Where the trip starts and ends, as graph node keys ``(kind, id)``: a city's
        ``("origin", city)`` and ``("dest", city)`` door to door; a city's
        ``("tt_origin", city)`` and ``("tt_dest", city)``, or a named station's
        ``("dep", station)`` and ``("arr", station)``, station to station.
    station_to_station
        True: the timetable's reading (first boarding to last alighting, on the graph's
        timetable view); False: door to door.
    observed_min, tolerance_min, bound
        As in ``observed_times.csv``.
    group
        The pair it belongs to (held out together).
    """

    key: object
    origin: tuple[str, str]
    destination: tuple[str, str]
    station_to_station: bool
    observed_min: float
    tolerance_min: float
    bound: str | None
    group: str


def named_nodes(graph: Graph) -> dict[tuple[str, str], int]:
    """Return the index of every node that is not a platform or train: ``(kind, city or terminal id)``."""
    nodes = zip(graph.node_kind, graph.node_ref, graph.node_line, strict=True)
    return {(kind, ref): n for n, (kind, ref, line) in enumerate(nodes) if not line}


class LinearGraph:
    """One network's graph with edge times linear in the fitted parameters' ``u``.

    Parameters
    ----------
    network
        The network (of one year).
    profile
        Profile name.
    parameters
        The scenario's parameters: the point of linearisation.
    fitted
        The parameters fitted.
    linear_slopes
        The graph whose slopes of the linear parameters are reused (the same network and
        profile, linearised elsewhere): a linear parameter's slope is the same at every
        point, so only the others are measured again.
    """

    def __init__(
        self,
        network: Network,
        profile: str,
        parameters: Parameters,
        fitted: Sequence[FittedParameter],
        linear_slopes: LinearGraph | None = None,
    ) -> None:
        self.network = network
        self.profile = PROFILES[profile]
        self.parameters = parameters
        self.fitted = tuple(fitted)
        base = build_graph(network, self.profile, parameters)
        self.graph = base
        self.view = base.timetable_view()
        self.view_edges = np.flatnonzero([k in TIMETABLE_EDGE_KINDS for k in base.edge_kind])
        self.node_of = named_nodes(base)
        u0 = np.array([f.u(f.current(parameters)) for f in self.fitted])
        slope = np.zeros((base.n_edges, len(self.fitted)))
        for k, f in enumerate(self.fitted):
            if f.linear and linear_slopes is not None:
                slope[:, k] = linear_slopes.slope[:, k]
                continue
            # linear: the bound farthest from the scenario's value, a long step that keeps
            # the slope exact to well under a second per edge despite the rounding to whole
            # seconds; not linear: a short step inside the bounds, the local slope
            u = u0.copy()
            lo, hi = f.u_bounds()
            if f.linear:
                u[k] = max((lo, hi), key=lambda b: abs(b - u0[k]))
            else:
                step = 0.02 * (hi - lo)
                u[k] = u0[k] + step if u0[k] + step <= hi else u0[k] - step
            values = [g.value(x) for g, x in zip(self.fitted, u, strict=True)]
            moved = build_graph(network, self.profile, apply_fit(parameters, self.fitted, values))
            if not (np.array_equal(moved.tail, base.tail) and np.array_equal(moved.head, base.head)):
                raise RuntimeError(f"the graph's edges depend on {f.name}: it cannot be fitted linearly")
            slope[:, k] = (moved.weight - base.weight) / (u[k] - u0[k])
        self.u0 = u0
        self.slope = slope
        self.intercept = base.weight - slope @ u0
        self.wait = base.components[:, COMPONENTS.index("wait")].astype(np.float64)
        self._trees: dict[tuple[tuple[float, ...], int], object] = {}

    def weights(self, u: np.ndarray) -> np.ndarray:
        """Edge seconds at ``u``, rounded to whole seconds as the graph's are."""
        return np.maximum(np.round(self.intercept + self.slope @ u), 0.0)

    def path(self, u: np.ndarray, trip: ObservedTrip) -> list[int] | None:
        """Edges (of the whole graph) of the trip's chosen path at ``u``; None if there is none.

        Station to station, the path is chosen on the timetable view, as
        :func:`modelled_minutes` does.
        """
        source, node = self.node_of.get(trip.origin), self.node_of.get(trip.destination)
        if source is None or node is None:
            return None
        view = trip.station_to_station
        key = (tuple(np.round(u, 12)), source, view)
        tree = self._trees.get(key)
        if tree is None:
            weights = self.weights(u)
            graph_u = (
                dataclasses.replace(self.view, weight=weights[self.view_edges])
                if view
                else (dataclasses.replace(self.graph, weight=weights))
            )
            tree = shortest_path_tree(graph_u, source, node_distances(graph_u, sources=[source])[0])
            self._trees[key] = tree
        if not np.isfinite(tree.distance[node]):  # type: ignore[attr-defined]
            return None
        edges = tree.edges_to(node)  # type: ignore[attr-defined]
        return [int(self.view_edges[e]) for e in edges] if view else edges

    def row(self, edges: list[int], station_to_station: bool) -> tuple[np.ndarray, float]:
        """Return ``(x, c)``: the trip's minutes on ``edges`` are ``x @ u + c``.

        Station to station: from the first boarding to the last alighting, without the
        wait before the first boarding (as :func:`sim.paths.station_to_station`).
        """
        kinds = [self.graph.edge_kind[e] for e in edges]
        wait = 0.0
        if station_to_station:
            first = next(k for k, kind in enumerate(kinds) if kind in ("board", "tt_board"))
            last = len(kinds) - 1 - kinds[::-1].index("alight")
            wait = self.wait[edges[first]]
            edges = edges[first : last + 1]
        idx = np.array(edges, dtype=np.int64)
        return self.slope[idx].sum(axis=0) / 60.0, float(self.intercept[idx].sum() - wait) / 60.0


@dataclass(frozen=True)
class FitResult:
    """Fitted values and how well they fit.

    Attributes
    ----------
    fitted
        The parameters fitted.
    values
        Their fitted values, in the same order.
    mape_pct
        Mean absolute percentage error (against the point values) on the observations
        fitted, as the linear model computes it.
    trips
        Number of observations fitted (reachable ones).
    rounds
        Rounds of routing and fitting done.
    settled
        True if the last round chose the same paths as the one before.
    """

    fitted: tuple[FittedParameter, ...]
    values: tuple[float, ...]
    mape_pct: float
    trips: int
    rounds: int
    settled: bool

    def as_dict(self) -> dict[str, float]:
        """``{"speed_factor": 0.93, ...}``."""
        return {f.name: v for f, v in zip(self.fitted, self.values, strict=True)}


def _solve(
    x: np.ndarray, c: np.ndarray, trips: Sequence[ObservedTrip], bounds: list[tuple[float, float]]
) -> np.ndarray:
    """Solve for ``u`` in its bounds minimising the mean absolute percentage error (an LP).

    The error is against the observed point value; for a bound ("under X"), only what
    lies beyond it. Tolerances are not used here: among values that all fit within a
    source's tolerance, the point value still tells which fits best.
    """
    n, k = x.shape
    y = np.array([t.observed_min for t in trips])
    rows, rhs = [], []
    for i, t in enumerate(trips):
        over = np.zeros(k + n)
        over[:k] = x[i] / y[i]
        over[k + i] = -1.0
        if t.bound != "lower":  # modelled - observed <= t_i * observed
            rows.append(over)
            rhs.append((y[i] - c[i]) / y[i])
        if t.bound != "upper":  # observed - modelled <= t_i * observed
            under = -over
            under[k + i] = -1.0
            rows.append(under)
            rhs.append((c[i] - y[i]) / y[i])
    cost = np.concatenate([np.zeros(k), np.ones(n)])
    result = linprog(
        cost,
        A_ub=np.array(rows),
        b_ub=np.array(rhs),
        bounds=[*bounds, *[(0.0, None)] * n],
        method="highs",
    )
    if not result.success:  # pragma: no cover - bounded and always feasible
        raise RuntimeError(f"calibration fit failed: {result.message}")
    return np.asarray(result.x[:k])


def _point_pct(modelled: np.ndarray, trips: Sequence[ObservedTrip]) -> np.ndarray:
    """Percentage error against the point value (for a bound, beyond it)."""
    out = np.empty(len(trips))
    for i, t in enumerate(trips):
        e = modelled[i] - t.observed_min
        if t.bound == "upper":
            e = max(e, 0.0)
        elif t.bound == "lower":
            e = min(e, 0.0)
        out[i] = 100.0 * e / t.observed_min
    return out


def fit(trips: Sequence[ObservedTrip], graphs: dict[object, LinearGraph]) -> FitResult:
    """Fit the parameters of ``graphs`` to ``trips``, routing and fitting until the paths settle.

    Parameters
    ----------
    trips
        The observations to fit (one profile).
    graphs
        A :class:`LinearGraph` per ``trip.key``, all with the same fitted parameters and
        point of linearisation.

    Notes
    -----
    With a parameter that is not linear, the graphs are linearised anew around each
    fitted point and the fit repeated, each step within a trust region, until no value
    moves by more than :data:`SETTLED` of its range (successive linear programming).
    """
    return _fit_and_graphs(trips, graphs)[0]


def _fit_and_graphs(
    trips: Sequence[ObservedTrip], graphs: dict[object, LinearGraph]
) -> tuple[FitResult, dict[object, LinearGraph]]:
    """:func:`fit`, also returning the graphs linearised at the fitted values."""
    first = next(iter(graphs.values()))
    fitted = first.fitted
    if not trips:
        raise ValueError("nothing to fit: no observation")
    if all(f.linear for f in fitted):
        return _fit_on(trips, graphs, [f.u_bounds() for f in fitted]), graphs
    rounds = 0
    span = np.array([f.u_bounds()[1] - f.u_bounds()[0] for f in fitted])
    for _ in range(MAX_RELINEARISATIONS):
        u0 = next(iter(graphs.values())).u0
        bounds = []
        for f, u in zip(fitted, u0, strict=True):
            lo, hi = f.u_bounds()
            centre = min(max(u, lo), hi)
            reach = np.inf if f.linear else TRUST * (hi - lo)
            bounds.append((max(lo, centre - reach), min(hi, centre + reach)))
        result = _fit_on(trips, graphs, bounds)
        rounds += result.rounds
        u1 = np.array([f.u(v) for f, v in zip(fitted, result.values, strict=True)])
        if np.all(np.abs(u1 - u0) <= SETTLED * span):
            break
        graphs = {
            key: LinearGraph(
                g.network, g.profile.name, apply_fit(g.parameters, fitted, result.values), fitted, g
            )
            for key, g in graphs.items()
        }
    return dataclasses.replace(result, rounds=rounds), graphs


def _fit_on(
    trips: Sequence[ObservedTrip], graphs: dict[object, LinearGraph], bounds: list[tuple[float, float]]
) -> FitResult:
    """Route and fit on one linearisation until the paths settle."""
    first = next(iter(graphs.values()))
    fitted = first.fitted
    u = first.u0.copy()
    previous: list[tuple[int, ...] | None] | None = None
    rounds, settled = 0, False
    x = c = np.zeros(0)
    used: list[ObservedTrip] = []
    while rounds < MAX_ROUNDS:
        paths = [graphs[t.key].path(u, t) for t in trips]
        key = [tuple(p) if p is not None else None for p in paths]
        if key == previous:
            settled = True
            break
        previous = key
        used = [t for t, p in zip(trips, paths, strict=True) if p is not None]
        rows = [graphs[t.key].row(p, t.station_to_station) for t, p in zip(trips, paths, strict=True) if p]
        x = np.array([r[0] for r in rows]).reshape(len(rows), len(fitted))
        c = np.array([r[1] for r in rows])
        u = _solve(x, c, used, bounds)
        rounds += 1
    modelled = x @ u + c
    mape = float(np.mean(np.abs(_point_pct(modelled, used)))) if used else float("nan")
    values = tuple(float(f.value(v)) for f, v in zip(fitted, u, strict=True))
    return FitResult(fitted, values, mape, len(used), rounds, settled)


def trip_legs(graph: Graph, trip: ObservedTrip, backend: str = "scipy") -> tuple[list[Leg], float]:
    """Return the legs of the trip's chosen path on ``graph`` and its minutes as calibration compares them.

    Door to door: the whole path from the city's origin to the other's destination.
    Station to station: the path on the graph's timetable view (scheduled services only)
    from the first boarding to the last alighting, between the two cities' stations or the
    named ones. No path: no legs and NaN.
    """
    nodes = named_nodes(graph)
    source, node = nodes.get(trip.origin), nodes.get(trip.destination)
    if source is None or node is None:
        return [], float("nan")
    g = graph.timetable_view() if trip.station_to_station else graph
    dist = node_distances(g, backend, [source])[0]
    if not np.isfinite(dist[node]):
        return [], float("nan")
    legs = itinerary(g, shortest_path_tree(g, source, dist), node)
    return legs, station_to_station(legs) if trip.station_to_station else float(dist[node]) / 60.0


def modelled_minutes(graph: Graph, trip: ObservedTrip) -> float:
    """Return the full model's minutes for one observation on ``graph`` (what calibration compares)."""
    return trip_legs(graph, trip)[1]


def pair_groups(trips: Sequence[ObservedTrip], folds: int | None = None, seed: int = 0) -> list[list[int]]:
    """Return the indices of the trips held out together: per city pair, or ``folds`` folds of pairs.

    ``folds=None`` (or at least the number of pairs) leaves one pair out at a time, in the
    order the pairs first appear; otherwise the pairs are shuffled with ``seed`` and dealt
    into ``folds`` folds.
    """
    pairs: dict[str, list[int]] = {}
    for i, t in enumerate(trips):
        pairs.setdefault(t.group, []).append(i)
    groups = list(pairs.values())
    if folds is None or folds >= len(groups):
        return groups
    order = np.random.default_rng(seed).permutation(len(groups))
    dealt: list[list[int]] = [[] for _ in range(folds)]
    for rank, g in enumerate(order.tolist()):
        dealt[rank % folds].extend(groups[g])
    return [sorted(d) for d in dealt if d]


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-sample predictions.

    Attributes
    ----------
    modelled
        Per trip, the full model's minutes with parameters fitted without its group (NaN
        when no other group is left to fit on, or no path).
    values
        Per trip, the values of the fitted parameters used to predict it.
    folds
        Number of groups held out in turn.
    """

    modelled: np.ndarray
    values: list[tuple[float, ...]]
    folds: int


def cross_validate(
    trips: Sequence[ObservedTrip],
    graphs: dict[object, LinearGraph],
    profile: str,
    folds: int | None = None,
    seed: int = 0,
) -> CrossValidation:
    """Predict each group of trips with parameters refitted on the others.

    Parameters
    ----------
    trips
        Observations of one profile.
    graphs
        A :class:`LinearGraph` per ``trip.key``.
    profile
        The profile name.
    folds, seed
        See :func:`pair_groups`.

    Notes
    -----
    With parameters that are not linear, each fold's fit starts from the graphs
    linearised at the fit on every trip (the scenario's defaults are that fit, rounded,
    so this is where a fold would start anyway); the fold then iterates to its own
    values. Linear parameters need no starting point.
    """
    groups = pair_groups(trips, folds, seed)
    start = graphs
    if len(groups) > 1 and not all(f.linear for f in next(iter(graphs.values())).fitted):
        start = _fit_and_graphs(trips, graphs)[1]
    modelled = np.full(len(trips), np.nan)
    values: list[tuple[float, ...]] = [()] * len(trips)
    built: dict[tuple[int, tuple[float, ...]], Graph] = {}
    for group in groups:
        held = set(group)
        training = [t for i, t in enumerate(trips) if i not in held]
        if not training:  # a single pair: nothing left to fit on, no out-of-sample figure
            continue
        result = fit(training, start)
        for i in group:
            t = trips[i]
            lin = graphs[t.key]
            graph = built.get((id(lin), result.values))
            if graph is None:
                params = apply_fit(lin.parameters, lin.fitted, result.values)
                graph = built[(id(lin), result.values)] = build_graph(lin.network, PROFILES[profile], params)
            modelled[i] = modelled_minutes(graph, t)
            values[i] = result.values
    return CrossValidation(modelled, values, len(groups))
