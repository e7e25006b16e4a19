"""gunicorn's settings for the portal (docs/deployment.md); the cluster test runs these too.

Sync workers: every request is short (the API queues work for the qcluster; /sns/ stores the
body and answers), and a sync worker holds one database connection, so the connection count
is workers × hosts, which PostgreSQL's max_connections must cover with the qclusters'.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
timeout = 30
# A rolling restart (SIGTERM) lets requests in flight finish for this long.
graceful_timeout = 20
keepalive = 5
# Behind the proxy: trust its X-Forwarded-* only from the proxy's network (TRUSTED_PROXY_COUNT
# tells Django how many proxies stand in front); set FORWARDED_ALLOW_IPS to the proxy's address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
# Restart a worker now and then, so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
