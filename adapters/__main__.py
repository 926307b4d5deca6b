"""`python -m adapters ADAPTER [FILE] [--average mean|median]`: print BMF JSON.

Reads FILE (or stdin), prints the results as JSON on stdout and exits 0; on an adapter
error prints the message on stderr and exits 1; usage errors (unknown adapter, unreadable
file) exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import ADAPTER_NAMES, AVERAGES, AdapterError, parse

EXIT_OK = 0
EXIT_ADAPTER_ERROR = 1
EXIT_USAGE = 2  # argparse's own code for usage errors


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m adapters",
        description="Convert raw benchmark output into Bencher Metric Format (BMF) JSON.",
    )
    parser.add_argument(
        "adapter",
        choices=ADAPTER_NAMES,
        metavar="ADAPTER",
        help="one of: " + ", ".join(ADAPTER_NAMES),
    )
    parser.add_argument(
        "file", nargs="?", metavar="FILE", help="benchmark output to read (default: standard input)"
    )
    parser.add_argument(
        "--average",
        choices=AVERAGES,
        help="statistic to report as the value (default: the tool's own)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the process exit code."""
    parser = _parser()
    # Intermixed: `ADAPTER --average mean FILE` must work like `ADAPTER FILE --average mean`.
    args = parser.parse_intermixed_args(argv)
    try:
        if args.file is None or args.file == "-":
            raw = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as handle:
                raw = handle.read()
    except OSError as error:
        parser.error(f"cannot read {args.file}: {error.strerror}")
    # Tools print UTF-8; a stray invalid byte should not hide the rest of the output.
    text = raw.decode("utf-8", errors="replace")
    try:
        results = parse(text, args.adapter, args.average)
    except AdapterError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ADAPTER_ERROR
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
