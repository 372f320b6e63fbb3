"""gunicorn settings for a node: ``gunicorn -c python:roaming.gunicorn_conf roaming.wsgi:app``.

Every value can be changed with an environment variable (or a gunicorn flag after ``-c``):
``ROAMING_BIND`` (default 127.0.0.1:8000: the reverse proxy's side), ``ROAMING_WEB_PROCESSES``
(default: cores + 1), ``ROAMING_WEB_THREADS`` (default 4). Trusted-proxy handling is the node's
own (``trusted_proxies``), so gunicorn's is switched off; the node writes the access log itself,
with request ids. With ``PROMETHEUS_MULTIPROC_DIR`` set, a stopped process's metrics are merged.
"""

from __future__ import annotations

import os

bind = os.environ.get("ROAMING_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ROAMING_WEB_PROCESSES", (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("ROAMING_WEB_THREADS", 4))
timeout = 60  # a federation call waits at most 5 s to connect and 30 s to read
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycle processes now and then, with jitter so they do not restart together
max_requests_jitter = 500
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
forwarded_allow_ips = ""  # proxies are trusted by the node's trusted_proxies setting only
accesslog = None
errorlog = "-"
proc_name = "roaming"


def child_exit(_server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
