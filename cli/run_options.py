"""The options of ``bencher run``, in the order ``--help`` lists them."""

from __future__ import annotations

import click

from cli.options import AdapterName, server_options
from protocol import DEFAULT_K, THRESHOLD_TESTS
from protocol.thresholds import MODEL_NUMBERS
from reports import FORMATS

# What a number means where its name does not say it.
_THRESHOLD_HELP = {
    "k": "mann_whitney: how many of the latest results are tested together, the new one "
    f"included [default: {DEFAULT_K}]",
    "fdr": "t_test, mann_whitney: false-discovery rate across the report's alerts of this test, "
    "e.g. 0.05",
}


def _threshold_number_options(command):
    for name in reversed(MODEL_NUMBERS):
        flag = "--threshold-" + name.replace("_", "-")
        command = click.option(
            flag,
            name,
            multiple=True,
            metavar="N|_",
            help=f"Threshold model {_THRESHOLD_HELP.get(name, name.replace('_', ' '))}, once "
            "per --threshold-measure.",
        )(command)
    return command


_OPTIONS = [
    server_options,
    click.option(
        "--branch",
        envvar="BENCHER_BRANCH",
        show_envvar=True,
        help="Branch (name, slug or UUID) [default: the current git branch, else main].",
    ),
    click.option(
        "--start-point",
        metavar="BRANCH",
        help="The branch this one started from (e.g. the pull request's base): a new branch gets "
        "its history, so its first run is judged against it. A branch that does not exist yet is "
        "ignored with a warning.",
    ),
    click.option(
        "--start-point-hash",
        metavar="HASH",
        help="The start point's commit (e.g. the base's head commit) "
        "[default: its latest version].",
    ),
    click.option(
        "--start-point-max-versions",
        type=click.IntRange(min=1),
        metavar="N",
        help="Clone at most N of the start point's versions [default: 255].",
    ),
    click.option(
        "--start-point-clone-thresholds",
        is_flag=True,
        help="Also copy the start point's threshold models to this branch.",
    ),
    click.option(
        "--start-point-reset",
        is_flag=True,
        help="Start this branch's history again from the start point (a new head; its old alerts "
        "are silenced).",
    ),
    click.option(
        "--testbed",
        envvar="BENCHER_TESTBED",
        show_envvar=True,
        help="Testbed [default: the spec with --image, else this machine's OS, e.g. linux].",
    ),
    click.option(
        "--hash",
        "commit_hash",
        help="Git commit hash of the code benchmarked [default: the git HEAD, if any].",
    ),
    click.option(
        "--adapter",
        envvar="BENCHER_ADAPTER",
        type=AdapterName(),
        default="magic",
        show_default=True,
        help="How to parse the output: magic (detect the tool), json (BMF), or a tool's adapter "
        "(rust_criterion, go_bench, ...; all: python -m adapters --help). Checked before anything "
        "runs. Env: BENCHER_ADAPTER.",
    ),
    click.option("--average", type=click.Choice(["mean", "median"]), help="Average to report."),
    click.option(
        "--fold",
        type=click.Choice(["min", "max", "mean", "median"]),
        help="Fold iterations into one.",
    ),
    click.option(
        "--iter",
        "iterations",
        type=click.IntRange(1, 100),
        default=1,
        show_default=True,
        help="Run the command this many times.",
    ),
    click.option(
        "--file",
        "files",
        multiple=True,
        metavar="PATH",
        help="Read results from this file instead of stdout. Remote: a path inside the sandbox "
        "(repeatable). Local: once.",
    ),
    click.option(
        "--threshold-measure",
        "threshold_measures",
        multiple=True,
        metavar="SLUG",
        help="Create or update this measure's threshold (repeatable).",
    ),
    click.option(
        "--threshold-test",
        "threshold_tests",
        multiple=True,
        type=click.Choice(THRESHOLD_TESTS),
        help="Threshold test, once per measure. mann_whitney (with --threshold-upper-boundary "
        "0.99) keeps its false-alarm rate under any noise, as long as results are independent and "
        "do not drift; see docs/DETECTION.md.",
    ),
    _threshold_number_options,
    click.option(
        "--fdr",
        "run_fdr",
        type=click.FloatRange(0, 1, min_open=True, max_open=True),
        metavar="RATE",
        help="Alert only for discoveries at this false-discovery rate (e.g. 0.05) across the "
        "report's t_test and mann_whitney results: fewer false alerts in large reports, fewer "
        "small regressions caught.",
    ),
    click.option(
        "--thresholds-reset",
        is_flag=True,
        help="Retire the models of this branch and testbed's thresholds that no "
        "--threshold-measure names.",
    ),
    click.option("--err", "fail_on_alert", is_flag=True, help="Exit 3 when an alert is raised."),
    click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="human",
        show_default=True,
        help="How stdout shows the report: human (tables), json (the report JSON, nothing else "
        "on stdout), html or markdown (what a pull-request comment shows, with links to the "
        "console).",
    ),
    click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="Print only the final report: no progress and no command output on stderr "
        "(errors and warnings still go there).",
    ),
    click.option(
        "--dry-run",
        is_flag=True,
        help="Send nothing. Local: run and parse here. Remote: print the request body.",
    ),
    click.option(
        "--idempotency-key",
        metavar="KEY",
        help="Repeating a run with the same key returns the first report [default: a random key "
        "per invocation, so retried requests never create two reports].",
    ),
    click.option(
        "--allow-failure", is_flag=True, help="Keep results of a command exiting non-zero."
    ),
    click.option(
        "--timeout",
        "--job-timeout",
        "timeout",
        type=click.IntRange(min=1),
        metavar="SECONDS",
        help="Remote: the job's timeout. Local: stop an iteration after this long.",
    ),
    click.option(
        "--image", metavar="IMAGE", help="Run remotely: the OCI image with the benchmarks."
    ),
    click.option(
        "--entrypoint", metavar="STRING", help="Remote: the image's entrypoint, shell-split."
    ),
    click.option("--cmd", metavar="STRING", help="Remote: the command in the image, shell-split."),
    click.option(
        "--env", multiple=True, metavar="NAME=VALUE", help="Remote: an environment variable."
    ),
    click.option("--spec", metavar="SLUG", help="Remote: the runner spec (hardware) to run on."),
    click.option("--detach", is_flag=True, help="Remote: print the job uuid and exit at once."),
    click.option(
        "--max-wait",
        type=click.FloatRange(min=1),
        metavar="SECONDS",
        help="Remote: stop waiting after this long [default: the job timeout + 15 minutes].",
    ),
    click.option(
        "--github-actions",
        metavar="TOKEN",
        help="On GitHub Actions (GITHUB_ACTIONS=true), with this token (e.g. "
        "${{ secrets.GITHUB_TOKEN }}): a check run on the commit that fails on alerts, the "
        "report in the job summary, and on a pull request one comment, updated by later runs. "
        "Needs the workflow permissions `checks: write` and `pull-requests: write`.",
    ),
    click.option(
        "--ci-only-thresholds",
        is_flag=True,
        help="CI: no pull-request comment when no result has a threshold.",
    ),
    click.option(
        "--ci-only-on-alert",
        is_flag=True,
        help="CI: create the pull-request comment only when there are alerts (an existing one "
        "is always updated).",
    ),
    click.option(
        "--ci-id",
        metavar="ID",
        help="CI: names the comment and the check, for several runs on one pull request "
        "[default: the branch, testbed and adapter; the check: the project].",
    ),
    click.option(
        "--ci-number",
        type=click.IntRange(min=1),
        metavar="N",
        help="CI: the pull request to comment on [default: the event's pull request].",
    ),
    click.option(
        "--ci-allow-fork",
        is_flag=True,
        help="CI: post even for a pull request from a fork. Without it such a run is refused "
        "(exit 2): the fork's code would run with the token.",
    ),
]


def run_options(command):
    """Add every option of ``bencher run`` to ``command``."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command
