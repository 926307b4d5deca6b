"""The ``bencher`` executable's entry point: answers ``--version`` before importing anything.

``bencher --version`` used to cost five times a bare ``python -c pass`` (click, and the
package metadata lookup); scripts and CI call it to check the install. Everything else goes to
:func:`cli.main.cli`, which loads subcommands lazily.
"""

from __future__ import annotations

import sys

#: Kept equal to ``version`` in pyproject.toml (a unit test checks the installed metadata).
VERSION = "0.1.0"


def main() -> int | None:
    """Run the ``bencher`` command."""
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"bencher, version {VERSION}\n")
        return 0
    from cli.main import cli

    return cli()
