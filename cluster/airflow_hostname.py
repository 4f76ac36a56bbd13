"""The host name Airflow records for a process of the cluster (``[core] hostname_callable``).

The cluster's two Celery workers share one machine; each is given its own loopback address as host name
(``CLUSTER_HOSTNAME``), so a task instance's ``hostname`` says which worker ran it, and the API server fetches
the task's log from that worker's own log server (``http://<hostname>:<worker_log_server_port>/log/...``).
"""

from __future__ import annotations

import os


def hostname() -> str:
    return os.environ.get("CLUSTER_HOSTNAME", "127.0.0.1")
