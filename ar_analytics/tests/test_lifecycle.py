"""Install, upgrade and uninstall (issue 9) on a copy of the test database, driven through
Odoo's command line like an administrator would: core data (moves, journal items,
partners, reconciliations) is left exactly as it was at every step, an upgrade keeps the
addon's figures, an uninstall removes the addon's tables, columns, models and records, and a
new install computes the figures again.

The copy is named after the test database (``<db>_lifecycle``) and dropped at the end. It
takes two to three minutes; set AR_SKIP_LIFECYCLE=1 to leave it out of a quick run."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2

from odoo.tests import TransactionCase, tagged
from odoo.tools import config

ROOT = Path(__file__).resolve().parents[2]
MARK = "AR_LIFECYCLE "

#: core tables and the columns whose values must never change (checksummed)
CORE = {
    "account_move": "id, name, state, move_type, partner_id, date, amount_total, "
    "amount_residual, payment_state",
    "account_move_line": "id, move_id, account_id, partner_id, debit, credit, balance, "
    "amount_residual, reconciled, date_maturity, full_reconcile_id",
    "res_partner": "id, name, active, commercial_partner_id, customer_rank",
    "account_partial_reconcile": "id, debit_move_id, credit_move_id, amount, max_date",
}
CORE_SQL = " UNION ALL ".join(
    f"SELECT '{table}', count(*), md5(string_agg(concat_ws('|', {columns}), ',' ORDER BY id)) "
    f"FROM {table}"
    for table, columns in CORE.items()
)
FIGURES_SQL = (
    "SELECT count(*), md5(string_agg(concat_ws('|', partner_id, company_id, total_ar, grade), "
    "',' ORDER BY partner_id, company_id)) FROM ar_customer_stat"
)
ADDON_SQL = """
SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'ar\\_%%'),
       (SELECT count(*) FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name LIKE 'ar\\_%%'
           AND table_name IN ('account_move', 'res_company', 'res_partner', 'sale_order')),
       (SELECT count(*) FROM ir_model_data WHERE module = 'ar_analytics'),
       (SELECT count(*) FROM ir_model WHERE model LIKE 'ar.%%'),
       (SELECT count(*) FROM pg_proc WHERE proname LIKE 'ar\\_%%'),
       (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'ar\\_%%')
"""

BOOK = """
import json
env = env(context={"ar_skip_refresh": True})
company = env.ref("base.main_company")
term = env.ref("account.account_payment_term_30days")
bank = env["account.journal"].search(
    [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
)
partners = env["res.partner"].create([{"name": f"Lifecycle customer {n}"} for n in range(4)])
invoices = env["account.move"]
for n, partner in enumerate(partners):
    for month in (1, 2, 3):
        invoices |= env["account.move"].create({
            "move_type": "out_invoice", "partner_id": partner.id,
            "invoice_date": f"2026-0{month}-{10 + n}", "invoice_payment_term_id": term.id,
            "invoice_line_ids": [(0, 0, {"name": "Goods", "quantity": 1,
                                         "price_unit": 100.0 * (n + month), "tax_ids": []})],
        })
invoices.action_post()
for invoice in invoices[::2]:
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=invoice.ids
    ).create({"payment_date": "2026-04-20", "journal_id": bank.id})._create_payments()
invoices[1]._reverse_moves([{"date": "2026-04-25", "invoice_date": "2026-04-25"}], cancel=True)
env["ar.refresh"]._refresh()
env.cr.commit()
print("AR_LIFECYCLE " + json.dumps({"stats": env["ar.customer.stat"].search_count([])}))
"""
UNINSTALL = """
env["ir.module.module"].search([("name", "=", "ar_analytics")]).button_immediate_uninstall()
env.cr.commit()
"""


def _connect(dbname):
    connection = psycopg2.connect(dbname=dbname)
    connection.autocommit = True
    return connection


@tagged("post_install", "-at_install")
class TestLifecycle(TransactionCase):
    def setUp(self):
        super().setUp()
        if os.environ.get("AR_SKIP_LIFECYCLE"):
            self.skipTest("AR_SKIP_LIFECYCLE is set")
        self.source = self.env.cr.dbname
        self.copy = f"{self.source}_lifecycle"
        self._drop()
        self.addCleanup(self._drop)

    def _drop(self):
        connection = _connect("postgres")
        try:
            with connection.cursor() as cr:
                cr.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [self.copy],
                )
                cr.execute(f'DROP DATABASE IF EXISTS "{self.copy}"')
        finally:
            connection.close()

    def _run(self, *args, script=None):
        """Odoo's command line on the copy (a shell when a script is given)."""
        command = [sys.executable, "-m", "odoo", *(["shell"] if script else [])]
        command += ["--addons-path", str(ROOT), "-d", self.copy, "--log-level=warn"]
        command += [*args, *([] if script else ["--stop-after-init"]), "--no-http"]
        if config.get("db_host"):
            command += ["--db_host", config["db_host"]]
        done = subprocess.run(
            command, input=script, capture_output=True, text=True, timeout=900, check=False
        )
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        for line in done.stdout.splitlines():
            if line.startswith(MARK):
                return json.loads(line[len(MARK) :])
        return None

    def _query(self, sql):
        connection = _connect(self.copy)
        try:
            with connection.cursor() as cr:
                cr.execute(sql)
                return cr.fetchall()
        finally:
            connection.close()

    def _copy_source(self):
        """pg_dump | psql: the test database as installed, with the addon."""
        connection = _connect("postgres")
        try:
            with connection.cursor() as cr:
                cr.execute(f'CREATE DATABASE "{self.copy}"')
        finally:
            connection.close()
        dump = subprocess.Popen(["pg_dump", "--no-owner", self.source], stdout=subprocess.PIPE)
        load = subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.copy],
            stdin=dump.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        dump.stdout.close()
        self.assertEqual((dump.wait(), load.returncode), (0, 0), load.stderr[-2000:])

    def test_upgrade_uninstall_install_keep_core_data(self):
        self._copy_source()
        book = self._run(script=BOOK)
        self.assertGreaterEqual(book["stats"], 4)
        core = self._query(CORE_SQL)
        self.assertGreater({table: n for table, n, _sum in core}["account_move"], 12)
        before = self._query(FIGURES_SQL)
        [installed] = self._query(ADDON_SQL)
        self.assertTrue(
            all(installed), f"tables, columns, data, models, functions, triggers: {installed}"
        )

        # upgrade with data: core untouched, figures kept
        self._run("-u", "ar_analytics")
        self.assertEqual(self._query(CORE_SQL), core, "upgrade changed core data")
        self.assertEqual(self._query(FIGURES_SQL), before, "upgrade lost figures")

        # uninstall: core untouched, everything of the addon gone
        self._run(script=UNINSTALL)
        self.assertEqual(self._query(CORE_SQL), core, "uninstall changed core data")
        self.assertEqual(self._query(ADDON_SQL), [(0, 0, 0, 0, 0, 0)], "addon data left behind")

        # install again: core untouched, figures computed by the install hook
        self._run("-i", "ar_analytics")
        self.assertEqual(self._query(CORE_SQL), core, "install changed core data")
        self.assertEqual(self._query("SELECT count(*) FROM ar_customer_stat"), [(before[0][0],)])
