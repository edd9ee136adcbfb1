"""Collection trend, forecast, expected cash and early-warning signals in Odoo (issue 7):
a customer built to deteriorate, the daily job's activities, broken promises, settings."""

import datetime

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from ..engine import forecast as engine_forecast
from ..engine.constants import DEFAULT_SIGNAL_MIN_AMOUNT, SIGNAL_PRESETS
from ..models.res_company_signals import SIGNAL_PRESET_FIELDS
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

    def test_two_nightly_runs_raise_no_duplicate_activity(self):
        today = fields.Date.context_today(self.job)
        partner = self.env["res.partner"].create({"name": "Late Promiser", "is_company": True})
        invoice = self._invoice(partner, today - datetime.timedelta(days=60), 500.0)
        invoice.write(
            {"ar_promise_date": today - datetime.timedelta(days=10), "ar_promise_amount": 200.0}
        )
        self._refresh(today)
        # what the scheduler does, less its commits (a test never commits)
        self.patch(type(self.env["ir.cron"]), "_commit_progress", lambda *args, **kw: 0.0)
        self.patch(self.env.cr, "commit", lambda: None)
        cron = self.env.ref("ar_analytics.ir_cron_ar_refresh")
        self.assertEqual(cron.code, "model._cron_refresh()")
        self.assertFalse(self.env.ref("ar_analytics.ir_cron_ar_collection", False), "one job")
        self.env["ar.refresh"]._cron_refresh()
        first = self._activities(partner)
        alerts = self._signals(partner, severity="alert")
        self.assertEqual(alerts.signal, "broken_promise")
        self.assertEqual(len(first), 1)
        self.assertEqual(first.user_id, self.manager)
        self.env["ar.refresh"]._cron_refresh()
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
        self.assertAlmostEqual(broken.amount_at_risk, 300.0)
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

    # -- amount at risk, minimum amount, order, wording ----------------------------------------
    def _on_credit(self, name, amount, limit):
        """A customer owing ``amount`` (not yet due) against a credit limit of ``limit``."""
        partner = self.env["res.partner"].create({"name": name, "is_company": True})
        partner.with_company(self.company).credit_limit = limit
        today = fields.Date.context_today(self.job)
        self._invoice(partner, today - datetime.timedelta(days=5), amount)
        return partner

    def test_amount_at_risk_per_kind(self):
        self._evaluate(DRIFT_MONTH_END, notify=False)
        # the February invoice, paid in March, is all the customer owes at the end of February
        owed = self.invoices[13].amount_total
        for name in ("ewma_drift", "cusum", "days_late_jump"):
            self.assertAlmostEqual(self._signals(signal=name).amount_at_risk, owed, 2, name)
        partner = self.env["res.partner"].create({"name": "Promiser", "is_company": True})
        invoice = self._invoice(partner, D(2026, 1, 5), 500.0)
        invoice.write({"ar_promise_date": D(2026, 2, 1), "ar_promise_amount": 300.0})
        self._evaluate(DRIFT_MONTH_END, notify=False)
        broken = self._signals(partner, signal="broken_promise")
        self.assertAlmostEqual(broken.amount_at_risk, 300.0)
        unpaid = self.company.currency_id.format(300.0)
        self.assertEqual(broken.evidence, f"1 promise(s) to pay not kept, {unpaid} unpaid")

    def test_credit_limit_at_risk_is_the_amount_over_it(self):
        self.company.account_use_credit_limit = True
        self.assertEqual(self.company.ar_signal_min_amount, DEFAULT_SIGNAL_MIN_AMOUNT)
        cent = self._on_credit("A cent over", 500.0, 499.99)
        near = self._on_credit("A cent over a large limit", 2000.0, 1999.99)
        over = self._on_credit("Well over", 1500.0, 1000.0)
        self._evaluate(fields.Date.context_today(self.job), notify=False)
        # 0.01 over the limit is no alert; 50.01 over 90 % of it is under the minimum too
        self.assertFalse(self._signals(cent, signal="credit_utilisation"))
        warning = self._signals(near, signal="credit_utilisation")
        self.assertEqual(warning.severity, "warn")
        self.assertAlmostEqual(warning.amount_at_risk, 2000.0 - 0.9 * 1999.99, 2)
        alert = self._signals(over, signal="credit_utilisation")
        self.assertEqual(alert.severity, "alert")
        self.assertAlmostEqual(alert.amount_at_risk, 500.0)
        self.company.ar_signal_min_amount = 0.0
        self._evaluate(fields.Date.context_today(self.job), notify=False)
        tiny = self._signals(cent, signal="credit_utilisation")
        self.assertEqual(tiny.severity, "alert")
        self.assertAlmostEqual(tiny.amount_at_risk, 0.01)

    def test_minimum_amount_filters_signals(self):
        owed = self.invoices[13].amount_total
        self.company.ar_signal_min_amount = owed + 1
        self._evaluate(DRIFT_MONTH_END)
        self.assertFalse(self._signals())
        self.assertFalse(self._activities())
        self.assertEqual(self.customer.ar_signal_severity, "none")
        self.company.ar_signal_min_amount = owed
        self._evaluate(DRIFT_MONTH_END)
        self.assertEqual(len(self._signals(severity="alert")), 3)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.ar_signal_min_amount = -1.0

    def test_largest_amount_at_risk_first(self):
        Signal = self.env["ar.customer.signal"]
        rows = Signal.sudo().create(
            [
                {
                    "company_id": self.company.id,
                    "partner_id": self.env["res.partner"].create({"name": f"Owes {amount}"}).id,
                    "signal": "new_overdue",
                    "severity": severity,
                    "severity_rank": 1 + (severity == "alert"),
                    "amount_at_risk": amount,
                }
                for amount, severity in ((150.0, "alert"), (9000.0, "warn"), (800.0, "alert"))
            ]
        )
        found = Signal.search([("id", "in", rows.ids)])
        self.assertEqual(found.mapped("amount_at_risk"), [9000.0, 800.0, 150.0])
        arch = Signal.get_views([(False, "list")])["views"]["list"]["arch"]
        self.assertIn('name="amount_at_risk"', arch)

    def _chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["ar_analytics"], ["zh_CN"])

    def test_evidence_and_activities_in_the_readers_language(self):
        self._chinese()
        self.salesperson.lang = "zh_CN"
        self._evaluate(DRIFT_MONTH_END)
        ewma = self._signals(signal="ewma_drift")
        # worded when read: the same record in each reader's language
        self.assertIn("Days late statistic", ewma.with_context(lang="en_US").evidence)
        self.assertIn("逾期天数统计量", ewma.with_context(lang="zh_CN").evidence)
        jump = self._signals(signal="days_late_jump").with_context(lang="zh_CN")
        self.assertNotIn("days late", jump.evidence)
        self.assertEqual(
            ewma.with_context(lang="en_US").display_name,
            "Steady Then Late — Days-late drift (EWMA)",
        )
        self.assertEqual(
            ewma.with_context(lang="zh_CN").display_name, "Steady Then Late — 逾期天数漂移（EWMA）"
        )
        # the activities are stored: worded in their recipient's language
        activities = self._activities()
        self.assertEqual(len(activities), 3)
        for activity in activities:
            self.assertTrue(activity.summary.startswith("应收预警："), activity.summary)
            self.assertNotIn("Receivables alert", activity.summary)
        summaries = set(activities.mapped("summary"))
        self.assertIn("应收预警：逾期天数漂移（EWMA）", summaries)
        self.assertIn("逾期天数统计量", " ".join(activities.mapped("note")))

    def test_activities_in_english_for_an_english_recipient(self):
        self._chinese()
        self.company.partner_id.lang = "zh_CN"
        self.salesperson.lang = "en_US"
        self._evaluate(DRIFT_MONTH_END)
        self.assertIn(
            "Receivables alert: Days-late drift (EWMA)", self._activities().mapped("summary")
        )

    def test_grade_downgrade_evidence_in_chinese(self):
        self._chinese()
        Signal = self.env["ar.customer.signal"].sudo()
        row = Signal.create(
            {
                "company_id": self.company.id,
                "partner_id": self.customer.id,
                "signal": "grade_downgrade",
                "severity": "alert",
                "severity_rank": 2,
                "evidence_data": {"before": "C", "now": "D"},
                "amount_at_risk": 500.0,
            }
        )
        self.assertEqual(row.with_context(lang="en_US").evidence, "Grade C to D")
        self.assertEqual(row.with_context(lang="zh_CN").evidence, "等级由 C 降至 D")
        self.assertEqual(row.with_context(lang="zh_CN").display_name, "Steady Then Late — 等级下调")

    # -- sensitivity presets -----------------------------------------------------------------------
    def test_presets_set_the_statistical_thresholds(self):
        company = self.company
        self.assertEqual(company.ar_signal_preset, "standard")
        company.ar_signal_preset = "cautious"
        thresholds = company._ar_signal_thresholds()
        for name, value in SIGNAL_PRESETS["cautious"].items():
            self.assertEqual(getattr(thresholds, name), value, name)
        self.assertEqual(company.ar_signal_cusum_h, 4.0)
        # a threshold changed by hand: custom; back to the preset's value: the preset again
        company.ar_signal_cusum_h = 4.5
        self.assertEqual(company.ar_signal_preset, "custom")
        company.ar_signal_cusum_h = 4.0
        self.assertEqual(company.ar_signal_preset, "cautious")
        # the settings form: a preset shows its values, a value by hand makes it custom
        settings = self.env["res.config.settings"].new({"company_id": company.id})
        settings.ar_signal_preset = "relaxed"
        settings._onchange_ar_signal_preset()
        self.assertEqual(settings.ar_signal_ewma_sigmas, 3.5)
        settings.ar_signal_jump_warn = 2.2
        settings._onchange_ar_signal_thresholds()
        self.assertEqual(settings.ar_signal_preset, "custom")
        self.assertEqual(company.ar_signal_preset, "cautious", "nothing saved yet")
        saved = self.env["res.config.settings"].create({"ar_signal_preset": "relaxed"})
        saved.execute()
        self.assertEqual(company.ar_signal_preset, "relaxed")
        self.assertEqual(company.ar_signal_cusum_h, SIGNAL_PRESETS["relaxed"]["cusum_h"])

    def test_the_job_uses_the_preset_limits(self):
        self.company.ar_signal_preset = "relaxed"
        self._evaluate(DRIFT_MONTH_END, notify=False)
        ewma, cusum = self._signals(signal="ewma_drift"), self._signals(signal="cusum")
        self.assertEqual(cusum.threshold, SIGNAL_PRESETS["relaxed"]["cusum_h"])
        relaxed_limit = ewma.threshold
        self.company.ar_signal_preset = "cautious"
        self._evaluate(DRIFT_MONTH_END, notify=False)
        self.assertEqual(cusum.threshold, SIGNAL_PRESETS["cautious"]["cusum_h"])
        # the same drift: a lower limit with the cautious preset (2.5 sigmas against 3.5)
        self.assertLess(ewma.threshold, relaxed_limit)

    def test_statistical_thresholds_only_in_developer_mode(self):
        admin = new_test_user(
            self.env,
            login="ar_signal_admin",
            groups="base.group_system,account.group_account_manager",
        )
        settings = self.env["res.config.settings"].with_user(admin)
        arch = etree.fromstring(settings.get_views([(False, "form")])["views"]["form"]["arch"])

        def hidden(node):
            return any(n.get("invisible") == "1" for n in (node, *node.iterancestors()))

        # outside developer mode (no debug session here) the block is hidden
        [block] = arch.xpath("//div[@id='ar_signal_statistics']")
        self.assertTrue(hidden(block))
        for name in ("ar_signal_preset", "ar_signal_min_amount", "ar_signal_limit_warn"):
            [node] = arch.xpath(f"//field[@name='{name}']")
            self.assertFalse(hidden(node), name)
        for name in SIGNAL_PRESET_FIELDS:
            [node] = arch.xpath(f"//field[@name='{name}']")
            self.assertIn(block, node.iterancestors(), name)
        source = etree.fromstring(self.env.ref("ar_analytics.res_config_settings_view_form").arch)
        [block] = source.xpath("//div[@id='ar_signal_statistics']")
        self.assertEqual(block.get("groups"), "base.group_no_one")
