"""Units for people: the symbol of a measure's units, one scale per table chosen so its numbers
read well (1,200 ns is shown as 1.2 µs; 3,221,225,472 B as 3 GiB), and readable numbers."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

_ABBREV = re.compile(r"\(([^()]+)\)\s*$")
_TIME = (("ns", 1.0), ("µs", 1e3), ("ms", 1e6), ("s", 1e9))
_BYTES = (("B", 1.0), ("KiB", 1024.0), ("MiB", 1024.0**2), ("GiB", 1024.0**3), ("TiB", 1024.0**4))
#: A unit symbol -> (its family, its size in the family's smallest unit).
_FAMILIES = {
    "ns": (_TIME, 1.0),
    "us": (_TIME, 1e3),
    "µs": (_TIME, 1e3),
    "ms": (_TIME, 1e6),
    "s": (_TIME, 1e9),
    "B": (_BYTES, 1.0),
}


@dataclass(frozen=True)
class Scale:
    """Show a value stored in some unit as ``value / divisor`` followed by ``symbol``."""

    symbol: str
    divisor: float = 1.0

    def apply(self, value: float | int | None) -> float | None:
        """``value`` in this scale's unit (None stays None)."""
        return None if value is None else float(value) / self.divisor


def unit_symbol(units: str | None) -> str:
    """``"nanoseconds (ns)"`` -> ``"ns"``; units without an abbreviation are kept whole."""
    if not units:
        return ""
    found = _ABBREV.search(units)
    return found.group(1) if found else units


def choose_scale(units: str | None, values: Iterable[float | int | None]) -> Scale:
    """The largest unit of the units' family in which the median value is at least 1.

    Units outside the known families (time, bytes) are kept as they are.
    """
    symbol = unit_symbol(units)
    family = _FAMILIES.get(symbol)
    magnitudes = [abs(float(v)) for v in values if v]
    if family is None or not magnitudes:
        return Scale(symbol)
    steps, size = family
    typical = statistics.median(magnitudes) * size
    chosen, factor = steps[0]
    for step, step_factor in steps:
        if typical >= step_factor:
            chosen, factor = step, step_factor
    return Scale(chosen, factor / size)


def number(value: float | int | None) -> str:
    """A readable number: thousands separators, at most 3 decimals, 4 significant below 1."""
    if value is None:
        return "-"
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 1:
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def with_units(value: float | int | None, units: str | None, scale: Scale | None = None) -> str:
    """The value in ``scale`` (default: the best one for this value) with its unit symbol:
    ``with_units(1500, "nanoseconds (ns)")`` is ``1.5 µs``."""
    scale = scale or choose_scale(units, [value])
    shown = number(scale.apply(value))
    return f"{shown} {scale.symbol}" if value is not None and scale.symbol else shown


def measure_name(row: dict) -> str:
    """A row's measure as people read it: its name (``Latency``), as the console shows it, not
    its slug (``latency``); a report from a server that sends no ``measure_name`` has the slug."""
    return row.get("measure_name") or row["measure"]


def measure_title(row: dict, scale: Scale) -> str:
    """The measure's name with the scale's symbol: ``Latency (ms)``."""
    name = measure_name(row)
    return f"{name} ({scale.symbol})" if scale.symbol else name
