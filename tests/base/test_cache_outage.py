"""When Redis cannot be reached, pages are still served and sessions stay valid; when it comes
back, the cache is used again and nothing written before the outage is served stale.

Each test starts its own redis-server on a free port (never the shared one on 6379), with the
product's Redis backend pointed at it, and stops it (connection refused) or freezes it with
SIGSTOP (a host that no longer answers: every call waits for the socket timeout) mid-test."""

import shutil
import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from base import cache as resilient
from base import page_cache
from quizzes.models import Attempt, Choice
from quizzes.tokens import choice_token
from tests import factories
from tests.reliability.support import OwnRedis

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]
SOCKET_TIMEOUT = 0.3
RETRY = 0.2  # the back-off, shortened so that tests see Redis come back quickly
LONG_RETRY = 2.0


def wait_for_retry(seconds=RETRY) -> None:
    time.sleep(seconds + 0.05)


def freeze_and_notice(server, monkeypatch) -> float:
    """Freeze Redis and let the backend notice; the back-off then lasts ``LONG_RETRY``.

    Commands sent to a frozen Redis wait in its socket and run when it resumes; only those
    the back-off keeps from being sent are really lost. A long back-off makes sure the
    writes of the test's outage are of that kind."""
    monkeypatch.setattr(resilient, "RETRY_SECONDS", LONG_RETRY)
    server.freeze()
    cache.get("probe")  # times out: the backend now knows
    return LONG_RETRY


@pytest.fixture
def own_redis(settings, monkeypatch):
    server = OwnRedis()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "base.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": "tsunagari",
            "OPTIONS": {"socket_connect_timeout": SOCKET_TIMEOUT, "socket_timeout": SOCKET_TIMEOUT},
        }
    }
    monkeypatch.setattr(resilient, "RETRY_SECONDS", RETRY)
    page_cache._generation_memo.update(value=None, read_at=0.0)
    yield server
    server.resume()
    if server.process.poll() is None:
        server.process.terminate()
        server.process.wait(timeout=10)
    page_cache._generation_memo.update(value=None, read_at=0.0)


@pytest.fixture
def site():
    course = factories.course(title="見守りの基本", lessons=2)
    quiz = factories.quiz(course, pass_mark=100)
    admin = factories.user(is_staff=True, is_superuser=True)
    return course, quiz, admin


def submit_right_answers(client, quiz):
    client.post(quiz.url, {"action": "start"})
    attempt = Attempt.objects.filter(submitted_at__isnull=True).latest("started_at")
    data = {"action": "submit", "attempt": str(attempt.public_id)}
    for answer in attempt.answers.select_related("question"):
        right = Choice.objects.filter(question=answer.question, is_correct=True)
        data[f"q-{answer.question_id}"] = [choice_token(attempt.public_id, c.pk) for c in right]
    return client.post(quiz.url, data)


@pytest.mark.parametrize("page_cache_seconds", [0, 600])
def test_every_page_is_served_while_redis_is_down(own_redis, site, settings, page_cache_seconds):
    settings.PAGE_CACHE_SECONDS = page_cache_seconds
    course, quiz, admin = site
    first, second = factories.lessons_of(course)
    # Signed in while Redis was up: the session is in Redis and (written through) the database.
    staff = Client(raise_request_exception=False)
    assert (
        staff.post(
            "/accounts/login/", {"username": admin.username, "password": admin.raw_password}
        ).status_code
        == 302
    )
    assert own_redis.keys("*sessions*")

    own_redis.stop()
    visitor = Client(raise_request_exception=False)
    for url in ("/", course.url, first.url):
        response = visitor.get(url)
        assert response.status_code == 200, url
    assert "見守りの基本" in visitor.get(course.url).content.decode()

    learner = Client(raise_request_exception=False)
    started = learner.post(course.url)
    assert started.status_code == 302 and started.url == first.url
    assert learner.get(first.url).status_code == 200
    for lesson in (first, second):
        assert learner.post(lesson.url, {"action": "complete"}).status_code == 302
    submitted = submit_right_answers(learner, quiz)
    assert submitted.status_code == 302
    assert "合格" in learner.get(submitted.url).content.decode()

    # The session from before the outage is still valid, and a new sign-in works.
    assert staff.get("/admin/").status_code == 200
    other = Client(raise_request_exception=False)
    assert other.get("/accounts/login/").status_code == 200
    signed_in = other.post(
        "/accounts/login/", {"username": admin.username, "password": admin.raw_password}
    )
    assert signed_in.status_code == 302
    assert other.get("/admin/").status_code == 200

    # Redis back (empty, as after a restart): the same sessions still hold.
    own_redis.start()
    wait_for_retry()
    assert staff.get("/admin/").status_code == 200
    assert other.get("/admin/").status_code == 200
    assert learner.get(second.url).status_code == 200


def test_healthz_reports_the_cache_without_taking_the_node_out(own_redis):
    client = Client()
    assert client.get("/healthz").json() == {"status": "ok"}

    own_redis.stop()
    down = client.get("/healthz")
    assert down.status_code == 200  # pages are still served: degraded, not down
    assert down.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}

    own_redis.start()
    wait_for_retry()
    assert client.get("/healthz").json() == {"status": "ok"}


def test_after_redis_comes_back_the_page_cache_is_used_again(
    own_redis, site, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 600
    course, _quiz, _admin = site
    own_redis.stop()
    assert Client().get(course.url).status_code == 200  # rendered, nothing stored

    own_redis.start()
    wait_for_retry()
    assert Client().get(course.url).status_code == 200
    assert own_redis.keys("*page-cache:*")
    with django_assert_num_queries(0):
        replayed = Client().get(course.url)
    assert replayed.status_code == 200 and "見守りの基本" in replayed.content.decode()


def test_a_publish_during_the_outage_is_not_hidden_by_pages_stored_before(
    own_redis, site, settings, monkeypatch
):
    settings.PAGE_CACHE_SECONDS = 600
    course, _quiz, _admin = site
    Client().get(course.url)  # the first render also creates the footer help settings
    assert "見守りの基本" in Client().get(course.url).content.decode()  # stored in Redis

    # Redis keeps the stored page and the old generation number; the new one is lost.
    back_off = freeze_and_notice(own_redis, monkeypatch)
    course.title = "見守りの基本（改訂）"
    course.save_revision().publish()

    own_redis.resume()
    wait_for_retry(back_off)
    # Another process, which never heard of the publish, reads the generation from Redis.
    page_cache._generation_memo.update(value=None, read_at=0.0)
    assert "見守りの基本（改訂）" in Client().get(course.url).content.decode()


def test_signing_out_during_the_outage_stays_signed_out_after_it(own_redis, site, monkeypatch):
    _course, _quiz, admin = site
    staff = Client()
    staff.post("/accounts/login/", {"username": admin.username, "password": admin.raw_password})
    stolen_cookie = staff.cookies["sessionid"].value

    # The session stays in Redis; deleting it there is lost.
    back_off = freeze_and_notice(own_redis, monkeypatch)
    assert staff.post("/accounts/logout/").status_code == 302

    own_redis.resume()
    wait_for_retry(back_off)
    replay = Client()
    replay.cookies["sessionid"] = stolen_cookie
    assert replay.get("/admin/").status_code == 302  # to the sign-in page


def test_a_redis_that_stops_answering_costs_one_timeout_not_one_per_call(
    own_redis, site, settings, monkeypatch
):
    # A timeout long enough that five renders on a busy machine stay well below it.
    timeout = 1.5
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    }
    monkeypatch.setattr(resilient, "RETRY_SECONDS", 60.0)
    course, _quiz, _admin = site
    client = Client()
    client.get(course.url)
    own_redis.freeze()
    started = time.monotonic()
    assert client.get(course.url).status_code == 200  # waits for the socket timeout once
    first = time.monotonic() - started
    started = time.monotonic()
    for _ in range(5):
        assert client.get(course.url).status_code == 200
    # Without the back-off each page would wait out several timeouts (generation, footer
    # help, consultation windows): at least 7.5 s for five.
    assert time.monotonic() - started < timeout
    assert timeout <= first < 3 * timeout


def test_certificate_lookups_stay_open_and_password_resets_wait_during_the_outage(
    own_redis, monkeypatch, django_user_model
):
    from certificates import views as certificate_views

    monkeypatch.setattr(certificate_views, "VERIFY_LIMIT_PER_MINUTE", 2)
    django_user_model.objects.create_user("hanako", email="hanako@example.jp", password="x-2026")
    unknown = "/certificates/verify/" + "2" * 18 + "/"
    client = Client()
    assert [client.get(unknown).status_code for _ in range(3)] == [404, 404, 429]

    own_redis.stop()
    # The lookup limit cannot count: it fails open (logged) for the outage.
    assert [client.get(unknown).status_code for _ in range(3)] == [404, 404, 404]
    # A reset mails someone's inbox: refused until the cache can count again.
    refused = client.post("/accounts/password_reset/", {"email": "hanako@example.jp"})
    assert refused.status_code == 429
    assert "しばらく" in refused.content.decode()
    assert mail.outbox == []

    own_redis.start()
    wait_for_retry()
    assert (
        client.post("/accounts/password_reset/", {"email": "hanako@example.jp"}).status_code == 302
    )
    assert len(mail.outbox) == 1
    assert [Client().get(unknown).status_code for _ in range(3)] == [404, 404, 429]


def test_cache_calls_answer_as_an_empty_cache_while_redis_is_down(own_redis):
    cache.set("k", "v")
    own_redis.stop()
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.add("k", "w") is False
    assert cache.get_many(["k"]) == {}
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.get_or_set("k", "default") == "default"
    assert "k" not in cache
    with pytest.raises(ValueError):
        cache.incr("k")
    cache.delete("k")
    assert resilient.cache_state() == "unavailable"


def test_rate_limit_counts_in_one_round_trip_with_its_window_and_not_during_the_outage(
    own_redis,
):
    cache.get("warm-up")  # the cache's epoch is read (and made) before counting

    def calls(command):
        stats = own_redis.client().info("commandstats")
        return stats.get(f"cmdstat_{command}", {"calls": 0})["calls"]

    before = {command: calls(command) for command in ("exec", "incrby", "set")}
    assert [resilient.count_in_window("limit:a", 60) for _ in range(3)] == [1, 2, 3]
    # Per event one MULTI/EXEC holding SET NX EX and INCR: one round trip, no EXISTS.
    assert {command: calls(command) - before[command] for command in before} == {
        "exec": 3,
        "incrby": 3,
        "set": 3,
    }
    assert calls("exists") == 0
    # The window is the key's expiry, set by the first event and not moved by the others.
    [key] = own_redis.keys("*limit:a")
    assert 0 < own_redis.client().ttl(key) <= 60
    assert cache.get("limit:a") == 3

    own_redis.stop()
    # Nothing can count: callers decide (fail open or closed).
    assert resilient.count_in_window("limit:a", 60) is None

    own_redis.start()
    wait_for_retry()
    # A new epoch: counting starts again in a new window.
    assert resilient.count_in_window("limit:a", 60) == 1
