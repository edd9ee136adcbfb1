"""A small book made only with Odoo's standard wizards on its default configuration, and its
figures worked out by hand.

Every payment goes through the Register payment wizard on the bank journal as Odoo creates it
(receipts on the outstanding receipts account: in Community the payment is paid and never
matched with a bank line); credit notes through the reversal wizard. Invoices carry no tax, so
an invoice's amount is its receivable. The expected days are counted from the calendar in the
comments (2025 is not a leap year), never recomputed with the code under test. The same book on
a bank journal that books receipts straight to the bank account gives the same figures.
"""

import datetime

from odoo import Command, fields
from odoo.tests import tagged

from .common import ArCase

AS_OF = datetime.date(2025, 6, 30)


def _d(value):
    return fields.Date.to_date(value)


@tagged("post_install", "-at_install")
class TestWizardBook(ArCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partner = cls.env["res.partner"]
        cls.prompt = partner.create({"name": "Prompt payer"})
        cls.grouped = partner.create({"name": "Pays several invoices at once"})
        cls.partial = partner.create({"name": "Pays in parts"})
        cls.installments = partner.create({"name": "Installment customer"})
        cls.credited = partner.create({"name": "Customer with credit notes"})
        cls.chronic = partner.create({"name": "Chronic late payer"})
        cls.silent = partner.create({"name": "Never paid yet"})
        inv, term_60 = cls._invoice, cls.term_installments
        # 30 days: due date = invoice date + 30
        cls.a1 = inv(cls.prompt, "2025-01-10", 1000)  # due 02-09
        cls.a2 = inv(cls.prompt, "2025-02-05", 500)  # due 03-07
        cls.a3 = inv(cls.prompt, "2025-03-12", 2000)  # due 04-11
        cls.b1 = inv(cls.grouped, "2025-01-15", 800)  # due 02-14
        cls.b2 = inv(cls.grouped, "2025-01-20", 1200)  # due 02-19
        cls.b3 = inv(cls.grouped, "2025-02-20", 400)  # due 03-22
        cls.c1 = inv(cls.partial, "2025-01-06", 1000)  # due 02-05
        cls.c2 = inv(cls.partial, "2025-02-03", 300)  # due 03-05
        # 30 % now, balance in 60 days: two installments
        cls.d1 = inv(cls.installments, "2025-01-02", 1000, term=term_60)  # 300 01-02, 700 03-03
        cls.d2 = inv(cls.installments, "2025-02-10", 2000, term=term_60)  # 600 02-10, 1400 04-11
        cls.d3 = inv(cls.installments, "2025-04-01", 1000, term=term_60)  # 300 04-01, 700 05-31
        cls.e1 = inv(cls.credited, "2025-02-01", 1000)  # due 03-03
        cls.e2 = inv(cls.credited, "2025-03-01", 600)  # due 03-31
        cls.e3 = inv(cls.credited, "2025-04-01", 400)  # due 05-01
        cls.e4 = inv(cls.credited, "2025-04-15", 250)  # due 05-15
        cls.f1 = inv(cls.chronic, "2025-01-03", 900)  # due 02-02
        cls.f2 = inv(cls.chronic, "2025-02-03", 900)  # due 03-05
        cls.f3 = inv(cls.chronic, "2025-03-03", 900)  # due 04-02
        cls.f4 = inv(cls.chronic, "2025-05-01", 900)  # due 05-31
        cls.g1 = inv(cls.silent, "2025-05-20", 500)  # due 06-19

        # the reversal wizard: 200 credited on E1 (the draft edited), E4 reversed in full
        cls._credit_note(cls.e1, "2025-02-10", price=200)
        cls._credit_note(cls.e4, "2025-04-20")

        pay = cls._register
        pay(cls.d1, "2025-01-10", amount=300)  # the overdue installment
        pay(cls.a1, "2025-02-09")
        pay(cls.c1, "2025-02-15", amount=600)  # a partial payment, the invoice stays open
        pay(cls.b1 + cls.b2, "2025-02-24", group=True)  # one payment for both
        pay(cls.d2, "2025-02-10", amount=600)
        # one wizard over two customers' invoices: one payment per invoice
        pay(cls.a2 + cls.c2, "2025-03-05")
        pay(cls.d1, "2025-03-10")  # the balance
        pay(cls.e1, "2025-03-13")  # 800 left after the credit note
        pay(cls.c1, "2025-03-17")  # the remaining 400
        pay(cls.b3, "2025-03-20")
        pay(cls.e2, "2025-03-31")
        pay(cls.f1, "2025-04-03")
        pay(cls.d3, "2025-04-03", amount=300)  # the first installment only
        pay(cls.a3, "2025-04-14")
        pay(cls.d2, "2025-04-20")
        pay(cls.f2, "2025-05-04")
        pay(cls.e3, "2025-05-06")
        pay(cls.f3, "2025-06-01")
        cls.env["ar.refresh"]._refresh_company(cls.env.company, as_of=AS_OF)

    @classmethod
    def _register(cls, moves, date, amount=None, group=False):
        """The Register payment wizard opened on ``moves``: the amount it proposes unless
        ``amount`` is typed in."""
        vals = {"payment_date": date, "journal_id": cls.bank.id, "group_payment": group}
        if amount is not None:
            vals["amount"] = amount
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create(vals)
        )
        return wizard._create_payments()

    @classmethod
    def _credit_note(cls, invoice, date, price=None):
        """The reversal wizard's draft credit note, its line set to ``price`` (None: the
        whole invoice), posted: Odoo reconciles it with the invoice."""
        wizard = (
            cls.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"date": date, "reason": "Damaged goods", "journal_id": invoice.journal_id.id})
        )
        wizard.refund_moves()
        refund = wizard.new_move_ids
        if price is not None:
            refund.write(
                {
                    "invoice_line_ids": [
                        Command.update(refund.invoice_line_ids.id, {"price_unit": price})
                    ]
                }
            )
        refund.action_post()
        return refund

    def test_configuration_and_odoo_states(self):
        method = self.bank.inbound_payment_method_line_ids[:1]
        straight = method.payment_account_id == self.bank.default_account_id
        self.assertEqual(straight, self.receipts_straight_to_bank)
        payments = self.env["account.payment"].search([("journal_id", "=", self.bank.id)])
        self.assertEqual(len(payments), 19, "the grouped payment pays two invoices at once")
        # on the outstanding receipts account a part payment stays in process, never matched;
        # on the bank account every payment is matched, hence paid
        states = {"paid"} if straight else {"paid", "in_process"}
        self.assertEqual(set(payments.mapped("state")), states)
        self.assertEqual(set(payments.mapped("is_matched")), {straight})
        grouped = payments.filtered(lambda p: p.reconciled_invoice_ids == self.b1 + self.b2)
        self.assertEqual(len(grouped), 1)
        self.assertEqual(grouped.amount, 2000.0)
        self.assertRecordValues(
            self.a1 + self.c1 + self.d1 + self.d3 + self.e1 + self.e4 + self.f4,
            [
                {"payment_state": "paid"},
                {"payment_state": "paid"},
                {"payment_state": "paid"},
                {"payment_state": "partial"},
                {"payment_state": "paid"},
                {"payment_state": "reversed"},
                {"payment_state": "not_paid"},
            ],
        )

    def test_days_to_pay_and_days_late_invoice_by_invoice(self):
        # days to pay = last cash date - invoice date; days late = last cash date - due date,
        # the latest of the installments' own (each installment against its own due date)
        expected = [
            # A1 01-10 due 02-09, paid 02-09: 21 + 9 = 30 days, on the due date
            (self.a1, "2025-02-09", 30, 0),
            # A2 02-05 due 03-07, paid 03-05: 23 + 5 = 28 days, 2 days early
            (self.a2, "2025-03-05", 28, -2),
            # A3 03-12 due 04-11, paid 04-14: 19 + 14 = 33 days, 3 late
            (self.a3, "2025-04-14", 33, 3),
            # B1 01-15 due 02-14, grouped payment 02-24: 16 + 24 = 40 days, 10 late
            (self.b1, "2025-02-24", 40, 10),
            # B2 01-20 due 02-19, the same payment: 11 + 24 = 35 days, 5 late
            (self.b2, "2025-02-24", 35, 5),
            # B3 02-20 due 03-22, paid 03-20: 8 + 20 = 28 days, 2 early
            (self.b3, "2025-03-20", 28, -2),
            # C1 01-06 due 02-05, 600 on 02-15 and 400 on 03-17: last cash 03-17,
            # 25 + 28 + 17 = 70 days; 23 + 17 = 40 late
            (self.c1, "2025-03-17", 70, 40),
            # C2 02-03 due 03-05, paid 03-05: 25 + 5 = 30 days, on time
            (self.c2, "2025-03-05", 30, 0),
            # D1 01-02: 300 due 01-02 paid 01-10 (8 late), 700 due 03-03 paid 03-10 (7 late);
            # 29 + 28 + 10 = 67 days; days late the latest of 8 and 7
            (self.d1, "2025-03-10", 67, 8),
            # D2 02-10: 600 due 02-10 paid that day (0), 1400 due 04-11 paid 04-20 (9 late);
            # 18 + 31 + 20 = 69 days
            (self.d2, "2025-04-20", 69, 9),
            # D3 04-01: 300 due 04-01 paid 04-03 (2 days, 2 late); 700 due 05-31 still open
            (self.d3, "2025-04-03", 2, 2),
            # E1 02-01 due 03-03, 200 credited on 02-10 (not cash), 800 paid 03-13:
            # 27 + 13 = 40 days, 10 late
            (self.e1, "2025-03-13", 40, 10),
            # E2 03-01 due 03-31, paid 03-31: 30 days, on time
            (self.e2, "2025-03-31", 30, 0),
            # E3 04-01 due 05-01, paid 05-06: 29 + 6 = 35 days, 5 late
            (self.e3, "2025-05-06", 35, 5),
            # F1 01-03 due 02-02, paid 04-03: 28 + 28 + 31 + 3 = 90 days; 26 + 31 + 3 = 60 late
            (self.f1, "2025-04-03", 90, 60),
            # F2 02-03 due 03-05, paid 05-04: 25 + 31 + 30 + 4 = 90 days; 26 + 30 + 4 = 60 late
            (self.f2, "2025-05-04", 90, 60),
            # F3 03-03 due 04-02, paid 06-01: 28 + 30 + 31 + 1 = 90 days; 28 + 31 + 1 = 60 late
            (self.f3, "2025-06-01", 90, 60),
        ]
        for move, paid_on, days_to_pay, days_late in expected:
            with self.subTest(invoice=move.name):
                self.assertRecordValues(
                    move,
                    [
                        {
                            "ar_payment_date": _d(paid_on),
                            "ar_days_to_pay": days_to_pay,
                            "ar_days_late": days_late,
                            "ar_pending_share": 0.0,
                        }
                    ],
                )

    def test_shares_of_cash_and_credit_notes(self):
        expected = [
            (self.a1, 1.0, 0.0),
            (self.b1, 1.0, 0.0),
            (self.c1, 1.0, 0.0),
            (self.d1, 1.0, 0.0),
            (self.d3, 0.3, 0.0),  # 300 of 1,000 paid
            (self.e1, 0.8, 0.2),  # 200 credited, 800 paid
            (self.e4, 0.0, 1.0),  # reversed in full
            (self.g1, 0.0, 0.0),
        ]
        for move, cash, credit_noted in expected:
            with self.subTest(invoice=move.name):
                self.assertAlmostEqual(move.ar_cash_share, cash, places=9)
                self.assertAlmostEqual(move.ar_credit_note_share, credit_noted, places=9)
        self.assertFalse(self.e4.ar_payment_date)
        self.assertFalse(self.g1.ar_payment_date)

    def test_payment_cycle_per_customer(self):
        # cash-weighted days to pay of every cash allocation (metrics.md section 2)
        expected = {
            # 1000 x 30 + 500 x 28 + 2000 x 33 = 110,000 over 3,500
            self.prompt: (3, 110000 / 3500),
            # 800 x 40 + 1200 x 35 + 400 x 28 = 85,200 over 2,400 = 35.5
            self.grouped: (3, 35.5),
            # C1 600 x 40 (01-06 to 02-15) + 400 x 70, C2 300 x 30: 61,000 over 1,300
            self.partial: (3, 61000 / 1300),
            # D1 300 x 8 + 700 x 67, D2 600 x 0 + 1400 x 69, D3 300 x 2: 146,500 over 3,300
            self.installments: (5, 146500 / 3300),
            # the credit note is no observation: 800 x 40 + 600 x 30 + 400 x 35 = 64,000
            # over 1,800
            self.credited: (3, 64000 / 1800),
            # three invoices of 900, each paid after 90 days
            self.chronic: (3, 90.0),
        }
        for partner, (observations, cycle) in expected.items():
            with self.subTest(customer=partner.name):
                stat = self._stat(partner)
                self.assertEqual(stat.n_obs, observations)
                self.assertAlmostEqual(stat.payment_cycle_days, cycle, places=6)
        self.assertEqual(self._stat(self.silent).n_obs, 0)

    def test_every_customer_with_payments_is_graded(self):
        payers = self.prompt | self.grouped | self.partial
        payers |= self.installments | self.credited | self.chronic
        for partner in payers:
            with self.subTest(customer=partner.name):
                self.assertIn(partner.ar_credit_grade, ("A", "B", "C", "D"))
        # the prompt payer grades above the customer paying two months late
        self.assertLess(self._stat(self.chronic).credit_score, self._stat(self.prompt).credit_score)


@tagged("post_install", "-at_install")
class TestWizardBookStraightToBank(TestWizardBook):
    """The same book on a bank journal set up to book receipts straight to the bank account:
    the same figures."""

    receipts_straight_to_bank = True
