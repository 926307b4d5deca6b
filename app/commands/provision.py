"""``python -m app.commands.provision LOG``: the database set-up of ``bencher server up``, in a
process of its own, printing the credentials as JSON on stdout.

A separate process keeps Flask, SQLAlchemy and the migrations out of the ``up`` process, which
only supervises: it starts, checks its ports and, on Ctrl-C, exits without tearing down the
server stack (that alone takes most of a second).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys


def main(log_file: str) -> int:
    logging.basicConfig(filename=log_file, level=logging.INFO,
                        format="%(asctime)s %(name)s %(message)s")  # fmt: skip
    from app.serverctl import provision_embedded

    credentials = provision_embedded()
    json.dump(dataclasses.asdict(credentials), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
