"""Helpers shared by the benchmark scripts: databases, production-like environment, output."""

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CACHE = ROOT / "bench" / ".cache"
PG_BASE = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")
HOST = "bench.local"
# Prefix of the bench's PostgreSQL databases: engineers sharing one server each set their own.
PG_PREFIX = os.environ.get("BENCH_PG_PREFIX", "bench_")


def signing_key_pem() -> str:
    """A throw-away Ed25519 key, so production settings pass their checks."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def database_kind(kind: str) -> str:
    """``postgres`` and ``postgresql`` both name PostgreSQL (the docs and users say both)."""
    kind = kind.strip().lower()
    if kind in ("postgres", "postgresql", "pg"):
        return "postgresql"
    if kind == "sqlite":
        return kind
    raise SystemExit(f"unknown database {kind!r}: use sqlite, postgres or postgresql")


def database_url(kind: str, name: str) -> str:
    kind = database_kind(kind)
    if kind == "sqlite":
        return f"sqlite:///{CACHE / f'{name}.sqlite3'}"
    return f"{PG_BASE}{PG_PREFIX}{name}"


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_BASE + "postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def production_env(url: str, settings: str = "bench.support.settings", **extra) -> dict:
    """The environment of a production deployment on this machine, with DATABASE_URL=url."""
    CACHE.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret-key-not-for-production-" + "x" * 20,
        "ALLOWED_HOSTS": f"{HOST},127.0.0.1,localhost,testserver",
        "CERTIFICATE_SIGNING_KEY": os.environ.get("CERTIFICATE_SIGNING_KEY") or signing_key_pem(),
        "STATIC_ROOT": str(CACHE / "static"),
        "MEDIA_ROOT": str(CACHE / "media"),
        "BASE_URL": f"https://{HOST}",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def fresh_database(kind: str, name: str) -> str:
    """Drop and create an empty database; returns its URL."""
    kind = database_kind(kind)
    url = database_url(kind, name)
    CACHE.mkdir(parents=True, exist_ok=True)
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_PREFIX}{name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_PREFIX}{name}")
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return url


def manage(env: dict, *args: str) -> None:
    subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def seeded_database(kind: str, name: str, env_settings: str = "bench.support.settings") -> str:
    """A fresh database with migrations and ``seed_demo --no-demo-users`` applied."""
    url = fresh_database(kind, name)
    env = production_env(url, env_settings)
    manage(env, "migrate", "-v0")
    manage(env, "seed_demo", "--no-demo-users")
    return url


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports kilobytes)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def emit(name: str, figures: dict) -> None:
    """Print the benchmark's one JSON line."""
    record = {
        "bench": name,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        **figures,
    }
    print(json.dumps(record, ensure_ascii=False), flush=True)
