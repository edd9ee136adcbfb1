"""The receivables book generator: realistic, deterministic, and its behaviours recoverable."""

import datetime

from odoo.tests import tagged
from odoo.tools import SQL

from ..generator.plan import BEHAVIOURS, STOP_PAYING_DAYS, make_plan
from .common import BOOK_END, BookCase


@tagged("post_install", "-at_install")
class TestBook(BookCase):
    def _late_by_customer(self, company):
        """Cash-weighted mean of (payment date - installment due date) per customer, straight
        from the reconciliations (independent of the engine)."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT partner.ref,
                   SUM(part.amount * (pay_line.date - item.date_maturity)) / SUM(part.amount)
              FROM account_partial_reconcile part
              JOIN account_move_line item ON item.id = part.debit_move_id
              JOIN account_move inv ON inv.id = item.move_id AND inv.move_type = 'out_invoice'
              JOIN account_move_line pay_line ON pay_line.id = part.credit_move_id
              JOIN account_move pay ON pay.id = pay_line.move_id
              JOIN res_partner partner ON partner.id = inv.commercial_partner_id
             WHERE pay.origin_payment_id IS NOT NULL AND item.company_id = %s
             GROUP BY partner.ref
            """,
                company.id,
            )
        )
        return dict(rows)

    def test_plan_is_deterministic(self):
        again = make_plan("test", seed=self.book_seed, end=BOOK_END)
        self.assertEqual(
            [(i.key, i.date, i.lines, i.delays) for i in again.invoices],
            [(i.key, i.date, i.lines, i.delays) for i in self.plan.invoices],
        )
        other = make_plan("test", seed=self.book_seed + 1, end=BOOK_END)
        self.assertNotEqual(
            [i.delays for i in other.invoices], [i.delays for i in self.plan.invoices]
        )

    def test_every_behaviour_is_present(self):
        self.assertEqual({c.behaviour for c in self.plan.customers}, set(BEHAVIOURS))

    def test_behaviours_recoverable_from_reconciliations(self):
        late = self._late_by_customer(self.company_a)
        by_behaviour = {}
        for customer in self.plan.customers:
            if customer.company in ("main", "both") and customer.key in late:
                by_behaviour.setdefault(customer.behaviour, []).append(late[customer.key])
        mean = {b: sum(v) / len(v) for b, v in by_behaviour.items()}
        self.assertGreater(mean["chronic"], 20)
        self.assertLessEqual(mean["prompt"], 2)
        self.assertLess(mean["early"], 0)
        self.assertGreater(mean["slightly_late"], 2)
        self.assertLess(mean["slightly_late"], 20)

    def test_deteriorating_customer_gets_later(self):
        customer = next(c for c in self.plan.customers if c.behaviour == "deteriorating")
        partner = self.book.partners[customer.key]
        rows = self.env.execute_query(
            SQL(
                """
            SELECT pay_line.date < %s AS early_half, AVG(pay_line.date - item.date_maturity)
              FROM account_partial_reconcile part
              JOIN account_move_line item ON item.id = part.debit_move_id
              JOIN account_move_line pay_line ON pay_line.id = part.credit_move_id
              JOIN account_move pay ON pay.id = pay_line.move_id
             WHERE pay.origin_payment_id IS NOT NULL AND item.partner_id = %s
             GROUP BY 1
            """,
                self.plan.start + (BOOK_END - self.plan.start) / 2,
                partner.id,
            )
        )
        halves = dict(rows)
        self.assertGreater(halves[False] - halves[True], 10)

    def test_stopper_has_stopped(self):
        customer = next(c for c in self.plan.customers if c.behaviour == "stopper")
        partner = self.book.partners[customer.key]
        payments = self.env["account.payment"].search([("partner_id", "=", partner.id)])
        self.assertTrue(payments, "paid while it was still paying")
        # invoices dated in the last STOP_PAYING_DAYS are never paid; earlier ones are paid
        # promptly, at most a payment term (60 days) and a few days after their date
        quiet_since = BOOK_END - datetime.timedelta(days=STOP_PAYING_DAYS - 65)
        self.assertLess(max(payments.mapped("date")), quiet_since)
        unpaid = self.env["account.move"].search(
            [
                ("partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
            ]
        )
        self.assertTrue(unpaid)

    def test_book_has_every_kind_of_document(self):
        moves = self.env["account.move"].browse([m.id for m in self.book.moves.values()])
        receivable = moves.line_ids.filtered(
            lambda l: l.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(
            any(
                len(m.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable"))
                > 1
                for m in moves
            ),
            "an invoice with installments",
        )
        self.assertIn("cancel", moves.mapped("state"))
        self.assertTrue(moves.filtered(lambda m: m.reversal_move_ids), "a reversed invoice")
        self.assertTrue(
            self.env["account.move"].search_count(
                [
                    ("move_type", "=", "out_refund"),
                    ("company_id", "=", self.company_a.id),
                    ("reversed_entry_id", "!=", False),
                    ("state", "=", "posted"),
                ]
            )
        )
        foreign = moves.filtered(lambda m: m.currency_id != m.company_id.currency_id)
        self.assertTrue(foreign, "invoices in a foreign currency")
        exchange = self.env["account.partial.reconcile"].search(
            [("exchange_move_id", "!=", False), ("company_id", "=", self.company_a.id)]
        )
        self.assertTrue(exchange, "exchange differences booked")
        self.assertTrue(
            self.env["account.move"].search_count(
                [
                    ("move_type", "=", "entry"),
                    ("ref", "=like", "Write-off%"),
                    ("state", "=", "posted"),
                ]
            )
        )
        partial = receivable.filtered(lambda l: l.matched_credit_ids and not l.reconciled)
        self.assertTrue(partial, "a partially paid installment")
        unapplied = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company_a.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("amount_residual", "<", 0),
                ("reconciled", "=", False),
            ]
        )
        self.assertTrue(unapplied, "an unreconciled payment (unapplied credit)")
        pending = self.env["account.payment"].search(
            [
                ("company_id", "=", self.company_a.id),
                ("is_matched", "=", False),
                ("state", "!=", "draft"),
            ]
        )
        self.assertTrue(pending, "a payment not yet matched with the bank")

    def test_second_company_has_its_own_customers(self):
        moves_b = self.env["account.move"].search(
            [
                ("company_id", "=", self.company_b.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ]
        )
        self.assertTrue(moves_b)
        shared = next(c for c in self.plan.customers if c.company == "both")
        partner = self.book.partners[shared.key]
        self.assertIn(partner, moves_b.partner_id)
        late_b = self._late_by_customer(self.company_b)
        late_a = self._late_by_customer(self.company_a)
        self.assertGreater(late_b[shared.key], 20, "the shared customer is chronic with company B")
        self.assertLessEqual(late_a[shared.key], 2, "and prompt with company A")
