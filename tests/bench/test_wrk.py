"""The benches' load generator (``bench/support/wrk.py``) against a real loopback server.

A run of single-use requests (quiz submits: each can be sent once) that runs out before its
duration must report the throughput of the time the requests were answered: wrk's own
duration counts the whole ``-d``, which once capped every such run at requests ÷ duration.
"""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.support import wrk

SERVICE_SECONDS = 0.02

pytestmark = pytest.mark.skipif(not wrk.available(), reason="wrk is not installed")


class _SlowHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        time.sleep(SERVICE_SECONDS)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_single_use_requests_that_run_out_are_timed_over_their_answers(slow_server):
    requests = [wrk.Request("GET", f"/item/{i}") for i in range(40)]
    result = wrk.run(slow_server, "127.0.0.1", requests, concurrency=2, duration=3, single_use=True)
    assert result["exhausted"]
    assert result["errors"] == 0
    # Two connections, 20 ms a request: ~100 requests/s while they last (0.4 s), where
    # 40 requests over the 3 s asked for would say ~13/s.
    assert result["seconds"] < 1.5
    assert result["rps"] > 50


def test_a_run_that_does_not_run_out_keeps_wrks_duration(slow_server):
    requests = [wrk.Request("GET", "/again")]
    result = wrk.run(slow_server, "127.0.0.1", requests, concurrency=2, duration=1)
    assert not result["exhausted"]
    assert result["seconds"] >= 0.9
    assert 30 < result["rps"] < 110
