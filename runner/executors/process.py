"""Run jobs as plain processes on this machine. NO ISOLATION: for development only.

The image's filesystem is not used at all: the command line and environment built from the image
run on the host, as the runner's own user, with the host's programs, in the output directory
(or a temporary directory): ``cwd`` names a path in the image and is ignored. This is enough to
exercise the whole claim -> run -> report loop on a laptop without root or runc, and it is what
``--danger-no-sandbox`` selects; anything submitted to such a runner can do whatever the runner's
user can. No memory, CPU or pids limits are applied (``oom_killed`` is always false).
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from runner.executors.base import OUTPUT_DIR_ENV, RunResult, RunSpec
from runner.executors.capture import decode, supervise


class ProcessExecutor:
    """Runs ``spec.argv`` directly on the host in its own process group."""

    name = "process"

    def run(self, spec: RunSpec, cancel: threading.Event) -> RunResult:
        """Run the job unsandboxed; see the module docstring for what is ignored."""
        with tempfile.TemporaryDirectory(prefix="bencher-job-") as scratch:
            env = dict(spec.env)
            if spec.output_dir is not None:
                Path(spec.output_dir).mkdir(parents=True, exist_ok=True)
                env.setdefault(OUTPUT_DIR_ENV, str(spec.output_dir))
            cwd = str(spec.output_dir or scratch)
            started = time.monotonic()
            try:
                proc = subprocess.Popen(
                    spec.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                    cwd=cwd,
                    start_new_session=True,  # its own process group, so kill reaches children
                )
            except OSError as err:
                reason = err.strerror or str(err)
                return RunResult(None, "", "", error=f"could not start {spec.argv[0]!r}: {reason}")

            def kill() -> None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            outcome = supervise(
                proc,
                stdout_cap=spec.stdout_cap,
                timeout=spec.timeout,
                cancel=cancel,
                kill=kill,
                started=started,
                after_exit=kill,  # children the job left behind in its group end with it
                sink=spec.sink,
            )
        return RunResult(
            exit_code=outcome.returncode,
            stdout=decode(outcome.stdout),
            stderr=decode(outcome.stderr),
            timed_out=outcome.timed_out,
            canceled=outcome.canceled,
            truncated=outcome.truncated,
            duration=outcome.duration,
        )
