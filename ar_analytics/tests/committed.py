"""Environments on database connections of their own, for the tests whose other
transactions must see committed data (concurrency, locks, second connections)."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo import api
from odoo.modules.registry import DummyRLock, Registry
from odoo.sql_db import db_connect


def release_registry_lock(case_class):
    """Let the threads of ``case_class`` look the registry up. Odoo's test runner holds the
    registries' lock while the tests run, so a thread creating an environment or retrying
    a transaction would wait for ever; Odoo's registry test mode replaces the lock the same
    way, but also routes new cursors to the test's transaction, which these tests avoid."""
    case_class.startClassPatcher(patch.object(Registry, "_lock", DummyRLock()))


@contextmanager
def committed_env(dbname, context=None):
    """A superuser environment on a new connection, committed when the block ends and
    rolled back on an exception."""
    cursor = db_connect(dbname).cursor()
    try:
        yield api.Environment(cursor, api.SUPERUSER_ID, context or {})
        cursor.commit()
    finally:
        cursor.close()
