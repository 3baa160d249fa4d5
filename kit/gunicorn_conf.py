"""gunicorn settings shared by every service and the gateway: ``-c python:kit.gunicorn_conf``.

Each of a few worker processes reads requests in an asyncio loop and runs the app in a pool of
threads once a request is complete (kit.serving), so slow or idle clients hold no thread. Logs
go out as JSON lines through the app's own logging (gunicorn's access log is off: the app logs
each request with its request id).

Everything here is a process setting, read from the environment by gunicorn's master before
any app exists (``BIND_HOST``, ``PORT``, ``WEB_CONCURRENCY``, ``GUNICORN_*``,
``PROMETHEUS_MULTIPROC_DIR``): the same for every service and the gateway, so none of it is in
a service's ``kit.config.Settings``.
"""

import os

from prometheus_client import multiprocess

# Loopback by default (embedded mode); containers set BIND_HOST=0.0.0.0.
bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "kit.serving.BufferedWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))  # the app's threads per worker
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2000"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE_S", "5"))  # an idle connection is closed then
asgi_lifespan = "off"  # the bridge serves WSGI apps, which have no lifespan
# gunicorn's own limits on the request head; beyond them the client gets a 414/431 problem.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
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
