"""The benchmark database: PostgreSQL, created and migrated here, never the product's database
(`tergeu`) nor the test suite's (`test_*`)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tergeu_bench"


class WrongDatabase(SystemExit):
    pass


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def configure(url: str | None = None) -> str:
    """Point Django at the benchmark database (before Django is set up); return its URL."""
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    name = database_name(url)
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        raise WrongDatabase("the benchmarks run on PostgreSQL: give a postgres:// DATABASE_URL")
    if name == "tergeu" or name.startswith("test"):
        raise WrongDatabase(f"refusing to benchmark on database {name!r}: use e.g. tergeu_bench")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tergeu.settings")
    # Dev mode: the generator and the demo officials exist only there. The test client's host
    # must be allowed.
    os.environ.setdefault("TERGEU_DEV", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return url


def _maintenance(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def database_create(url: str) -> bool:
    """Create the database if it does not exist; True when it was created."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    with psycopg.connect(_maintenance(url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def database_recreate(url: str) -> None:
    """Drop and create the benchmark database (only one whose name starts with tergeu_bench)."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    if not name.startswith("tergeu_bench"):
        raise WrongDatabase(
            f"database {name!r} holds other data; the benchmarks rebuild only tergeu_bench*"
        )
    with psycopg.connect(_maintenance(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_ready() -> None:
    """Set Django up and migrate the benchmark database."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
