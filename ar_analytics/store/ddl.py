"""The database objects the addon keeps beside the ORM's tables, written as SQL in ``sql/``:
the closing dates of receivable lines with their triggers, and the credit rules' function."""

import re
from functools import cache
from pathlib import Path

from odoo.tools import SQL

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def script(name):
    """The SQL of ``sql/<name>.sql`` (static: no parameter)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run(cr, name):
    """Execute ``sql/<name>.sql`` on the cursor ``cr``."""
    cr.execute(SQL(script(name)))


def triggers(name):
    """(trigger, table) of each trigger that ``sql/<name>.sql`` creates."""
    return re.findall(r"CREATE TRIGGER (\w+) AFTER \w+ ON (\w+)", script(name))
