"""Leases in the data root: which run crawls a source-day, and which crawler talks to a host, across processes and
machines.

A lease is one small JSON object in the crawl state (``state/source=<name>/crawl-<day>.lease.json``,
``state/hosts/<host>.lease.json``) naming its holder (a process on a machine) and when it expires. It is written
through :class:`~pipeline.storage.Storage`, so it works alike on a local folder and on an object store, which pyarrow
reaches without a conditional write. So a lease is taken by writing, then reading back: a process that finds the
lease free (never taken, released, expired, or held by a process of this machine that has died) writes its own
record, waits ``settle`` seconds and reads the lease again; it holds the lease only if its record is still there.
When several contenders write, the last write wins and every other contender reads it back and yields.
A heartbeat thread renews each held lease every third of its ``ttl``, so a killed holder's lease expires within
``ttl``; a holder on this machine that is gone is recognised at once (the same host and boot, and its pid is no
longer the same process).

The race that remains: two processes both hold a lease when one of them writes its record more than ``settle``
seconds after it read the lease free (a process paused in between, or an upload retried that long), or when a
holder's heartbeat stalls past ``ttl`` (a long pause of the process, a clock far off). The heartbeat notices at
its next renewal that the lease is someone else's, and the process stops using it (a host) or logs it (a crawl).
What it costs while it lasts: a source-day crawled twice (both crawls are kept; the dataset has one row per article
either way) or, for a host, two crawlers' requests not spaced. Expiry compares wall clocks of different machines:
keep them synchronised (NTP).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import psutil

from pipeline.crawl.paths import state_dir
from pipeline.storage import Storage

log = logging.getLogger(__name__)

HOSTS_DIR = "state/hosts"


def _boot_id() -> str:
    """This boot of this machine (empty where unknown): with the host name, it says a pid means a process here."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _started(pid: int) -> float | None:
    """When process ``pid`` started, or None if there is none: a pid reused by another process starts later."""
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


@dataclass(frozen=True)
class Holder:
    """One lease record: who holds it, until when (wall clock, seconds), and a host's earliest next request."""

    owner: str
    machine: str
    boot: str
    pid: int
    pid_started: float
    expires_at: float
    released: bool = False
    next_allowed: float = 0.0

    def gone(self) -> bool:
        """Whether the holder is a process of this machine that no longer runs."""
        here = self.machine == socket.gethostname() and self.boot and self.boot == _boot_id()
        return bool(here) and _started(self.pid) != self.pid_started

    def free(self, now: float) -> bool:
        return self.released or self.expires_at <= now or self.gone()

    def describe(self) -> str:
        until = dt.datetime.fromtimestamp(self.expires_at, dt.timezone.utc).isoformat(timespec="seconds")
        return f"pid {self.pid} on {self.machine} (lease renewed until {until})"


class Leases:
    """This process's leases in one data root, renewed by one heartbeat thread until released or :meth:`close`."""

    def __init__(self, storage: Storage, ttl: float, settle: float) -> None:
        self.storage, self.ttl, self.settle = storage, ttl, settle
        self.poll = ttl / 12  # how often a lease held elsewhere is looked at again
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._held: set[str] = set()
        self._lock = threading.Lock()  # guards _held (the crawler asks holds() often: never held during I/O)
        self._renewing = threading.Lock()  # one lease's renewal and its release never interleave
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def _record(self, **fields: object) -> Holder:
        pid = os.getpid()
        return replace(Holder(self.owner, socket.gethostname(), _boot_id(), pid, _started(pid) or 0.0,
                              time.time() + self.ttl), **fields)

    def read(self, rel: str) -> Holder | None:
        try:
            return Holder(**self.storage.read_json(rel))
        except FileNotFoundError:
            return None

    def _write(self, rel: str, record: Holder) -> None:
        self.storage.write_bytes(rel, json.dumps(asdict(record), sort_keys=True).encode())

    def acquire(self, rel: str) -> Holder | None:
        """Try to take the lease at ``rel``. The record as it stands afterwards: ours when taken (:meth:`mine`; it
        keeps the ``next_allowed`` the lease had), else the other holder's (None: taken by nobody we can name)."""
        current = self.read(rel)
        if current is not None and current.owner != self.owner and not current.free(time.time()):
            return current
        self._write(rel, self._record(next_allowed=current.next_allowed if current else 0.0))
        time.sleep(self.settle)  # a contender that read the lease free before our write writes within this time
        after = self.read(rel)
        if self.mine(after):
            with self._lock:
                self._held.add(rel)
                if self._heartbeat is None:
                    self._heartbeat = threading.Thread(target=self._renew_forever, name="lease-heartbeat",
                                                       daemon=True)
                    self._heartbeat.start()
        return after

    def mine(self, record: Holder | None) -> bool:
        return record is not None and record.owner == self.owner

    def wait(self, rel: str, timeout: float, poll: float) -> Holder | None:
        """:meth:`acquire`, tried again every ``poll`` seconds for up to ``timeout``; the last record."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.acquire(rel)
            if self.mine(record) or time.monotonic() >= deadline:
                return record
            time.sleep(min(poll, max(0.0, deadline - time.monotonic())))

    def holds(self, rel: str) -> bool:
        with self._lock:
            return rel in self._held

    def release(self, rel: str, next_allowed: float = 0.0) -> None:
        """Give the lease up (a record marked released, keeping ``next_allowed``) if it is still ours."""
        with self._renewing:
            with self._lock:
                if rel not in self._held:
                    return
                self._held.discard(rel)
            if self.mine(self.read(rel)):
                self._write(rel, self._record(released=True, next_allowed=next_allowed))

    def _renew_forever(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            with self._lock:
                held = sorted(self._held)
            for rel in held:
                with self._renewing:  # not at the same time as its release: that would take the lease again
                    try:
                        if not self.holds(rel):
                            continue
                        current = self.read(rel)
                        if self.mine(current):
                            self._write(rel, replace(current, expires_at=time.time() + self.ttl))
                            continue
                        log.error("lease %s was taken over by %s", self.storage.url(rel),
                                  current.describe() if current else "nobody (deleted)")
                        with self._lock:
                            self._held.discard(rel)
                    except OSError as exc:  # the store is unreachable: again at the next beat, within the ttl
                        log.warning("renewing lease %s: %s", self.storage.url(rel), exc)

    def close(self) -> None:
        """Stop renewing and release every lease still held."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        with self._lock:
            held = sorted(self._held)
        for rel in held:
            self.release(rel)


def crawl_lease(source_name: str, day: dt.date) -> str:
    """The lease of the crawl of one source-day."""
    return f"{state_dir(source_name)}/crawl-{day.isoformat()}.lease.json"


def host_lease(host: str) -> str:
    """The lease of one host (a :func:`~pipeline.crawl.urls.host_key`: scheme, name and port)."""
    return f"{HOSTS_DIR}/{re.sub(r'[^a-z0-9.-]+', '_', host.lower())}.lease.json"


class HostLeases:
    """The host leases of one crawler: only one crawler, in any process on any machine, sends requests to a host at
    a time, and each hands the host over with the time its next request may start."""

    def __init__(self, leases: Leases) -> None:
        self.leases = leases

    def acquire(self, host: str) -> float | None:
        """Take the host's lease: the wall-clock time its next request may start (as the last holder left it), or
        None while another crawler holds it."""
        record = self.leases.acquire(host_lease(host))
        return record.next_allowed if record is not None and self.leases.mine(record) else None

    def holds(self, host: str) -> bool:
        return self.leases.holds(host_lease(host))

    def release(self, host: str, next_allowed: float) -> None:
        self.leases.release(host_lease(host), next_allowed)
