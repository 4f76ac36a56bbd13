"""A TCP proxy between the pipeline and the S3 server, which the fault test cuts off for a few seconds.

The cluster's ``AWS_ENDPOINT_URL`` points here; everything is passed through both ways until the test arms a cut
by writing ``SECONDS [PATTERN]`` to ``--control``. The proxy then waits for the next write request (a chunk from
a client that starts with a PUT, POST or DELETE request line) whose "METHOD PATH" matches the regex PATTERN (any
write without one), drops it, resets every open connection and stops listening (new connections are refused)
for SECONDS, then listens again. It records the request it cut in ``<control>.cut``; ``0`` disarms.

    s3proxy.py --port 9001 --target-port 9000 --control .cluster/x/s3proxy.arm
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from pathlib import Path

# A write request line at the start of a chunk. A client sends a request only after reading the previous
# response, so a new request starts a chunk; a body chunk looking like a request line is not a concern here.
WRITE_REQUEST = re.compile(rb"^(PUT|POST|DELETE) (\S+) HTTP/1\.[01]\r\n")


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} s3proxy: {message}", flush=True)


class Proxy:
    def __init__(self, port: int, target_port: int, control: Path) -> None:
        self.port = port
        self.target_port = target_port
        self.control = control
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.StreamWriter] = set()
        self.cut_seconds = 0.0  # armed when > 0
        self.cut_pattern = re.compile(b"")

    async def listen(self) -> None:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", self.port)

    async def serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError as exc:
            log(f"upstream unreachable: {exc}")
            client_writer.transport.abort()
            return
        self.connections |= {client_writer, upstream_writer}
        try:
            await asyncio.gather(self.pump(client_reader, upstream_writer, requests=True),
                                 self.pump(upstream_reader, client_writer, requests=False))
        finally:
            for writer in (client_writer, upstream_writer):
                self.connections.discard(writer)
                writer.transport.abort()

    async def pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, requests: bool) -> None:
        try:
            while chunk := await reader.read(65536):
                if requests and self.cut_seconds > 0 and (match := WRITE_REQUEST.match(chunk)):
                    request = match.group(1) + b" " + match.group(2)
                    if self.cut_pattern.search(request):
                        await self.cut(request.decode(errors="replace"))
                        return
                writer.write(chunk)
                await writer.drain()
            if not writer.is_closing():
                writer.write_eof()  # pass the half-close on; the other direction may still carry a response
        except (ConnectionError, OSError):
            writer.transport.abort()

    async def cut(self, request: str) -> None:
        seconds, self.cut_seconds = self.cut_seconds, 0.0
        log(f"cutting the store off for {seconds:g} s at {request}")
        self.control.with_suffix(".cut").write_text(request + "\n")
        self.server.close()  # new connections are refused from now on
        for writer in list(self.connections):
            writer.transport.abort()  # open connections are reset
        await asyncio.sleep(seconds)
        await self.listen()
        log("listening again")

    async def watch_control(self) -> None:
        while True:
            if self.control.exists():
                seconds, _, pattern = self.control.read_text().strip().partition(" ")
                self.control.unlink()
                self.cut_seconds, self.cut_pattern = float(seconds), re.compile(pattern.encode())
                log(f"armed: the next write matching {pattern!r} cuts the store off for {seconds} s"
                    if self.cut_seconds > 0 else "disarmed")
            await asyncio.sleep(0.1)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="port to listen on (127.0.0.1)")
    parser.add_argument("--target-port", type=int, required=True, help="the S3 server's port (127.0.0.1)")
    parser.add_argument("--control", type=Path, required=True, help="file the test writes to arm a cut")
    args = parser.parse_args()
    proxy = Proxy(args.port, args.target_port, args.control)
    await proxy.listen()
    log(f"127.0.0.1:{args.port} -> 127.0.0.1:{args.target_port}")
    await proxy.watch_control()


if __name__ == "__main__":
    asyncio.run(main())
