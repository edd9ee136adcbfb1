"""Faults and concurrency (issue 9), with real PostgreSQL connections: two refreshes of a
company at once are serialised (a second full refresh skips, a refresh of some customers
waits), a full refresh while other connections post invoices and reconcile payments neither
deadlocks nor loses an update, and a refresh whose backend is killed leaves the previous
figures intact, its lock released and the next refresh correct.

These tests commit their own documents in the database's main company (other connections
only see committed data) and delete them afterwards."""

import threading
import time
import uuid
from functools import partial
from unittest.mock import patch

import pandas
from psycopg2.pool import PoolError

from odoo import Command
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..models.ar_refresh import REFRESH_LOCK, WRITE_LOCK
from ..store import frames, sales
from .committed import committed_env, release_registry_lock

TIMEOUT = 60


def _invoice(env, partner, date, amount, post=True):
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": date,
            "invoice_payment_term_id": env.ref("account.account_payment_term_30days").id,
            "invoice_line_ids": [
                Command.create(
                    {"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []}
                )
            ],
        }
    )
    if post:
        move.action_post()
    return move


def _pay(env, moves, amount, date):
    journal = env["account.journal"].search(
        [("company_id", "=", moves.company_id.id), ("type", "=", "bank")], limit=1
    )
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=moves.ids)
        .create(
            {
                "payment_date": date,
                "amount": amount,
                "journal_id": journal.id,
                "payment_method_line_id": journal.inbound_payment_method_line_ids[:1].id,
            }
        )
    )
    return wizard._create_payments()


@tagged("post_install", "-at_install")
class TestRefreshConcurrency(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        release_registry_lock(cls)
        with cls._cursor() as env:
            company = env.ref("base.main_company")
            cls.company_id = company.id
            cls.saved_last_refresh = company.ar_last_refresh
            partner = env["res.partner"].create({"name": f"AR concurrency {uuid.uuid4().hex[:8]}"})
            cls.partner_id = partner.id
            quiet = env(context={"ar_skip_refresh": True})
            partner = partner.with_env(quiet)
            invoices = _invoice(quiet, partner, "2026-01-05", 1000) | _invoice(
                quiet, partner, "2026-01-20", 500
            )
            cls.invoice_ids = invoices.ids
            _pay(quiet, invoices[:1], 1000, "2026-02-10")
            cls.started = env.cr.now()
        cls.addClassCleanup(cls._drop_committed)

    @classmethod
    def _cursor(cls):
        """An environment on a connection of its own, committed when the block ends."""
        return committed_env(cls.registry.db_name)

    @classmethod
    def _drop_committed(cls):
        with cls._cursor() as env:
            env = env(context={"ar_skip_refresh": True})
            partner = env["res.partner"].browse(cls.partner_id)
            payments = env["account.payment"].search([("partner_id", "=", partner.id)])
            moves = env["account.move"].search([("partner_id", "=", partner.id)])
            (moves | payments.move_id).line_ids.remove_move_reconcile()
            payments.action_draft()
            payments.unlink()
            moves = moves.exists()
            moves.filtered(lambda m: m.state != "draft").button_draft()
            moves.with_context(force_delete=True).unlink()
            env["account.payment.register"].search([("partner_id", "=", partner.id)]).unlink()
            env["mail.message"].search(
                [("model", "=", "res.partner"), ("res_id", "=", partner.id)]
            ).unlink()
            partner.unlink()
            env["ir.cron.trigger"].search(
                [
                    ("cron_id", "=", env.ref("ar_analytics.ir_cron_ar_refresh_queue").id),
                    ("create_date", ">=", cls.started),
                ]
            ).unlink()
            company = env["res.company"].browse(cls.company_id)
            env["ar.refresh"]._refresh_company(company)
            company.ar_last_refresh = cls.saved_last_refresh

    # -- helpers ---------------------------------------------------------------------------
    def _company(self, env):
        return env["res.company"].browse(self.company_id)

    def _stat(self, env):
        return env["ar.customer.stat"].search(
            [("partner_id", "=", self.partner_id), ("company_id", "=", self.company_id)]
        )

    def _expected_open(self, env):
        """The customer's open receivables, from core's own residuals."""
        lines = env["account.move.line"].search(
            [
                ("partner_id", "=", self.partner_id),
                ("company_id", "=", self.company_id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
            ]
        )
        return sum(lines.mapped("amount_residual"))

    def _thread(self, target):
        errors = []

        def run():
            try:
                target()
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        return thread, errors

    def _snapshot(self, env):
        """Every stored figure of the company, to compare before and after."""
        env.flush_all()
        return env.execute_query(
            SQL(
                "SELECT s.*, (SELECT array_agg((a.bucket_id, a.amount) ORDER BY a.bucket_id) "
                "FROM ar_customer_aging a WHERE a.stat_id = s.id) FROM ar_customer_stat s "
                "WHERE s.company_id = %s ORDER BY s.id",
                self.company_id,
            )
        )

    def _waiting_for_lock(self):
        """Whether a backend waits for the company's refresh lock (polled for a while)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            with self._cursor() as env:
                [(waiting,)] = env.execute_query(
                    SQL(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND NOT granted AND classid = %s AND objid = %s AND objsubid = 2",
                        WRITE_LOCK,
                        self.company_id,
                    )
                )
            if waiting:
                return True
            time.sleep(0.2)
        return False

    # -- tests -----------------------------------------------------------------------------
    def test_two_refreshes_are_serialised(self):
        with self._cursor() as env:
            # no figures yet for the customer: the first refresh writes them
            env.execute_query(
                SQL("DELETE FROM ar_customer_stat WHERE partner_id = %s", self.partner_id)
            )
        holding, release, outcome = threading.Event(), threading.Event(), {}

        def first():
            with self._cursor() as env:
                outcome["first"] = env["ar.refresh"]._refresh_company(self._company(env))
                holding.set()
                release.wait(TIMEOUT)

        first_thread, first_errors = self._thread(first)
        self.assertTrue(holding.wait(TIMEOUT), first_errors)
        try:
            # a second full refresh does not wait and writes nothing
            with self._cursor() as env:
                before = self._snapshot(env)
                started = time.monotonic()
                self.assertEqual(env["ar.refresh"]._refresh_company(self._company(env)), 0)
                self.assertLess(time.monotonic() - started, 5)
                self.assertEqual(self._snapshot(env), before, "the second one wrote nothing")
                # "Refresh now" in the settings says so instead of "0 customers updated"
                settings = env["res.config.settings"].create({"company_id": self.company_id})
                notice = settings.action_ar_refresh()["params"]
                self.assertEqual(notice["type"], "warning")
                self.assertIn("already running", notice["message"])
                env.cr.rollback()

            # a refresh of some customers waits for the lock
            def partial_refresh():
                with self._cursor() as env:
                    refresh = env["ar.refresh"]
                    retrying(
                        partial(
                            refresh._refresh_company,
                            self._company(env),
                            partner_ids={self.partner_id},
                        ),
                        env,
                    )
                    outcome["partial_done"] = time.monotonic()

            partial_thread, partial_errors = self._thread(partial_refresh)
            self.assertTrue(self._waiting_for_lock(), "waits while the full refresh runs")
            self.assertTrue(partial_thread.is_alive())
            released = time.monotonic()
        finally:
            release.set()
        first_thread.join(TIMEOUT)
        partial_thread.join(TIMEOUT)
        self.assertFalse(first_thread.is_alive() or partial_thread.is_alive(), "no deadlock")
        self.assertFalse(first_errors + partial_errors)
        self.assertGreaterEqual(outcome["partial_done"], released)
        self.assertGreaterEqual(outcome["first"], 1)
        with self._cursor() as env:
            stat = self._stat(env)
            self.assertEqual(len(stat), 1)
            self.assertAlmostEqual(stat.total_ar, self._expected_open(env))
            history = env["ar.score.history"].search_count(
                [("partner_id", "=", self.partner_id), ("date", "=", stat.as_of)]
            )
            self.assertLessEqual(history, 1, "never written twice")

    def test_partial_refreshes_run_side_by_side(self):
        """Refreshes of some customers (the queue, batches in parallel) do not wait for each
        other; a full refresh waits for them."""
        holding, release, outcome = threading.Event(), threading.Event(), {}

        def first():
            with self._cursor() as env:
                company = self._company(env)
                env["ar.refresh"]._refresh_company(company, partner_ids={self.partner_id})
                holding.set()
                release.wait(TIMEOUT)

        def full():
            with self._cursor() as env:
                # retried on a fresh snapshot if the partial refresh changed its rows (the
                # nightly job and RPC calls retry the same way)
                refresh = partial(env["ar.refresh"]._refresh_company, self._company(env))
                retrying(refresh, env)
                outcome["full_done"] = time.monotonic()

        first_thread, errors = self._thread(first)
        self.assertTrue(holding.wait(TIMEOUT), errors)
        try:
            with self._cursor() as env:
                other = env["res.partner"].search([("id", "!=", self.partner_id)], limit=1)
                started = time.monotonic()
                env["ar.refresh"]._refresh_company(self._company(env), partner_ids=set(other.ids))
                self.assertLess(time.monotonic() - started, 5, "did not wait for the other")
                env.cr.rollback()
            full_thread, full_errors = self._thread(full)
            self.assertTrue(self._waiting_for_lock(), "the full refresh waits for it")
            released = time.monotonic()
        finally:
            release.set()
        first_thread.join(TIMEOUT)
        full_thread.join(TIMEOUT)
        self.assertFalse(errors + full_errors)
        self.assertGreaterEqual(outcome["full_done"], released)

    def test_sales_read_by_a_second_connection_in_the_same_snapshot(self):
        """A full refresh reads the sales lines in a second connection while it computes;
        that connection imports the refresh's snapshot: it sees what the refresh's own
        transaction sees, not an invoice committed since, and the same rows as a read in
        the refresh's own connection."""
        readers = []
        real = frames.read_copy

        def spy(cr, statement, columns, order_by):
            readers.append(cr)
            return real(cr, statement, columns, order_by)

        mine = self.env["res.partner"].browse(self.partner_id)
        with self._cursor() as env, patch.object(frames, "read_copy", spy):
            company = self._company(env)
            refresh = env["ar.refresh"]
            as_of = refresh._default_as_of(company)  # the transaction's snapshot starts here
            with self._cursor() as other:  # committed meanwhile by another user
                quiet = other(context={"ar_skip_refresh": True})
                late = _invoice(quiet, mine.with_env(quiet), "2026-01-25", 777)
            snapshot = frames.clean_snapshot(env)
            self.assertTrue(snapshot, "nothing written yet in this transaction")
            read = sales.sales_read(env, company, as_of)
            later = frames.frames_later(env(context={"ar_snapshot": snapshot}), [read])
            background = refresh._costed_sales(company, later()[0])
            self.assertEqual(len(readers), 1)
            self.assertIsNot(readers[0], env.cr, "read by a second connection")
            here = refresh._extract_sales(company, as_of)
            self.assertIs(readers[1], env.cr)
            pandas.testing.assert_frame_equal(background, here)  # the same rows
            self.assertNotIn(late.id, set(background["move_id"]), "not in the snapshot")
            self.assertIn(self.invoice_ids[0], set(background["move_id"]))
            # without a snapshot (any refresh but the nightly job's), its own connection reads
            frames.frames_later(env, [read])()
            self.assertIs(readers[2], env.cr)
            # without a second connection (a full pool), too
            with patch.object(frames.sql_db, "db_connect", side_effect=PoolError("full")):
                (fallback,) = frames.frames_later(env(context={"ar_snapshot": snapshot}), [read])()
            self.assertIs(readers[3], env.cr)
            pandas.testing.assert_frame_equal(refresh._costed_sales(company, fallback), here)
            # once the transaction has written, no snapshot is exported
            written = env["res.partner"].create({"name": "Written in the refresh's transaction"})
            env.flush_all()
            self.assertIsNone(frames.clean_snapshot(env))
            written.unlink()
        with self._cursor() as env:
            self.assertIn(
                late.id, set(env["ar.refresh"]._extract_sales(self._company(env), as_of)["move_id"])
            )
        # the nightly job's refresh: items, sales lines and stored invoice figures read
        # beside it while it reads the allocations, the same figures as a refresh that
        # reads everything itself
        copies, real_copy = [], frames.copy_to_file

        def copy_spy(cr, statement, columns, order_by):
            copies.append((cr, columns[0]))
            return real_copy(cr, statement, columns, order_by)

        with self._cursor() as env, patch.object(frames, "copy_to_file", copy_spy):
            company = self._company(env)
            _written, reads = env["ar.refresh"]._refresh_in_snapshot(company)
            reads.close()
            beside = [column for cr, column in copies if cr is not env.cr]
            self.assertEqual(beside, ["item_id", "partner_id", "move_id"])
            self.assertEqual([column for cr, column in copies if cr is env.cr], ["partial_id"])
            figures = self._snapshot(env)
            self.assertEqual(env["ar.refresh"]._refresh_company(company), 0, "nothing changed")
            self.assertEqual(self._snapshot(env), figures)

    def test_refresh_while_others_post_and_reconcile(self):
        with self._cursor() as env:
            # the invoices' stored figures are stale: the refresh rewrites their rows
            env.execute_query(
                SQL(
                    "UPDATE account_move SET ar_computed = FALSE, ar_payment_date = NULL "
                    "WHERE id = ANY(%s)",
                    self.invoice_ids,
                )
            )
        refreshed, outcome = threading.Event(), {}
        poster_started = threading.Event()

        def full_refresh():
            with self._cursor() as env:
                outcome["refresh"] = env["ar.refresh"]._refresh_company(self._company(env))
                refreshed.set()
                # keep the transaction open while the other connection works
                poster_started.wait(TIMEOUT)
                time.sleep(3.0)

        def post_and_pay():
            refreshed.wait(TIMEOUT)
            with self._cursor() as env:
                attempts = []

                def work():
                    attempts.append(1)
                    poster_started.set()
                    partner = env["res.partner"].browse(self.partner_id)
                    invoice = _invoice(env, partner, "2026-03-01", 250)
                    outcome["new_invoice"] = invoice.id
                    # pays the invoice the refresh is writing figures on
                    _pay(env, env["account.move"].browse(self.invoice_ids[1]), 500, "2026-03-05")

                retrying(work, env)
                outcome["attempts"] = len(attempts)

        refresh_thread, refresh_errors = self._thread(full_refresh)
        poster_thread, poster_errors = self._thread(post_and_pay)
        refresh_thread.join(TIMEOUT)
        poster_thread.join(TIMEOUT)
        self.assertFalse(refresh_thread.is_alive() or poster_thread.is_alive(), "no deadlock")
        self.assertFalse(refresh_errors + poster_errors)
        with self._cursor() as env:
            # nothing lost: the refresh's figures and the other connection's documents
            paid = env["account.move"].browse(self.invoice_ids[1])
            self.assertIn(paid.payment_state, ("in_payment", "paid"))
            self.assertEqual(env["account.move"].browse(outcome["new_invoice"]).state, "posted")
            self.assertTrue(env["account.move"].browse(self.invoice_ids[0]).ar_computed)
            # the other connection queued the customer; the next refresh is correct
            queued = env["ar.refresh.request"].search_count([("partner_id", "=", self.partner_id)])
            self.assertEqual(queued, 1)
            self.assertGreaterEqual(env["ar.refresh"]._process_queue(), 1)
            stat = self._stat(env)
            self.assertAlmostEqual(stat.total_ar, self._expected_open(env))
            # paid through the wizard on the default journal: Odoo calls it paid, so it is cash
            self.assertAlmostEqual(paid.ar_cash_share, 1.0)

    def test_killed_refresh_leaves_previous_figures(self):
        with self._cursor() as env:
            env["ar.refresh"]._refresh_company(self._company(env))
        with self._cursor() as env:
            before = self._snapshot(env)
            self.assertTrue(before)
            # a change the killed refresh would have written
            partner = env["res.partner"].browse(self.partner_id)
            killed_invoice = _invoice(
                env(context={"ar_skip_refresh": True}), partner, "2026-04-01", 75
            )
            killed_invoice_id = killed_invoice.id
        written, outcome = threading.Event(), {}

        def doomed_refresh():
            with self._cursor() as env:
                [(outcome["pid"],)] = env.execute_query(SQL("SELECT pg_backend_pid()"))
                outcome["rows"] = env["ar.refresh"]._refresh_company(self._company(env))
                env.flush_all()
                written.set()
                time.sleep(TIMEOUT)  # killed before it commits

        thread, errors = self._thread(doomed_refresh)
        self.assertTrue(written.wait(TIMEOUT), errors)
        self.assertGreaterEqual(outcome["rows"], 1, "it had written new figures")
        with self._cursor() as env:
            [(killed,)] = env.execute_query(SQL("SELECT pg_terminate_backend(%s)", outcome["pid"]))
            self.assertTrue(killed)
        thread.join(TIMEOUT + 5)
        with self._cursor() as env:
            self.assertEqual(self._snapshot(env), before, "previous figures intact")
            self.assertFalse(env["account.move"].browse(killed_invoice_id).ar_computed)
            # the lock died with the backend: the next full refresh runs and is correct
            [(free,)] = env.execute_query(
                SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", REFRESH_LOCK, self.company_id)
            )
            self.assertTrue(free)
            env.cr.rollback()
            self.assertGreaterEqual(env["ar.refresh"]._refresh_company(self._company(env)), 1)
            stat = self._stat(env)
            self.assertAlmostEqual(stat.total_ar, self._expected_open(env))
            self.assertTrue(env["account.move"].browse(killed_invoice_id).ar_computed)
