"""What the screens make of the figures: totals that are right or absent, readable default
columns and groupings, filters that mean what they say, a menu grouped by task."""

from lxml import etree

from odoo.tests import TransactionCase, tagged

#: a list footer sums the loaded page only: no more columns than fit a laptop screen
MAX_DEFAULT_COLUMNS = 10


@tagged("post_install", "-at_install")
class TestScreens(TransactionCase):
    def _arch(self, model, view_type, xmlid=None):
        view_id = self.env.ref(xmlid).id if xmlid else False
        arch = self.env[model].get_views([(view_id, view_type)])["views"][view_type]["arch"]
        return etree.fromstring(arch)

    def _addon_views(self, view_type):
        data = self.env["ir.model.data"].search(
            [("module", "=", "ar_analytics"), ("model", "=", "ir.ui.view")]
        )
        views = self.env["ir.ui.view"].browse(data.mapped("res_id"))
        return views.filtered(lambda v: v.type == view_type and v.mode == "primary")

    def test_paged_lists_have_no_footer_totals(self):
        """Odoo sums a list's footer over the records of the page: on a list of more than
        one page the total would be wrong. Group rows (read_group) stay right."""
        for view in self._addon_views("list"):
            with self.subTest(view=view.xml_id):
                arch = etree.fromstring(view.arch)
                # lists embedded in a form (one2many) load every row
                top = [f for f in arch.iterchildren("field") if f.get("sum")]
                self.assertFalse(top, [f.get("name") for f in top])

    def test_customer_figures_default_columns(self):
        arch = self._arch("ar.customer.stat", "list", "ar_analytics.ar_customer_stat_view_list")
        shown = [
            f.get("name")
            for f in arch.iterchildren("field")
            if f.get("optional") != "hide"
            and f.get("column_invisible") not in ("True", "1", "true")
        ]
        self.assertLessEqual(len(shown), MAX_DEFAULT_COLUMNS, shown)
        self.assertEqual(shown[0], "partner_id")
        for name in ("grade", "tier", "total_ar", "overdue_amount", "days_late"):
            self.assertIn(name, shown)

    def test_pivots_and_graphs_group_by_something_every_book_has(self):
        for view_type in ("pivot", "graph"):
            arch = self._arch("ar.customer.stat", view_type)
            groups = [f.get("name") for f in arch.iter("field") if f.get("type") != "measure"]
            with self.subTest(view_type=view_type):
                self.assertEqual(groups[:1], ["grade"])
                self.assertNotIn("user_id", groups)

    def test_expected_cash_filters_mean_what_they_say(self):
        search = self._arch("ar.expected.cash", "search")
        domains = {f.get("name"): f.get("domain") for f in search.iter("filter")}
        self.assertIn("('kind', '=', 'period')", domains["weekly"])
        self.assertIn("('kind', '=', 'period')", domains["monthly"])
        self.assertIn("('kind', '=', 'later')", domains["weekly_later"])
        action = self.env.ref("ar_analytics.ar_expected_cash_action")
        self.assertIn("search_default_weekly", action.context)

    def test_menu_grouped_by_task(self):
        root = self.env.ref("ar_analytics.ar_analytics_reporting_menu")
        self.assertFalse(root.parent_id, "the addon is an app of its own")
        sections = root.child_id.with_context(lang="en_US").mapped("name")
        self.assertEqual(sections, ["Analysis", "Collections", "Forecast", "Configuration"])
        for section in root.child_id:
            with self.subTest(section=section.name):
                self.assertTrue(section.child_id)
                self.assertLessEqual(len(section.child_id), 7)
        names = (
            self.env["ir.ui.menu"]
            .with_context(lang="en_US")
            .search([("id", "child_of", root.id), ("action", "!=", False)])
            .mapped("name")
        )
        self.assertEqual(len(names), len(set(names)), "two menus of the app read the same")

    def test_score_table_shows_each_figure_with_its_unit(self):
        partner = self.env["res.partner"].create({"name": "Explained customer"})
        stat = (
            self.env["ar.customer.stat"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": self.env.company.id,
                    "rated": True,
                    "credit_score": 61.0,
                    "payment_index": 55.0,
                    "overdue_ratio": 0.25,
                    "max_dpd": 72,
                    "collection_rate": 0.8,
                    "days_late_trend": 4.0,
                    **{f"weight_{n}": 0.2 for n in ("index", "overdue", "age", "collection")},
                    "score_age": 40.0,
                    "points_age": 8.0,
                }
            )
        )
        html = str(stat.with_context(lang="en_US").score_explanation)
        self.assertIn("72 days past due", html)
        self.assertIn("75% not overdue", html)
        self.assertIn("80.0% collected", html)
        self.assertIn("55.0 of 100", html)
        self.assertIn("no data", html)  # the trend has no weight: not used
        self.assertIn("Score (0-100)", html)

    def test_trend_rows_hide_the_figures_a_month_does_not_have(self):
        """Odoo reads an empty number as 0: the trend list hides them instead."""
        row = (
            self.env["ar.trend.month"]
            .sudo()
            .create(
                {
                    "company_id": self.env.company.id,
                    "scope": "company",
                    "month": "2026-01-01",
                    "kind": "actual",
                    "collected": 100.0,
                    "collected_yoy": 0.0,
                }
            )
        )
        self.env.flush_all()
        self.assertEqual(row.collected_mom, 0.0)  # what the screen would show
        self.assertIn(",collected_mom,", row.empty_figures)
        self.assertIn(",forecast,", row.empty_figures)
        self.assertNotIn(",collected_yoy,", row.empty_figures)  # a real 0
        self.assertNotIn(",collected,", row.empty_figures)
        arch = self._arch("ar.trend.month", "list", "ar_analytics.ar_trend_month_view_list")
        for field in arch.iterchildren("field"):
            if field.get("name") in ("collected_mom", "collected_yoy", "forecast", "cei"):
                self.assertIn("empty_figures", field.get("invisible", ""), field.get("name"))
