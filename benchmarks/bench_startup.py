"""Start-up cost of the ``bencher`` command next to a bare interpreter, in the same run.

    python benchmarks/bench_startup.py [--runs 20]

Times (wall, median of ``--runs`` alternating runs) ``python -c pass``, ``bencher --version``,
``bencher --help`` and ``python -c "import cli.run"`` (what ``bencher run`` imports before it
does anything), with the interpreter of the environment ``bencher`` is installed in. The goal
for ``bencher --version`` is at most 2x ``python -c pass``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _time(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    bencher = shutil.which("bencher", path=str(Path(sys.executable).parent))
    if bencher is None:
        print("skipped: bencher is not installed next to this interpreter (make install)")
        return 0
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "bencher --version": [bencher, "--version"],
        "bencher --help": [bencher, "--help"],
        "python -c 'import cli.run'": [sys.executable, "-c", "import cli.run"],
    }
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):  # alternating, so drift hits every case alike
        for name, argv in cases.items():
            samples[name].append(_time(argv))
    base = statistics.median(samples["python -c pass"])
    print(f"median of {args.runs} runs each\n")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:<28} {median * 1e3:7.1f} ms   {median / base:4.1f}x python -c pass")
    ratio = statistics.median(samples["bencher --version"]) / base
    print(
        f"\nbencher --version: {ratio:.2f}x ({'meets' if ratio <= 2 else 'MISSES'} the goal <= 2x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
