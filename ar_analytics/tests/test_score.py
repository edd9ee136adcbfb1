"""Credit score, grade, override, history; contribution and tiers (metrics.md 4-5); the
backtest against the score's ingredients and naive dates, suggested weights."""

import datetime
import math

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models.res_company import WEIGHT_FIELDS
from .common import ArCase, VectorCase


@tagged("post_install", "-at_install")
class TestScore(VectorCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="ar_credit_manager",
            name="Credit Manager",
            groups="account.group_account_invoice,ar_analytics.group_ar_analytics_credit_manager",
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="ar_salesperson",
            name="Salesperson",
            groups="sales_team.group_sale_salesman",
        )

    def test_score_breakdown_and_grade(self):
        self._refresh("2024-03-31")
        stat = self._stat(self.customer)
        # S1 = 69.24 (payment index), S2 = S3 = 100 (nothing open), S4 = 100 (all collected),
        # S5 undefined (no payment before the last 90 days): weights .40/.20/.15/.15
        expected = (0.40 * stat.score_index + 0.20 * 100 + 0.15 * 100 + 0.15 * 100) / 0.90
        self.assertAlmostEqual(stat.score_index, 69.24, places=2)
        self.assertAlmostEqual(stat.credit_score, expected, places=6)
        self.assertRecordValues(
            stat,
            [
                {
                    "grade": "A",
                    "computed_grade": "A",
                    "rated": True,
                    "score_overdue": 100.0,
                    "score_age": 100.0,
                    "score_collection": 100.0,
                    "weight_trend": 0.0,
                    "grade_policy": "extended_terms",
                }
            ],
        )
        points = sum(stat[f"points_{n}"] for n in ("index", "overdue", "age", "collection"))
        self.assertAlmostEqual(points, stat.credit_score, places=6)
        self.assertIn("no data", stat.score_explanation)
        self.assertEqual(self.customer.ar_credit_grade, "A")
        self.assertIn(
            self.customer, self.env["res.partner"].search([("ar_credit_grade", "=", "A")])
        )

    def test_customer_who_does_not_pay_gets_a_low_grade(self):
        debtor = self.env["res.partner"].create({"name": "Debtor"})
        for month in ("01", "02", "03"):
            self._invoice(debtor, f"2023-{month}-01", 400)
        self._refresh("2024-03-31")
        stat = self._stat(debtor)
        self.assertTrue(stat.rated, "past-due items rate a customer without payments")
        self.assertEqual(stat.grade, "D")
        self.assertEqual(stat.score_age, 0.0)

    def test_unrated_without_evidence(self):
        newcomer = self.env["res.partner"].create({"name": "Newcomer"})
        self._invoice(newcomer, "2024-03-25", 100)
        self._refresh("2024-03-31")
        self.assertRecordValues(self._stat(newcomer), [{"rated": False, "grade": False}])

    def _override(self, user, grade, expiry, reason="Guaranteed by the parent company"):
        stat = self._stat(self.customer)
        wizard = (
            self.env["ar.grade.override.wizard"]
            .with_user(user)
            .create({"stat_id": stat.id, "grade": grade, "reason": reason, "expiry": expiry})
        )
        return wizard.action_apply()

    def test_override_survives_refresh_and_expires(self):
        self._refresh("2024-03-31")
        future = fields.Date.add(fields.Date.today(), days=30)
        self._override(self.manager, "C", future)
        stat = self._stat(self.customer)
        self.assertRecordValues(
            stat,
            [
                {
                    "grade": "C",
                    "computed_grade": "A",
                    "grade_override": "C",
                    "grade_overridden": True,
                }
            ],
        )
        messages = self.customer.message_ids.mapped("body")
        self.assertTrue(any("overridden to C" in str(body) for body in messages))
        self._refresh("2024-03-31")
        self.assertEqual(self._stat(self.customer).grade, "C", "a refresh never erases it")
        stat.sudo().grade_override_expiry = fields.Date.add(fields.Date.today(), days=-1)
        self._refresh("2024-03-31")
        self.assertEqual(self._stat(self.customer).grade, "A", "an expired override lapses")
        stat.with_user(self.manager).action_clear_override()
        self.assertFalse(self._stat(self.customer).grade_override)

    def test_only_credit_managers_override(self):
        self._refresh("2024-03-31")
        future = fields.Date.add(fields.Date.today(), days=30)
        with self.assertRaises(AccessError):
            self._override(self.salesperson, "D", future)
        accountant = new_test_user(
            self.env, login="ar_accountant", groups="account.group_account_invoice"
        )
        stat = self._stat(self.customer)
        with self.assertRaises(AccessError):
            self.env["ar.grade.override.wizard"].with_user(accountant).create(
                {"stat_id": stat.id, "grade": "D", "reason": "x", "expiry": future}
            )
        with self.assertRaises(AccessError):
            stat.with_user(accountant).action_clear_override()
        self.assertEqual(self._stat(self.customer).grade, "A")

    def test_salesperson_sees_grade_not_figures(self):
        self._refresh("2024-03-31")
        partner = self.customer.with_user(self.salesperson)
        self.assertEqual(partner.ar_credit_grade, "A")
        self.assertTrue(partner.ar_tier)
        with self.assertRaises(AccessError):
            self.env["ar.customer.stat"].with_user(self.salesperson).search([]).mapped("total_ar")

    def test_history_is_compact_and_grade_changes_are_logged(self):
        self._refresh("2024-03-31")
        self._refresh("2024-03-31")
        history = self.env["ar.score.history"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(history), 1, "one row per day, not per run")
        self._invoice(self.customer, "2023-06-01", 5000)  # a big, long overdue invoice
        self._refresh("2024-04-02")
        history = self.env["ar.score.history"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(history), 2)
        self.assertNotEqual(history[0].grade, "A")
        bodies = " ".join(str(b) for b in self.customer.message_ids.mapped("body"))
        self.assertIn("changed from A to", bodies)

    def test_backfill_matches_recomputation_at_month_ends(self):
        refresh = self.env["ar.refresh"]
        company = self.env.company
        months = self.env["ar.backtest"]._backfill_history(
            company, months=3, as_of=fields.Date.to_date("2024-04-15")
        )
        self.assertEqual(months, 3)
        history = self.env["ar.score.history"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            sorted(str(d) for d in history.mapped("date")),
            ["2024-01-31", "2024-02-29", "2024-03-31"],
        )
        for row in history:
            figures = refresh._compute(company, row.date)["figures"]
            expected = figures.loc[self.customer.id]
            self.assertEqual(row.grade or None, expected["grade"])
            if expected["rated"]:
                self.assertAlmostEqual(row.credit_score, expected["score"], places=4)

    def test_invalid_settings_are_refused(self):
        company = self.env.company
        for values in (
            {"ar_weight_index": -0.1},
            {
                "ar_weight_index": 0,
                "ar_weight_overdue": 0,
                "ar_weight_age": 0,
                "ar_weight_collection": 0,
                "ar_weight_trend": 0,
            },
            {"ar_grade_a": 60.0},
            {"ar_grade_c": 0.0},
            {"ar_grade_a": 120.0},
            {"ar_window_days": 0},
            {"ar_min_observations": 0},
            {"ar_tier_core": 0.97},
            {"ar_tier_important": 1.5},
        ):
            with (
                self.subTest(values=values),
                self.assertRaises(ValidationError),
                self.env.cr.savepoint(),
            ):
                company.write(values)
        self.assertAlmostEqual(company.ar_weight_index, 0.40)

    def test_weights_change_the_score(self):
        self._refresh("2024-03-31")
        before = self._stat(self.customer).credit_score
        self.env.company.ar_weight_index = 0.9
        self._refresh("2024-03-31")
        self.assertLess(self._stat(self.customer).credit_score, before)


@tagged("post_install", "-at_install")
class TestContribution(ArCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Costed product", "standard_price": 60.0, "list_price": 100.0}
        )
        cls.customers = cls.env["res.partner"].create([{"name": f"Revenue {n}"} for n in range(6)])
        # revenue shares .50, .30, .10, .06, .03, .01 (metrics.md section 5)
        for partner, amount in zip(cls.customers, (5000, 3000, 1000, 600, 300, 100), strict=True):
            move = cls.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": "2024-03-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "quantity": amount / 100,
                                "price_unit": 100.0,
                                "tax_ids": [Command.set(cls.company_data["default_tax_sale"].ids)],
                            }
                        )
                    ],
                }
            )
            move.action_post()

    def test_tiers_and_shares(self):
        self._refresh("2024-03-31")
        stats = [self._stat(p) for p in self.customers]
        self.assertEqual(
            [s.tier for s in stats],
            ["core", "core", "important", "important", "general", "general"],
        )
        self.assertEqual(
            [round(s.revenue_share, 2) for s in stats], [0.50, 0.30, 0.10, 0.06, 0.03, 0.01]
        )
        self.assertEqual([s.revenue_rank for s in stats], [1, 2, 3, 4, 5, 6])
        self.assertAlmostEqual(stats[0].revenue, 5000.0, msg="untaxed revenue")
        self.assertAlmostEqual(stats[0].margin, 2000.0)
        self.assertTrue(stats[0].margin_approximate, "current product cost")
        self.assertEqual(
            stats[0].action, "retain_grow" if stats[0].grade == "A" else stats[0].action
        )

    def test_cost_of_goods_sold_lines_give_the_cost(self):
        """An invoice's COGS lines (anglo-saxon accounting) are its cost, shared by its lines
        of the product in proportion to quantity: the same in a full refresh and in the
        incremental refresh of the customer, and not approximate."""
        partner = self.env["res.partner"].create({"name": "Stocked goods customer"})
        expense = self.company_data["default_account_expense"]
        interim = self.company_data["default_account_assets"]
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": "2024-03-04",
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": self.product.id, "quantity": q, "price_unit": 100.0}
                    )
                    for q in (3, 1)
                ],
            }
        )
        move.write(
            {
                "line_ids": [
                    Command.create(
                        {
                            "display_type": "cogs",
                            "name": "COGS",
                            "account_id": account.id,
                            "product_id": self.product.id,
                            "quantity": 4,
                            "balance": balance,
                        }
                    )
                    for account, balance in ((expense, 180.0), (interim, -180.0))
                ]
            }
        )
        move.action_post()
        self.assertEqual(len(move.line_ids.filtered(lambda l: l.display_type == "cogs")), 2)
        sales = self.env["ar.refresh"]._extract_sales(
            self.env.company, fields.Date.to_date("2024-03-31"), {partner.id}
        )
        self.assertEqual(sorted(sales["cost"]), [45.0, 135.0])
        self.assertEqual(set(sales["cost_source"]), {"cogs"})
        self._refresh("2024-03-31")
        for scope in (None, partner):
            self._refresh("2024-03-31", partners=scope)
            stat = self._stat(partner)
            self.assertAlmostEqual(stat.revenue, 400.0)
            self.assertAlmostEqual(stat.cost_of_sales, 180.0)
            self.assertAlmostEqual(stat.margin, 220.0)
            self.assertFalse(stat.margin_approximate, "the cost then, not the current cost")

    def test_unknown_cost_gives_no_margin(self):
        partner = self.env["res.partner"].create({"name": "Service customer"})
        self._invoice(partner, "2024-03-05", 700)  # a line without product: cost unknown
        self._refresh("2024-03-31")
        stat = self._stat(partner)
        self.assertAlmostEqual(stat.revenue, 700.0)
        self.assertFalse(stat.has_margin, "margin is undefined, never 0")

    def test_credit_note_reduces_revenue(self):
        partner = self.customers[5]
        refund = self._invoice(partner, "2024-03-10", 40, move_type="out_refund")
        self.assertEqual(refund.state, "posted")
        self._refresh("2024-03-31")
        self.assertAlmostEqual(self._stat(partner).revenue, 60.0)


@tagged("post_install", "-at_install")
class TestScoreParameters(VectorCase):
    def test_indicator_parameters_are_configurable(self):
        debtor = self.env["res.partner"].create({"name": "Sixty days debtor"})
        self._invoice(debtor, "2024-01-01", 100)  # due 01-31, 60 days past due on 03-31
        self._refresh("2024-03-31")
        self.assertAlmostEqual(self._stat(debtor).score_age, 50.0)
        self.env.company.ar_score_dpd_cap = 60
        self._refresh("2024-03-31")
        self.assertAlmostEqual(self._stat(debtor).score_age, 0.0)
        with self.assertRaises(ValidationError):
            self.env.company.ar_score_recent_days = 400

    def test_company_concentration(self):
        self._refresh("2024-03-31")
        totals = self.env["ar.company.stat"].search([("company_id", "=", self.env.company.id)])
        self.assertAlmostEqual(totals.top_customers_share, 1.0, msg="one customer")
        self.assertAlmostEqual(totals.margin_coverage, 0.0, msg="lines without product cost")
        self.assertIn("Payment index", self.customer.ar_score_explanation)


# each customer pays every invoice this many days after its due date
DELAYS = (0, 8, 20, 40, 75)
BACKTEST_END = fields.Date.to_date("2025-12-31")
HORIZON = 180


@tagged("post_install", "-at_install")
class TestBacktest(ArCase):
    """Five customers invoiced every other month over two years, each always paying the
    same number of days late: their past days late rank their later ones exactly."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Pays {delay} days late"} for delay in DELAYS]
        )
        cls.paid = []  # (invoice, payment date)
        for month in range(0, 24, 2):
            date = datetime.date(2024 + month // 12, month % 12 + 1, 1)
            for customer, delay in zip(cls.customers, DELAYS, strict=True):
                invoice = cls._invoice(customer, date, 1000.0 + 10 * month)
                paid_on = invoice.invoice_date_due + datetime.timedelta(days=delay)
                if paid_on <= BACKTEST_END:
                    cls._pay(invoice, invoice.amount_total, paid_on)
                    cls.paid.append((invoice, paid_on))
        cls.manager = new_test_user(
            cls.env,
            login="ar_backtest_manager",
            groups="base.group_system,account.group_account_invoice,"
            "ar_analytics.group_ar_analytics_credit_manager",
        )
        cls.admin = new_test_user(
            cls.env,
            login="ar_backtest_admin",
            groups="base.group_system,account.group_account_invoice",
        )
        cls.result = cls.env["ar.backtest"]._backtest(
            cls.company, horizon_days=HORIZON, as_of=BACKTEST_END
        )

    def test_backtest_compares_the_score_with_its_ingredients(self):
        result = self.result
        lines = self.company.ar_backtest_predictor_ids
        self.assertEqual(
            lines.mapped("predictor"), ["score", "naive_wadl", "s1", "s2", "s3", "s4", "s5"]
        )
        by_name = {line.predictor: line for line in lines}
        score, naive = by_name["score"], by_name["naive_wadl"]
        self.assertEqual(score.customers, len(DELAYS))
        self.assertEqual(self.company.ar_backtest_customers, len(DELAYS))
        self.assertAlmostEqual(score.spearman, self.company.ar_backtest_spearman)
        # every customer's days late then and since are its own delay: a perfect ranking
        self.assertEqual(naive.customers, len(DELAYS))
        self.assertAlmostEqual(naive.spearman, 1.0)
        self.assertAlmostEqual(naive.score_spearman, score.spearman)
        for line in lines:
            with self.subTest(predictor=line.predictor):
                row = result["predictors"].loc[line.predictor]
                self.assertEqual(line.customers, row["customers"])
                self.assertEqual(line.has_spearman, not math.isnan(row["spearman"]))
                if line.has_spearman:  # stored with 3 decimals
                    self.assertAlmostEqual(line.spearman, row["spearman"], places=3)
        # a second run replaces the lines
        self.env["ar.backtest"]._backtest(self.company, horizon_days=HORIZON, as_of=BACKTEST_END)
        self.assertEqual(len(self.company.ar_backtest_predictor_ids), 7)

    def test_backtest_of_the_expected_payment_dates(self):
        then = BACKTEST_END - datetime.timedelta(days=HORIZON)
        # open then (invoiced by then, paid after) and paid by the end
        items = [
            (invoice, paid_on)
            for invoice, paid_on in self.paid
            if invoice.invoice_date <= then < paid_on
        ]
        self.assertEqual(self.company.ar_backtest_items, len(items))
        due_errors = [(paid_on - invoice.invoice_date_due).days for invoice, paid_on in items]
        self.assertAlmostEqual(  # stored with 1 decimal
            self.company.ar_backtest_due_mae, sum(due_errors) / len(due_errors), delta=0.05
        )
        # a constant delay is both each customer's median and mean: exact dates
        self.assertEqual(self.company.ar_backtest_expected_mae, 0.0)
        self.assertEqual(self.company.ar_backtest_late_mae, 0.0)

    def test_suggested_weights_are_judged_on_the_backtest_period(self):
        result = self.env["ar.backtest"]._suggest_weights(
            self.company, horizon_days=HORIZON, as_of=BACKTEST_END
        )
        self.assertEqual(result["fit_customers"], len(DELAYS))
        self.assertEqual(result["test_customers"], len(DELAYS))
        company = self.company
        self.assertEqual(company.ar_suggest_date, BACKTEST_END)
        self.assertAlmostEqual(sum(company._ar_suggested_weights()), 1.0)
        self.assertEqual(company._ar_suggested_weights(), result["weights"])
        # judged like the backtest: the current weights on the same period and customers
        self.assertAlmostEqual(company.ar_suggest_current_spearman, company.ar_backtest_spearman)
        self.assertAlmostEqual(company.ar_suggest_spearman, result["test_spearman"], places=3)
        # each stored with 3 decimals
        self.assertAlmostEqual(
            company.ar_suggest_gain,
            company.ar_suggest_spearman - company.ar_suggest_current_spearman,
            delta=0.0015,
        )
        self.assertGreaterEqual(result["fit_spearman"], result["fit_current"])

    def _suggestion(self, weights=(0.0, 0.3, 0.7, 0.0, 0.0)):
        self.company.write(
            {
                "ar_suggest_date": BACKTEST_END,
                "ar_suggest_gain": 0.1,
                **{
                    f"ar_suggest_{name}": weight
                    for name, weight in zip(WEIGHT_FIELDS, weights, strict=True)
                },
            }
        )

    def test_only_a_credit_manager_applies_the_suggestion(self):
        self._suggestion()
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        with self.assertRaises(UserError):
            settings.action_ar_apply_weights()
        with self.assertRaises(AccessError):
            settings.action_ar_suggest_weights()
        self.assertEqual(self.company._ar_score_weights(), (0.40, 0.20, 0.15, 0.15, 0.10))
        settings = self.env["res.config.settings"].with_user(self.manager).create({})
        settings.action_ar_apply_weights()
        self.assertEqual(self.company._ar_score_weights(), (0.0, 0.3, 0.7, 0.0, 0.0))
        self.assertFalse(self.company.ar_suggest_date, "applied: no suggestion left")
        with self.assertRaises(UserError):
            settings.action_ar_apply_weights()

    def test_applied_weights_change_the_scores_at_the_next_refresh(self):
        self._refresh(BACKTEST_END)
        before = {p: self._stat(p).credit_score for p in self.customers}
        self._suggestion((0.0, 0.0, 1.0, 0.0, 0.0))
        self.company.with_user(self.manager)._ar_apply_suggested_weights()
        self._refresh(BACKTEST_END)
        for partner in self.customers:
            stat = self._stat(partner)
            with self.subTest(customer=partner.name):
                self.assertAlmostEqual(stat.credit_score, stat.score_age)
        self.assertNotEqual(before, {p: self._stat(p).credit_score for p in self.customers})


#: settings typed as fractions and shown as percentages
PERCENT_SETTINGS = (
    *(f"ar_{name}" for name in WEIGHT_FIELDS),
    *(f"ar_suggest_{name}" for name in WEIGHT_FIELDS),
    "ar_tier_core",
    "ar_tier_important",
    "ar_signal_overdue_rise",
    "ar_signal_limit_warn",
    "ar_signal_limit_alert",
    "ar_backtest_capture",
)


@tagged("post_install", "-at_install")
class TestSettingsView(ArCase):
    """What a finance user sees in Settings > Receivables Analytics."""

    def _arch(self):
        user = new_test_user(
            self.env,
            login="ar_settings_manager",
            groups="base.group_system,account.group_account_manager,"
            "ar_analytics.group_ar_analytics_credit_manager",
        )
        views = self.env["res.config.settings"].with_user(user).get_views([(False, "form")])
        return etree.fromstring(views["views"]["form"]["arch"])

    def test_ratios_are_percentages(self):
        arch = self._arch()
        for name in PERCENT_SETTINGS:
            with self.subTest(field=name):
                nodes = arch.xpath(f"//field[@name='{name}']")
                self.assertTrue(nodes)
                self.assertEqual({node.get("widget") for node in nodes}, {"percentage"})
        # a percentage with a decimal is kept
        self.env.company.ar_signal_overdue_rise = 0.125
        self.assertEqual(self.env.company.ar_signal_overdue_rise, 0.125)

    def test_help_speaks_plainly(self):
        arch = etree.tostring(self._arch(), encoding="unicode")
        helps = [field.help or "" for name, field in self.env["res.company"]._fields.items()]
        for text in (arch, *helps):
            for jargon in ("metrics.md", "section 7", "S3 ", "S5 ", "As a fraction"):
                self.assertNotIn(jargon, text)

    def test_a_backtest_never_run_says_so(self):
        company = self.env.company
        self.assertFalse(company.ar_backtest_date)
        arch = self._arch()
        [note] = arch.xpath("//div[@invisible='ar_backtest_date']")
        self.assertEqual(note.text.strip(), "The backtest has not run yet.")
        for name in ("ar_backtest_customers", "ar_backtest_spearman", "ar_backtest_capture"):
            with self.subTest(field=name):
                [node] = arch.xpath(f"//field[@name='{name}']")
                hidden = [
                    parent.get("invisible")
                    for parent in node.iterancestors()
                    if parent.get("invisible")
                ]
                self.assertIn("not ar_backtest_date", hidden)
        [lines] = arch.xpath("//field[@name='ar_backtest_predictor_ids']")
        self.assertIn(
            "not ar_backtest_date",
            " ".join(p.get("invisible") or "" for p in lines.iterancestors()),
        )
