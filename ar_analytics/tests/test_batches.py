"""The full refresh in batches of customers (ar.refresh._compute_batches): a nightly job
whose batches hold three customers each stores every figure that a refresh in one batch
stores (customers, their aging, the invoices), and the same company totals but for the
order of the float sums."""

import datetime
from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.ar_analytics.store import book, frames, scope

from .common import AUDIT, BOOK_END, BookCase

TINY_BATCH = 3


@tagged("post_install", "-at_install")
class TestRefreshInBatches(BookCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a receivable line without a partner: in the company totals, in no customer's batch
        entry = cls.env["account.move"].create(
            {
                "move_type": "entry",
                "date": BOOK_END - datetime.timedelta(days=20),
                "line_ids": [
                    Command.create(
                        {
                            "account_id": cls.company_data["default_account_receivable"].id,
                            "debit": 123.45,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": cls.company_data["default_account_revenue"].id,
                            "credit": 123.45,
                        }
                    ),
                ],
            }
        )
        entry.action_post()

    def _stored(self, company):
        """Every stored figure of the company's customers, aging rows and invoices, as
        text, its company row, and what the collection run stored."""
        stats, aging, moves = self._stored_figures(company)
        [(totals,)] = self.env.execute_query(
            SQL(
                "SELECT to_jsonb(c) %s FROM ar_company_stat c WHERE c.company_id = %s",
                SQL(AUDIT),
                company.id,
            )
        )
        return stats, aging, moves, totals, *self._collected(company)

    def _collected(self, company):
        """What the collection run stored: each customer's trend months, expected cash and
        active signals as text, and the company's trend months."""
        customers = self.env.execute_query(
            SQL(
                "SELECT partner_id, kind, month, to_jsonb(t) %s FROM ar_trend_month t "
                "WHERE company_id = %s AND partner_id IS NOT NULL ORDER BY 1, 2, 3",
                SQL(AUDIT),
                company.id,
            )
        )
        cash = self.env.execute_query(
            SQL(
                "SELECT to_jsonb(c) %s FROM ar_expected_cash c WHERE company_id = %s ORDER BY 1",
                SQL(AUDIT),
                company.id,
            )
        )
        signals = self.env.execute_query(
            SQL(
                "SELECT partner_id, signal, severity, amount_at_risk::float8, value::float8, "
                "evidence_data::text FROM ar_customer_signal WHERE company_id = %s AND active "
                "ORDER BY 1, 2",
                company.id,
            )
        )
        months = self.env.execute_query(
            SQL(
                "SELECT kind, month, to_jsonb(t) %s FROM ar_trend_month t "
                "WHERE company_id = %s AND partner_id IS NULL ORDER BY 1, 2",
                SQL(AUDIT),
                company.id,
            )
        )
        return customers, cash, signals, months

    def _forget(self, company):
        self._forget_figures(
            company,
            tables=(
                "ar_customer_stat",
                "ar_company_stat",
                "ar_trend_month",
                "ar_collection_trend",
                "ar_expected_cash",
            ),
        )

    def _assert_totals_equal(self, batched, single):
        self.assertEqual(batched.keys(), single.keys())
        for name, value in single.items():
            other = batched[name]
            if isinstance(value, float) and isinstance(other, float):
                self.assertAlmostEqual(other, value, delta=1e-9 * max(1.0, abs(value)), msg=name)
            else:
                self.assertEqual(other, value, name)

    def test_tiny_batches_store_the_figures_of_one_batch(self):
        company = self.company_a
        refresh = self.env["ar.refresh"]
        customers = scope.customer_batches(self.env, company, 10**6, unassigned=True)[0]
        self.assertIn(0, customers, "a receivable line without a partner")
        refresh._nightly(company)
        single = self._stored(company)
        self.assertTrue(all(single), "a book to compare")
        self._forget(company)
        # per-invoice figures left on a move that is no posted receivable: cleared
        partner = self.env["res.partner"].browse(customers[0])
        stale = self._invoice(partner, BOOK_END, 10, post=False, company=company)
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                "UPDATE account_move SET ar_computed = TRUE, ar_days_late = 5 WHERE id = %s",
                stale.id,
            )
        )
        self.env.invalidate_all()
        with patch.object(type(refresh), "_batch_size", lambda self, company: TINY_BATCH):
            batches = scope.customer_batches(
                self.env, company, TINY_BATCH, unassigned=True, even=True
            )
            self.assertGreater(len(batches), 3, "several batches")
            seen, frames_of = {}, book.Book.frames

            def recorded(reads, number):
                read = frames_of(reads, number)
                seen[number] = set(read[0]["partner_id"])
                return read

            with patch.object(book.Book, "frames", recorded):
                refresh._nightly(company)
            self.assertEqual(sorted(seen), list(range(1, len(batches) + 1)))
            for number, batch in enumerate(batches, 1):
                self.assertLessEqual(seen[number], set(batch), "the items of its customers")
            self.assertEqual(set().union(*seen.values()), set(customers))
        batched = self._stored(company)
        self.assertEqual(batched[0], single[0], "every customer's figures")
        self.assertEqual(batched[1], single[1], "every aging row")
        self.assertEqual(batched[2], single[2], "every invoice's figures")
        self._assert_totals_equal(batched[3], single[3])
        self.assertTrue(batched[4] and batched[6], "trend and signals to compare")
        self.assertEqual(batched[4], single[4], "every customer's trend months")
        self.assertEqual(batched[5], single[5], "the expected cash")
        self.assertEqual(batched[6], single[6], "every active signal")
        self.assertEqual([row[:2] for row in batched[7]], [row[:2] for row in single[7]])
        for month, other in zip(batched[7], single[7], strict=True):
            self._assert_totals_equal(month[2], other[2])
        self.assertFalse(stale.ar_computed)
        self.assertFalse(stale.ar_days_late)


@tagged("post_install", "-at_install")
class TestBatchedRead(BookCase):
    def test_each_batch_is_parsed_alone(self):
        """A read of every batch at once, ordered by batch, parsed one batch at a time:
        each batch gets its own rows, an empty batch none (first, middle or last)."""
        rows = SQL(
            "SELECT (n %% 7) * 2 AS batch, n AS item_id FROM generate_series(1, 20000) AS n"
            " WHERE n %% 7 BETWEEN 1 AND 3"
        )
        statement = self.env.cr.mogrify(frames.copy_statement(rows, ["batch", "item_id"]))
        copied = frames.copy_to_file(self.env.cr, statement.decode(), ["batch", "item_id"], [])
        read = frames.Batched(copied, 8)
        try:
            for batch in range(1, 9):
                expected = [n for n in range(1, 20001) if n % 7 <= 3 and 2 * (n % 7) == batch]
                frame = read.frame(batch)
                self.assertEqual(list(frame.columns), ["item_id"])
                self.assertEqual(sorted(frame["item_id"]), expected, f"batch {batch}")
        finally:
            read.close()
