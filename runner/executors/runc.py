"""Run jobs in a runc container (Debian's ``runc``), the runner's default sandbox.

Each job gets a bundle ``<state_root>/bundles/<id>/`` holding only ``config.json`` (see
:mod:`runner.executors.runc_config` for the sandbox) and runc's log; the root filesystem is the
cached rootfs itself, used read-only. The container runs with ``runc run --keep`` so that its
cgroup survives the exit long enough to read the OOM-kill counter, then ``runc delete --force``
removes container and cgroup, and the bundle is deleted, whatever happened.

OOM detection: the memory cgroup's ``oom_kill`` counter (cgroup v1 ``memory.oom_control``, v2
``memory.events``), found through the cgroup paths runc records in its state file. Only when that
counter cannot be read does it fall back to "exit code 137 while a memory limit was set".

Each runner process needs a ``state_root`` of its own: the executor deletes whatever containers
it finds there when it starts (left by a runner that died mid-job).

User namespace: with ``id_shift`` (chosen by :func:`runner.executors.userns.choose_id_shift`)
container ids are host ids plus the shift, and the output directory is handed to the shifted
user; the image store must unpack with the same shift.

Cgroups: by default the container's cgroup is created under the runner's own cgroup (a relative
``cgroupsPath``), so jobs stay inside whatever limits the runner's service has. On a pure cgroup
v2 host that needs the runner's cgroup to be delegated; pass ``cgroup_parent`` (an absolute path
such as ``/bencher``) to place containers elsewhere.

Rootless (``rootless=True``, see :mod:`runner.executors.rootless`): the runner is root only of
its own user namespace, which maps one id. runc runs with ``--rootless true`` and the container
gets no cgroup (so no limits and no OOM counter), and only images running as root can run.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

from runner.executors.base import (
    CONTAINER_OUTPUT_DIR,
    OUTPUT_DIR_ENV,
    RunResult,
    RunSpec,
)
from runner.executors.capture import decode, supervise
from runner.executors.runc_config import (
    NOFILE_LIMIT,
    USERNS_SIZE,
    build_config,
    resolve_user,
)

_RUNC_COMMAND_TIMEOUT = 10.0
_OOM_EXIT_CODE = 128 + 9


class RuncExecutor:
    """Runs each job in a fresh runc container; needs the ``runc`` binary and root (of the host,
    or with ``rootless`` of the runner's own user namespace)."""

    name = "runc"

    def __init__(
        self,
        state_root: Path,
        runc_path: str = "runc",
        *,
        cgroup_parent: str | None = None,
        tmp_size_bytes: int = 1 << 30,
        kill_grace: float = 5.0,
        id_shift: int = 0,
        rootless: bool = False,
    ) -> None:
        resolved = shutil.which(runc_path)
        if resolved is None:
            raise FileNotFoundError(f"runc not found as {runc_path!r}: apt-get install runc")
        if os.geteuid() != 0:
            raise PermissionError(
                "the runc executor needs root, or its own user namespace (`runner up` enters one "
                "when started by another user)"
            )
        self.runc = resolved
        self.state_root = Path(state_root)
        self.runc_root = self.state_root / "runc"
        self.bundles = self.state_root / "bundles"
        for path in (self.runc_root, self.bundles):
            path.mkdir(parents=True, exist_ok=True)
            os.chmod(path, 0o700)
        self.cgroup_parent = cgroup_parent
        self.tmp_size_bytes = tmp_size_bytes
        self.kill_grace = kill_grace
        self.id_shift = id_shift
        self.rootless = rootless
        self.cleanup()

    def cleanup(self) -> list[str]:
        """Delete every container and bundle under ``state_root``; return the container ids.

        Run at construction: a runner that died mid-job leaves its container running. This is
        why each runner process needs a ``state_root`` of its own.
        """
        try:
            listed = subprocess.run(
                [*self._global_args(), "list", "--quiet"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=_RUNC_COMMAND_TIMEOUT,
            )
            ids = listed.stdout.decode().split() if listed.returncode == 0 else []
        except (OSError, subprocess.TimeoutExpired):
            ids = []
        for container_id in ids:
            self._runc("delete", "--force", container_id)
        for bundle in self.bundles.iterdir():
            shutil.rmtree(bundle, ignore_errors=True)
        return ids

    def run(self, spec: RunSpec, cancel: threading.Event) -> RunResult:
        """Run ``spec`` in a new container and return how it ended; never raises for the job."""
        container_id = f"bencher-{uuid.uuid4().hex[:16]}"
        bundle = self.bundles / container_id
        bundle.mkdir()
        try:
            return self._run(spec, cancel, container_id, bundle)
        finally:
            self._runc("delete", "--force", container_id)
            shutil.rmtree(bundle, ignore_errors=True)

    def _run(
        self, spec: RunSpec, cancel: threading.Event, container_id: str, bundle: Path
    ) -> RunResult:
        try:
            uid, gid, home = resolve_user(spec.rootfs, spec.user)
        except ValueError as err:
            return RunResult(None, "", "", error=str(err))
        if self.id_shift and max(uid, gid) >= USERNS_SIZE:
            return RunResult(
                None, "", "", error=f"user {spec.user!r} is outside the sandbox's ids 0..65535"
            )
        if self.rootless and (uid, gid) != (0, 0):
            return RunResult(
                None,
                "",
                "",
                error=f"the image runs as user {spec.user!r} ({uid}:{gid}); a rootless runner "
                "maps only container root to its own user, so it runs only images whose user "
                "is root",
            )
        env = dict(spec.env)
        env.setdefault("HOME", home)
        if spec.output_dir is not None:
            Path(spec.output_dir).mkdir(parents=True, exist_ok=True)
            if uid != 0 or self.id_shift:
                # so the job's user (a shifted host id in a user namespace) can write results
                os.chown(spec.output_dir, self.id_shift + uid, self.id_shift + gid)
            env.setdefault(OUTPUT_DIR_ENV, CONTAINER_OUTPUT_DIR)
        parent = self.cgroup_parent.rstrip("/") + "/" if self.cgroup_parent else ""
        config = build_config(
            spec,
            uid=uid,
            gid=gid,
            env=env,
            cgroups_path=None if self.rootless else f"{parent}{container_id}",
            tmp_size_bytes=self.tmp_size_bytes,
            nofile=_nofile_limit(),
            id_shift=self.id_shift,
        )
        (bundle / "config.json").write_text(json.dumps(config))
        log_path = bundle / "runc.log"
        command = [
            *self._global_args(log_path),
            "run",
            "--keep",
            "--bundle",
            str(bundle),
            container_id,
        ]
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # a Ctrl-C meant for the runner must not reach the job
            )
        except OSError as err:
            return RunResult(None, "", "", error=f"could not start runc ({self.runc}): {err}")

        def kill() -> None:
            if not self._runc("kill", container_id, "KILL"):
                proc.kill()  # not created yet: stop runc itself; delete --force cleans up

        outcome = supervise(
            proc,
            stdout_cap=spec.stdout_cap,
            timeout=spec.timeout,
            cancel=cancel,
            kill=kill,
            started=started,
            kill_grace=self.kill_grace,
            sink=spec.sink,
        )
        errors = _runc_errors(log_path)
        oom = False if self.rootless else self._oom_killed(container_id)  # no cgroup, no limit
        if oom is None:
            oom = outcome.returncode == _OOM_EXIT_CODE and spec.memory_bytes is not None
        stopped_by_us = outcome.timed_out or outcome.canceled
        error = None
        if errors and not stopped_by_us:
            error = f"could not start (runc): {errors}"
        return RunResult(
            exit_code=None if error else outcome.returncode,
            stdout=decode(outcome.stdout),
            stderr=decode(outcome.stderr),
            timed_out=outcome.timed_out,
            oom_killed=bool(oom) and not stopped_by_us,
            canceled=outcome.canceled,
            truncated=outcome.truncated,
            duration=outcome.duration,
            error=error,
        )

    def _global_args(self, log_path: Path | None = None) -> list[str]:
        args = [self.runc, "--root", str(self.runc_root)]
        if self.rootless:
            args += ["--rootless", "true"]  # cgroup errors ignored, whatever runc would guess
        if log_path is not None:
            args += ["--log", str(log_path), "--log-format", "json"]
        return args

    def _runc(self, *args: str) -> bool:
        """Run a short runc command; report success rather than raise (used in cleanup)."""
        try:
            done = subprocess.run(
                [*self._global_args(), *args],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=_RUNC_COMMAND_TIMEOUT,
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return done.returncode == 0

    def _oom_killed(self, container_id: str) -> bool | None:
        """Whether the kernel OOM-killed a process of the container; ``None`` if unknown."""
        try:
            state = json.loads((self.runc_root / container_id / "state.json").read_text())
            paths = state.get("cgroup_paths") or {}
        except (OSError, ValueError, AttributeError):
            return None
        if "memory" in paths:  # cgroup v1 (and the v1 side of hybrid hosts)
            counter = Path(paths["memory"]) / "memory.oom_control"
        elif "" in paths:  # cgroup v2: one unified path
            counter = Path(paths[""]) / "memory.events"
        else:
            return None
        try:
            for line in counter.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value) > 0
        except (OSError, ValueError):
            return None
        return None


def _nofile_limit() -> int:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return NOFILE_LIMIT if hard == resource.RLIM_INFINITY else min(NOFILE_LIMIT, hard)


def _runc_errors(log_path: Path) -> str:
    """The error messages runc logged (JSON lines), joined; empty when it logged none."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    messages = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("level") in ("error", "fatal"):
            messages.append(str(entry.get("msg", "")))
    return "; ".join(messages)
