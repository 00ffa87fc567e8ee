"""Figures stay bounded on large networks: links merged on a grid, and said so."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from sim.figures.bounds import drawable
from sim.modes import Mode, TerminalKind
from sim.network import City, Link, Network, Terminal


def grid_network(side: int) -> Network:
    """Stations on a side x side grid 0.01 degree apart, joined to their right and upper neighbours."""
    city = City("c0", "城", "C", "x", 30.0, 114.0, 1_000_000, None, "in-plan", "t")
    terminals = [
        Terminal(
            f"s{i}_{j}",
            "c0",
            TerminalKind.RAIL,
            "",
            "",
            30.0 + i * 0.01,
            114.0 + j * 0.01,
            5,
            "open",
            2000,
            "t",
        )
        for i, j in itertools.product(range(side), range(side))
    ]
    links = []
    for i, j in itertools.product(range(side), range(side)):
        for di, dj in ((0, 1), (1, 0)):
            if i + di < side and j + dj < side:
                links.append(
                    Link(
                        Mode.CONVENTIONAL,
                        f"L{i}_{j}_{di}",
                        f"s{i}_{j}",
                        f"s{i + di}_{j + dj}",
                        1.2,
                        120,
                        None,
                        None,
                        "open",
                        2000,
                        None,
                        None,
                        "t",
                    )
                )
    return Network(Path("."), (city,), tuple(terminals), tuple(links))


def test_a_small_network_is_drawn_as_it_is():
    net = grid_network(10)
    drawn, context, note = drawable(net, net)
    assert drawn is net and context is net and note == ""


def test_a_large_network_is_merged_to_at_most_the_bound_and_says_so():
    net = grid_network(120)  # 28,560 links
    assert len(net.links) == 2 * 120 * 119
    drawn, context, note = drawable(net, net, max_links=2_000)
    assert 0 < len(drawn.links) <= 2_000
    assert "28,560 links merged" in note and "km grid" in note
    # the same segments in both: nothing is drawn as "not in this scenario"
    assert set(drawn.links) == set(context.links)
    # every segment joins two cells whose centres lie inside the network's extent
    pos = {t.id: (t.lat, t.lon) for t in drawn.terminals}
    lats = np.array([pos[e][0] for lk in drawn.links for e in (lk.from_id, lk.to_id)])
    assert lats.min() >= 29.9 and lats.max() <= 31.3


def test_only_the_most_populous_cities_are_kept_beyond_the_bound():
    cities = tuple(
        City(f"c{i}", "城", f"C{i}", "x", 30.0, 114.0 + i * 0.01, 1000 * (i + 1), None, "in-plan", "t")
        for i in range(50)
    )
    net = Network(Path("."), cities, (), ())
    drawn, _, note = drawable(net, max_cities=10)
    assert {c.id for c in drawn.cities} == {f"c{i}" for i in range(40, 50)}
    assert "10 most populous" in note
