"""Production gunicorn settings for the API.

    gunicorn -c python:app.gunicorn_conf 'app:create_app()'

Runners hold a WebSocket per running job and a long-poll per idle runner, each parked on a
thread that waits without CPU or a database connection, so the threaded worker with many
threads serves hundreds of runners per process. Every value can be overridden on the command
line or with GUNICORN_CMD_ARGS.
"""

import os

from protocol import DEFAULT_PORT

bind = os.environ.get("BENCHER_BIND", f"0.0.0.0:{DEFAULT_PORT}")
worker_class = "gthread"
workers = int(os.environ.get("BENCHER_WEB_WORKERS", "2"))
threads = int(os.environ.get("BENCHER_WEB_THREADS", "256"))
# Long-polls last up to 900 s and sockets for the whole job: the gthread worker's timeout only
# guards the worker's heartbeat to the master, not request duration.
timeout = 120
graceful_timeout = 30
keepalive = 75
accesslog = None
errorlog = "-"
# No shared control socket under $HOME: several API processes may run on one machine.
control_socket_disable = True
