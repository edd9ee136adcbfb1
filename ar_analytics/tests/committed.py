"""Environments on database connections of their own, for the tests whose other
transactions must see committed data (concurrency, locks, second connections)."""

from contextlib import contextmanager

from odoo import api
from odoo.orm.environments import Transaction
from odoo.sql_db import db_connect


@contextmanager
def committed_env(registry, context=None):
    """A superuser environment on a new connection, committed when the block ends and
    rolled back on an exception. Its transaction is bound to ``registry`` directly: Odoo's
    test runner holds the registries' lock while the tests run, so a thread that looked
    the registry up by name would wait for ever."""
    cursor = db_connect(registry.db_name).cursor()
    cursor.transaction = Transaction(registry)
    try:
        yield api.Environment(cursor, api.SUPERUSER_ID, context or {})
        cursor.commit()
    finally:
        cursor.close()
