"""A small bounded HTTP/1.1 load generator on asyncio streams (no dependency to install).

Each request opens its own connection (gunicorn's sync workers close after every response),
so what is measured is what a browser behind a load balancer gets from one node.
"""

import asyncio
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    expect: tuple = (200,)

    def encode(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        headers = {
            "X-Forwarded-Proto": "https",
            "Accept-Language": "ja",
            "User-Agent": "tsunagari-bench",
            "Connection": "close",
            **self.headers,
        }
        if self.body or self.method == "POST":
            headers["Content-Length"] = str(len(self.body))
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


async def _one(port: int, payload: bytes, expect) -> tuple[float, bool, int]:
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    await writer.drain()
    data = await reader.read()
    writer.close()
    elapsed = time.perf_counter() - began
    try:
        status = int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = 0
    return elapsed, status in expect, len(data)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


async def _run(port, host, requests, concurrency, duration, limit):
    latencies, errors, sizes = [], 0, []
    next_index = 0
    deadline = time.perf_counter() + duration if duration else None
    began = time.perf_counter()

    async def worker():
        nonlocal next_index, errors
        while True:
            if deadline and time.perf_counter() >= deadline:
                return
            if limit is not None and next_index >= limit:
                return
            request = requests[next_index % len(requests)]
            next_index += 1
            try:
                elapsed, ok, size = await _one(port, request.encode(host), request.expect)
            except OSError:
                errors += 1
                continue
            latencies.append(elapsed)
            sizes.append(size)
            if not ok:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - began
    return latencies, errors, sizes, wall


def run(
    port: int,
    host: str,
    requests: list[Request],
    *,
    concurrency: int = 4,
    duration: float | None = None,
    limit: int | None = None,
) -> dict:
    """Send ``requests`` round-robin (each at most once when ``limit`` = len) for ``duration``
    seconds or ``limit`` requests; returns throughput and latency percentiles."""
    latencies, errors, sizes, wall = asyncio.run(
        _run(port, host, requests, concurrency, duration, limit)
    )
    if not latencies:
        return {"requests": 0, "errors": errors}
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(wall, 2),
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "bytes_per_response": round(statistics.mean(sizes)),
    }
