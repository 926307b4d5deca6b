"""A worker process is warm before its first task: processing code imported, app built."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.processes import REPO, server_env

PROBE = """
import json, sys
from celery.signals import worker_process_init
import tasks
from tasks import context
tasks.celery.loader.import_default_modules()  # what a starting worker does with "include"
before = "app.services.processing" in sys.modules
worker_process_init.send(sender=None)
print(json.dumps({
    "before": before,
    "imported": [
        m for m in ("adapters", "thresholds", "app.services.processing") if m in sys.modules
    ],
    "app_built": context._app is not None,
}))
"""


def test_worker_process_init_imports_and_connects(app):
    settings = app.config["BENCHER"]
    env = server_env(settings.database_url, settings.data_dir)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {
        "before": False,
        "imported": ["adapters", "thresholds", "app.services.processing"],
        "app_built": True,
    }
