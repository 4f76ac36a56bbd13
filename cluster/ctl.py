"""The waiting and asking half of the cluster scripts: free ports, readiness, the S3 bucket, and Airflow's REST API.

Run by cluster/cluster.sh and cluster/test.sh with the cluster's environment (``source $CLUSTER_DIR/env``):

    ctl.py ports N                     N free TCP ports, free on every address the cluster listens on
    ctl.py wait-tcp PORT [--host H] [--pid PID]
    ctl.py bucket create|wipe          the data root's bucket (wipe: every object under the data prefix)
    ctl.py wait-ready [NAME=PID...]    API server healthy, the DAG parsed, both Celery workers answering
    ctl.py unpause
    ctl.py trigger RUN_ID CONF_JSON
    ctl.py wait-runs RUN_ID...         wait until the runs end; exit 1 unless all succeeded
    ctl.py wait-task-running RUN_ID TASK_ID   host and map index of a running instance of TASK_ID
    ctl.py tries RUN_ID [--logs]       every try of every task; --logs: the log tail of each failed try
    ctl.py ports-closed PORT...        exit 1 if anything still listens on one of the ports
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

DAG_ID = "news_corpus"
# Every address a server of the cluster listens on: the control plane and the workers' log servers.
ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
FINAL_RUN_STATES = {"success", "failed"}


def fail(message: str) -> None:
    print(f"ctl: {message}", file=sys.stderr)
    sys.exit(1)


def free_ports(count: int) -> list[int]:
    """Ports the kernel hands out on 127.0.0.1 that are also free on the other addresses; all held until chosen."""
    held, ports = [], []
    try:
        while len(ports) < count:
            first = socket.socket()
            first.bind(("127.0.0.1", 0))
            held.append(first)
            port = first.getsockname()[1]
            try:
                for address in ADDRESSES[1:]:
                    other = socket.socket()
                    held.append(other)
                    other.bind((address, port))
            except OSError:
                continue
            ports.append(port)
    finally:
        for sock in held:
            sock.close()
    return ports


def wait(what: str, check, timeout: float, processes: dict[str, int] | None = None, interval: float = 0.5):
    """Call ``check`` until it returns something true; fail after ``timeout`` s or when one of ``processes``
    (name: pid) has exited."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        for name, pid in (processes or {}).items():
            if not Path(f"/proc/{pid}").exists():
                fail(f"{what}: {name} ({pid}) exited")
        if time.monotonic() > deadline:
            fail(f"{what}: not after {timeout:.0f} s")
        time.sleep(interval)


def listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


# --- S3 -------------------------------------------------------------------------------------------------------


def s3():
    """The bucket and prefix of NEWS_CORPUS_DATA, and a client that talks to the S3 server directly (no proxy)."""
    import boto3

    url = urllib.parse.urlparse(os.environ["NEWS_CORPUS_DATA"])
    client = boto3.client("s3", endpoint_url=os.environ["CLUSTER_S3_ENDPOINT"])
    return client, url.netloc, url.path.strip("/")


def bucket(action: str) -> None:
    client, name, prefix = s3()
    if action == "create":
        client.create_bucket(Bucket=os.environ["CLUSTER_BUCKET"])
        return
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=f"{prefix}/")
    keys = [{"Key": o["Key"]} for page in pages for o in page.get("Contents", [])]
    for start in range(0, len(keys), 1000):
        client.delete_objects(Bucket=name, Delete={"Objects": keys[start:start + 1000]})


# --- Airflow's REST API ---------------------------------------------------------------------------------------


class Api:
    def __init__(self) -> None:
        self.base = os.environ["CLUSTER_API_URL"]
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None, auth: bool = True) -> dict:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.login()}"
        request = urllib.request.Request(self.base + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def login(self) -> str:
        if self.token is None:
            password = json.loads(Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).read_text())
            self.token = self.call("POST", "/auth/token", {"username": "admin", "password": password["admin"]},
                                   auth=False)["access_token"]
        return self.token

    def get_or_none(self, path: str) -> dict | None:
        try:
            return self.call("GET", path)
        except (urllib.error.URLError, OSError):
            return None  # the server is not up yet, or (an HTTPError, a URLError) the object not there yet

    def run(self, run_id: str) -> dict:
        return self.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id, safe='')}")

    def task_instances(self, run_id: str) -> list[dict]:
        path = f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances?limit=1000"
        return self.call("GET", path)["task_instances"]

    def tries(self, run_id: str, ti: dict) -> list[dict]:
        path = (f"/api/v2/dags/{DAG_ID}/dagRuns/{urllib.parse.quote(run_id, safe='')}/taskInstances/"
                f"{ti['task_id']}/{ti['map_index']}/tries")
        return self.call("GET", path)["task_instances"]


def wait_ready(api: Api, processes: dict[str, int]) -> None:
    def healthy():
        health = api.get_or_none("/api/v2/monitor/health")
        return health and all(health[part]["status"] == "healthy"
                              for part in ("metadatabase", "scheduler", "dag_processor"))

    wait("API server, scheduler and DAG processor healthy", healthy, 120, processes)

    def parsed():
        if api.get_or_none(f"/api/v2/dags/{DAG_ID}"):
            return True
        errors = api.call("GET", "/api/v2/importErrors")["import_errors"]
        if errors:
            fail("the DAG does not import:\n" + "\n".join(e["stack_trace"] for e in errors))
        return False

    wait(f"DAG {DAG_ID} parsed", parsed, 120, processes)

    from airflow.providers.celery.executors.celery_executor_utils import app

    expected = set(os.environ["CLUSTER_WORKERS"].split())
    wait(f"Celery workers {' '.join(sorted(expected))} answering",
         lambda: expected <= {name for reply in app.control.ping(timeout=1) for name in reply}, 120, processes)


def wait_runs(api: Api, run_ids: list[str], timeout: float) -> bool:
    def ended() -> list[dict] | None:
        runs = [api.run(run_id) for run_id in run_ids]
        return runs if all(run["state"] in FINAL_RUN_STATES for run in runs) else None

    runs = wait("DAG runs ended", ended, timeout, interval=2)
    for run in runs:
        took = datetime.fromisoformat(run["end_date"]) - datetime.fromisoformat(run["start_date"])
        print(f"  DAG run {run['dag_run_id']}: {run['state']} in {took.total_seconds():.1f} s")
    return all(run["state"] == "success" for run in runs)


def wait_task_running(api: Api, run_id: str, task_id: str) -> str:
    def running():
        return next((f"{ti['hostname']} {ti['map_index']}" for ti in api.task_instances(run_id)
                     if ti["task_id"] == task_id and ti["state"] == "running" and ti["hostname"]), None)

    return wait(f"a running {task_id} in {run_id}", running, 300, interval=0.5)


def log_files(run_id: str, ti: dict) -> list[Path]:
    """The task's log files for one try, on every worker: each worker keeps its own log folder."""
    mapped = f"map_index={ti['map_index']}/" if ti["map_index"] >= 0 else ""
    pattern = f"dag_id={DAG_ID}/run_id={run_id}/task_id={ti['task_id']}/{mapped}attempt={ti['try_number']}.log"
    return sorted(Path(os.environ["CLUSTER_DIR"]).glob(f"worker*/logs/{pattern}"))


def render(line: str) -> str:
    """One line of a task log (JSON from structlog) as text, with the exception of an error event."""
    try:
        event = json.loads(line)
    except ValueError:
        return line.rstrip()
    text = f"{event.get('timestamp', '')[11:19]} {event.get('level')} {event.get('logger')}: {event.get('event')}"
    for error in event.get("error_detail") or []:
        frames = error.get("frames") or []
        text += "".join(f"\n      at {f.get('filename')}:{f.get('lineno')} {f.get('name')}" for f in frames[-4:])
        text += f"\n      {error.get('exc_type')}: {error.get('exc_value')}"
    return text


def tries(api: Api, run_id: str, logs: bool) -> None:
    """A line per try of every task instance; with ``logs``, the log tail of every try that did not succeed."""
    for ti in sorted(api.task_instances(run_id), key=lambda t: (t["start_date"] or "", t["task_id"], t["map_index"])):
        for attempt in api.tries(run_id, ti):
            name = ti["task_id"] + (f"[{ti['map_index']}]" if ti["map_index"] >= 0 else "")
            duration = f"{attempt['duration']:.1f} s" if attempt.get("duration") else "-"
            print(f"  {name:28} try {attempt['try_number']}  {attempt['state'] or '-':15} "
                  f"{attempt['hostname'] or '-':10} {duration}")
            if logs and attempt["state"] not in ("success", "skipped", None):
                for path in log_files(run_id, attempt):
                    print(f"    --- {path} (last 25 lines)")
                    for line in path.read_text(errors="replace").splitlines()[-25:]:
                        print("    " + render(line).replace("\n", "\n    "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ports").add_argument("count", type=int)
    command = commands.add_parser("wait-tcp")
    command.add_argument("port", type=int)
    command.add_argument("--host", default="127.0.0.1")
    command.add_argument("--pid", type=int)
    command.add_argument("--timeout", type=float, default=60)
    commands.add_parser("bucket").add_argument("action", choices=["create", "wipe"])
    commands.add_parser("wait-ready").add_argument("processes", nargs="*", metavar="NAME=PID",
                                                   help="fail as soon as one of these has exited")
    commands.add_parser("unpause")
    command = commands.add_parser("trigger")
    command.add_argument("run_id")
    command.add_argument("conf")
    command = commands.add_parser("wait-runs")
    command.add_argument("run_ids", nargs="+")
    command.add_argument("--timeout", type=float, default=900)
    command = commands.add_parser("wait-task-running")
    command.add_argument("run_id")
    command.add_argument("task_id")
    command = commands.add_parser("tries")
    command.add_argument("run_id")
    command.add_argument("--logs", action="store_true")
    commands.add_parser("ports-closed").add_argument("ports", type=int, nargs="+")
    args = parser.parse_args()

    if args.command == "ports":
        print(" ".join(map(str, free_ports(args.count))))
    elif args.command == "wait-tcp":
        wait(f"{args.host}:{args.port} listening", lambda: listening(args.host, args.port), args.timeout,
             {"the server": args.pid} if args.pid else None, interval=0.2)
    elif args.command == "bucket":
        bucket(args.action)
    elif args.command == "ports-closed":
        still = [f"{a}:{p}" for p in args.ports for a in ADDRESSES if listening(a, p)]
        if still:
            fail(f"still listening: {' '.join(still)}")
    else:
        api = Api()
        if args.command == "wait-ready":
            wait_ready(api, {name: int(pid) for name, pid in (item.split("=") for item in args.processes)})
        elif args.command == "unpause":
            api.call("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
        elif args.command == "trigger":
            api.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns",
                     {"dag_run_id": args.run_id, "logical_date": None, "conf": json.loads(args.conf)})
        elif args.command == "wait-runs":
            sys.exit(0 if wait_runs(api, args.run_ids, args.timeout) else 1)
        elif args.command == "wait-task-running":
            print(wait_task_running(api, args.run_id, args.task_id))
        elif args.command == "tries":
            tries(api, args.run_id, args.logs)


if __name__ == "__main__":
    main()
