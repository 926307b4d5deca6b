"""``bencher run``: run benchmarks here (local) or on a runner (``--image``), report the results."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import click

from cli import exit_codes
from cli.client import normalize_host
from cli.display import bmf_rows, render_output, status_word
from cli.exit_codes import EXIT_CODES_HELP
from cli.git_context import detect_context
from cli.github.actions import CiIntegration, CiOptions, ci_integration
from cli.hints import ADAPTER, job_failure_hint, shell_start_failure
from cli.local import run_command
from cli.options import ServerArgs
from cli.progress import Progress
from cli.run_body import build_body, build_job, build_start_point, parse_thresholds
from cli.run_options import run_options
from cli.watch import Interrupted, JobWatcher
from protocol.thresholds import MODEL_NUMBERS
from reports import ConsoleLinks, render

_REMOTE_ONLY = ("cmd", "entrypoint", "env", "spec", "detach", "max_wait")
_CI_FLAGS = ("ci_only_thresholds", "ci_only_on_alert", "ci_id", "ci_number", "ci_allow_fork")


class RunFailed(click.ClickException):
    """The benchmark command or the job failed; nothing more to report."""

    exit_code = exit_codes.FAILED


@click.command(
    context_settings={"allow_interspersed_args": False},
    epilog=EXIT_CODES_HELP,
    short_help="Run benchmarks locally or on a runner and report the results.",
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@run_options
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
        {name: opts[name] for name in MODEL_NUMBERS},
    )
    _start_point(opts)  # a usage error in the start-point flags stops before anything runs
    _check_usage(command, opts)
    progress = Progress(quiet=opts["quiet"])
    links = ConsoleLinks(normalize_host(server.host), server.project or "")
    ci = ci_integration(
        None if opts["dry_run"] else opts["github_actions"],
        CiOptions(
            ci_id=opts["ci_id"],
            number=opts["ci_number"],
            only_thresholds=opts["ci_only_thresholds"],
            only_on_alert=opts["ci_only_on_alert"],
            allow_fork=opts["ci_allow_fork"],
        ),
        links,
        note=progress.note,
        warn=lambda message: progress.note(message, force=True),
    )
    try:
        if opts["image"]:
            report = _remote(server, command, thresholds, progress, ci, opts)
        else:
            report = _local(server, command, thresholds, progress, ci, opts)
    except click.ClickException as err:
        ci.fail(err.format_message())
        raise
    if report is None:  # a detached job or a remote dry run: printed already
        return
    click.echo(render(report, opts["fmt"], links, opts["ci_id"]))
    ci.finish(report)
    if opts["fail_on_alert"] and report.get("alerts"):
        raise click.exceptions.Exit(exit_codes.ALERTS)


def _check_usage(command: tuple[str, ...], opts: dict) -> None:
    """Flags that do not go together: a usage error (exit 2) before anything runs."""
    if not opts["github_actions"]:
        given = [f"--{name.replace('_', '-')}" for name in _CI_FLAGS if opts[name]]
        if given:
            raise click.UsageError(f"{', '.join(given)} need --github-actions TOKEN")
    elif opts["detach"]:
        raise click.UsageError(
            "--github-actions reports the results, which --detach does not wait for"
        )
    if opts["image"]:
        return
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


def _local(server, command, thresholds, progress: Progress, ci: CiIntegration, opts: dict) -> dict:
    """Run the command here and send its output; the report."""
    client = project = None
    if not opts["dry_run"]:
        # Checked before running: a missing token should not cost a full benchmark run.
        project = server.require_project()
        client = server.client(need_token=True, on_retry=progress.note)
        client.check_write_access(project)  # a wrong token or project, before the benchmark

    argv: str | list[str] = command[0] if len(command) == 1 else list(command)
    ci.start()
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
        return parsed
    body = _body(server, opts, thresholds, start, end, results=outputs)
    progress.note(f"Sending {len(outputs)} result(s) to {client.host} (project {project})")
    return client.run(body)


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
    rows = bmf_rows(parsed, measure_info=adapters.measure_info)
    return {
        "uuid": "(dry run: nothing sent)",
        "adapter": opts["adapter"],
        "settings": _settings(opts),
        "results": rows,
        "alerts": [],
    }


def _remote(
    server, command, thresholds, progress: Progress, ci: CiIntegration, opts: dict
) -> dict | None:
    """Submit the job and follow it; the report (None when detached or a dry run)."""
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
        return None
    project = server.require_project()
    client = server.client(need_token=True, on_retry=progress.note)
    ci.start()
    report = client.run(body)
    job_uuid = report.get("job")
    if job_uuid is None:  # the idempotency key named an earlier local run: that is the answer
        return report
    if opts["detach"]:
        click.echo(json.dumps(report, indent=2) if opts["fmt"] == "json" else job_uuid)
        return None
    progress.note(f"Job {job_uuid} queued (report {report['uuid']}, image {opts['image']})")
    watcher = JobWatcher(
        client,
        project,
        job_uuid,
        progress,
        max_wait=opts["max_wait"],
        long_poll=True,
        live=None if opts["quiet"] else lambda chunk: progress.output(chunk["text"]),
    )
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
    if output and not watcher.showed_live:  # shown as it ran; a failure prints it whole
        progress.note(output)
    return client.get_report(project, report["uuid"])
