"""``bencher run``: run benchmarks here (local) or on a runner (``--image``), report the results."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import click

from cli import exit_codes
from cli.display import bmf_rows, render_output, render_report, status_word
from cli.exit_codes import EXIT_CODES_HELP
from cli.git_context import detect_context
from cli.hints import ADAPTER, job_failure_hint, shell_start_failure
from cli.local import run_command
from cli.options import AdapterName, ServerArgs, server_options
from cli.progress import Progress
from cli.run_body import build_body, build_job, build_start_point, parse_thresholds
from cli.watch import Interrupted, JobWatcher
from protocol import DEFAULT_K, THRESHOLD_TESTS

_REMOTE_ONLY = ("cmd", "entrypoint", "env", "spec", "detach", "max_wait")
_THRESHOLD_NUMBERS = (
    "min_sample_size",
    "max_sample_size",
    "window",
    "lower_boundary",
    "upper_boundary",
    "k",
    "fdr",
)
# What a number means where its name does not say it.
_THRESHOLD_HELP = {
    "k": "mann_whitney: how many of the latest results are tested together, the new one "
    f"included [default: {DEFAULT_K}]",
    "fdr": "t_test, mann_whitney: false-discovery rate across the report's alerts of this test, "
    "e.g. 0.05",
}


class RunFailed(click.ClickException):
    """The benchmark command or the job failed; nothing more to report."""

    exit_code = exit_codes.FAILED


def _threshold_number_options(command):
    for name in reversed(_THRESHOLD_NUMBERS):
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


@click.command(
    context_settings={"allow_interspersed_args": False},
    epilog=EXIT_CODES_HELP,
    short_help="Run benchmarks locally or on a runner and report the results.",
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@server_options
@click.option(
    "--branch",
    envvar="BENCHER_BRANCH",
    show_envvar=True,
    help="Branch (name, slug or UUID) [default: the current git branch, else main].",
)
@click.option(
    "--start-point",
    metavar="BRANCH",
    help="The branch this one started from (e.g. the pull request's base): a new branch gets "
    "its history, so its first run is judged against it. A branch that does not exist yet is "
    "ignored with a warning.",
)
@click.option(
    "--start-point-hash",
    metavar="HASH",
    help="The start point's commit (e.g. the base's head commit) [default: its latest version].",
)
@click.option(
    "--start-point-max-versions",
    type=click.IntRange(min=1),
    metavar="N",
    help="Clone at most N of the start point's versions [default: 255].",
)
@click.option(
    "--start-point-clone-thresholds",
    is_flag=True,
    help="Also copy the start point's threshold models to this branch.",
)
@click.option(
    "--start-point-reset",
    is_flag=True,
    help="Start this branch's history again from the start point (a new head; its old alerts "
    "are silenced).",
)
@click.option(
    "--testbed",
    envvar="BENCHER_TESTBED",
    show_envvar=True,
    help="Testbed [default: the spec with --image, else this machine's OS, e.g. linux].",
)
@click.option(
    "--hash",
    "commit_hash",
    help="Git commit hash of the code benchmarked [default: the git HEAD, if any].",
)
@click.option(
    "--adapter",
    envvar="BENCHER_ADAPTER",
    type=AdapterName(),
    default="magic",
    show_default=True,
    help="How to parse the output: magic (detect the tool), json (BMF), or a tool's adapter "
    "(rust_criterion, go_bench, ...; all: python -m adapters --help). Checked before anything "
    "runs. Env: BENCHER_ADAPTER.",
)
@click.option("--average", type=click.Choice(["mean", "median"]), help="Average to report.")
@click.option(
    "--fold", type=click.Choice(["min", "max", "mean", "median"]), help="Fold iterations into one."
)
@click.option(
    "--iter",
    "iterations",
    type=click.IntRange(1, 100),
    default=1,
    show_default=True,
    help="Run the command this many times.",
)
@click.option(
    "--file",
    "files",
    multiple=True,
    metavar="PATH",
    help="Read results from this file instead of stdout. Remote: a path inside the sandbox "
    "(repeatable). Local: once.",
)
@click.option(
    "--threshold-measure",
    "threshold_measures",
    multiple=True,
    metavar="SLUG",
    help="Create or update this measure's threshold (repeatable).",
)
@click.option(
    "--threshold-test",
    "threshold_tests",
    multiple=True,
    type=click.Choice(THRESHOLD_TESTS),
    help="Threshold test, once per measure. mann_whitney (with --threshold-upper-boundary "
    "0.99) keeps its false-alarm rate under any noise, as long as results are independent and "
    "do not drift; see docs/DETECTION.md.",
)
@_threshold_number_options
@click.option(
    "--fdr",
    "run_fdr",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    metavar="RATE",
    help="Alert only for discoveries at this false-discovery rate (e.g. 0.05) across the "
    "report's t_test and mann_whitney results: fewer false alerts in large reports, fewer "
    "small regressions caught.",
)
@click.option(
    "--thresholds-reset",
    is_flag=True,
    help="Retire the models of this branch and testbed's thresholds that no --threshold-measure "
    "names.",
)
@click.option("--err", "fail_on_alert", is_flag=True, help="Exit 3 when an alert is raised.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["human", "json"]),
    default="human",
    show_default=True,
    help="json: the report as JSON on stdout, nothing else there.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress and no command output on stderr.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Send nothing. Local: run and parse here. Remote: print the request body.",
)
@click.option(
    "--idempotency-key",
    metavar="KEY",
    help="Repeating a run with the same key returns the first report [default: a random key "
    "per invocation, so retried requests never create two reports].",
)
@click.option("--allow-failure", is_flag=True, help="Keep results of a command exiting non-zero.")
@click.option(
    "--timeout",
    "--job-timeout",
    "timeout",
    type=click.IntRange(min=1),
    metavar="SECONDS",
    help="Remote: the job's timeout. Local: stop an iteration after this long.",
)
@click.option("--image", metavar="IMAGE", help="Run remotely: the OCI image with the benchmarks.")
@click.option("--entrypoint", metavar="STRING", help="Remote: the image's entrypoint, shell-split.")
@click.option("--cmd", metavar="STRING", help="Remote: the command in the image, shell-split.")
@click.option("--env", multiple=True, metavar="NAME=VALUE", help="Remote: an environment variable.")
@click.option("--spec", metavar="SLUG", help="Remote: the runner spec (hardware) to run on.")
@click.option("--detach", is_flag=True, help="Remote: print the job uuid and exit at once.")
@click.option(
    "--max-wait",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="Remote: stop waiting after this long [default: the job timeout + 15 minutes].",
)
def run(server: ServerArgs, command: tuple[str, ...], **opts) -> None:
    """Run COMMAND and send its results to Bencher; print the report.

    \b
    Local:   bencher run "cargo bench"          (one argument: run by the shell)
             bencher run -- make bench          (several: run as given)
    Remote:  bencher run --image REG/IMG:TAG --cmd "cargo bench"
             bencher run --image REG/IMG:TAG -- cargo bench

    A local command's stdout is parsed (shown live on stderr); its stderr passes through.
    A remote job is followed until it ends; Ctrl-C cancels it (press twice to exit at once).
    """
    thresholds = parse_thresholds(
        opts["threshold_measures"],
        opts["threshold_tests"],
        {name: opts[name] for name in _THRESHOLD_NUMBERS},
    )
    _start_point(opts)  # a usage error in the start-point flags stops before anything runs
    progress = Progress(quiet=opts["quiet"])
    if opts["image"]:
        _remote(server, command, thresholds, progress, opts)
    else:
        _local(server, command, thresholds, progress, opts)


def _settings(opts: dict) -> dict:
    return {
        "adapter": opts["adapter"],
        "average": opts["average"],
        "fold": opts["fold"],
        "fdr": opts["run_fdr"],
    }


def _body(server: ServerArgs, opts: dict, thresholds, start, end, **payload) -> dict:
    return build_body(
        project=server.project,
        branch=opts["branch"],
        testbed=opts["testbed"],
        commit_hash=opts["commit_hash"],
        start=start,
        end=end,
        settings=_settings(opts),
        thresholds=thresholds,
        idempotency_key=opts["idempotency_key"] or str(uuid.uuid4()),
        start_point=_start_point(opts),
        thresholds_reset=opts["thresholds_reset"],
        context=detect_context(),
        **payload,
    )


def _start_point(opts: dict) -> dict | None:
    return build_start_point(
        opts["start_point"],
        opts["start_point_hash"],
        opts["start_point_max_versions"],
        opts["start_point_clone_thresholds"],
        opts["start_point_reset"],
    )


def _emit(report: dict, opts: dict) -> None:
    """The report on stdout; exit ALERTS when --err and an alert was raised."""
    if opts["fmt"] == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(render_report(report))
    if opts["fail_on_alert"] and report.get("alerts"):
        raise click.exceptions.Exit(exit_codes.ALERTS)


def _local(server, command, thresholds, progress: Progress, opts: dict) -> None:
    given = [f"--{name.replace('_', '-')}" for name in _REMOTE_ONLY if opts[name]]
    if given:
        raise click.UsageError(f"{', '.join(given)} only apply to remote runs (with --image)")
    if not command:
        raise click.UsageError(
            'give the benchmark command to run, e.g. bencher run "cargo bench", '
            "or --image IMAGE for a remote run"
        )
    if len(opts["files"]) > 1:
        raise click.UsageError("a local run reads one results file: give --file once")
    client = project = None
    if not opts["dry_run"]:
        # Checked before running: a missing token should not cost a full benchmark run.
        project = server.require_project()
        client = server.client(need_token=True, on_retry=progress.note)
        client.check_write_access(project)  # a wrong token or project, before the benchmark

    argv: str | list[str] = command[0] if len(command) == 1 else list(command)
    start = datetime.now(UTC)
    try:
        outputs = _iterate(argv, progress, opts)
    except KeyboardInterrupt:
        raise Interrupted("interrupted: the command was stopped and nothing was sent") from None
    end = datetime.now(UTC)
    # Parsed here with the server's adapters: unparseable output fails (exit 1) before anything
    # is sent, as it fails a remote job.
    parsed = _parse_here(outputs, opts)
    if opts["dry_run"]:
        _emit(parsed, opts)
        return
    body = _body(server, opts, thresholds, start, end, results=outputs)
    progress.note(f"Sending {len(outputs)} result(s) to {client.host} (project {project})")
    _emit(client.run(body), opts)


def _iterate(argv: str | list[str], progress: Progress, opts: dict) -> list[str]:
    """Run the command ``--iter`` times; each iteration's stdout (or ``--file``) text."""
    echo = None if opts["quiet"] else (lambda text: click.echo(text, err=True, nl=False))
    shown = argv if isinstance(argv, str) else " ".join(argv)
    outputs = []
    for i in range(1, opts["iterations"] + 1):
        progress.note(
            f"$ {shown}"
            + (f"   (iteration {i}/{opts['iterations']})" if opts["iterations"] > 1 else "")
        )
        try:
            done = run_command(argv, echo=echo, timeout=opts["timeout"])
        except FileNotFoundError as err:
            hint = ""
            if isinstance(argv, list) and " " in argv[0]:
                hint = "; put bencher's own options before the command, they end where it starts"
            raise RunFailed(
                f"could not start {shown!r}: {err.strerror}: {err.filename} (iteration {i}); "
                f"nothing was sent{hint}"
            ) from None
        if done.timed_out:
            raise RunFailed(
                f"the command timed out after {opts['timeout']} s (iteration {i}); nothing was sent"
            )
        if isinstance(argv, str) and (why := shell_start_failure(done.exit_code)):
            raise RunFailed(f"could not start {shown!r}: {why} (iteration {i}); nothing was sent")
        if done.exit_code != 0:
            if not opts["allow_failure"]:
                raise RunFailed(
                    f"the command exited with code {done.exit_code} (iteration {i}); nothing was "
                    "sent. Pass --allow-failure to send its results anyway"
                )
            progress.note(
                f"the command exited with code {done.exit_code}; keeping its output "
                "(--allow-failure)"
            )
        outputs.append(_read_file(opts["files"][0]) if opts["files"] else done.stdout)
    return outputs


def _read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError as err:
        raise RunFailed(f"cannot read the results file {path}: {err.strerror}") from None


def _parse_here(outputs: list[str], opts: dict) -> dict:
    """A dry run: parse with the same adapters the server uses; the pseudo-report to show."""
    import adapters  # pure stdlib; only dry runs parse on this side

    parsed = []
    for i, text in enumerate(outputs, start=1):
        try:
            parsed.append(adapters.parse(text, opts["adapter"], opts["average"]))
        except adapters.AdapterError as err:
            raise RunFailed(
                f"iteration {i} of {len(outputs)}: {err}\nNothing was sent.\nhint: {ADAPTER}"
            ) from None
    if opts["fold"] and len(parsed) > 1:
        parsed = [adapters.fold(parsed, opts["fold"])]
    rows = bmf_rows(parsed, units_of=lambda measure: adapters.measure_info(measure)[1])
    return {
        "uuid": "(dry run: nothing sent)",
        "adapter": opts["adapter"],
        "settings": _settings(opts),
        "results": rows,
        "alerts": [],
    }


def _remote(server, command, thresholds, progress: Progress, opts: dict) -> None:
    job = build_job(
        opts["image"],
        command=command,
        cmd=opts["cmd"],
        entrypoint=opts["entrypoint"],
        env=opts["env"],
        timeout=opts["timeout"],
        spec=opts["spec"],
        files=opts["files"],
        iterations=opts["iterations"],
        allow_failure=opts["allow_failure"],
    )
    now = datetime.now(UTC)
    body = _body(server, opts, thresholds, now, now, job=job)
    if opts["dry_run"]:
        click.echo(json.dumps(body, indent=2))
        return
    project = server.require_project()
    client = server.client(need_token=True, on_retry=progress.note)
    report = client.run(body)
    job_uuid = report.get("job")
    if job_uuid is None:  # the idempotency key named an earlier local run: that is the answer
        _emit(report, opts)
        return
    if opts["detach"]:
        click.echo(json.dumps(report, indent=2) if opts["fmt"] == "json" else job_uuid)
        return
    progress.note(f"Job {job_uuid} queued (report {report['uuid']}, image {opts['image']})")
    watcher = JobWatcher(client, project, job_uuid, progress, max_wait=opts["max_wait"])
    finished = watcher.watch()
    output = render_output(finished.get("output"))
    if finished["status"] != "processed":
        reason = finished.get("error") or finished.get("cancel_reason") or "no reason given"
        if output:
            progress.note(output, force=True)
        hint = job_failure_hint(finished)
        failed = Interrupted if watcher.interrupted else RunFailed
        raise failed(
            f"job {job_uuid} {status_word(finished['status'])}: {reason}"
            + (f"\nhint: {hint}" if hint else "")
        )
    if output:
        progress.note(output)
    _emit(client.get_report(project, report["uuid"]), opts)
