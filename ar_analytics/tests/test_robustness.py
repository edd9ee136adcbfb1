"""Bad and odd inputs (issue 9): each entry of the catalogue in docs/robustness.md is one
test here. Every one ends in a clear message (ValidationError/UserError/AccessError) or a
correct result, and nothing is half-written: a refused write leaves the previous values."""

import datetime

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ArCase

AS_OF = datetime.date(2026, 3, 31)
REPORT = "ar_analytics.action_report_aged_receivables"


@tagged("post_install", "-at_install")
class TestBadSettings(ArCase):
    """Invalid settings are refused with a message and leave the previous values."""

    def _refused(self, vals, message):
        company = self.env.company
        before = {name: company[name] for name in vals}
        # as in an RPC call: the error rolls the transaction (here: a savepoint) back
        with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
            company.write(vals)
            self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual({name: company[name] for name in vals}, before, "nothing half-written")

    def test_01_negative_weight(self):
        self._refused({"ar_weight_index": -0.1}, "cannot be negative")

    def test_02_all_weights_zero(self):
        self._refused(
            dict.fromkeys(
                (
                    "ar_weight_index",
                    "ar_weight_overdue",
                    "ar_weight_age",
                    "ar_weight_collection",
                    "ar_weight_trend",
                ),
                0.0,
            ),
            "greater than zero",
        )

    def test_03_grade_cutoffs_unordered(self):
        self._refused({"ar_grade_a": 60.0, "ar_grade_b": 65.0}, "strictly decreasing")

    def test_04_grade_cutoff_above_100(self):
        self._refused({"ar_grade_a": 120.0}, "between 100 and 0")

    def test_05_tier_cutoffs_unordered(self):
        self._refused({"ar_tier_core": 0.96, "ar_tier_important": 0.95}, "Tier cut-offs")

    def test_06_tier_cutoff_above_one(self):
        self._refused({"ar_tier_important": 1.5}, "Tier cut-offs")

    def test_07_window_of_zero_days(self):
        self._refused({"ar_window_days": 0}, "at least one day|shorter than the analysis window")

    def test_08_no_minimum_observations(self):
        self._refused({"ar_min_observations": 0}, "at least 1")

    def test_09_trend_period_longer_than_window(self):
        self._refused({"ar_window_days": 60, "ar_score_recent_days": 90}, "shorter than")

    def test_10_negative_credit_rule_figures(self):
        self._refused({"ar_overdue_days": -1}, "0 or more")
        self._refused({"ar_overdue_amount": -5.0}, "cannot be negative")
        self._refused({"ar_promise_grace_days": -3}, "0 or more")

    def test_11_buckets_overlapping_or_unordered(self):
        buckets = self.env["ar.aging.bucket"].search([("company_id", "=", self.env.company.id)])
        before = buckets.mapped("days_to")
        with (
            self.assertRaisesRegex(ValidationError, "strictly increasing"),
            self.env.cr.savepoint(),
        ):
            buckets[2].days_to = buckets[1].days_to  # same end: the buckets would overlap
            self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(buckets.mapped("days_to"), before)
        with (
            self.assertRaisesRegex(ValidationError, "strictly increasing"),
            self.env.cr.savepoint(),
        ):
            buckets[1].sequence = 99  # moved after a later one: unordered
            self.env.flush_all()

    def test_12_fewer_than_two_buckets(self):
        buckets = self.env["ar.aging.bucket"].search([("company_id", "=", self.env.company.id)])
        with self.assertRaisesRegex(ValidationError, "at least two aging buckets"):
            buckets[1:].unlink()
        self.assertEqual(len(buckets.exists()), len(buckets))
        # still refreshable with the company's buckets
        self.env["ar.refresh"]._refresh_company(self.env.company, as_of=AS_OF)


@tagged("post_install", "-at_install")
class TestBadReportInput(ArCase):
    """The aged receivables wizard and the reports under odd options."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.external_report_layout_id = cls.env.ref("web.external_layout_standard")
        cls.customer = cls.env["res.partner"].create({"name": "Report odd customer"})
        cls.invoice = cls._invoice(cls.customer, "2026-01-10", 800)

    def _wizard(self, **vals):
        return self.env["ar.aging.report.wizard"].create(vals)

    def _html(self, options, docids=None):
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(REPORT, docids, data=options)
        return html.decode()

    def test_13_bucket_limits_unordered_or_repeated(self):
        for text in ("60, 30", "0, 30, 30", "90, 0"):
            with self.subTest(text=text), self.assertRaisesRegex(UserError, "must increase"):
                self._wizard(bucket_limits=text)._options()

    def test_14_bucket_limits_not_numbers(self):
        for text in ("a, b", "30 days", "1.5, 3"):
            with self.subTest(text=text), self.assertRaisesRegex(UserError, "whole numbers"):
                self._wizard(bucket_limits=text)._options()

    def test_15_as_of_in_the_future(self):
        future = fields.Date.context_today(self.customer) + datetime.timedelta(days=10)
        with self.assertRaisesRegex(UserError, "future"):
            self._wizard(as_of=future)._options()
        with self.assertRaisesRegex(UserError, "future"):
            self.env["report.ar_analytics.report_aged_receivables"]._aging_data(
                {"as_of": fields.Date.to_string(future)}
            )

    def test_16_as_of_before_any_data(self):
        options = self._wizard(as_of="2000-01-01")._options()
        data = self.env["report.ar_analytics.report_aged_receivables"]._aging_data(options)
        self.assertEqual((data["rows"], data["totals"]["total"]), ([], 0.0))
        self.assertIn("Nothing is open", self._html(options))

    def test_17_empty_selections(self):
        # no customer chosen: every customer; a salesperson with no customer: nothing
        everyone = self._wizard(as_of=AS_OF)._options()
        self.assertIn("Report odd customer", self._html(everyone))
        nobody = self.env["res.users"].create({"name": "No customers", "login": "ar_rb_nobody"})
        options = self._wizard(as_of=AS_OF, user_id=nobody.id)._options()
        self.assertIn("Nothing is open", self._html(options))
        # customers selected that owe nothing
        idle = self.env["res.partner"].create({"name": "Owes nothing"})
        options = self._wizard(as_of=AS_OF, partner_ids=[Command.set(idle.ids)])._options()
        self.assertIn("Nothing is open", self._html(options))

    def test_18_statement_and_contribution_without_data(self):
        idle = self.env["res.partner"].create({"name": "Statement without invoices"})
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "ar_analytics.action_report_credit_statement", idle.ids, data={}
        )
        self.assertIn("Statement without invoices", html.decode())
        # a company without any figure: the contribution report is empty, not an error
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "ar_analytics.action_report_customer_contribution",
            None,
            data={"company_id": self.env.company.id},
        )
        self.assertTrue(html)

    def test_19_override_without_reason_or_expired(self):
        self.env.user.group_ids |= self.env.ref("ar_analytics.group_ar_analytics_credit_manager")
        self._refresh(AS_OF)
        stat = self._stat(self.customer)
        wizard = self.env["ar.grade.override.wizard"]
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.create({"stat_id": stat.id, "grade": "A", "reason": "   "}).action_apply()
        with self.assertRaisesRegex(UserError, "valid until today"):
            wizard.create(
                {"stat_id": stat.id, "grade": "A", "reason": "x", "expiry": "2000-01-01"}
            ).action_apply()
        self.assertFalse(stat.grade_override, "nothing half-written")

    def test_20_promise_to_pay_out_of_range(self):
        with self.assertRaisesRegex(ValidationError, "more than what is due"):
            self.invoice.write({"ar_promise_date": "2026-04-15", "ar_promise_amount": 5000})
            self.env.flush_all()
        with self.assertRaisesRegex(ValidationError, "must be positive"):
            self.invoice.write({"ar_promise_date": "2026-04-15", "ar_promise_amount": -1})
            self.env.flush_all()


@tagged("post_install", "-at_install")
class TestOddData(ArCase):
    """Data oddities: the refresh gives the correct figures or leaves the customer out."""

    def _customer(self, name="Odd data customer"):
        return self.env["res.partner"].create({"name": name})

    def _open(self, partner):
        """Core's open receivables of the customer in the company: the reference."""
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "child_of", partner.id),
                ("company_id", "=", self.env.company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
            ]
        )
        return sum(lines.mapped("amount_residual"))

    def _entry(self, partner, amount, date, maturity=None):
        """A manual journal entry on the receivable account (no invoice date)."""
        receivable = partner.property_account_receivable_id
        income = self.company_data["default_account_revenue"]
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": date,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": receivable.id,
                            "partner_id": partner.id,
                            "debit": amount,
                            "date_maturity": maturity,
                        }
                    ),
                    Command.create({"account_id": income.id, "credit": amount}),
                ],
            }
        )
        move.action_post()
        return move

    def test_21_entry_without_invoice_or_due_date(self):
        partner = self._customer()
        move = self._entry(partner, 300, "2026-01-15")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move_line SET date_maturity = NULL WHERE move_id = %s", [move.id]
        )
        self.env["account.move.line"].invalidate_model()
        self._refresh(AS_OF)
        stat = self._stat(partner)
        self.assertAlmostEqual(stat.total_ar, 300.0)
        # aged from its date (75 days on 2026-03-31)
        self.assertEqual(stat.max_dpd, 75)

    def test_22_zero_amount_invoice(self):
        partner = self._customer()
        self._invoice(partner, "2026-02-01", 0.0)
        self._refresh(AS_OF)
        stat = self._stat(partner)
        self.assertFalse(stat.total_ar)
        self.assertFalse(stat.overdue_amount)
        self.assertFalse(stat.has_collection and stat.collection_rate > 1)

    def test_23_currency_without_rates(self):
        currency = self.env["res.currency"].create(
            {"name": "XRB", "symbol": "Ř", "rounding": 0.01, "active": True}
        )
        self.assertFalse(currency.rate_ids)
        partner = self._customer()
        invoice = self._invoice(partner, "2026-02-01", 1234.0, currency=currency)
        self._refresh(AS_OF)
        self.assertAlmostEqual(self._stat(partner).total_ar, self._open(partner))
        self.assertAlmostEqual(self._stat(partner).total_ar, invoice.amount_total_signed)

    def test_24_reversed_invoice(self):
        partner = self._customer()
        invoice = self._invoice(partner, "2026-01-05", 900)
        # "Reverse" with "Cancel the invoice": a credit note posted and reconciled with it
        invoice._reverse_moves([{"date": "2026-01-20", "invoice_date": "2026-01-20"}], cancel=True)
        self._refresh(AS_OF)
        stat = self._stat(partner)
        self.assertAlmostEqual(stat.total_ar, 0.0)
        invoice.invalidate_recordset()
        self.assertAlmostEqual(invoice.ar_credit_note_share, 1.0)
        self.assertFalse(invoice.ar_days_late, "a credit note is not a payment")

    def test_25_cancelled_invoice(self):
        partner = self._customer()
        invoice = self._invoice(partner, "2026-01-05", 400)
        self._refresh(AS_OF)
        self.assertTrue(self._stat(partner))
        invoice.button_draft()
        invoice.button_cancel()
        self._refresh(AS_OF)
        self.assertFalse(self._stat(partner), "a cancelled invoice leaves no figures")
        self.assertFalse(invoice.ar_computed)

    def test_26_overpayment_negative_residual(self):
        partner = self._customer()
        invoice = self._invoice(partner, "2026-01-05", 500)
        self._pay(invoice, 650, "2026-01-25")
        self._refresh(AS_OF)
        stat = self._stat(partner)
        self.assertAlmostEqual(stat.total_ar, self._open(partner))
        self.assertAlmostEqual(stat.total_ar, -150.0)
        self.assertAlmostEqual(stat.unapplied_credits, -150.0)
        self.assertFalse(stat.overdue_amount)
        self.assertTrue(0 <= stat.credit_score <= 100)

    def test_27_archived_customer(self):
        partner = self._customer("Archived customer")
        self._invoice(partner, "2026-01-05", 250)
        partner.active = False
        self._refresh(AS_OF)
        self.assertAlmostEqual(self._stat(partner).total_ar, 250.0)
        data = self.env["report.ar_analytics.report_aged_receivables"]._aging_data(
            {"as_of": fields.Date.to_string(AS_OF), "partner_ids": partner.ids}
        )
        self.assertEqual([row["partner"] for row in data["rows"]], [partner])

    def test_28_merged_customers(self):
        first, second = self._customer("Merged one"), self._customer("Merged two")
        self._invoice(first, "2026-01-05", 100)
        self._invoice(second, "2026-01-10", 200)
        self._refresh(AS_OF)
        self.assertTrue(self._stat(first) and self._stat(second))
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((first | second).ids, first)
        self.assertFalse(second.exists())
        self._refresh(AS_OF)
        stats = self.env["ar.customer.stat"].search([("partner_id", "=", first.id)])
        self.assertEqual(len(stats), 1)
        self.assertAlmostEqual(stats.total_ar, 300.0)

    def test_29_names_with_sql_and_html(self):
        names = [
            "Robert'); DROP TABLE ar_customer_stat;--",
            "<script>alert('x')</script> & Co",
            "100% \\ %s %(x)s",
        ]
        partners = self.env["res.partner"].create([{"name": name} for name in names])
        for partner in partners:
            self._invoice(partner, "2026-01-05", 100)
        bucket = self.env["ar.aging.bucket"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        )
        bucket.name = "<b onmouseover='x'>Not due</b>"
        self._refresh(AS_OF)
        for partner in partners:
            self.assertAlmostEqual(self._stat(partner).total_ar, 100.0)
        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, partners.ids, data={"as_of": fields.Date.to_string(AS_OF)}
        )
        html = html.decode()
        self.assertNotIn("<script>alert", html)
        self.assertIn("&lt;script&gt;", html)
        self.assertNotIn("<b onmouseover", html)
        self.assertIn("DROP TABLE ar_customer_stat", html)
        self.env.cr.execute("SELECT count(*) FROM ar_customer_stat")

    def test_30_refresh_of_a_company_without_data(self):
        company = self.setup_other_company(name="Empty company")["company"]
        refresh = self.env["ar.refresh"]
        self.assertEqual(refresh._refresh_company(company, as_of=AS_OF), 0)
        self.assertFalse(self.env["ar.company.stat"].search([("company_id", "=", company.id)]))
        backtest = self.env["ar.backtest"]
        self.assertEqual(backtest._backfill_history(company, months=2, as_of=AS_OF), 2)
        result = backtest._backtest(company, as_of=AS_OF)
        self.assertEqual(result["customers"], 0)
        self.assertFalse(company.ar_backtest_spearman, "undefined: empty, not a crash")

    def test_31_refresh_as_of_before_any_data(self):
        partner = self._customer()
        self._invoice(partner, "2026-01-05", 100)
        self._refresh(AS_OF)
        self._refresh("2020-01-01")
        self.assertFalse(self._stat(partner), "nothing existed then")

    def test_32_customers_refreshed_without_receivables(self):
        partner = self._customer()
        self._refresh(AS_OF, partners=partner)
        self.assertFalse(self._stat(partner))
        # and a recompute requested on them by a user is a no-op, not an error
        self.assertTrue(partner.action_ar_refresh())
