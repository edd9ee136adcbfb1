"""Credit score, grade, override, history; contribution and tiers (metrics.md 4-5)."""

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

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
        months = refresh._backfill_history(
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
