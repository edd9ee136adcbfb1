"""``manage.py peers`` reads Odoo's test logs: its summary and failed tests, and the verdict."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("peers", ROOT / "devtools" / "peers.py")
peers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peers)

LOG = """\
2026-12-03 08:10:53,044 12658 INFO db odoo.addons.account.tests.test_x: Starting TestX.test_a ...
2026-12-03 08:10:53,044 12658 ERROR db odoo.addons.account.tests.test_x: FAIL: TestX.test_a
Traceback (most recent call last):
AssertionError: 1 != 2
2026-12-03 08:10:54,044 12658 ERROR db odoo.tests.suite: ERROR: setUpClass (odoo.addons.x.T)
2026-12-03 08:11:01,836 12658 ERROR db odoo.modules.loading: At least one test failed when loading
2026-12-03 08:11:04,000 12658 ERROR db odoo.tests.result: 0 failed, 1 error(s) of 3 tests when \
loading database 'db'
2026-12-03 08:11:04,567 12658 ERROR db odoo.tests.result: 1 failed, 1 error(s) of 12 tests when \
loading database 'db'
"""


def outcome(broken, tests=10):
    return peers.Outcome("db", "log", 0, 1, failed=broken, errors=0, tests=tests)


def test_parse_log_reads_the_last_summary_and_the_failed_tests():
    failed, errors, tests, failing = peers.parse_log(LOG)
    assert (failed, errors, tests) == (1, 1, 12)
    assert failing == [
        "FAIL: account.tests.test_x: TestX.test_a",
        "ERROR: odoo.tests.suite: setUpClass (odoo.addons.x.T)",
    ]


def test_parse_log_without_summary():
    assert peers.parse_log("Failed to initialize database `db`.\n") == (None, None, None, [])


def test_regressions_are_more_failures_with_the_addon_or_no_summary():
    results = {
        "same": (outcome(1), outcome(1)),
        "better": (outcome(0), outcome(2)),
        "worse": (outcome(2), outcome(1)),
        "crashed": (outcome(None), outcome(0)),
    }
    assert peers.regressions(results) == ["worse", "crashed"]


def test_table_has_one_line_per_suite():
    crashed = peers.Outcome("db", "log", 255, 1)
    lines = peers.table({"sale": (outcome(0, 400), outcome(1, 400)), "x": (crashed, outcome(0))})
    assert len(lines) == 3
    assert lines[1].split() == ["sale", "400", "0", "1"]
    assert lines[2].split() == ["x", "-/10", "-", "0"]
