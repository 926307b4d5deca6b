"""``bencher runner up``: turn this machine into a benchmark runner."""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
from pathlib import Path

import click

from protocol import DEFAULT_HOST, DEFAULT_POLL_TIMEOUT
from runner.limits import DEFAULT_CONFIG_MAX_BYTES, DEFAULT_OUTPUT_MAX_BYTES

DEFAULT_DIR = Path.home() / ".bencher-runner"


@click.group()
def runner() -> None:
    """Run benchmark jobs for a Bencher server."""


@runner.command("up")
@click.option(
    "--host",
    envvar="BENCHER_HOST",
    default=DEFAULT_HOST,
    show_default=True,
    help="API URL [env: BENCHER_HOST].",
)
@click.option(
    "--runner",
    "runner_slug",
    envvar="BENCHER_RUNNER",
    required=True,
    help="This runner's slug [env: BENCHER_RUNNER].",
)
@click.option(
    "--token",
    envvar="BENCHER_RUNNER_TOKEN",
    required=True,
    help="This runner's token [env: BENCHER_RUNNER_TOKEN].",
)
@click.option(
    "--executor",
    type=click.Choice(["runc", "process"]),
    default="runc",
    show_default=True,
    help="How jobs are isolated; 'process' needs --danger-no-sandbox.",
)
@click.option(
    "--danger-no-sandbox",
    is_flag=True,
    help="Allow the 'process' executor: benchmark code runs unisolated, with network.",
)
@click.option(
    "--danger-no-limits",
    is_flag=True,
    help="Allow a runner started by a non-root user: it runs jobs with rootless runc, as its "
    "own uid, and cannot enforce memory, CPU or process limits (no cgroups).",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_DIR / "cache",
    show_default=True,
    help="Image cache (blobs and unpacked root filesystems).",
)
@click.option(
    "--cache-max-bytes",
    type=int,
    default=20 * 2**30,
    show_default=True,
    help="Evict least recently used images past this size.",
)
@click.option(
    "--work-dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_DIR / "work",
    show_default=True,
    help="Per-job scratch space and sandbox state.",
)
@click.option(
    "--poll-timeout",
    type=click.IntRange(1, 900),
    default=DEFAULT_POLL_TIMEOUT,
    show_default=True,
    help="Seconds each claim long-poll waits for a job.",
)
@click.option(
    "--jobs",
    "max_jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Exit after running this many jobs (default: run forever).",
)
@click.option(
    "--output-cap",
    type=click.IntRange(min=1024 * 1024),
    default=64 * 2**20,
    show_default=True,
    help="Bytes of stdout+stderr kept on disk per job, all iterations together; past it only "
    "each stream's start and end are kept.",
)
@click.option("--once", is_flag=True, help="Exit after one job (same as --jobs 1).")
@click.option(
    "--userns",
    type=click.Choice(["auto", "off"]),
    default="auto",
    show_default=True,
    help="As root: run runc jobs as unprivileged host uids in a user namespace when the kernel "
    "allows it and the cache and work directories are reachable (else: host root, with a "
    "warning). A non-root runner always uses one (rootless, see --danger-no-limits).",
)
@click.option(
    "--image-max-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Refuse images whose layers together unpack to more (sparse files at their apparent "
    "size) [default: --cache-max-bytes].",
)
@click.option(
    "--image-config-max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_CONFIG_MAX_BYTES,
    show_default=True,
    help="Refuse images whose config is larger (it is read into memory).",
)
@click.option(
    "--output-max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_OUTPUT_MAX_BYTES,
    show_default=True,
    help="Size of /bencher/output (a tmpfs) for jobs whose spec sets no disk size.",
)
@click.option(
    "--blob-redirect-hosts",
    envvar="BENCHER_BLOB_REDIRECT_HOSTS",
    default="",
    help="Comma-separated host[:port]s a registry may redirect blob downloads to (its "
    "storage); other redirects are refused [env: BENCHER_BLOB_REDIRECT_HOSTS].",
)
def up(host, runner_slug, token, executor, danger_no_sandbox, danger_no_limits, cache_dir,
       cache_max_bytes, work_dir, poll_timeout, output_cap, max_jobs, once, userns,
       image_max_bytes, image_config_max_bytes, output_max_bytes,
       blob_redirect_hosts) -> None:  # fmt: skip
    """Claim jobs and run them until stopped. SIGTERM or Ctrl-C cancels the current job,
    reports it, and exits.

    Run it as root for the full sandbox. Started by another user it runs jobs rootless: in a
    user namespace of its own, as container root mapped to its own uid, without memory, CPU or
    process limits (so only with --danger-no-limits)."""
    if executor == "process" and not danger_no_sandbox:
        raise click.UsageError(
            "--executor process runs code without isolation: add --danger-no-sandbox"
        )
    rootless = executor == "runc" and os.geteuid() != 0
    if rootless and not danger_no_limits:
        raise click.UsageError(
            "a runner started by a non-root user runs jobs with rootless runc, which cannot "
            "enforce the spec's memory, CPU and process limits (no cgroups): run it as root, or "
            "accept that with --danger-no-limits"
        )
    if rootless and userns == "off":
        raise click.UsageError("a non-root runner needs a user namespace: drop --userns off")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    from oci import RegistryClient
    from runner.api import ApiRefused, RunnerApi
    from runner.daemon import Runner
    from runner.executors import get_executor
    from runner.executors.rootless import enter_user_namespace
    from runner.executors.userns import choose_id_shift
    from runner.images import ImageStore
    from runner.output_mount import prepare_jobs_dir

    kwargs: dict = {}
    id_shift = 0
    if rootless:
        host_uid = os.getuid()  # 0 once inside the namespace
        try:
            enter_user_namespace()  # before any thread starts: the kernel requires it
        except OSError as err:
            raise click.ClickException(str(err)) from None
        logging.getLogger("bencher.runner").warning(
            "rootless: jobs run as container root mapped to host uid %d, without memory, CPU or "
            "process limits (--danger-no-limits)",
            host_uid,
        )
        kwargs = {"state_root": work_dir / "sandbox", "rootless": True}
    elif executor == "runc":
        id_shift = choose_id_shift(userns, [cache_dir.parent, work_dir])
        kwargs = {"state_root": work_dir / "sandbox", "id_shift": id_shift}
    try:
        chosen = get_executor(executor, **kwargs)
    except (FileNotFoundError, PermissionError) as err:
        raise click.ClickException(str(err)) from None
    prepare_jobs_dir(work_dir / "jobs")
    daemon = Runner(
        RunnerApi(host, runner_slug, token),
        ImageStore(
            cache_dir,
            cache_max_bytes,
            max_image_bytes=image_max_bytes,
            max_config_bytes=image_config_max_bytes,
            id_shift=id_shift,
            client_factory=functools.partial(
                RegistryClient, blob_redirect_hosts=tuple(blob_redirect_hosts.split(","))
            ),
        ),
        chosen,
        work_dir / "jobs",
        poll_timeout=poll_timeout,
        output_max_bytes=output_max_bytes,
        output_cap=output_cap,
    )
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: daemon.request_stop())
    try:
        daemon.serve(1 if once else max_jobs)
    except ApiRefused as err:
        raise click.ClickException(f"the server refused this runner: {err}") from None
