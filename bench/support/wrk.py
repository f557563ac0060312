"""Drive load with wrk (C, epoll) so the generator is never the bottleneck.

The bench's former asyncio generator saturated at ~1,160 requests/s on this machine where
wrk drives the same bare view at ~2,200, which flattered every ratio to the bare view; every
bench now drives its load with wrk (Debian ``wrk``, installed by ``make bench``).
``run`` writes a Lua script holding the pre-built requests (one per line of ``requests``),
starts ``wrk`` bounded in time, and parses the JSON line the script's ``done`` prints.

Requests are shared round-robin between wrk's threads (thread *t* of *T* takes requests
t, t+T, t+2T, …). With ``single_use=True`` (a quiz submit can be sent once) a thread stops when
its share is used up, and ``exhausted`` says so. wrk itself still counts the whole ``-d``
duration then (its main thread sleeps it out), which capped every exhausted run's throughput at
requests ÷ duration; so the script clocks its first request and last response, and the
throughput of an exhausted run is taken over that time.
"""

import http.client
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Request:
    """One pre-built request; ``expect`` holds the statuses that count as a success."""

    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    expect: tuple = (200,)


SCRIPT = r"""
-- A monotonic clock (LuaJIT's FFI): when single-use requests run out, wrk still counts the
-- whole -d duration, so the script measures from its first request to its last response.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local now_ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, now_ts)
  return tonumber(now_ts.tv_sec) * 1000000 + tonumber(now_ts.tv_nsec) / 1000
end
local requests = {%(requests)s}
local expected = {%(expected)s}
local single_use = %(single_use)s
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[1])
  index = id
  bad = 0
  exhausted = 0
  first_us = 0
  last_us = 0
  formatted = {}
  for i, r in ipairs(requests) do
    formatted[i] = wrk.format(r[1], r[2], r[3], r[4])
  end
end

function request()
  if first_us == 0 then first_us = now_us() end
  if index >= #formatted then
    if single_use then
      exhausted = 1
      wrk.thread:stop()
    end
    index = index %% #formatted
  end
  local r = formatted[index + 1]
  index = index + nthreads
  return r
end

function response(status, headers, body)
  last_us = now_us()
  if not expected[status] then bad = bad + 1 end
end

function done(summary, latency, requests)
  local bad_total, exhausted_any, first, last = 0, 0, nil, 0
  for _, t in ipairs(threads) do
    bad_total = bad_total + t:get("bad")
    exhausted_any = math.max(exhausted_any, t:get("exhausted"))
    local f = t:get("first_us")
    if f > 0 and (first == nil or f < first) then first = f end
    last = math.max(last, t:get("last_us"))
  end
  local active_us = first and (last - first) or 0
  local e = summary.errors
  io.write(string.format(
    '\nWRKJSON {"requests":%%d,"duration_us":%%d,"unexpected_status":%%d,' ..
    '"socket_errors":%%d,"exhausted":%%d,"p50_us":%%d,"p95_us":%%d,"p99_us":%%d,' ..
    '"max_us":%%d,"bytes":%%d,"active_us":%%d}\n',
    summary.requests, summary.duration, bad_total,
    e.connect + e.read + e.write + e.timeout, exhausted_any,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, summary.bytes, active_us))
end
"""


def _lua_string(value: str | bytes) -> str:
    if isinstance(value, str):
        value = value.encode()
    return '"' + "".join(f"\\{b}" for b in value) + '"'


def _lua_request(request: Request, host: str) -> str:
    headers = {
        "Host": host,
        "X-Forwarded-Proto": "https",
        "Accept-Language": "ja",
        "User-Agent": "tsunagari-bench",
        **request.headers,
    }
    pairs = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
    body = _lua_string(request.body) if request.body else "nil"
    return f"{{{_lua_string(request.method)}, {_lua_string(request.path)}, {{{pairs}}}, {body}}}"


def available() -> bool:
    """Whether wrk is installed (``make bench`` installs it)."""
    return shutil.which("wrk") is not None


def wait_ready(port: int, host: str, path: str = "/healthz", timeout: float = 60) -> None:
    """Poll ``path`` until the server on 127.0.0.1:port answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", path, headers={"Host": host, "X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.3)
    raise RuntimeError(f"the server on port {port} did not become ready")


def run(
    port: int,
    host: str,
    requests: list[Request],
    *,
    concurrency: int = 4,
    duration: float = 5.0,
    single_use: bool = False,
    threads: int = 2,
) -> dict:
    """Load 127.0.0.1:port with ``requests`` for ``duration`` seconds at ``concurrency``
    connections; returns throughput and latency percentiles, ``errors`` (unexpected
    statuses and socket errors) and ``exhausted`` (single-use requests ran out)."""
    if not available():
        raise SystemExit("wrk is not installed: run `make bench` (apt-get install -y wrk)")
    threads = max(1, min(threads, concurrency))
    expected = sorted({status for r in requests for status in r.expect})
    script = SCRIPT % {
        "requests": ",\n".join(_lua_request(r, host) for r in requests),
        "expected": ", ".join(f"[{s}] = true" for s in expected),
        "single_use": "true" if single_use else "false",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(  # noqa: S603 - wrk with fixed arguments
            [
                shutil.which("wrk") or "/usr/bin/wrk",
                f"-t{threads}",
                f"-c{concurrency}",
                f"-d{max(1, round(duration))}s",
                "--timeout=10s",
                "-s",
                handle.name,
                f"http://127.0.0.1:{port}",
                "--",
                str(threads),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=duration + 60,
        ).stdout
    finally:
        Path(handle.name).unlink(missing_ok=True)
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    count = raw["requests"]
    seconds = raw["duration_us"] / 1e6
    if raw["exhausted"] and raw["active_us"] > 0:
        # The requests ran out before -d was over: wrk's own duration would count the idle
        # rest of it, so the throughput is taken over the time the requests were answered.
        seconds = raw["active_us"] / 1e6
    return {
        "generator": "wrk",
        "requests": count,
        "errors": raw["unexpected_status"] + raw["socket_errors"],
        "seconds": round(seconds, 2),
        "rps": round(count / seconds, 1) if seconds else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "bytes_per_response": round(raw["bytes"] / count) if count else 0,
        "exhausted": bool(raw["exhausted"]),
    }
