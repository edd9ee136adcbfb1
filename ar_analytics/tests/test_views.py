"""Every view and window action of the addon loads (issue 6), for an accountant and a
salesperson."""

import io
from pathlib import Path

import polib
from lxml import etree

from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.translate import trans_export


@tagged("post_install", "-at_install")
class TestViews(TransactionCase):
    def _records(self, model):
        data = self.env["ir.model.data"].search(
            [("module", "=", "ar_analytics"), ("model", "=", model)]
        )
        return self.env[model].browse(data.mapped("res_id")).exists()

    def test_every_view_loads(self):
        views = self._records("ir.ui.view").filtered(lambda v: v.type != "qweb")
        self.assertGreater(len(views), 15)
        for view in views:
            root = view
            while root.inherit_id and root.mode != "primary":
                root = root.inherit_id
            with self.subTest(view=view.xml_id):
                result = self.env[view.model].get_views([(root.id, root.type)])
                self.assertIn(view.model, result["models"])

    def test_every_window_action_loads(self):
        actions = self._records("ir.actions.act_window")
        self.assertGreater(len(actions), 5)
        for action in actions:
            with self.subTest(action=action.xml_id):
                modes = [(False, mode) for mode in action.view_mode.split(",")]
                result = self.env[action.res_model].get_views(modes, {"action_id": action.id})
                self.assertEqual(set(result["views"]), {mode for _id, mode in modes})

    def test_forms_for_roles(self):
        salesperson = new_test_user(
            self.env, login="ar_views_sales", groups="sales_team.group_sale_salesman"
        )
        accountant = new_test_user(
            self.env, login="ar_views_accountant", groups="account.group_account_invoice"
        )
        partner = self.env["res.partner"].create({"name": "Viewed customer"})
        for user in (salesperson, accountant):
            with self.subTest(user=user.login):
                views = self.env["res.partner"].with_user(user).get_views([(False, "form")])
                arch = views["views"]["form"]["arch"]
                self.assertIn("ar_credit_grade", arch)
                self.assertEqual("ar_exposure" in arch, user == accountant)
                partner.with_user(user).read(["ar_credit_grade", "ar_tier", "ar_order_verdict"])


@tagged("post_install", "-at_install")
class TestTranslationsUpToDate(TransactionCase):
    def test_every_term_of_the_code_is_translated_in_zh_cn(self):
        buffer = io.BytesIO()
        trans_export(False, ["ar_analytics"], buffer, "po", self.env)
        live = {e.msgid for e in polib.pofile(buffer.getvalue().decode()) if e.msgid}
        shipped = polib.pofile(str(Path(__file__).parents[1] / "i18n" / "zh_CN.po"))
        translated = {e.msgid for e in shipped if e.msgstr}
        self.assertFalse(sorted(live - translated)[:5], "export the .pot and translate them")


#: rate and change columns (fractions, percentage widget) of the views showing CEI
RATE_COLUMNS = {
    "ar.trend.month": (
        "collection_rate",
        "invoiced_mom",
        "invoiced_yoy",
        "collected_mom",
        "collected_yoy",
        "collection_rate_mom",
        "collection_rate_yoy",
    ),
    "ar.customer.stat": ("collection_rate", "on_time_rate"),
    "ar.company.stat": ("collection_rate",),
}


@tagged("post_install", "-at_install")
class TestIndexAndRateColumns(TransactionCase):
    """CEI is an index (0-100), never a percentage widget (which would multiply it by 100);
    rates and their changes are shown with at most 1 decimal."""

    def _fields(self, xmlid):
        view = self.env.ref(xmlid)
        result = self.env[view.model].get_views([(view.id, view.type)])
        arch = etree.fromstring(result["views"][view.type]["arch"])
        return view.model, {node.get("name"): node for node in arch.iter("field")}

    def test_cei_is_an_index_and_rates_have_one_decimal(self):
        for xmlid in (
            "ar_analytics.ar_trend_month_view_list",
            "ar_analytics.ar_customer_stat_view_list",
            "ar_analytics.ar_customer_stat_view_form",
            "ar_analytics.ar_company_stat_view_list",
        ):
            model, fields = self._fields(xmlid)
            with self.subTest(view=xmlid):
                cei = fields["cei"]
                self.assertNotEqual(cei.get("widget"), "percentage")
                self.assertEqual(cei.get("digits"), "[16,1]")
                self.assertIn("index", cei.get("string", ""))
                for name in RATE_COLUMNS[model]:
                    self.assertEqual(fields[name].get("widget"), "percentage", name)
                    self.assertEqual(fields[name].get("digits"), "[16,1]", name)

    def test_cei_trend_is_in_index_points(self):
        for xmlid in (
            "ar_analytics.ar_collection_trend_view_list",
            "ar_analytics.ar_collection_trend_view_form",
        ):
            _model, fields = self._fields(xmlid)
            with self.subTest(view=xmlid):
                self.assertNotEqual(fields["cei_slope"].get("widget"), "percentage")
                self.assertEqual(fields["cei_slope"].get("digits"), "[16,1]")
                self.assertEqual(fields["collection_rate_slope"].get("digits"), "[16,1]")
