"""Run every benchmark script in this folder (``bench_*.py``), one after the other.

    python benchmarks/run_all.py [--only NAME ...] [--skip NAME ...] [--timeout 1800]

Each script runs with its default sizes in its own process, its output shown as it comes; a
summary of exit codes and durations ends the run. The exit code is 1 if any script failed
(a script exits non-zero when it errors or when a goal it checks is missed) or ran past
``--timeout`` seconds (it is then interrupted with SIGINT, so it can clean up, and killed if it
does not stop within a minute).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLEAN_UP_GRACE = 60  # seconds an interrupted script gets to drop its databases and stop processes


def scripts(only: list[str], skip: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    names = {path.stem for path in found}
    unknown = [name for name in (*only, *skip) if name not in names]
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; have {sorted(names)}")
    return [p for p in found if (not only or p.stem in only) and p.stem not in skip]


def run(path: Path, timeout: float) -> tuple[int, float]:
    """Run one script, its output going straight to ours; (exit code, seconds)."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(path)], cwd=HERE.parent,
                               start_new_session=True)  # fmt: skip
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"\n{path.name}: still running after {timeout:.0f} s; interrupting", flush=True)
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=CLEAN_UP_GRACE)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        code = -1
    except KeyboardInterrupt:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=CLEAN_UP_GRACE)
        raise
    return code, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME", help="e.g. bench_oci")
    parser.add_argument("--skip", nargs="+", default=[], metavar="NAME")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per script")
    args = parser.parse_args()
    results = []
    for path in scripts(args.only, args.skip):
        print(f"\n{'=' * 100}\n{path.name}\n{'=' * 100}", flush=True)
        code, seconds = run(path, args.timeout)
        results.append((path.name, code, seconds))
        sys.stdout.flush()
    print(f"\n{'=' * 100}\nsummary\n{'=' * 100}")
    for name, code, seconds in results:
        state = "ok" if code == 0 else ("timed out" if code == -1 else f"exit {code}")
        print(f"{name:<32}{state:>12}{seconds:>10.1f} s")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
