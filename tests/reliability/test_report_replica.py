"""Reports read from a real streaming replica, and from the primary when it is gone
(``REPORTS_DATABASE_URL``, ``base/replica.py``, docs/scaling.md step 4).

Two private PostgreSQL clusters: a primary and a hot standby made from it with
``pg_basebackup -R``. Pausing the standby's WAL replay makes it visibly behind, which tells
where each read went: the KPI report (``kpi_report``, the same query module as the dashboard
and the API) still shows the old figure while the primary already has the new session.
"""

import subprocess
import time

import pytest

from tests.reliability.load import manage
from tests.reliability.support import PrivatePostgres, in_site, site_env


def probe(env: dict, command: str) -> dict:
    return in_site(env, command, module="tests.reliability.replica_probe")


def caught_up(primary: PrivatePostgres, replica: PrivatePostgres, timeout: float = 30) -> None:
    """Wait until the standby has replayed everything the primary wrote."""
    target = primary.sql("SELECT pg_current_wal_lsn()::text")
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        behind = replica.sql(f"SELECT pg_last_wal_replay_lsn() < '{target}'::pg_lsn")
        if behind is False:
            return
        time.sleep(0.2)
    raise TimeoutError("the replica did not catch up")


@pytest.fixture
def primary_and_replica(postgres_only):
    try:
        primary = PrivatePostgres()
    except (LookupError, OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot run a private PostgreSQL cluster here: {exc}")
    replica = None
    try:
        primary.start()
        primary.create_database()
        replica = PrivatePostgres.replica_of(primary)
        yield primary, replica
    finally:
        if replica is not None:
            replica.destroy()
        primary.destroy()


def test_reports_read_the_replica_and_fall_back_to_the_primary(primary_and_replica):
    primary, replica = primary_and_replica
    assert replica.sql("SELECT pg_is_in_recovery()") is True  # a real standby
    env = site_env(primary.url, REPORTS_DATABASE_URL=replica.url)
    without_replica = site_env(primary.url)
    # Migrations run on the primary only and reach the standby by replication.
    manage(env, "migrate", "--noinput", "-v0")
    probe(env, "setup")
    caught_up(primary, replica)
    assert probe(env, "figures") == {
        "report_in_person": 20,
        "city_in_person": 20,
        "primary_sessions": 1,
    }

    # The standby stops replaying: a new session is on the primary only. The report, read on
    # the replica, does not have it yet; without REPORTS_DATABASE_URL it is read on the primary.
    replica.sql("SELECT pg_wal_replay_pause()")
    probe(env, "add")
    assert probe(env, "figures") == {
        "report_in_person": 20,
        "city_in_person": 20,
        "primary_sessions": 2,
    }
    assert probe(without_replica, "figures") == {
        "report_in_person": 25,
        "city_in_person": 25,
        "primary_sessions": 2,
    }

    replica.sql("SELECT pg_wal_replay_resume()")
    caught_up(primary, replica)
    assert probe(env, "figures") == {
        "report_in_person": 25,
        "city_in_person": 25,
        "primary_sessions": 2,
    }

    # The replica goes away: the report comes from the primary, no error.
    replica.stop("immediate")
    assert probe(env, "figures") == {
        "report_in_person": 25,
        "city_in_person": 25,
        "primary_sessions": 2,
    }
