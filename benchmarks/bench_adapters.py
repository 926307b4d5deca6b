"""Parse throughput of the adapters, and a check that parsing time is linear in input size.

Run from anywhere: `python benchmarks/bench_adapters.py [--benchmarks 10000] [--repeat 5]`.

For each input (generated output of N benchmarks) it prints the parse throughput in MB/s
and the ratio to the floor: `json.loads` on the same bytes for JSON inputs, and on the BMF
document of the same N benchmarks for text inputs (the cost of merely decoding results).
It then times each input at N/2, N and 2N benchmarks, and adversarial single lines of
partial tokens at 1, 2 and 4 MB, and checks that doubling the input roughly doubles the
time (4x the input must take at most 8x the time). Exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import adapters  # noqa: E402  (after the path tweak, so it runs from a plain checkout)

# Four times the input may take at most this many times as long: 4 is linear, a quadratic
# parser would take 16; the slack absorbs a busy machine.
MAX_GROWTH = 8.0


def generate_bmf(count: int, rng: random.Random) -> str:
    document = {}
    for index in range(count):
        value = rng.uniform(1e3, 1e6)
        document[f"group_{index % 97}::bench_{index}"] = {
            "latency": {"value": value, "lower_value": value * 0.95, "upper_value": value * 1.05},
            "throughput": {"value": 1e9 / value},
        }
    return json.dumps(document, indent=2)


def generate_go(count: int, rng: random.Random) -> str:
    lines = ["goos: linux", "goarch: amd64", "pkg: example.com/bench"]
    for index in range(count):
        lines.append(
            f"BenchmarkFib{index}/size_{index % 13}-8   \t{rng.randint(1, 9) * 100000}\t"
            f"{rng.uniform(1, 1e5):.3f} ns/op\t{rng.randint(0, 512)} B/op\t1 allocs/op"
        )
    lines += ["PASS", "ok  \texample.com/bench\t3.614s"]
    return "\n".join(lines) + "\n"


def generate_rust_bench(count: int, rng: random.Random) -> str:
    lines = ["", f"running {count} tests"]
    for index in range(count):
        value = rng.randint(1, 50_000_000)
        lines.append(
            f"test bench::module_{index % 31}::bench_{index} ... bench:  {value:,} ns/iter "
            f"(+/- {value // 10:,})"
        )
    lines += ["", f"test result: ok. 0 passed; 0 failed; 0 ignored; {count} measured", ""]
    return "\n".join(lines) + "\n"


def generate_cpp_google(count: int, rng: random.Random) -> str:
    benchmarks = [
        {
            "name": f"BM_Fib/{index}",
            "run_name": f"BM_Fib/{index}",
            "run_type": "iteration",
            "repetitions": 0,
            "repetition_index": 0,
            "threads": 1,
            "iterations": rng.randint(1000, 5_000_000),
            "real_time": rng.uniform(1, 1e5),
            "cpu_time": rng.uniform(1, 1e5),
            "time_unit": rng.choice(["ns", "us", "ms"]),
        }
        for index in range(count)
    ]
    context = {"date": "2024-01-01T00:00:00", "num_cpus": 8, "library_build_type": "release"}
    return json.dumps({"context": context, "benchmarks": benchmarks}, indent=2)


def generate_hyperfine(count: int, rng: random.Random) -> str:
    results = []
    for index in range(count):
        times = [rng.uniform(0.01, 0.02) for _ in range(10)]
        results.append(
            {
                "command": f"sleep 0.0{index}",
                "mean": sum(times) / len(times),
                "stddev": 0.001,
                "median": sorted(times)[5],
                "user": 0.0003,
                "system": 0.0006,
                "min": min(times),
                "max": max(times),
                "times": times,
                "exit_codes": [0] * 10,
            }
        )
    return json.dumps({"results": results}, indent=2)


# (label, adapter, generator, output is JSON)
INPUTS: list[tuple[str, str, Callable[[int, random.Random], str], bool]] = [
    ("json (BMF)", "json", generate_bmf, True),
    ("go_bench", "go_bench", generate_go, False),
    ("rust_bench", "rust_bench", generate_rust_bench, False),
    ("cpp_google", "cpp_google", generate_cpp_google, True),
    ("shell_hyperfine", "shell_hyperfine", generate_hyperfine, True),
    ("magic on rust_bench", "magic", generate_rust_bench, False),
    ("magic on hyperfine", "magic", generate_hyperfine, True),
]

ADVERSARIAL_LINES = {
    "rust_bench": "test " + "a ... bench:" * 87_000,
    "go_bench": "Benchmark " + "1 " * 500_000,
    "rust_criterion": "x time: [" * 116_000,
    "rust_gungraun_stdout": "a::b::" * 175_000,
    "python_asv": "[ 1%] \u00b7\u00b7\u00b7 a 1\u00b1" * 75_000,
    "magic": "1," * 500_000,
}


def best_time(function: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs: the least disturbed by the rest of the machine."""
    return interleaved_times([function], repeat, collect=True)[0]


def interleaved_times(
    functions: list[Callable[[], object]], repeat: int, collect: bool = False
) -> list[float]:
    """The fastest of `repeat` runs of each function, taking turns between them.

    Taking turns spreads a burst of load from elsewhere over every size instead of one.
    With `collect=False` the cyclic garbage collector is paused while timing, so that the
    linearity check measures the parser and not how often the collector happens to run.
    """
    best = [float("inf")] * len(functions)
    for _ in range(repeat):
        for index, function in enumerate(functions):
            gc.collect()
            if not collect:
                gc.disable()
            try:
                started = time.perf_counter()
                function()
                best[index] = min(best[index], time.perf_counter() - started)
            finally:
                gc.enable()
    return best


def megabytes(text: str) -> float:
    return len(text.encode("utf-8")) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", type=int, default=10_000, help="benchmarks per input")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (best is kept)")
    args = parser.parse_args()
    count, repeat = args.benchmarks, args.repeat
    rng = random.Random(42)

    floor_text = generate_bmf(count, rng)
    floor_seconds = best_time(partial(json.loads, floor_text), repeat)
    floor_rate = megabytes(floor_text) / floor_seconds
    print(f"{count} benchmarks per input; best of {repeat} runs\n")
    header = f"{'input':<22}{'size MB':>9}{'parse MB/s':>12}{'floor MB/s':>12}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    failures = []
    for label, adapter, generate, is_json in INPUTS:
        text = generate(count, rng)
        results = adapters.parse(text, adapter)
        if len(results) != count:
            failures.append(f"{label}: parsed {len(results)} benchmarks, expected {count}")
        seconds = best_time(partial(adapters.parse, text, adapter), repeat)
        rate = megabytes(text) / seconds
        floor = floor_rate
        if is_json:
            floor = megabytes(text) / best_time(partial(json.loads, text), repeat)
        print(f"{label:<22}{megabytes(text):>9.2f}{rate:>12.1f}{floor:>12.1f}{rate / floor:>8.2f}")
    print("\nratio = parse MB/s / json.loads MB/s (same bytes for JSON inputs, the BMF of the")
    print("same benchmarks for text inputs); 1.0 would be as fast as decoding JSON alone.\n")

    print(f"{'linearity: input':<34}{'t(x1) ms':>10}{'t(x2) ms':>10}{'t(x4) ms':>10}{'x4/x1':>8}")
    checks = [
        (label, adapter, [generate(size, rng) for size in (count // 2, count, 2 * count)])
        for label, adapter, generate, _ in INPUTS
    ]
    checks += [
        (f"1 MB line, {adapter}", adapter, [line, line * 2, line * 4])
        for adapter, line in ADVERSARIAL_LINES.items()
    ]
    for label, adapter, texts in checks:
        seconds = interleaved_times(
            [partial(_parse_quietly, text, adapter) for text in texts], repeat
        )
        growth = seconds[2] / seconds[0]
        verdict = "" if growth <= MAX_GROWTH else "  NOT LINEAR"
        timings = "".join(f"{value * 1e3:>10.2f}" for value in seconds)
        print(f"{label:<34}{timings}{growth:>8.2f}{verdict}")
        if verdict:
            failures.append(f"{label}: 4x the input took {growth:.1f}x the time")
    print("\nx4/x1: time for 4x the input over time for 1x; linear is 4, quadratic 16;")
    print(f"the check allows up to {MAX_GROWTH:g} for a noisy machine.")

    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    print("\nall checks passed" if not failures else "")
    return 1 if failures else 0


def _parse_quietly(text: str, adapter: str) -> None:
    try:
        adapters.parse(text, adapter)
    except adapters.AdapterError:
        pass  # adversarial input is expected to be refused; only the time matters


if __name__ == "__main__":
    sys.exit(main())
