"""Transport modes, terminal kinds and the profiles that combine them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["PROFILES", "Mode", "Profile", "TerminalKind", "profile_by_name"]


class TerminalKind(StrEnum):
    """Kinds of terminal: where a traveller boards a scheduled service."""

    RAIL = "rail"
    AIR = "air"
    PORT = "port"


class Mode(StrEnum):
    """Link modes as written in the ``mode`` column of the link tables."""

    HSR = "hsr"
    INTERCITY = "intercity"
    CONVENTIONAL = "conventional"
    EXPRESSWAY = "expressway"
    WATERWAY = "waterway"
    AIR = "air"

    @property
    def terminal_kind(self) -> TerminalKind | None:
        """Kind of terminal the mode runs between; None for roads (centre to centre)."""
        return _TERMINAL_OF[self]

    @property
    def is_rail(self) -> bool:
        """True for the three rail modes."""
        return _TERMINAL_OF[self] is TerminalKind.RAIL

    @classmethod
    def parse(cls, text: str) -> Mode:
        """Return the mode named by ``text`` (case and surrounding space ignored).

        Raises
        ------
        ValueError
            If ``text`` names no mode; the message lists the valid ones.
        """
        key = text.strip().lower()
        try:
            return cls(key)
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown mode '{text}' (valid: {valid})") from None


_TERMINAL_OF: dict[Mode, TerminalKind | None] = {
    Mode.HSR: TerminalKind.RAIL,
    Mode.INTERCITY: TerminalKind.RAIL,
    Mode.CONVENTIONAL: TerminalKind.RAIL,
    Mode.EXPRESSWAY: None,
    Mode.WATERWAY: TerminalKind.PORT,
    Mode.AIR: TerminalKind.AIR,
}


@dataclass(frozen=True)
class Profile:
    """A kind of traveller (or shipment): which modes it may use.

    Attributes
    ----------
    name
        Profile name as users type it.
    modes
        Link modes the profile may use.
    description
        One line for ``sim --help`` and the docs.
    published_timetables
        Whether its scheduled services keep published timetables. Freight trains and
        boats do not: their station-to-station reading is a modelled running time, and
        the targets call it ``modelled_run``, not ``timetable``.
    """

    name: str
    modes: frozenset[Mode]
    description: str
    published_timetables: bool = True

    @property
    def uses_road(self) -> bool:
        """True when the profile drives on expressways."""
        return Mode.EXPRESSWAY in self.modes


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "rail",
            frozenset({Mode.HSR, Mode.INTERCITY, Mode.CONVENTIONAL}),
            "passenger by rail, with access and egress from the city centre",
        ),
        Profile("road", frozenset({Mode.EXPRESSWAY}), "car, centre to centre on expressways"),
        Profile(
            "passenger",
            frozenset({Mode.HSR, Mode.INTERCITY, Mode.CONVENTIONAL, Mode.EXPRESSWAY, Mode.AIR}),
            "passenger by rail, road and air, changing mode where it pays",
        ),
        Profile(
            "freight",
            frozenset({Mode.CONVENTIONAL, Mode.EXPRESSWAY, Mode.WATERWAY}),
            "freight by road, conventional rail and waterway",
            published_timetables=False,
        ),
    )
}


def profile_by_name(name: str) -> Profile:
    """Return the profile called ``name``.

    Raises
    ------
    ValueError
        If no profile has that name; the message lists the valid ones.
    """
    try:
        return PROFILES[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown profile '{name}' (valid: {', '.join(PROFILES)})") from None
