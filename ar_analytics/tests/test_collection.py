"""Overdue reasons and promises to pay (issue 7): recorded on invoices, analysed by reason,
customer and country; a promise not kept within the grace days is broken."""

import datetime

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ArCase


@tagged("post_install", "-at_install")
class TestCollection(ArCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["account.move"])
        cls.belgium = cls.env.ref("base.be")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Slow Payer", "country_id": cls.belgium.id}
        )
        cls.invoice = cls._invoice(cls.customer, cls.today - datetime.timedelta(days=60), 500)
        cls.dispute = cls.env.ref("ar_analytics.ar_overdue_reason_dispute")

    def test_reason_and_analysis(self):
        self.invoice.ar_overdue_reason_id = self.dispute
        rows = self.env["ar.overdue.analysis"].search([("move_id", "=", self.invoice.id)])
        self.assertRecordValues(
            rows,
            [
                {
                    "partner_id": self.customer.id,
                    "country_id": self.belgium.id,
                    "reason_id": self.dispute.id,
                    "amount": 500.0,
                    "days_overdue": 30,
                }
            ],
        )
        groups = dict(
            self.env["ar.overdue.analysis"]._read_group(
                [("partner_id", "=", self.customer.id)], ["reason_id"], ["amount:sum"]
            )
        )
        self.assertEqual(groups[self.dispute], 500.0)
        self._pay(self.invoice, 500, self.today)
        self.assertFalse(
            self.env["ar.overdue.analysis"].search([("move_id", "=", self.invoice.id)]),
            "a paid invoice is no longer overdue",
        )

    def test_analysis_counts_overdue_installments_only(self):
        """An invoice in installments is overdue by its installments past due, as on the
        aging screens, even while its last installment is not yet due."""
        invoice = self._invoice(
            self.customer, self.today - datetime.timedelta(days=40), 1000, self.term_installments
        )
        lines = self._receivable(invoice).sorted("date_maturity")
        overdue = lines.filtered(lambda line: line.date_maturity < self.today)
        self.assertTrue(overdue and overdue != lines, "one installment past due, one not")
        row = self.env["ar.overdue.analysis"].search([("move_id", "=", invoice.id)])
        self.assertRecordValues(
            row,
            [
                {
                    "amount": sum(overdue.mapped("amount_residual")),
                    "days_overdue": (self.today - overdue[0].date_maturity).days,
                }
            ],
        )

    def test_promise_kept_pending_broken(self):
        self.invoice.write(
            {"ar_promise_date": self.today + datetime.timedelta(days=5), "ar_promise_amount": 300}
        )
        self.assertEqual(self.invoice.ar_promise_residual, 500.0)
        self.assertEqual(self.invoice.ar_promise_status, "pending")
        self.invoice.ar_promise_date = self.today - datetime.timedelta(days=4)  # grace: 3 days
        self.assertEqual(self.invoice.ar_promise_status, "broken")
        self.env.company.ar_promise_grace_days = 10
        self.invoice.invalidate_recordset(["ar_promise_status"])
        self.assertEqual(self.invoice.ar_promise_status, "pending")
        self._pay(self.invoice, 300, self.today)
        self.invoice.invalidate_recordset(["ar_promise_status"])
        self.assertEqual(self.invoice.ar_promise_status, "kept")

    def test_bad_promises_are_refused(self):
        with self.assertRaises(ValidationError):
            self.invoice.write({"ar_promise_date": self.today, "ar_promise_amount": 900})
        with self.assertRaises(ValidationError):
            self.invoice.write({"ar_promise_date": self.today, "ar_promise_amount": 0})
        draft = self._invoice(self.customer, self.today, 100, post=False)
        with self.assertRaises(ValidationError):
            draft.write({"ar_promise_date": self.today, "ar_promise_amount": 50})
        with self.assertRaises(ValidationError):
            self.env.company.ar_promise_grace_days = -1
