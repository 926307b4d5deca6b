"""Adapter names, the `magic` order, and running an adapter by name."""

from __future__ import annotations

from . import c_sharp, cpp, dart, go, gungraun, java, js, python, ruby, rust, shell
from .bmf import finalize, parse_json
from .core import BOTH, INVALID, NO_RESULTS, REFUSED, Adapter, AdapterError, Results, Source

AVERAGES = ("mean", "median")

_JSON = Adapter("json", parse_json, BOTH, "Bencher Metric Format JSON")

#: Every single-tool adapter, in the order `magic` tries them. As in Bencher: BMF first
#: (the cheapest and strictest check), then languages alphabetically (C#, C++, Dart, Go,
#: Java, JS, Python, Ruby, Rust, shell), each family in its own order.
_SINGLE: tuple[Adapter, ...] = (
    _JSON,
    *c_sharp.ADAPTERS,
    *cpp.ADAPTERS,
    *dart.ADAPTERS,
    *go.ADAPTERS,
    *java.ADAPTERS,
    *js.ADAPTERS,
    *python.ADAPTERS,
    *ruby.ADAPTERS,
    *rust.ADAPTERS,
    *gungraun.ADAPTERS,
    *shell.ADAPTERS,
)
_BY_NAME = {adapter.name: adapter for adapter in _SINGLE}

#: The order in which `magic` tries adapters; the first that finds a benchmark wins.
MAGIC_ORDER: tuple[str, ...] = tuple(adapter.name for adapter in _SINGLE)

_GUNGRAUN = ("rust_gungraun_json", "rust_gungraun_stdout")
#: Names that try several adapters in order.
_COMPOSITE: dict[str, tuple[str, ...]] = {
    "magic": MAGIC_ORDER,
    "rust_gungraun": _GUNGRAUN,
    "rust_iai_callgrind": _GUNGRAUN,  # the tool's former name
}
#: Language names mean `magic`, as the service's API documents.
LANGUAGES = ("c_sharp", "cpp", "dart", "go", "java", "js", "python", "ruby", "rust", "shell")
_COMPOSITE.update(dict.fromkeys(LANGUAGES, MAGIC_ORDER))

#: Every name accepted by `parse(adapter=...)` and `python -m adapters`.
ADAPTER_NAMES: tuple[str, ...] = tuple(sorted({*_BY_NAME, *_COMPOSITE}))


def run(text: str, name: str, average: str | None) -> Results:
    """Parse `text` with the adapter called `name`; see `adapters.parse`."""
    if average is not None and average not in AVERAGES:
        raise AdapterError(f"unknown average {average!r}; expected one of {', '.join(AVERAGES)}")
    src = Source(text)
    if name in _BY_NAME:
        return _run_one(_BY_NAME[name], src, average)
    if name not in _COMPOSITE:
        raise AdapterError(f"unknown adapter {name!r}; expected one of {', '.join(ADAPTER_NAMES)}")
    failures: list[AdapterError] = []
    for member in _COMPOSITE[name]:
        try:
            return _run_one(_BY_NAME[member], src, average)
        except AdapterError as error:
            error.adapter = member
            failures.append(error)
    raise _composite_error(name, src, average, failures)


def _supported(adapter: Adapter) -> str:
    averages = " or ".join(f"average={average}" for average in sorted(adapter.averages))
    return averages or "no explicit average (leave it unset)"


def _run_one(adapter: Adapter, src: Source, average: str | None) -> Results:
    if average is not None and average not in adapter.averages:
        raise AdapterError(
            f"{adapter.name}: the tool does not report the {average}, so average={average} "
            f"cannot be honoured; this adapter supports {_supported(adapter)}",
            REFUSED,
            adapter.name,
        )
    text = src.text
    if all(needle in text for needle in adapter.needles):
        results = adapter.parse(src, average)
    else:
        results = {}
    if not results:
        raise AdapterError(
            f"{adapter.name}: no benchmark results found; expected {adapter.expects}",
            NO_RESULTS,
            adapter.name,
        )
    return finalize(adapter.name, results)


def _composite_error(
    name: str, src: Source, average: str | None, failures: list[AdapterError]
) -> AdapterError:
    """One message for a composite adapter: what was tried and what came close."""
    members = _COMPOSITE[name]
    label = f"{name} (magic)" if name in LANGUAGES else name
    lines = [f"{label}: no adapter found benchmark results (tried {', '.join(members)})"]
    refused = [_BY_NAME[error.adapter] for error in failures if error.kind == REFUSED]
    if refused:
        lines.append(
            f"  skipped as they cannot report average={average}: "
            + ", ".join(adapter.name for adapter in refused)
        )
        # Say so when a skipped adapter would have read the output without the average.
        for adapter in refused:
            try:
                _run_one(adapter, src, None)
            except AdapterError:
                continue
            lines.append(
                f"  the output looks like {adapter.name} output; {adapter.name} supports "
                f"{_supported(adapter)}"
            )
    lines.extend(f"  {error}" for error in failures if error.kind == INVALID)
    if len(members) <= 3:
        lines.extend(f"  {error}" for error in failures if error.kind == NO_RESULTS)
    elif len(lines) == 1:
        lines.append("  pass a specific adapter name to see what that adapter expects")
    return AdapterError("\n".join(lines), NO_RESULTS)
