"""The closing date of each posted receivable line (``ar_item_closing``), kept by triggers:
after every kind of write, through the ORM or in SQL, the table equals its computation from
scratch, and the aged receivables at a past date find every item open then."""

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import SQL

from ..store import ddl
from .common import ArCase

EXPECTED = SQL(ddl.script("item_closing_rows"))


@tagged("post_install", "-at_install")
class TestItemClosing(ArCase):
    def _table(self):
        self.env.flush_all()
        return set(self.env.execute_query(SQL("SELECT * FROM ar_item_closing")))

    def assertInStep(self, what):
        actual = self._table()  # flushed first
        expected = set(self.env.execute_query(EXPECTED))
        self.assertEqual(actual, expected, what)

    def _row(self, moves):
        lines = self._receivable(moves)
        self.env.flush_all()
        return self.env.execute_query(
            SQL(
                "SELECT line_id, date, closed_on FROM ar_item_closing "
                "WHERE line_id = ANY(%s) ORDER BY line_id",
                lines.ids,
            )
        )

    def test_in_step_with_posting_payments_and_undoing_them(self):
        customer = self.env["res.partner"].create({"name": "Closing customer"})
        invoice = self._invoice(customer, "2024-01-10", 1000)
        [line] = self._receivable(invoice)
        self.assertEqual(self._row(invoice), [(line.id, fields.Date.to_date("2024-01-10"), None)])
        self.assertInStep("posted")
        self._pay(invoice, 400, "2024-02-05")
        self.assertIsNone(self._row(invoice)[0][2], "partly paid: still open")
        self.assertInStep("partly paid")
        second = self._pay(invoice, 600, "2024-03-20")
        self.assertEqual(self._row(invoice)[0][2], fields.Date.to_date("2024-03-20"))
        self.assertInStep("paid")
        second.move_id.line_ids.remove_move_reconcile()
        self.assertIsNone(self._row(invoice)[0][2], "unreconciled: open again")
        self.assertInStep("unreconciled")
        invoice.button_draft()
        self.assertEqual(self._row(invoice), [], "a draft is not receivable")
        self.assertInStep("reset to draft")
        invoice.action_post()
        self.assertInStep("posted again")
        invoice.button_draft()
        invoice.button_cancel()
        self.assertInStep("cancelled")
        draft = self._invoice(customer, "2024-04-01", 50, post=False)
        draft.action_post()
        draft.button_draft()
        draft.unlink()
        self.assertInStep("deleted")

    def test_in_step_with_credit_notes_installments_and_currencies(self):
        customer = self.env["res.partner"].create({"name": "Closing mix"})
        invoice = self._invoice(customer, "2024-01-10", 300, term=self.term_installments)
        refund = self._invoice(customer, "2024-01-20", 300, move_type="out_refund")
        (self._receivable(invoice) | self._receivable(refund)).reconcile()
        self.assertInStep("credit note")
        currency = self.setup_other_currency(
            "EUR", rates=[("2024-01-01", 2.0), ("2024-02-01", 2.5)]
        )
        foreign = self._invoice(customer, "2024-01-15", 500, currency=currency)
        self._pay(foreign, 500, "2024-02-15")
        self.assertTrue(self._receivable(foreign).reconciled)
        self.assertInStep("exchange difference")

    def test_in_step_with_writes_that_bypass_the_orm(self):
        """An account made receivable in SQL (an import, another addon): its posted lines
        join the table; made something else again, they leave it."""
        account = self.env["account.account"].create(
            {"name": "Other debtors", "code": "ARCLOSE", "account_type": "asset_current"}
        )
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2024-01-31",
                "line_ids": [
                    Command.create(
                        {"account_id": account.id, "debit": 70.0, "partner_id": self.partner_a.id}
                    ),
                    Command.create(
                        {"account_id": self.company_data["default_account_revenue"].id,
                         "credit": 70.0}
                    ),
                ],
            }
        )  # fmt: skip
        entry.action_post()
        line = entry.line_ids.filtered(lambda l: l.account_id == account)
        self.assertFalse(self._table() & {(line.id, line.company_id.id, line.date, None)})
        self.env.cr.execute(
            SQL(
                "UPDATE account_account SET account_type = 'asset_receivable' WHERE id = %s",
                account.id,
            )
        )
        self.assertIn((line.id, line.company_id.id, line.date, None), self._table())
        self.assertInStep("account made receivable")
        self.env.cr.execute(
            SQL(
                "UPDATE account_account SET account_type = 'asset_current' WHERE id = %s",
                account.id,
            )
        )
        self.assertInStep("account made current again")
        self.env.invalidate_all()

    def test_rebuild_repairs_what_bypassed_the_triggers(self):
        customer = self.env["res.partner"].create({"name": "Rebuilt customer"})
        invoice = self._invoice(customer, "2024-01-10", 100)
        self._pay(invoice, 100, "2024-01-30")
        self.env.flush_all()
        self.env.cr.execute(SQL("DELETE FROM ar_item_closing"))
        self.env["ar.item.closing"]._rebuild()
        self.assertEqual(self._row(invoice)[0][2], fields.Date.to_date("2024-01-30"))
        self.assertInStep("rebuilt")

    def test_aging_at_a_past_date_finds_items_closed_later(self):
        """Paid after the date: open at the date (its closing date is after it); paid before:
        not listed; the open one's residual at the date is what was left then."""
        customer = self.env["res.partner"].create({"name": "Past aging customer"})
        late = self._invoice(customer, "2024-01-10", 800)
        early = self._invoice(customer, "2024-01-12", 200)
        self._pay(late, 300, "2024-02-10")
        self._pay(late, 500, "2024-05-10")
        self._pay(early, 200, "2024-02-01")
        data = self.env["report.ar_analytics.report_aged_receivables"]._aging_data(
            {"as_of": "2024-03-31", "partner_ids": customer.ids}
        )
        self.assertAlmostEqual(data["totals"]["total"], 500.0)
        data = self.env["report.ar_analytics.report_aged_receivables"]._aging_data(
            {"as_of": "2024-06-30", "partner_ids": customer.ids}
        )
        self.assertAlmostEqual(data["totals"]["total"], 0.0)
