"""The data root: a local folder or an object-store URL, behind one small interface.

Everything the pipeline keeps between tasks (the raw zone, crawl state, shard outputs, run manifests, the article
dataset) goes through :class:`Storage`, so a task on any worker sees what another wrote. Paths are relative to the
root and always use ``/``. Writes are whole-object and atomic: on a local disk a hidden temporary file is renamed
over the target; on an object store one PUT (or a multipart upload, completed on close) makes the object visible
all at once. Bytes are stored as given: pyarrow's guess of a compression from the name (".gz", ".zst") is off.
Local disk is scratch only (``scratch_dir``).

Object stores come through ``pyarrow.fs``: ``s3://bucket/prefix`` (credentials, region and endpoint from the usual
AWS variables: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL``),
``gs://bucket/prefix`` (Google's application default credentials) and ``abfs://container@account.dfs.core.windows
.net/prefix``. Calls that fail for a reason a retry may fix (a refused or reset connection, a 5xx) are retried with
backoff for about half a minute before the error reaches the task, whose own retries come next.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipeline.errors import ConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")

OBJECT_STORE_SCHEMES = ("s3", "gs", "gcs", "abfs", "abfss")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):")
# Backoff between attempts of one call to an object store: 0.5 + 1 + 2 + 4 + 8 + 15 s, about half a minute.
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
READ_BUFFER_BYTES = 8 * 2**20


def is_url(root: str) -> bool:
    return bool(_SCHEME.match(root)) and "://" in root


def aws_endpoint() -> str | None:
    """The S3 endpoint the AWS variables name (an S3-compatible server), or None for AWS itself."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


SCRATCH_PREFIX = "news-corpus-"
_scratch: dict[str, Path] = {}  # by scratch root: this process's folder there
_scratch_lock = threading.Lock()


def scratch_dir() -> Path:
    """This process's local scratch folder (spills, WARCs being written, shard files): ``news-corpus-<pid>-<id>/``
    under ``NEWS_CORPUS_SCRATCH`` or the temp dir, removed when the process exits.

    Beside it, ``<folder>.lock`` is locked (flock) for as long as the process or a child it forked lives; the kernel
    drops the lock when they die, however they die. So the first call in a process removes every folder whose lock
    is free: what runs killed before it left, never the scratch of a run still in progress. The scratch root must
    be a local disk (flock on a network file system is not reliable).
    """
    root = Path(os.environ.get("NEWS_CORPUS_SCRATCH") or tempfile.gettempdir())
    with _scratch_lock:  # a run's crawl threads ask at once
        path = _scratch.get(str(root))
        if path is None or not path.is_dir():
            root.mkdir(parents=True, exist_ok=True)
            clean_scratch(root)
            path = _scratch[str(root)] = _own_scratch(root)
    return path


def _own_scratch(root: Path) -> Path:
    name = f"{SCRATCH_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    # Locked before it is visible under its name, so a cleaner never sees a live folder's lock free.
    hidden = root / f".{name}.lock"
    fd = os.open(hidden, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.rename(hidden, root / f"{name}.lock")
    (root / name).mkdir()
    atexit.register(_remove_scratch, root / name, fd, os.getpid())
    return root / name  # the lock's descriptor stays open, and so locked, until the process ends


def _remove_scratch(path: Path, fd: int, owner: int) -> None:
    if os.getpid() == owner:  # not in a forked child that runs exit handlers
        shutil.rmtree(path, ignore_errors=True)
        path.with_name(f"{path.name}.lock").unlink(missing_ok=True)
        os.close(fd)


def clean_scratch(root: Path) -> list[Path]:
    """Remove the scratch folders under ``root`` whose processes are gone (their lock is free); returns them."""
    removed = []
    for lock in sorted(root.glob(f"{SCRATCH_PREFIX}*.lock")):
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:  # removed meanwhile, or another user's
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # its process (or a child of it) still runs
            os.close(fd)
            continue
        folder = lock.with_suffix("")
        shutil.rmtree(folder, ignore_errors=True)
        lock.unlink(missing_ok=True)
        os.close(fd)
        removed.append(folder)
        log.warning("removed %s, the scratch of a run that was killed", folder)
    return removed


def _transient(exc: BaseException) -> bool:
    """Whether an object-store error may go away on its own (network, throttling, server errors)."""
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)):
        return False
    if not isinstance(exc, OSError):
        return False
    text = str(exc)
    return any(marker in text for marker in (
        "NETWORK_CONNECTION", "curlCode", "Couldn't connect", "Connection refused", "connection reset",
        "Connection reset", "timed out", "Timeout", "SlowDown", "ServiceUnavailable", "InternalError",
        "HTTP response code: 5", "Broken pipe", "Unable to connect", "Error connecting"))


def _filesystem(root: str) -> tuple[pafs.FileSystem, str]:
    if not is_url(root):
        if _SCHEME.match(root) and not Path(root).exists():
            # "s3:bucket" or "s3:/bucket": a URL with a typo, not a folder named "s3:"
            raise ConfigError(f"data root {root!r}: looks like a URL but is not scheme://...; "
                              f"supported: a local path or {', '.join(s + '://' for s in OBJECT_STORE_SCHEMES)}")
        return pafs.LocalFileSystem(), Path(root).resolve().as_posix()
    scheme = root.split("://", 1)[0].lower()
    if scheme == "file":
        return pafs.LocalFileSystem(), Path(root.split("://", 1)[1]).resolve().as_posix()
    if scheme not in OBJECT_STORE_SCHEMES:
        raise ConfigError(f"data root {root!r}: unsupported scheme {scheme!r} "
                          f"(a local path or {', '.join(s + '://' for s in OBJECT_STORE_SCHEMES)})")
    if scheme == "s3":
        bucket_and_prefix = root.split("://", 1)[1].strip("/")
        if not bucket_and_prefix:
            raise ConfigError(f"data root {root!r}: no bucket")
        # pyarrow reads the credentials and region itself but not the endpoint variables (apache/arrow#49643); its
        # own retries are short, ours come on top.
        fs = pafs.S3FileSystem(endpoint_override=aws_endpoint(),
                               retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=3))
        return fs, bucket_and_prefix
    try:
        fs, path = pafs.FileSystem.from_uri(root)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ConfigError(f"data root {root!r}: {exc}") from None
    return fs, path.rstrip("/")


def as_storage(root: "str | Path | Storage") -> "Storage":
    """``root`` as a :class:`Storage` (a path or URL is opened; a Storage is taken as it is)."""
    return root if isinstance(root, Storage) else Storage(root)


class Storage:
    """A data root. ``Storage("data")``, ``Storage("/srv/corpus")``, ``Storage("s3://bucket/corpus")``."""

    def __init__(self, root: str | Path) -> None:
        if not isinstance(root, (str, Path)):
            # str() of a Storage is its repr: it became a local folder named "Storage('s3:...".
            raise TypeError(f"a data root is a path or a URL, not {type(root).__name__} (use as_storage)")
        self.root = str(root)
        self.fs, self.base = _filesystem(self.root)
        self.is_local = isinstance(self.fs, pafs.LocalFileSystem)

    def __repr__(self) -> str:
        return f"Storage({self.root!r})"

    def _path(self, rel: str) -> str:
        rel = rel.strip("/")
        if not rel:
            return self.base
        if any(part in {"", ".", ".."} for part in rel.split("/")):
            raise ValueError(f"bad storage path {rel!r}")
        return f"{self.base}/{rel}"

    def url(self, rel: str = "") -> str:
        """The full location of ``rel``, for messages and for readers (a local path or a URL)."""
        if not rel:
            return self.root if is_url(self.root) else self.base
        if self.is_local:
            return self._path(rel)
        return f"{self.root.rstrip('/')}/{rel.strip('/')}"

    def local_path(self, rel: str = "") -> Path | None:
        """The local file behind ``rel``, when the root is a local folder."""
        if not self.is_local:
            return None
        return Path(self._path(rel)) if rel else Path(self.base)

    def _retrying(self, what: str, call: Callable[[], T]) -> T:
        for delay in (*RETRY_DELAYS, None):
            try:
                return call()
            except OSError as exc:
                if self.is_local or delay is None or not _transient(exc):
                    raise
                log.warning("%s: %s; retrying in %.1f s", what, exc, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    # reading

    def exists(self, rel: str) -> bool:
        path = self._path(rel)
        info = self._retrying(f"stat {self.url(rel)}", lambda: self.fs.get_file_info(path))
        return info.type == pafs.FileType.File

    def read_bytes(self, rel: str) -> bytes:
        path = self._path(rel)

        def read() -> bytes:
            with self.fs.open_input_stream(path, compression=None) as stream:
                return stream.read()
        try:
            return self._retrying(f"read {self.url(rel)}", read)
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.url(rel)}: no such file") from None

    def read_json(self, rel: str) -> Any:
        data = self.read_bytes(rel)
        try:
            return json.loads(data)
        except ValueError as exc:
            raise ValueError(f"{self.url(rel)}: not valid JSON: {exc}") from None

    @contextmanager
    def open_input(self, rel: str) -> Iterator[BinaryIO]:
        """A streaming reader of ``rel`` (never the whole object in memory)."""
        path = self._path(rel)
        try:
            # Buffered: on an object store each unbuffered read is a ranged GET (warcio reads 16 KiB at a time: some
            # 65,000 requests for one 1 GiB CC-NEWS file).
            stream = self._retrying(f"open {self.url(rel)}", lambda: self.fs.open_input_stream(
                path, compression=None, buffer_size=READ_BUFFER_BYTES))
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.url(rel)}: no such file") from None
        with stream:
            yield stream  # type: ignore[misc]

    def list(self, prefix: str, suffix: str = "") -> list[str]:
        """Files under the folder ``prefix`` (recursively), relative to the root, sorted; hidden names left out."""
        return [rel for rel, _ in self.list_sizes(prefix, suffix)]

    def list_sizes(self, prefix: str, suffix: str = "") -> list[tuple[str, int]]:
        """As :meth:`list`, each with its size in bytes."""
        selector = pafs.FileSelector(self._path(prefix), recursive=True, allow_not_found=True)
        infos = self._retrying(f"list {self.url(prefix)}", lambda: self.fs.get_file_info(selector))
        start = len(self.base) + 1
        found = []
        for info in infos:
            if info.type != pafs.FileType.File or not info.path.endswith(suffix):
                continue
            rel = info.path[start:]
            if not any(part.startswith(".") for part in rel.split("/")):
                found.append((rel, info.size))
        return sorted(found)

    def read_parquet(self, rel: str, schema: pa.Schema | None = None, columns: list[str] | None = None) -> pa.Table:
        """``rel`` as a table; only ``columns`` when given (the others are not read)."""
        path = self._path(rel)
        try:
            return self._retrying(f"read {self.url(rel)}",
                                  lambda: pq.read_table(path, filesystem=self.fs, schema=schema, columns=columns))
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.url(rel)}: no such file") from None

    def read_parquet_schema(self, rel: str) -> pa.Schema:
        """The schema of a Parquet file, with its metadata, from its footer alone."""
        path = self._path(rel)
        try:
            return self._retrying(f"read {self.url(rel)}", lambda: pq.read_schema(path, filesystem=self.fs))
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.url(rel)}: no such file") from None

    # writing

    def _write(self, rel: str, chunks: Callable[[], Iterator[bytes]]) -> None:
        """Create or replace ``rel`` with the bytes ``chunks()`` yields (called again on a retry), atomically: on a
        local disk a hidden file renamed over the target, on an object store one upload completed on close."""
        path = self._path(rel)
        if self.is_local:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
            try:
                with partial.open("wb") as handle:
                    for chunk in chunks():
                        handle.write(chunk)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
            return

        def put() -> None:
            with self.fs.open_output_stream(path, compression=None) as stream:
                for chunk in chunks():
                    stream.write(chunk)
        self._retrying(f"write {self.url(rel)}", put)

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Create or replace ``rel`` with ``data``, atomically."""
        self._write(rel, lambda: iter((data,)))

    def write_json(self, rel: str, payload: Any) -> None:
        self.write_bytes(rel, (json.dumps(payload, indent=2, sort_keys=True) + "\n").encode("utf-8"))

    def upload(self, local: Path, rel: str) -> None:
        """Copy a finished local (scratch) file to ``rel``, atomically."""
        def chunks() -> Iterator[bytes]:
            with local.open("rb") as source:
                while chunk := source.read(8 << 20):
                    yield chunk
        self._write(rel, chunks)

    def write_parquet(self, rel: str, table: pa.Table, **options: Any) -> None:
        """Write ``table`` as one Parquet object, atomically (through a scratch file)."""
        with tempfile.NamedTemporaryFile(dir=scratch_dir(), prefix="write-", suffix=".parquet") as tmp:
            pq.write_table(table, tmp.name, **options)
            self.upload(Path(tmp.name), rel)

    def hidden_files(self, prefix: str) -> list[str]:
        """The hidden files under the folder ``prefix``, relative to the root: what killed writers leave (a write's
        ``.partial``, an older version's ``.open`` WARC). Only a local root has them: an object store shows an
        upload only once it completes."""
        folder = self.local_path(prefix)
        if folder is None or not folder.is_dir():
            return []
        return sorted(path.relative_to(self.base).as_posix() for path in folder.rglob(".*") if path.is_file())

    def delete(self, rel: str) -> None:
        """Remove ``rel``; nothing when it does not exist."""
        path = self._path(rel)

        def remove() -> None:
            try:
                self.fs.delete_file(path)
            except FileNotFoundError:
                pass
        self._retrying(f"delete {self.url(rel)}", remove)
