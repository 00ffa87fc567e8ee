from pathlib import Path

import pytest

from sim.network import Network, load_network

TINY = Path(__file__).parent / "data" / "tiny"


@pytest.fixture
def tiny() -> Network:
    """The hand-made three-city network, every status included."""
    return load_network(TINY)


@pytest.fixture
def tiny_today(tiny: Network) -> Network:
    """The tiny network as built by 2025 (the planned line L4 excluded)."""
    return tiny.as_of(2025)
