"""gunicorn settings shared by every service and the gateway: ``-c python:kit.gunicorn_conf``.

Workers are threads in a few processes; logs go out as JSON lines through the app's own
logging (gunicorn's access log is off: the app logs each request with its request id).
"""

import os

from prometheus_client import multiprocess

# Loopback by default (embedded mode); containers set BIND_HOST=0.0.0.0.
bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 60
graceful_timeout = 20
accesslog = None
errorlog = "-"
loglevel = "warning"


def child_exit(server: object, worker: object) -> None:
    """Drop a dead worker's live gauges from the shared metrics folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


# gunicorn 27 opens a control socket under ~/.gunicorn/; several masters on one machine
# (embedded mode) would fight over the one path, and nothing of ours uses it.
control_socket_disable = True
