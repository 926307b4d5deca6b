"""Entering the rootless runner's own user namespace, in a child process (it cannot be undone)."""

from __future__ import annotations

import os
import subprocess
import sys

from runner.executors.rootless import maps_many_ids
from tests.support.processes import REPO


def _in_child(code: str) -> subprocess.CompletedProcess:
    prelude = "import os, threading\nfrom runner.executors.rootless import *\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code], cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_the_namespace_maps_only_the_runners_own_ids_to_root():
    child = _in_child(
        "enter_user_namespace()\n"
        "print(os.geteuid(), os.getegid(), maps_many_ids())\n"
        "print(*(open(f'/proc/self/{m}_map').read().split() for m in ('uid', 'gid')))\n"
        "print(os.readlink('/proc/self/ns/mnt'))"
    )
    assert child.returncode == 0, child.stderr
    ids, maps, mount_namespace = child.stdout.splitlines()
    assert ids == "0 0 False"  # root, but of one id: the image store keeps no owners
    assert maps == f"{['0', str(os.getuid()), '1']} {['0', str(os.getgid()), '1']}"
    assert mount_namespace != os.readlink("/proc/self/ns/mnt")  # its mounts stay its own


def test_host_root_maps_every_id():
    assert maps_many_ids() is (os.geteuid() == 0)


def test_a_threaded_runner_is_refused_with_the_reason():
    child = _in_child(
        "stop = threading.Event()\n"
        "threading.Thread(target=stop.wait, args=(30,), daemon=True).start()\n"
        "try:\n"
        "    enter_user_namespace()\n"
        "except OSError as err:\n"
        "    print(err)\n"
        "stop.set()"
    )
    assert child.returncode == 0, child.stderr
    assert "a non-root runner needs user namespaces, and the kernel refused one" in child.stdout
    assert "Invalid argument" in child.stdout
