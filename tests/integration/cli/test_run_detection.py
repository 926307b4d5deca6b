"""``bencher run`` with the mann_whitney model and false-discovery control, against the live API:
the model's flags reach the server, alerts show their p-values, the summary states how many
alerts to expect by chance, and a bad parameter is the server's 400 naming it."""

from __future__ import annotations

import json
import shlex
import sys

from cli import exit_codes
from thresholds.mann_whitney import critical_count, survival

QUIET = [100.0, 101.0, 99.0, 100.5, 99.5, 100.2, 99.8, 100.1, 100.4, 99.6]
MODEL = ["--threshold-measure", "latency", "--threshold-test", "mann_whitney",
         "--threshold-upper-boundary", "0.99"]  # fmt: skip


def series_command(values: list[float]) -> str:
    """A shell command printing the next of ``values`` as BMF on each call (a counter file in
    the working directory remembers where it is)."""
    script = (
        "import json, pathlib; p = pathlib.Path('calls'); "
        "i = int(p.read_text()) if p.exists() else 0; p.write_text(str(i + 1)); "
        f"print(json.dumps({{'b': {{'latency': {{'value': {values!r}[i]}}}}}}))"
    )
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(script)}"


def test_mann_whitney_step_alerts_with_its_p_value(bencher):
    command = series_command([*QUIET, 105.0, 105.5, 104.8, 105.2])
    history = bencher("run", *MODEL, "--iter", "10", "--adapter", "json", command)
    assert history.exit_code == 0, history.output
    assert history.stdout.splitlines()[-1].endswith("10 iterations: no alerts")
    for _ in range(2):  # two results above the old level: not yet k = 3 of them
        early = bencher("run", *MODEL, "--err", "--adapter", "json", command)
        assert early.exit_code == 0, early.output
    third = bencher("run", *MODEL, "--err", "--adapter", "json", command)
    assert third.exit_code == exit_codes.ALERTS, third.output
    alert = next(line for line in third.stdout.splitlines() if "ALERT b [Latency]" in line)
    assert "above the upper limit" in alert and ", p 0.00" in alert
    # 12 earlier results: 2 recent and a reference of 10; the test's exact size at 0.99.
    rate = survival(3, 10)[critical_count(3, 10, 1 - 0.99)]
    assert 0.005 < rate <= 0.01
    assert third.stdout.splitlines()[-1] == (
        f"1 benchmark, 1 measure, 1 iteration: 1 alert ({rate:.2g} expected by chance at these "
        "settings)"
    )
    # The same run with false-discovery control: one benchmark is a family of one.
    controlled = bencher("run", *MODEL, "--fdr", "0.05", "--format", "json", "--adapter",
                         "json", command)  # fmt: skip
    assert controlled.exit_code == 0, controlled.output
    report = json.loads(controlled.stdout)
    assert report["settings"]["fdr"] == 0.05
    row = report["results"][0]
    assert row["adjusted_p_value"] == row["p_value"] and row["alert"]["side"] == "upper"
    assert report["false_alerts"]["boundaries"] == 1


def test_bad_model_parameters_are_the_servers_400_naming_them(bencher):
    command = series_command(QUIET)
    bad_k = bencher("run", *MODEL, "--threshold-k", "0", "--adapter", "json", command)
    assert bad_k.exit_code == exit_codes.API_ERROR, bad_k.output
    assert "[HTTP 400]" in bad_k.stderr and "thresholds.latency.value.k" in bad_k.stderr
    bad_fdr = bencher("run", "--threshold-measure", "latency", "--threshold-test", "z_score",
                      "--threshold-upper-boundary", "0.99", "--threshold-fdr", "0.05",
                      "--adapter", "json", command)  # fmt: skip
    assert bad_fdr.exit_code == exit_codes.API_ERROR, bad_fdr.output
    assert "thresholds.latency.value.fdr" in bad_fdr.stderr and "valid p-values" in bad_fdr.stderr
