"""``DB_POOLER=pgbouncer``: the settings Django needs behind PgBouncer in transaction pooling
mode (docs/scaling.md step 3; tried for real by ``tests/multinode``), and prepared statements,
which are on against PostgreSQL itself and off behind PgBouncer unless asked for."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, tsunagari.settings.base as s; d = s.DATABASES['default'];"
    "print(json.dumps({'cursors_off': d.get('DISABLE_SERVER_SIDE_CURSORS', False),"
    " 'conn_max_age': d['CONN_MAX_AGE'],"
    " 'prepared': [d['OPTIONS'].get('server_side_binding'), d['OPTIONS'].get('prepare_threshold')]}))"
)


def settings_with(**env_overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DB_")}
    env.update(DATABASE_URL="postgres://tsunagari@pgbouncer:6432/tsunagari", **env_overrides)
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_pgbouncer_turns_off_server_side_cursors_and_persistent_connections():
    done = settings_with(DB_POOLER="pgbouncer")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "cursors_off": True,
        "conn_max_age": 0,
        "prepared": [False, None],
    }


def test_without_a_pooler_connections_persist_and_cursors_stay():
    done = settings_with()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "cursors_off": False,
        "conn_max_age": 60,
        "prepared": [True, 5],
    }


def test_an_explicit_connection_age_is_kept_behind_pgbouncer():
    done = settings_with(DB_POOLER="pgbouncer", DB_CONN_MAX_AGE="30")
    assert json.loads(done.stdout) == {
        "cursors_off": True,
        "conn_max_age": 30,
        "prepared": [False, None],
    }


def test_prepared_statements_behind_a_pgbouncer_that_keeps_them():
    # PgBouncer 1.21+ with max_prepared_statements set.
    done = settings_with(DB_POOLER="pgbouncer", DB_PREPARED_STATEMENTS="1")
    assert json.loads(done.stdout)["prepared"] == [True, 5]


def test_prepared_statements_can_be_turned_off():
    done = settings_with(DB_PREPARED_STATEMENTS="0")
    assert json.loads(done.stdout)["prepared"] == [False, None]


def test_an_unclear_prepared_statements_switch_is_refused():
    done = settings_with(DB_PREPARED_STATEMENTS="yes")
    assert done.returncode != 0
    assert "DB_PREPARED_STATEMENTS" in done.stderr


def test_an_unknown_pooler_is_refused():
    done = settings_with(DB_POOLER="pgpool")
    assert done.returncode != 0
    assert "DB_POOLER" in done.stderr
