"""The cluster test's own tools, on a real S3 server (moto on 127.0.0.1): the proxy that cuts the object store off
(cluster/s3proxy.py) and the comparison of the dataset in S3 with a local run (cluster/compare.py)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from tests.support.s3 import S3Server, free_port, s3_server

CLUSTER = Path(__file__).resolve().parent.parent / "cluster"
CUT_OFF = (ConnectionClosedError, EndpointConnectionError)


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@contextmanager
def proxy(server: S3Server, control: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(CLUSTER / "s3proxy.py"), "--port", str(port), "--target-port",
                                server.endpoint.rsplit(":", 1)[1], "--control", str(control)])
    try:
        wait_for(lambda: listening(port))
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def client(endpoint: str):
    """A client that fails at once: no retries, short timeouts."""
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                        region_name="us-east-1",
                        config=Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5))


def test_the_proxy_passes_requests_through_and_cuts_the_store_off_at_a_matching_write(s3: S3Server,
                                                                                        tmp_path: Path) -> None:
    control = tmp_path / "s3proxy.arm"
    with proxy(s3, control) as endpoint:
        store = client(endpoint)
        store.put_object(Bucket=s3.bucket, Key="proxy/a", Body=b"a")
        assert store.get_object(Bucket=s3.bucket, Key="proxy/a")["Body"].read() == b"a"

        control.write_text("2 ^PUT /[^?]*/articles/")
        wait_for(lambda: not control.exists())
        store.put_object(Bucket=s3.bucket, Key="proxy/b", Body=b"b")  # a write the pattern does not match
        cut_at = time.monotonic()
        with pytest.raises(CUT_OFF):
            store.put_object(Bucket=s3.bucket, Key="proxy/articles/c", Body=b"c")
        with pytest.raises(CUT_OFF):
            store.get_object(Bucket=s3.bucket, Key="proxy/a")  # refused while cut off
        assert control.with_suffix(".cut").read_text() == f"PUT /{s3.bucket}/proxy/articles/c\n"

        wait_for(lambda: listening(int(endpoint.rsplit(":", 1)[1])))
        assert time.monotonic() - cut_at > 1.5
        assert store.get_object(Bucket=s3.bucket, Key="proxy/a")["Body"].read() == b"a"
        store.put_object(Bucket=s3.bucket, Key="proxy/articles/d", Body=b"d")  # a cut happens once
    assert s3.keys("proxy/") == ["proxy/a", "proxy/articles/d", "proxy/b"]  # the cut write never reached it


def parquet(ids: list[str]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table({"article_id": ids}), sink)
    return sink.getvalue()


def compare(server: S3Server, prefix: str, files: dict[str, bytes], reference: dict[str, bytes],
            root: Path) -> subprocess.CompletedProcess:
    for name, data in files.items():
        server.client().put_object(Bucket=server.bucket, Key=f"{prefix}/articles/{name}", Body=data)
    for name, data in reference.items():
        (root / "articles" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "articles" / name).write_bytes(data)
    env = {**os.environ, **server.env(), "CLUSTER_S3_ENDPOINT": server.endpoint, "NEWS_CORPUS_DATA": server.url(prefix)}
    return subprocess.run([sys.executable, str(CLUSTER / "compare.py"), str(root)], env=env, capture_output=True,
                          text=True, timeout=60)


A, B = "date=2022-01-06/source=a.com/articles.parquet", "date=2022-01-05/source=b.com/articles.parquet"


def test_compare_passes_a_byte_identical_dataset(s3: S3Server, tmp_path: Path) -> None:
    files = {A: parquet(["1", "2"]), B: parquet(["3"])}
    result = compare(s3, "same", files, files, tmp_path)
    assert result.returncode == 0, result.stdout
    assert "2 files (3 articles) in S3, 2 in the reference: identical, no duplicate" in result.stdout


@pytest.mark.parametrize(("files", "reference", "problem"), [
    ({A: parquet(["1"])}, {A: parquet(["1"]), B: parquet(["3"])}, f"missing in S3: {B}"),
    ({A: parquet(["1"]), B: parquet(["3"])}, {A: parquet(["1"])}, f"not in the reference: {B}"),
    ({A: parquet(["1", "2"])}, {A: parquet(["2", "1"])}, f"different bytes: {A}"),
    ({A: parquet(["1", "2"]), B: parquet(["2"])}, {A: parquet(["1", "2"]), B: parquet(["2"])},
     f"duplicate article_id 2 in {B}, {A}"),
    ({A: parquet(["1", "1"])}, {A: parquet(["1", "1"])}, f"duplicate article_id 1 in {A}, {A}"),
])
def test_compare_reports_each_difference_and_duplicate(s3: S3Server, tmp_path: Path, files: dict[str, bytes],
                                                        reference: dict[str, bytes], problem: str) -> None:
    result = compare(s3, tmp_path.name, files, reference, tmp_path)
    assert result.returncode == 1
    assert any(line.startswith(f"  {problem}") for line in result.stdout.splitlines()), result.stdout
