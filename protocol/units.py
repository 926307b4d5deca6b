"""How every program writes sizes and durations for people: ``1 GiB``, ``1m05s``.

A job's memory limit is set in bytes by the API and shown by the runner (in an error) and the
CLI (in ``bencher job view``); both say it the same way through these functions.
"""

from __future__ import annotations

_BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def format_bytes(size: int | float) -> str:
    """``1073741824`` -> ``1 GiB``; ``1536`` -> ``1.5 KiB``; ``512`` -> ``512 B``.

    Binary units (powers of 1024), at most one decimal, and none when the value is whole.
    """
    value = float(size)
    for unit in _BINARY:
        if abs(value) < 1024 or unit == _BINARY[-1]:
            text = f"{value:.1f}".removesuffix(".0")
            return f"{text} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # the loop returns at the last unit


def format_duration(seconds: float) -> str:
    """``0.4`` -> ``0.4s``; ``65`` -> ``1m05s``; ``3700`` -> ``1h01m``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"
