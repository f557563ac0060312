"""The product as a multi-node deployment (``tests/multinode/cluster.py``): HAProxy, two gunicorn
nodes, PgBouncer, a PostgreSQL primary and its streaming standby, Redis, RQ task workers.

Run only when asked (``make cluster-test``, or ``MULTINODE=1 pytest tests/multinode``): the
whole deployment starts once for the module and is stopped at the end, on failure too. The
tests run in this order and share it; each leaves both nodes up and healthy.

The figures (start-up, publish delay, failover, requests per second) are printed at the end
and written to ``multinode-figures.json`` beside the reliability tests' cache.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.multinode.cluster import (
    ROOT,
    TEST_DATABASE,
    Browser,
    Cluster,
    Journeys,
    Learner,
    in_cluster,
)
from tests.reliability.load import CACHE

pytestmark = [
    pytest.mark.multinode,
    pytest.mark.skipif(
        os.environ.get("MULTINODE") != "1",
        reason="the multi-node harness runs when asked: make cluster-test (MULTINODE=1)",
    ),
]

# An outage must turn into an answer at once; a few seconds allow for a loaded machine.
PROMPT = 5.0
TEST_NAME = f"test_{TEST_DATABASE}"
FIGURES = {}
START_FAILED = []


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="module")
def cluster():
    missing = [tool for tool in ("haproxy", "pgbouncer", "redis-server") if not shutil.which(tool)]
    if missing:  # asked for explicitly: a missing tool is a failure, not a skip
        pytest.fail(f"the multi-node harness needs {', '.join(missing)} (apt-get install)")
    if START_FAILED:  # once is enough: the start-up takes minutes
        pytest.fail(f"the cluster did not start: {START_FAILED[0]}")
    # A SIGTERM (``make cluster-test``'s time limit, CI cancelling) stops the cluster too.
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        try:
            running = Cluster(workers=2).__enter__()
        except Exception as exc:
            START_FAILED.append(f"{type(exc).__name__}: {exc}")
            raise
        try:
            FIGURES["start_seconds"] = running.start_seconds
            FIGURES["start_timings"] = running.timings
            yield running
        finally:
            running.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "multinode-figures.json").write_text(json.dumps(FIGURES, ensure_ascii=False))
    print("\nmulti-node figures:", json.dumps(FIGURES, ensure_ascii=False))


def visitor(port: int) -> Browser:
    """A first-time visitor: no cookie at all, so pages may come from the page cache."""
    browser = Browser(port)
    browser.cookies = {}
    return browser


def title_on(port: int, path: str) -> str:
    response = visitor(port).request("GET", path)
    assert response.status == 200
    return re.search(r"<title>(.*?)</title>", response.body, re.S).group(1)


def both_nodes_healthy(cluster: Cluster) -> None:
    for name, node in cluster.nodes.items():
        node.wait_healthy()
        cluster.haproxy.wait_state(name, "UP")


def assert_consistent(cluster: Cluster, before: dict, made: int) -> dict:
    """Exactly ``made`` new completions, as many certificates, tallies that agree."""
    after = cluster.counts()
    assert after["completions"] - before["completions"] == made
    assert after["certificates"] - before["certificates"] == made
    assert after["learners_completed"] == after["completions"]  # nobody completed twice
    assert after["most_per_enrollment"] == 1
    assert after["certificate_serials"] == after["certificates"]
    assert after["tallies_ok"] and after["tallies_supporters"] == after["completions"]
    verify = cluster.tallies_verify()
    assert verify.returncode == 0, verify.stdout + verify.stderr
    return after


def test_a_publish_on_one_node_is_visible_through_both_within_a_second(cluster):
    a, b = cluster.nodes["a"].port, cluster.nodes["b"].port
    course = cluster.plan["course"]
    old = title_on(a, course)
    assert title_on(b, course) == old  # both nodes have the page in their page cache now
    new_title = "多機能クラスタの講座（改訂版）"
    in_cluster(cluster.env, "draft", {"page": cluster.plan["course_id"], "title": new_title})
    assert new_title not in title_on(a, course) and new_title not in title_on(b, course)

    # The editor publishes the draft in the admin of node A.
    editor = Browser(a)
    editor.admin_login()
    published = editor.request(
        "POST",
        f"/admin/bulk/wagtailcore/page/publish/?id={cluster.plan['course_id']}&next=/admin/",
        [("include_descendants", "")],
    )
    assert published.status == 302
    at = time.monotonic()
    seen = {}
    while len(seen) < 2 and time.monotonic() - at < 5:
        for name, port in (("a", a), ("b", b)):
            if name not in seen and new_title in title_on(port, course):
                seen[name] = round(time.monotonic() - at, 2)
        time.sleep(0.02)
    FIGURES["publish_visible_seconds"] = seen
    assert set(seen) == {"a", "b"}
    # Each process trusts its copy of the page cache's generation for up to 1 s.
    assert max(seen.values()) < 1.5


def test_learner_and_admin_sessions_move_between_nodes(cluster):
    a, b = cluster.nodes["a"].port, cluster.nodes["b"].port
    plan = cluster.plan
    learner = Browser(a)
    started = learner.request("POST", plan["course"])
    assert (started.status, started.location) == (302, plan["lessons"][0])
    learner.port = b  # the next request lands on the other node
    assert learner.request("GET", plan["lessons"][0]).status == 200
    done = learner.request("POST", plan["lessons"][0], [("action", "complete")])
    assert (done.status, done.location) == (302, plan["lessons"][1])
    learner.port = a  # and back: the progress made on B is there
    done = learner.request("POST", plan["lessons"][1], [("action", "complete")])
    assert (done.status, done.location) == (302, plan["quiz"])

    admin = Browser(a)
    admin.admin_login()
    for port in (b, a, b):
        admin.port = port
        response = admin.request("GET", "/admin/")
        assert response.status == 200, f"node {port}: {response.status} {response.location}"
    assert visitor(b).request("GET", "/admin/").location == "/admin/login/"


def test_throughput_through_haproxy_with_both_nodes(cluster):
    """Figures for the capacity estimate (docs/scaling.md): wrk for a few seconds each."""
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed")
    learner = Learner(cluster.haproxy.port, cluster.plan)
    learner.browser.request("POST", cluster.plan["course"])
    cookie = "; ".join(f"{k}={v}" for k, v in learner.browser.cookies.items())
    lesson = cluster.plan["lessons"][0]
    runs = {
        "visitor_course_page_haproxy": (cluster.haproxy.port, cluster.plan["course"], None),
        "learner_lesson_page_haproxy": (cluster.haproxy.port, lesson, cookie),
        "learner_lesson_page_one_node": (cluster.nodes["a"].port, lesson, cookie),
    }
    figures = {}
    for name, (port, path, cookie_header) in runs.items():
        command = ["wrk", "-t2", "-c8", "-d5s", "--timeout", "10s", "-H", "Host: 127.0.0.1"]
        if cookie_header:
            command += ["-H", f"Cookie: {cookie_header}"]
        done = subprocess.run(  # noqa: S603 - wrk with fixed arguments on loopback
            [*command, f"http://127.0.0.1:{port}{path}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert "Non-2xx" not in done.stdout, done.stdout
        figures[name] = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))
    FIGURES["requests_per_second"] = figures
    assert all(value > 0 for value in figures.values())


def test_killing_a_node_under_load_loses_no_completion(cluster):
    before = cluster.counts()
    journeys = Journeys(cluster.haproxy.port, cluster.plan, count=24, concurrency=6).start()
    deadline = time.monotonic() + 90
    while journeys.completed < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert journeys.completed >= 4, journeys.failures
    cluster.nodes["a"].kill()  # SIGKILL, master and workers: the node is gone at once
    failover = cluster.haproxy.wait_state("a", "DOWN", timeout=10)
    journeys.join()
    FIGURES["node_kill"] = {
        "haproxy_marks_dead_node_down_seconds": round(failover, 2),
        "learners": len(journeys.learners),
        "completed": journeys.completed,
        "requests_retried_by_learners": journeys.retried,
    }
    assert journeys.failures == []
    assert journeys.completed == 24
    assert_consistent(cluster, before, made=24)

    cluster.restart_node("a")
    back = cluster.haproxy.wait_state("a", "UP", timeout=20)
    FIGURES["node_kill"]["haproxy_takes_restarted_node_back_seconds"] = round(back, 2)


def test_an_administrators_bulk_certificate_export_runs_on_a_worker(cluster):
    admin = Browser(cluster.haproxy.port)
    admin.admin_login()
    asked = admin.request("POST", "/admin/certificateexport/new/", [])
    assert asked.status == 302, asked.body[-2000:]
    certificates = cluster.counts()["certificates"]
    began = time.monotonic()
    export = {}
    while time.monotonic() - began < 90:
        export = in_cluster(cluster.env, "export")
        if export.get("status") == "done":
            break
        time.sleep(0.5)
    FIGURES["export_seconds"] = round(time.monotonic() - began, 1)
    # The nodes only queue it (TASKS_BACKEND=rq): a worker built the ZIP of every certificate.
    assert (export["status"], export["done"], export["total"]) == (
        "done",
        certificates,
        certificates,
    )
    assert (cluster.media / "exports" / export["file"]).is_file()
    # The download streams the ZIP from whichever node the request reaches.
    download = admin.request("GET", f"/admin/certificate-exports/{export['id']}/download/")
    assert download.status == 200
    assert download.headers["content-type"] == "application/zip"


def test_redis_outage_degrades_pages_and_keeps_sessions(cluster):
    a, b = cluster.nodes["a"].port, cluster.nodes["b"].port
    plan = cluster.plan
    learner = Browser(a)
    assert learner.request("POST", plan["course"]).location == plan["lessons"][0]
    admin = Browser(b)
    admin.admin_login()

    cluster.redis.stop()
    try:
        for port in (a, b):
            health = Browser(port).request("GET", "/healthz")
            assert health.status == 200 and json.loads(health.body)["cache"] == "unavailable"
            for browser, path in ((visitor(port), plan["course"]), (learner, plan["lessons"][0])):
                browser.port = port
                response = browser.request("GET", path)
                assert response.status == 200, f"{path} on {port}: {response.status}"
                assert response.seconds < PROMPT
            admin.port = port
            assert admin.request("GET", "/admin/").status == 200  # the session is in the database
        learner.port = b
        done = learner.request("POST", plan["lessons"][0], [("action", "complete")])
        assert (done.status, done.location) == (302, plan["lessons"][1])
        # A login during the outage writes its session through to the database.
        during = Browser(a)
        during.admin_login()
    finally:
        cluster.redis.start()

    during.port = admin.port = b
    assert during.request("GET", "/admin/").status == 200
    assert admin.request("GET", "/admin/").status == 200
    deadline = time.monotonic() + 60
    states = {}
    while time.monotonic() < deadline:
        states = {
            port: json.loads(Browser(port).request("GET", "/healthz").body) for port in (a, b)
        }
        if all(state == {"status": "ok"} for state in states.values()):
            break
        time.sleep(0.5)
    assert all(state == {"status": "ok"} for state in states.values()), states
    assert cluster.redis.keys("*")  # the cache is used again
    learner.port = a
    assert learner.request("GET", plan["lessons"][1]).status == 200


def test_reports_read_the_standby(cluster):
    cluster.caught_up()
    before = in_cluster(cluster.env, "kpi")["online"]
    cluster.replica.sql("SELECT pg_wal_replay_pause()")
    try:
        Learner(cluster.haproxy.port, cluster.plan).journey()
        # Read through the reports alias: the standby, which has not replayed the completion.
        assert in_cluster(cluster.env, "kpi")["online"] == before
        assert cluster.counts()["completions"] == before + 1  # the primary has it
    finally:
        cluster.replica.sql("SELECT pg_wal_replay_resume()")
    cluster.caught_up()
    assert in_cluster(cluster.env, "kpi")["online"] == before + 1


def test_primary_restart_answers_503_with_retry_after_and_loses_nothing(cluster):
    a = cluster.nodes["a"].port
    before = cluster.counts()
    journeys = Journeys(cluster.haproxy.port, cluster.plan, count=12, concurrency=3).start()
    deadline = time.monotonic() + 90
    while journeys.completed < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    waiting = Browser(a)
    assert waiting.request("POST", cluster.plan["course"]).status == 302

    cluster.primary.stop("fast")
    stopped_at = time.monotonic()
    try:
        outage = []
        for port in (a, cluster.nodes["b"].port, cluster.haproxy.port):
            for browser, path in (
                (waiting, cluster.plan["lessons"][0]),
                (Browser(port), "/healthz"),
            ):
                browser.port = port
                outage.append((port, path, browser.request("GET", path, timeout=30)))
        for port, path, response in outage:
            assert response.status == 503, f"{path} on {port}: {response.status}"
            assert response.seconds < PROMPT, f"{path} on {port}: {response.seconds:.1f} s"
            # Pages, /healthz (and HAProxy with every node out) ask to come back.
            assert response.headers.get("retry-after") == "30", f"{path} on {port}"
        time.sleep(2)  # a restart takes a moment; the learners keep pressing
    finally:
        cluster.primary.start()
    both_nodes_healthy(cluster)
    FIGURES["primary_restart_until_both_nodes_up_seconds"] = round(time.monotonic() - stopped_at, 1)
    journeys.join()
    assert journeys.failures == []
    assert journeys.completed == 12
    assert journeys.retried > 0  # the outage did reach them
    assert waiting.request("GET", cluster.plan["lessons"][0]).status == 200
    assert_consistent(cluster, before, made=12)


def test_concurrency_tests_pass_through_pgbouncer(cluster):
    """The PostgreSQL concurrency tests, with Django's connections going through PgBouncer
    in transaction pooling mode (``DB_POOLER=pgbouncer``)."""
    env = {
        **os.environ,
        "DATABASE_URL": cluster.pgbouncer.url(TEST_DATABASE),
        "DB_POOLER": "pgbouncer",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("MULTINODE", None)
    began = time.monotonic()
    done = subprocess.run(  # noqa: S603 - pytest of this project, fixed arguments
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--reuse-db",
            "tests/courses/test_completion_concurrency.py",
            "tests/reports/test_tally_concurrency.py",
        ],  # fmt: skip
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    FIGURES["concurrency_tests_through_pgbouncer"] = {
        "seconds": round(time.monotonic() - began, 1),
        "summary": done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "",
    }
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    # Their transactions went through PgBouncer, to the copy made for them.
    (stats,) = [row for row in cluster.pgbouncer.show("STATS") if row["database"] == TEST_NAME]
    FIGURES["concurrency_tests_through_pgbouncer"]["transactions"] = int(stats["total_xact_count"])
    assert stats["total_xact_count"] > 0
    assert " skipped" not in done.stdout.splitlines()[-1]
