"""CPU time a run cost, per process group: the server's workers and PostgreSQL's backends.

Throughput and latency on a shared two-core machine move with everything else running on it;
the CPU seconds the web workers and the database spent per request do much less, and they say
where a request's cost lies (the workers scale out with nodes, the primary does not).
PostgreSQL's side is read from ``/proc`` for the backends connected to the bench's database,
so it is known only when that server runs on this machine.
"""

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it has gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers of its arbiter)."""
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def postgres_backends(database: str, base_url: str) -> list[int]:
    """The server processes of the connections to ``database``, when the server is local."""
    import psycopg

    with psycopg.connect(base_url + "postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database]
        ).fetchall()
    pids = [pid for (pid,) in rows]
    return pids if pids and all(Path(f"/proc/{pid}").exists() for pid in pids) else []


class CpuMeter:
    """CPU seconds of named groups of processes between ``start()`` and ``per_request(n)``.

    Each group is a callable returning its pids; they are taken at ``start()`` (the server is
    warmed up by then: its workers hold their database connections) and read again at the end.
    """

    def __init__(self, groups):
        self.groups = groups
        self.began: dict[str, dict[int, float]] = {}

    def start(self) -> None:
        self.began = {
            name: {pid: _cpu_seconds(pid) for pid in pids()} for name, pids in self.groups.items()
        }

    def per_request(self, requests: int) -> dict[str, float | None]:
        """CPU milliseconds per request of each group since ``start()`` (None: not local)."""
        figures = {}
        for name, began in self.began.items():
            if not began or not requests:
                figures[name] = None
                continue
            spent = sum(_cpu_seconds(pid) - cpu for pid, cpu in began.items())
            figures[name] = round(1000 * spent / requests, 2)
        return figures
