"""The runner loop: claim a job, run its image in the sandbox, report over the job channel.

One line is logged per state change. ``stop`` (set on SIGTERM) ends the loop after the
current job, which is canceled and reported as such.
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from oci import OCIError
from protocol import DEFAULT_POLL_TIMEOUT, HEARTBEAT_INTERVAL
from protocol.units import format_bytes
from runner.api import ApiRefused, ApiUnavailable, JobChannel, MessageRefused, RunnerApi
from runner.executors.base import (
    Executor,
    RunResult,
    RunSpec,
    build_argv,
    build_env,
)
from runner.images import ImageStore
from runner.job_errors import failure_reason
from runner.limits import DEFAULT_OUTPUT_MAX_BYTES
from runner.logs import LogStreamer
from runner.output import DEFAULT_OUTPUT_CAP, IterationOutput, JobOutput
from runner.output_files import MAX_FILE_BYTES, copy_output_file
from runner.output_mount import make_output_dir, output_size, release_output_dirs

log = logging.getLogger("bencher.runner")

DEFAULT_PIDS = 1024
#: The server's limit on the stored output when its claim reply does not announce one.
FALLBACK_OUTPUT_LIMIT = 16 * 1024 * 1024
#: Room left in a WebSocket message for everything but the results.
_MESSAGE_OVERHEAD = 64 * 1024


@dataclass
class JobOutcome:
    event: str  # completed | failed | canceled
    error: str | None = None
    dropped: int = 0


class StopWaiting(BaseException):
    """Raised by :meth:`Runner.request_stop` to abandon a long-poll (not an error)."""


class JobFailed(Exception):
    """The job cannot succeed; the message is the reason the user sees."""


class Runner:
    def __init__(
        self,
        api: RunnerApi,
        store: ImageStore,
        executor: Executor,
        work_dir: Path,
        *,
        poll_timeout: int = DEFAULT_POLL_TIMEOUT,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        stop: threading.Event | None = None,
        output_cap: int = DEFAULT_OUTPUT_CAP,
        output_max_bytes: int = DEFAULT_OUTPUT_MAX_BYTES,
    ):
        self.api = api
        self.store = store
        self.executor = executor
        self.work_dir = Path(work_dir)
        self.poll_timeout = poll_timeout
        self.heartbeat_interval = heartbeat_interval
        self.stop = stop or threading.Event()
        self.output_cap = output_cap
        self.output_max_bytes = output_max_bytes
        self.idle = False

    def serve(self, max_jobs: int | None = None) -> int:
        """Claim and run jobs until ``stop`` is set or ``max_jobs`` ran; returns jobs run."""
        done, delay = 0, 1.0
        log.info("runner %s: waiting for jobs from %s", self.api.runner, self.api.host)
        while not self.stop.is_set() and (max_jobs is None or done < max_jobs):
            try:
                self.idle = True
                job = self.api.claim(self.poll_timeout)
                delay = 1.0
            except StopWaiting:
                break
            except ApiUnavailable as err:
                log.warning("%s; retrying in %.0fs", err, delay)
                self.stop.wait(delay)
                delay = min(delay * 2, 60)
                continue
            finally:
                self.idle = False
            if job is not None:
                try:
                    self.run_job(job)
                except ApiRefused:
                    raise
                except Exception:  # one job's failure must never end the runner
                    log.exception("job %s: could not be run or reported", job.get("uuid"))
                done += 1
        return done

    def request_stop(self) -> None:
        """Stop after the current job (which is canceled); an idle claim is abandoned at once.

        Call from a signal handler: while idle it raises :class:`StopWaiting` into the main
        thread's blocking long-poll. A job the server claimed at that very moment is failed
        by the server's heartbeat check.
        """
        self.stop.set()
        if self.idle:
            raise StopWaiting()

    def run_job(self, job: dict) -> JobOutcome:
        """Run one claimed job end to end and report its terminal state."""
        uuid = job["uuid"]
        cancel = threading.Event()
        reason: list[str] = []

        def on_cancel(why: str) -> None:
            reason.append(why)
            cancel.set()

        channel = self.api.channel(uuid, on_cancel)
        log.info("job %s: claimed (%s)", uuid, job["image"])
        channel.deliver({"event": "running"}, give_up_after=60)
        log.info("job %s: running", uuid)
        beating = threading.Event()
        streamer = LogStreamer(channel).start()
        heart = threading.Thread(
            target=self._heartbeat, args=(channel, beating, streamer), daemon=True
        )
        heart.start()
        stop_watch = threading.Thread(target=self._watch_stop, args=(cancel, beating), daemon=True)
        stop_watch.start()
        output = JobOutput(self.work_dir / uuid / "streams", self.output_cap, MAX_FILE_BYTES)
        try:
            try:
                outcome = self._execute(job, cancel, output, streamer)
            finally:
                beating.set()
                streamer.close()
            if cancel.is_set() and outcome.event != "completed":
                outcome = JobOutcome("canceled", reason[0] if reason else "stopped")
            reply = self._report(channel, outcome, output, _output_limit(job))
        finally:
            channel.close()
            shutil.rmtree(self.work_dir / uuid, ignore_errors=True)
        status = reply.get("status") if reply else "unreported"
        detail = f": {outcome.error}" if outcome.error else ""
        log.info("job %s: %s%s (server: %s)", uuid, outcome.event, detail, status)
        return outcome

    def _report(
        self, channel: JobChannel, outcome: JobOutcome, output: JobOutput, limit: int
    ) -> dict | None:
        """Send the terminal message, its output fitted to ``limit``; a refusal fails the job.

        A refused message (too large, invalid) would be refused again however often it is
        resent, so the job is reported failed at once, without the output, saying why.
        """
        results, dropped = output.results(limit)
        message = {"event": outcome.event, "results": results}
        if outcome.error:
            message["error"] = outcome.error
        if dropped:
            log.info("job output: %s dropped to fit the server's limit", format_bytes(dropped))
        try:
            reply = channel.deliver(message)
        except MessageRefused as err:
            reply = {"event": "error", "message": str(err)}
        if reply is None or reply.get("event") != "error" or reply.get("status"):
            return reply
        why = f"the server refused the job's {outcome.event} report: {reply.get('message')}"
        outcome.event, outcome.error = "failed", why
        try:
            return channel.deliver({"event": "failed", "results": [], "error": why})
        except MessageRefused as err:
            log.error("the server refused the failure report too: %s", err)
            return None

    def _heartbeat(self, channel: JobChannel, done: threading.Event, streamer: LogStreamer) -> None:
        while not done.wait(self.heartbeat_interval):
            try:
                reply = channel.request({"event": "heartbeat"}, timeout=self.heartbeat_interval)
                streamer.confirm(reply.get("log_seq"))
            except Exception as err:  # the job thread reconnects when it reports
                log.debug("heartbeat not delivered: %s", err)

    def _watch_stop(self, cancel: threading.Event, done: threading.Event) -> None:
        while not done.wait(0.2):
            if self.stop.is_set():
                cancel.set()
                return

    def _execute(
        self, job: dict, cancel: threading.Event, output: JobOutput, streamer: LogStreamer
    ) -> JobOutcome:
        config = job.get("config") or {}
        job_dir = self.work_dir / job["uuid"]
        try:
            try:
                image = self.store.pull(job["registry"], job["repository"], job["digest"])
            except OCIError as err:
                raise JobFailed(f"could not pull {job['image']}: {err}") from None
            with self.store.lease(image):
                try:
                    argv = build_argv(image.config, config.get("entrypoint"), config.get("cmd"))
                    env = build_env(image.config, config.get("env"))
                except ValueError as err:
                    raise JobFailed(str(err)) from None
                for i in range(int(config.get("iter") or 1)):
                    output_dir = job_dir / f"iteration-{i}"
                    size = output_size(job, self.output_max_bytes)
                    make_output_dir(output_dir, size, mount=self.executor.name == "runc")
                    stdout, stderr = output.streams(i)
                    spec = self._spec(job, image, argv, env, output_dir)
                    spec.sink = output.sink(stdout, stderr, also=streamer.feed)
                    try:
                        run = self.executor.run(spec, cancel)
                    finally:
                        stdout.close()
                        stderr.close()
                    files = _output_files(
                        output_dir, config.get("file_paths") or [], output.directory, i
                    )
                    output.iterations.append(IterationOutput(run.exit_code, stdout, stderr, files))
                    problem = _problem(run, config, job)
                    if cancel.is_set():
                        return JobOutcome("canceled")
                    if problem:
                        return JobOutcome("failed", f"iteration {i + 1}: {problem}")
            return JobOutcome("completed")
        except JobFailed as err:
            return JobOutcome("failed", str(err))
        except Exception as err:  # one job's failure must never end the runner
            return JobOutcome("failed", failure_reason(err, job["uuid"]))
        finally:
            # The output mounts go now; the stream files stay for the report.
            release_output_dirs(job_dir)

    def _spec(self, job, image, argv, env, output_dir: Path) -> RunSpec:
        spec = job.get("spec") or {}
        return RunSpec(
            rootfs=image.rootfs,
            argv=argv,
            env=env,
            cwd=image.config.get("WorkingDir") or "/",
            timeout=float(job.get("timeout") or 600),
            memory_bytes=spec.get("memory"),
            cpus=float(spec["cpu"]) if spec.get("cpu") else None,
            pids=DEFAULT_PIDS,
            output_dir=output_dir,
            user=image.config.get("User") or "",
        )


def _problem(run: RunResult, config: dict, job: dict) -> str | None:
    """Why this iteration fails the job, or None."""
    if run.error:
        return run.error
    if run.timed_out:
        return f"timed out after {job.get('timeout')} s and was killed"
    if run.oom_killed:
        memory = (job.get("spec") or {}).get("memory")
        limit = format_bytes(memory) if memory else "unknown"
        return f"killed for exceeding the memory limit ({limit})"
    if run.exit_code != 0 and not config.get("allow_failure"):
        return f"exited with code {run.exit_code}"
    return None


def _output_limit(job: dict) -> int:
    """The JSON bytes the final message's results may take, from the limits the server sent."""
    limits = job.get("limits") or {}
    output = int(limits.get("max_output_bytes") or FALLBACK_OUTPUT_LIMIT)
    message = limits.get("max_message_bytes")
    if message:
        output = min(output, int(message) - _MESSAGE_OVERHEAD)
    return max(output, 0)


def _output_files(
    output_dir: Path, file_paths: list[str], keep: Path, index: int
) -> dict[str, Path]:
    """The requested files that exist under the output directory, copied into ``keep``.

    The output directory is a tmpfs released when the job ends, before the report is sent;
    the copies (each capped) are read when the report is built.
    """
    files = {}
    for n, path in enumerate(file_paths):
        copied = copy_output_file(output_dir, path, keep / f"{index}.file-{n}")
        if copied is not None:
            files[path] = copied
    return files
