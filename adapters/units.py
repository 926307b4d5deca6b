"""Numbers, time units and the catalogue of known measures.

Every adapter converts what a tool prints into one of a few canonical units: latency in
nanoseconds, throughput in operations per second, and tool-specific counts (instructions,
cache hits, bytes ...) as printed. `MEASURES` names them so the server can create a measure
with a display name and units the first time a slug appears.
"""

from __future__ import annotations

#: Units for a measure key that is not in `MEASURES` (a BMF file may use any key).
UNKNOWN_UNITS = "units"

_NANOSECONDS = "nanoseconds (ns)"
_BYTES = "bytes (B)"

#: slug -> (display name, units) for every measure an adapter can produce, plus the two
#: conventional BMF measures `build-time` and `file-size`.
MEASURES: dict[str, tuple[str, str]] = {
    "latency": ("Latency", _NANOSECONDS),
    "throughput": ("Throughput", "operations / second (ops/s)"),
    "build-time": ("Build Time", "seconds (s)"),
    "file-size": ("File Size", _BYTES),
    # BenchmarkDotNet memory diagnoser
    "allocated": ("Allocated", _BYTES),
    "gen0-collects": ("Gen0 Collects", "collections"),
    "gen1-collects": ("Gen1 Collects", "collections"),
    "gen2-collects": ("Gen2 Collects", "collections"),
    "total-operations": ("Total Operations", "operations"),
    # Iai
    "instructions": ("Instructions", "instructions"),
    "l1-accesses": ("L1 Accesses", "accesses"),
    "l2-accesses": ("L2 Accesses", "accesses"),
    "ram-accesses": ("RAM Accesses", "accesses"),
    "estimated-cycles": ("Estimated Cycles", "cycles"),
    # Gungraun (formerly iai-callgrind): Callgrind and Cachegrind
    "l1-hits": ("L1 Hits", "hits"),
    "l2-hits": ("L2 Hits", "hits"),
    "ll-hits": ("LL Hits", "hits"),
    "ram-hits": ("RAM Hits", "hits"),
    "total-read-write": ("Total read+write", "reads/writes"),
    "global-bus-events": ("Ge", "events"),
    "dr": ("Dr", "reads"),
    "dw": ("Dw", "writes"),
    "i1mr": ("I1mr", "misses (reads)"),
    "d1mr": ("D1mr", "misses (reads)"),
    "d1mw": ("D1mw", "misses (writes)"),
    "ilmr": ("ILmr", "misses (reads)"),
    "dlmr": ("DLmr", "misses (reads)"),
    "dlmw": ("DLmw", "misses (writes)"),
    "i1-miss-rate": ("I1 Miss Rate", "misses (%)"),
    "lli-miss-rate": ("LLi Miss Rate", "misses (%)"),
    "d1-miss-rate": ("D1 Miss Rate", "misses (%)"),
    "lld-miss-rate": ("LLd Miss Rate", "misses (%)"),
    "ll-miss-rate": ("LL Miss Rate", "misses (%)"),
    "l1-hit-rate": ("L1 Hit Rate", "hits (%)"),
    "ll-hit-rate": ("LL Hit Rate", "hits (%)"),
    "ram-hit-rate": ("RAM Hit Rate", "hits (%)"),
    "sys-count": ("SysCount", "syscalls"),
    "sys-time": ("SysTime", "msec/usec/nsec"),
    "sys-cpu-time": ("SysCpuTime", "nsec"),
    "bc": ("Bc", "branches"),
    "bcm": ("Bcm", "branches"),
    "bi": ("Bi", "branches"),
    "bim": ("Bim", "branches"),
    "ildmr": ("ILdmr", "misses (reads)"),
    "dldmr": ("DLdmr", "misses (reads)"),
    "dldmw": ("DLdmw", "misses (writes)"),
    "accost1": ("AcCost1", "temporal locality count"),
    "accost2": ("AcCost2", "temporal locality count"),
    "sploss1": ("SpLoss1", "spatial loss count"),
    "sploss2": ("SpLoss2", "spatial loss count"),
    # Gungraun: DHAT
    "total-units": ("Total units", "units"),
    "total-events": ("Total events", "events"),
    "total-bytes": ("Total bytes", _BYTES),
    "total-blocks": ("Total blocks", "blocks"),
    "at-t-gmax-bytes": ("At t-gmax bytes", _BYTES),
    "at-t-gmax-blocks": ("At t-gmax blocks", "blocks"),
    "at-t-end-bytes": ("At t-end bytes", _BYTES),
    "at-t-end-blocks": ("At t-end blocks", "blocks"),
    "reads-bytes": ("Reads bytes", _BYTES),
    "writes-bytes": ("Writes bytes", _BYTES),
    "total-lifetimes": ("Total lifetimes", "lifetimes"),
    "maximum-bytes": ("Maximum bytes", _BYTES),
    "maximum-blocks": ("Maximum blocks", "blocks"),
}

# Gungraun: the error-checking tools share metric names, so their slugs carry the tool.
for _tool, _display in (("memcheck", "Memcheck"), ("helgrind", "Helgrind"), ("drd", "DRD")):
    MEASURES[f"{_tool}-errors"] = (f"{_display} Errors", "errors")
    MEASURES[f"{_tool}-contexts"] = (f"{_display} Contexts", "contexts")
    MEASURES[f"{_tool}-suppressed-errors"] = (f"{_display} Suppressed Errors", "suppressed errors")
    MEASURES[f"{_tool}-suppressed-contexts"] = (
        f"{_display} Suppressed Contexts",
        "suppressed contexts",
    )


def measure_info(key: str) -> tuple[str, str]:
    """Return (display name, units) for a measure key.

    Known slugs come from `MEASURES`; any other key (BMF allows arbitrary measure names)
    is displayed as itself with `UNKNOWN_UNITS`.
    """
    return MEASURES.get(key, (key, UNKNOWN_UNITS))


#: Time unit as printed -> nanoseconds per unit. Both the micro sign (U+00B5) and the Greek
#: mu (U+03BC) appear in the wild, sometimes in the same tool across versions.
TIME_UNITS: dict[str, float] = {
    "ps": 1.0 / 1_000.0,
    "ns": 1.0,
    "us": 1_000.0,
    "\u00b5s": 1_000.0,
    "\u03bcs": 1_000.0,
    "ms": 1_000_000.0,
    "s": 1_000_000_000.0,
}


def parse_number(token: str) -> float | None:
    """Parse a plain decimal as printed by benchmark tools, or return None.

    Accepts ASCII digits with at most one decimal point and any number of thousands
    separators ("13,967,756.30"); no sign, no exponent. Checking the shape first keeps
    Python's `float` from accepting "nan", "inf", "1_000", "1e5" or non-ASCII digits.
    """
    if not token.isascii():
        return None
    if token.isdigit():  # the common case, checked first because it is the cheapest
        return float(token)
    if "," in token:
        token = token.replace(",", "")
    whole, point, fraction = token.partition(".")
    if (whole.isdigit() or (point and not whole)) and (fraction.isdigit() or not fraction):
        if whole or fraction:
            return float(token)
    return None


def split_number_unit(token: str) -> tuple[float, str] | None:
    """Split "11.1μs" / "7617ms" into (11.1, "μs"); None if there is no leading number."""
    end = 0
    size = len(token)
    while end < size and token[end] in "0123456789.,":
        end += 1
    number = parse_number(token[:end])
    if number is None:
        return None
    return number, token[end:]


def time_factor(unit: str) -> float | None:
    """Nanoseconds per `unit`, or None if `unit` is not a time unit we know."""
    return TIME_UNITS.get(unit)


def as_float(value: object) -> float | None:
    """Return a JSON number as a finite float, or None (bools, strings, NaN, overflow)."""
    kind = type(value)  # exact types: bool is an int subclass and must be refused
    if kind is float:
        return value if value - value == 0.0 else None  # inf - inf and nan are nan
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            return None
    return None
