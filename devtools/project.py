"""What manage.py and its tools know of this checkout: its paths, addons and databases, the
packages they need, and how they speak (``say``, ``Missing``)."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDON = "ar_analytics"
ADDON_DEPS = {"pandas": "pandas", "numpy": "numpy"}
OUTPUT = ROOT / "output"
TEST_DEPS = {
    "pytest_odoo": "pytest-odoo",
    "ruff": "ruff",
    "pylint_odoo": "pylint-odoo",
    "hypothesis": "hypothesis",
    # the test oracle of the forecasts (tests/engine/test_forecast.py)
    "statsmodels": "statsmodels",
    # the SMTP server on 127.0.0.1 that receives the dunning emails (test_dunning.py)
    "aiosmtpd": "aiosmtpd",
}
DEMO_DB = "ar_demo"
TEST_DB = "ar_analytics_test"
#: the Sales app (``sale_management``) shows the Sales menu, where the README sends users to
#: the blocked quotations; installed here and in the test database, not an addon dependency
SALES_APP = "sale_management"
MODULES = f"account,sale,{SALES_APP},ar_analytics"
#: Excel exports, installed with the addon when OCA's report_xlsx is available
XLSX_ADDON = "ar_analytics_xlsx"
#: the nightly refresh in queue jobs, installed with the addon when OCA's queue_job is available
QUEUE_ADDON = "ar_analytics_queue"
#: the book generator of the demo, the tests and the benchmarks: imported, never installed
DEMO_ADDON = "ar_analytics_demo"
#: OCA addons used here (Odoo module -> wheel), installed from the registry without their
#: dependencies (those name Odoo itself, which is not on the registry)
PEER_ADDONS = {
    "report_xlsx": "odoo-addon-report_xlsx>=19.0,<19.1",
    "queue_job": "odoo-addon-queue_job>=19.0,<19.1",
}
#: the Python packages of those peers (report_xlsx's external dependencies)
PEER_DEPS = {
    "xlsxwriter": "xlsxwriter",
    "xlrd": "xlrd",
    "openupgradelib": "openupgradelib",
    "requests": "requests",
}
#: where ``demo`` starts Odoo
SERVER_URL = "http://127.0.0.1:8069"


def addon_available(name):
    """An addon installed where Odoo finds addons without a path (an OCA wheel): looked
    up on sys.path, since odoo.addons' namespace path does not see a wheel installed by
    this process."""
    entries = (Path(entry or ".") / "odoo" / "addons" / name for entry in sys.path)
    return any((path / "__manifest__.py").is_file() for path in entries)


def report_xlsx_available():
    return importlib.util.find_spec("xlsxwriter") is not None and addon_available("report_xlsx")


def our_addons():
    """The addons of this repository to install and test here."""
    return [
        ADDON,
        *([XLSX_ADDON] if report_xlsx_available() else []),
        *([QUEUE_ADDON] if addon_available("queue_job") else []),
    ]


class Missing(Exception):
    """A prerequisite is missing: said in one line, never as a traceback."""


def say(message):
    print(message, flush=True)
