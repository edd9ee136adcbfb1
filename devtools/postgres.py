"""The local PostgreSQL: reached, started and given our role when needed; databases looked
up and dropped."""

import contextlib
import getpass
import os
import shutil
import subprocess
import time

from .project import Missing, say


def _connect(dbname="postgres"):
    import psycopg2

    return psycopg2.connect(dbname=dbname)


def _clusters():
    if not shutil.which("pg_lsclusters"):
        return []
    out = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    ).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def ensure_postgres():
    """Connect to the local PostgreSQL; start it, and create our role, when needed."""
    error = _reachable()
    if error is None:
        return
    clusters = _clusters()
    if not clusters:
        raise Missing(
            "PostgreSQL is not running and no local cluster was found to start "
            "(install PostgreSQL, e.g. `apt-get install postgresql`)."
        )
    for version, name, _port, status, *_rest in clusters:
        if status != "online":
            say(f"- starting PostgreSQL {version}/{name}")
            subprocess.run(["pg_ctlcluster", version, name, "start"], check=False)
    for _attempt in range(20):
        error = _reachable()
        if error is None:
            return
        time.sleep(0.5)
    raise Missing(f"PostgreSQL could not be reached or started: {error.strip()}")


def _reachable(create_role=True):
    """None once PostgreSQL answers us (our role created when it is missing), else why not."""
    import psycopg2

    try:
        _connect().close()
        return None
    except psycopg2.OperationalError as exc:
        error = str(exc)
    if create_role and "does not exist" in error and "role" in error:
        _create_role()
        return _reachable(create_role=False)
    return error


def _create_role():
    user = getpass.getuser()
    if os.geteuid() != 0 or not shutil.which("runuser"):
        raise Missing(
            f"PostgreSQL has no role '{user}': create it (sudo -u postgres createuser -s {user})."
        )
    say(f"- creating PostgreSQL role {user}")
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "createuser", "--superuser", user], check=True
    )


def db_exists(name):
    with contextlib.closing(_connect()) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return bool(cr.fetchone())


def drop_db(name):
    conn = _connect()
    conn.autocommit = True
    with contextlib.closing(conn), conn.cursor() as cr:
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
