"""Compare the article dataset in S3 with a local reference run of the same day; exit 1 on any difference.

Every object under ``<prefix>/articles/`` must be byte-identical to the file at the same relative path under
``<reference>/articles/``, with the same set of files on both sides, and no ``article_id`` may occur twice in the
dataset. The data root comes from NEWS_CORPUS_DATA (``s3://bucket/prefix``); the S3 server is reached directly
(CLUSTER_S3_ENDPOINT), not through the proxy the fault test cuts.

    compare.py REFERENCE_DIR
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import sys
import urllib.parse
from pathlib import Path

import boto3
import pyarrow.parquet as pq


def s3_files(prefix_url: str) -> dict[str, bytes]:
    url = urllib.parse.urlparse(prefix_url)
    bucket, prefix = url.netloc, url.path.strip("/") + "/articles/"
    client = boto3.client("s3", endpoint_url=os.environ["CLUSTER_S3_ENDPOINT"])
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    return {key[len(prefix):]: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def local_files(root: Path) -> dict[str, bytes]:
    articles = root / "articles"
    return {p.relative_to(articles).as_posix(): p.read_bytes() for p in sorted(articles.rglob("*")) if p.is_file()}


def duplicate_ids(files: dict[str, bytes]) -> dict[str, list[str]]:
    """article_id -> the files holding it, for the ids held more than once (within a file or across files)."""
    where = collections.defaultdict(list)
    for name, data in files.items():
        for article_id in pq.read_table(io.BytesIO(data), columns=["article_id"]).column("article_id").to_pylist():
            where[article_id].append(name)
    return {article_id: names for article_id, names in where.items() if len(names) > 1}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reference", type=Path, help="data root of the local reference run")
    args = parser.parse_args()

    remote, reference = s3_files(os.environ["NEWS_CORPUS_DATA"]), local_files(args.reference)
    problems = [f"missing in S3: {name}" for name in sorted(reference.keys() - remote.keys())]
    problems += [f"not in the reference: {name}" for name in sorted(remote.keys() - reference.keys())]
    problems += [f"different bytes: {name} ({len(remote[name])} bytes in S3, {len(reference[name])} locally)"
                 for name in sorted(reference.keys() & remote.keys()) if remote[name] != reference[name]]
    parquet = {name: data for name, data in remote.items() if name.endswith(".parquet")}
    problems += [f"duplicate article_id {article_id} in {', '.join(names)}"
                 for article_id, names in sorted(duplicate_ids(parquet).items())]
    rows = sum(pq.read_metadata(io.BytesIO(data)).num_rows for data in parquet.values())
    if not reference:
        problems.append(f"the reference {args.reference}/articles holds no file")
    for problem in problems:
        print(f"  {problem}")
    print(f"  {len(remote)} files ({rows} articles) in S3, {len(reference)} in the reference: "
          f"{'identical, no duplicate' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
