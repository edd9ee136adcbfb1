"""Collection trend, forecast, expected cash and early-warning signals in Odoo (issue 7):
a customer built to deteriorate, the daily job's activities, broken promises, settings."""

import datetime

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..engine import forecast as engine_forecast
from .common import ArCase

D = datetime.date
# 12 invoices paid 1-3 days late (payments Feb 2025 to Jan 2026), then 6 paid 20 days late
# (payments from Feb 2026 on): the drift starts with the payments of February 2026.
STEADY = (1, 3, 2, 1, 3, 2, 1, 3, 2, 1, 3, 2)
LATE = 20
DRIFT_MONTH_END = D(2026, 2, 28)


def _month_start(index):
    return D(2025 + index // 12, index % 12 + 1, 1)


@tagged("post_install", "-at_install")
class TestSignals(ArCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.job = cls.env["ar.collection.run"]
        cls.salesperson = cls.env["res.users"].create(
            {
                "name": "Sales Rep",
                "login": "ar_signal_rep",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "group_ids": [Command.set(cls.env.ref("sales_team.group_sale_salesman").ids)],
            }
        )
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Credit Manager",
                "login": "ar_signal_manager",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "group_ids": [
                    Command.set(
                        [
                            cls.env.ref("account.group_account_invoice").id,
                            cls.env.ref("ar_analytics.group_ar_analytics_credit_manager").id,
                        ]
                    )
                ],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Steady Then Late", "is_company": True, "user_id": cls.salesperson.id}
        )
        cls.invoices = cls.env["account.move"]
        for index in range(len(STEADY) + 6):
            late = STEADY[index] if index < len(STEADY) else LATE
            invoice = cls._invoice(cls.customer, _month_start(index), 1000.0 + 10 * index)
            cls._pay(
                invoice,
                invoice.amount_total,
                invoice.invoice_date_due + datetime.timedelta(days=late),
            )
            cls.invoices |= invoice

    def _evaluate(self, as_of, notify=True):
        self._refresh(as_of)
        return self.job._run_company(self.company, as_of=as_of, notify=notify)

    def _signals(self, partner=None, **domain):
        return self.env["ar.customer.signal"].search(
            [
                ("company_id", "=", self.company.id),
                ("partner_id", "=", (partner or self.customer).id),
                *((k, "=", v) for k, v in domain.items()),
            ]
        )

    def _activities(self, partner=None):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", (partner or self.customer).id)]
        )

    def test_drift_signals_raise_at_the_expected_month(self):
        self._evaluate(D(2026, 1, 31))
        self.assertFalse(self._signals(signal="ewma_drift"))
        self.assertFalse(self._signals(signal="cusum"))
        self.assertFalse(self._activities())

        self._evaluate(DRIFT_MONTH_END)
        for name in ("ewma_drift", "cusum", "days_late_jump"):
            signal = self._signals(signal=name)
            self.assertEqual(len(signal), 1, name)
            self.assertEqual(signal.severity, "alert", name)
            self.assertEqual(signal.first_date, DRIFT_MONTH_END, name)
            self.assertTrue(signal.notified, name)
            self.assertEqual(signal.activity_user_id, self.salesperson, name)
        ewma = self._signals(signal="ewma_drift")
        # mu0 = 2 (the reference months), the month's days late = 20: far above the limit
        self.assertGreater(ewma.value, ewma.threshold)
        self.assertIn("20.0 days late", self._signals(signal="days_late_jump").evidence)
        activities = self._activities()
        self.assertEqual(len(activities), 3)
        self.assertEqual(activities.user_id, self.salesperson)
        self.assertEqual(self.customer.ar_signal_severity, "alert")
        self.assertIn(
            self.customer, self.env["res.partner"].search([("ar_signal_severity", "=", "alert")])
        )

        # the drift goes on in March: the same events, no new activity
        self._evaluate(D(2026, 3, 31))
        self.assertEqual(self._signals(signal="ewma_drift"), ewma)
        self.assertEqual(ewma.last_date, D(2026, 3, 31))
        self.assertEqual(self._activities(), activities)

    def test_two_cron_runs_raise_no_duplicate_activity(self):
        today = fields.Date.context_today(self.job)
        partner = self.env["res.partner"].create({"name": "Late Promiser", "is_company": True})
        invoice = self._invoice(partner, today - datetime.timedelta(days=60), 500.0)
        invoice.write(
            {"ar_promise_date": today - datetime.timedelta(days=10), "ar_promise_amount": 200.0}
        )
        self._refresh(today)
        # what the scheduler does, less its commits (a test never commits)
        self.patch(type(self.env["ir.cron"]), "_commit_progress", lambda *args, **kw: 0.0)
        cron = self.env.ref("ar_analytics.ir_cron_ar_collection")
        self.assertEqual(cron.code, "model._cron_run()")
        self.job._cron_run()
        first = self._activities(partner)
        alerts = self._signals(partner, severity="alert")
        self.assertEqual(alerts.signal, "broken_promise")
        self.assertEqual(len(first), 1)
        self.assertEqual(first.user_id, self.manager)
        self.job._cron_run()
        self.assertEqual(self._activities(partner), first)
        self.assertEqual(self._signals(partner, severity="alert"), alerts)

    def test_credit_manager_gets_the_activity_when_chosen(self):
        self.company.ar_signal_notify = "credit_manager"
        self._evaluate(DRIFT_MONTH_END)
        managers = self.env["ar.credit.rules"]._credit_managers(self.company)
        self.assertEqual(self._activities().user_id, managers[:1])

    def test_broken_promise_is_an_alert_until_paid(self):
        partner = self.env["res.partner"].create({"name": "Promiser", "is_company": True})
        invoice = self._invoice(partner, D(2026, 1, 5), 500.0)
        invoice.write({"ar_promise_date": D(2026, 3, 1), "ar_promise_amount": 300.0})
        self.company.ar_promise_grace_days = 3
        self._evaluate(D(2026, 3, 3))
        self.assertFalse(self._signals(partner, signal="broken_promise"))
        self._evaluate(D(2026, 3, 10))
        broken = self._signals(partner, signal="broken_promise")
        self.assertEqual(broken.severity, "alert")
        self.assertAlmostEqual(broken.amount, 300.0)
        self.assertEqual(broken.event, str(invoice.id))
        self.assertEqual(self._activities(partner).user_id, self.manager)
        self._pay(invoice, 500.0, D(2026, 3, 12))
        self._evaluate(D(2026, 3, 15))
        self.assertFalse(self._signals(partner, signal="broken_promise"))
        closed = broken.with_context(active_test=False)
        self.assertFalse(closed.active)
        self.assertEqual(closed.closed_date, D(2026, 3, 15))

    def test_trend_and_forecast_are_stored(self):
        self._evaluate(D(2026, 7, 31), notify=False)
        months = self.env["ar.trend.month"].search(
            [("company_id", "=", self.company.id), ("partner_id", "=", self.customer.id)]
        )
        actual = months.filtered(lambda m: m.kind == "actual")
        # from the first invoice (January 2025) to the last complete month (July 2026)
        self.assertEqual(actual[0].month, D(2025, 1, 1))
        self.assertEqual(actual[-1].month, D(2026, 7, 1))
        self.assertEqual(len(actual), 19)
        self.assertAlmostEqual(
            sum(actual.mapped("invoiced")), sum(self.invoices.mapped("amount_total"))
        )
        march = actual.filtered(lambda m: m.month == D(2026, 3, 1))
        self.assertAlmostEqual(march.wadl, LATE)
        self.assertAlmostEqual(march.collected, self.invoices[13].amount_total)
        forecast = months.filtered(lambda m: m.kind == "forecast")
        self.assertEqual(forecast.mapped("month")[0], D(2026, 8, 1))
        self.assertEqual(len(forecast), 6)
        summary = self.env["ar.collection.trend"].search(
            [("company_id", "=", self.company.id), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(summary.months, 19)
        # the engine's choice on the stored months, the benchmarks competing
        expected = engine_forecast.forecast_series(actual.mapped("collected"))
        self.assertEqual(summary.model, expected.model)
        self.assertEqual(summary.benchmark, expected.benchmark)
        self.assertIn(summary.benchmark, ("naive", "seasonal_naive"))
        self.assertAlmostEqual(summary.benchmark_mase, expected.benchmark_accuracy["mase"], 3)
        self.assertAlmostEqual(summary.benchmark_gain, expected.gain, 4)
        self.assertAlmostEqual(summary.mase, expected.accuracy["mase"], 3)
        self.assertLessEqual(summary.mase, summary.benchmark_mase)
        self.assertEqual(summary.alpha, expected.params.get("alpha", 0.0))
        self.assertGreater(summary.n_points, 0)
        self.assertAlmostEqual(summary.forecast_total, sum(forecast.mapped("forecast")), 2)
        self.assertGreater(summary.wadl_slope, 0)
        company_row = self.env["ar.collection.trend"].search(
            [("company_id", "=", self.company.id), ("scope", "=", "company")]
        )
        self.assertEqual(len(company_row), 1)
        self.assertTrue(company_row.model)

    def test_expected_payment_date_and_cash(self):
        partner = self.env["res.partner"].create({"name": "Open Items", "is_company": True})
        open_invoice = self._invoice(partner, D(2026, 7, 20), 800.0)
        as_of = D(2026, 7, 31)
        self._evaluate(as_of, notify=False)
        # not yet due, no history of its own: the company's pool (the 18 payments of
        # "Steady Then Late", none of its own tier) gives the delay
        self.assertEqual(open_invoice.ar_expected_source, "company")
        self.assertGreater(open_invoice.ar_expected_date, open_invoice.invoice_date_due)
        cash = self.env["ar.expected.cash"].search(
            [("company_id", "=", self.company.id), ("partner_id", "=", partner.id)]
        )
        for frequency in ("week", "month"):
            rows = cash.filtered(lambda c, f=frequency: c.frequency == f)
            self.assertAlmostEqual(sum(rows.mapped("amount")), 800.0, 2)
        weekly = cash.filtered(lambda c: c.frequency == "week" and c.kind == "period")
        self.assertTrue(weekly)
        self.assertTrue(all(c.date_start > as_of for c in weekly))
        paid = self.invoices[0]
        self.assertFalse(paid.ar_expected_date)

    def test_company_thresholds(self):
        self.company.ar_signal_cusum_h = 50.0
        self._evaluate(D(2026, 1, 31))
        self._evaluate(DRIFT_MONTH_END)
        self.assertFalse(self._signals(signal="cusum"))
        self.assertTrue(self._signals(signal="ewma_drift"))
        bad = {
            "ar_signal_ewma_lambda": 0.0,
            "ar_signal_cusum_h": -1.0,
            "ar_signal_jump_warn": 4.0,  # above the alert (3)
            "ar_signal_index_warn": 5.0,
            "ar_signal_overdue_rise": 1.5,
            "ar_signal_limit_warn": 1.2,  # above the alert (1.0)
            "ar_signal_monitor_months": 0,
            "ar_signal_due_days": -1,
        }
        for field, value in bad.items():
            with (
                self.subTest(field=field),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                self.company.write({field: value})

    def test_settings_button_runs_the_job(self):
        settings = self.env["res.config.settings"].create({})
        action = settings.action_ar_signals()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self.company.ar_signals_date)
        self.assertTrue(
            self.env["ar.trend.month"].search_count([("company_id", "=", self.company.id)])
        )

    def test_internal_statement_shows_trend_and_signals(self):
        self._evaluate(DRIFT_MONTH_END, notify=False)
        report = self.env["ir.actions.report"]
        html, _kind = report._render_qweb_html(
            "ar_analytics.action_report_credit_statement_internal",
            self.customer.ids,
            data={"as_of": "2026-02-28"},
        )
        html = html.decode()
        self.assertIn("Collection trend", html)
        self.assertIn("2026-02", html)
        self.assertIn("Days-late drift (EWMA)", html)
        customer_html, _kind = report._render_qweb_html(
            "ar_analytics.action_report_credit_statement", self.customer.ids
        )
        self.assertNotIn("Early-warning signals", customer_html.decode())

    def test_a_second_run_at_once_skips(self):
        """Two runs for one company at the same time: the second writes nothing."""
        from odoo.sql_db import db_connect

        from ..models.ar_collection_run import COLLECTION_LOCK

        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", (COLLECTION_LOCK, self.company.id)
            )
            self.assertEqual(self.job._run_company(self.company, as_of=DRIFT_MONTH_END), 0)
            self.assertFalse(
                self.env["ar.trend.month"].search_count([("company_id", "=", self.company.id)])
            )
            other.rollback()
        self.assertTrue(self.job._run_company(self.company, as_of=DRIFT_MONTH_END))
