"""Reports (issue 6): the aged receivables report, as of any date, rendered for real."""

import io
import json
import unittest

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from odoo.addons.ar_analytics_demo.generator.layout import configure_document_layout

from .common import VectorCase

REPORT = "ar_analytics.action_report_aged_receivables"


def render_pdf(case, report, docids, data=None):
    """A real PDF (Odoo renders HTML in tests unless forced). The registry enters test mode
    first: wkhtmltopdf fetches the stylesheets from Odoo's HTTP server, which under Odoo's
    test runner would otherwise wait for the registries' lock the tests hold."""
    if not type(case)._registry_patched:
        case.registry_enter_test_mode()
    return (
        case.env["ir.actions.report"]
        .with_context(force_report_rendering=True)
        ._render_qweb_pdf(report, docids, data=data)
    )


def render_pdf_pages(case, report, docids, data=None):
    """The text of each page of a real PDF. Odoo skips a test whose report needs a
    wkhtmltopdf with patched Qt when it has none: here that is a failure."""
    # without the stylesheets: wkhtmltopdf without patched Qt draws their web fonts as
    # shapes, which leaves no text to read (a server on the default address would serve them)
    case.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:1")
    try:
        pdf, _kind = render_pdf(case, report, docids, data=data)
    except unittest.SkipTest as exc:
        case.fail(f"the PDF needs a wkhtmltopdf with patched Qt: {exc}")
    reader = PdfFileReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@tagged("post_install", "-at_install")
class TestAgedReceivablesReport(VectorCase):
    def _html(self, docids=None, **options):
        wizard = self.env["ar.aging.report.wizard"].create(options)
        data = wizard._options()
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(REPORT, docids, data=data)
        return html.decode()

    def test_aging_as_of_a_past_date(self):
        # on 2024-02-20, invoice A has 400 open, 20 days past due; invoice B is paid
        html = self._html(as_of="2024-02-20")
        self.assertIn("Vector Customer", html)
        self.assertIn("400.00", html)
        self.assertNotIn("500.00", html)
        data = self.env["report.ar_analytics.report_aged_receivables"]._aging_data(
            {"as_of": "2024-02-20", "company_id": self.env.company.id}
        )
        (row,) = [r for r in data["rows"] if r["partner"] == self.customer]
        labels = [c["label"] for c in data["columns"]]
        self.assertEqual(row["buckets"][labels.index("1-30")], 400.0)
        self.assertEqual(row["total"], 400.0)
        self.assertEqual(data["totals"]["total"], 400.0)
        self.assertEqual(row["items"], [], "the open items only when shown")
        detailed = self.env["report.ar_analytics.report_aged_receivables"]._aging_data(
            {"as_of": "2024-02-20", "company_id": self.env.company.id, "show_items": True}
        )
        (row,) = [r for r in detailed["rows"] if r["partner"] == self.customer]
        codes = {c["label"]: c["code"] for c in detailed["columns"]}
        self.assertEqual(
            [(i["name"], i["residual"], i["days"], i["bucket"]) for i in row["items"]],
            [(self.inv_a.name, 400.0, 20, codes["1-30"])],
        )
        # before anything was paid: 1,000 + 500 open, both not yet due on 2024-01-20
        early = self.env["report.ar_analytics.report_aged_receivables"]._aging_data(
            {"as_of": "2024-01-20", "company_id": self.env.company.id}
        )
        (row,) = [r for r in early["rows"] if r["partner"] == self.customer]
        self.assertEqual(row["buckets"][0], 1500.0)

    def test_open_items_named_as_odoo_names_them(self):
        """The report reads the moves' names and references itself (the display name's
        compute is slow at scale): the same text as Odoo's display name."""
        self.inv_a.ref = "PO   4471"
        self.inv_b.ref = "A customer reference much longer than fifty characters, cut by Odoo"
        moves = self.inv_a | self.inv_b | self.inv_a.copy()
        moves[2].action_post()
        names = self.env["report.ar_analytics.report_aged_receivables"]._move_names(moves.ids)
        self.assertEqual(names, {move.id: move.display_name for move in moves})
        self.assertEqual(names[self.inv_a.id], f"{self.inv_a.name} (PO 4471)")

    def test_custom_buckets_detail_and_filters(self):
        html = self._html(as_of="2024-02-20", bucket_limits="0, 10, 20", show_items=True)
        self.assertIn("11-20", html)
        self.assertIn("Over 20", html)
        self.assertIn(self.inv_a.name, html)
        self.assertIn("20 days past due", html)
        # restricted to another customer: nothing open
        other = self.env["res.partner"].create({"name": "Nobody owes"})
        html = self._html(as_of="2024-02-20", partner_ids=[(6, 0, other.ids)])
        self.assertNotIn("Vector Customer", html)
        self.assertIn("Nothing is open", html)
        # printed from the customer: the customer's docids restrict it
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, self.customer.ids, data={"as_of": "2024-02-20"}
        )
        self.assertIn("Vector Customer", html.decode())

    def test_customers_with_nothing_open_listed_on_request(self):
        other = self.env["res.partner"].create({"name": "Nobody owes"})
        selected = [(6, 0, (other | self.customer).ids)]
        # on 2024-03-31 everything is paid: hidden by default
        self.assertIn("Nothing is open", self._html(as_of="2024-03-31", partner_ids=selected))
        html = self._html(as_of="2024-03-31", partner_ids=selected, hide_zero=False)
        self.assertIn("Nobody owes", html)
        self.assertIn("Vector Customer", html)
        report = self.env["report.ar_analytics.report_aged_receivables"]
        wizard = self.env["ar.aging.report.wizard"].create(
            {"as_of": "2024-02-20", "partner_ids": selected, "hide_zero": False}
        )
        data = report._aging_data(wizard._options())
        self.assertEqual(
            [(r["partner"], r["total"], r["buckets"].count(0.0)) for r in data["rows"]],
            [(other, 0.0, len(data["columns"])), (self.customer, 400.0, len(data["columns"]) - 1)],
        )
        self.assertEqual((data["totals"]["count"], data["totals"]["total"]), (2, 400.0))
        # nobody selected: the customers with receivables figures in the company
        self.env["ar.refresh"]._refresh_company(self.env.company)
        everyone = report._aging_data(
            {"as_of": "2024-03-31", "company_id": self.env.company.id, "hide_zero": False}
        )
        self.assertIn(self.customer, [r["partner"] for r in everyone["rows"]])
        self.assertNotIn(other, [r["partner"] for r in everyone["rows"]])

    def test_bad_bucket_limits_are_refused(self):
        for text in ("30, 10", "a, b", "0, 0"):
            with self.assertRaises(UserError):
                self.env["ar.aging.report.wizard"].create({"bucket_limits": text})._options()

    def test_pdf_renders(self):
        wizard = self.env["ar.aging.report.wizard"].create({"as_of": "2024-02-20"})
        pdf, kind = render_pdf(self, REPORT, None, data=wizard._options())
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_pdf_of_several_customers(self):
        """Printed from several customers: one document listing them, which any
        wkhtmltopdf converts."""
        other = self.env["res.partner"].create({"name": "Second Aging Customer"})
        self._invoice(other, "2024-02-01", 250)
        pages = render_pdf_pages(
            self, REPORT, (self.customer | other).ids, data={"as_of": "2024-02-20"}
        )
        text = " ".join(pages)
        self.assertIn("Vector Customer", text)
        self.assertIn("Second Aging Customer", text)

    def test_view_opens_without_the_layout_dialog(self):
        """On a company whose document layout was never configured, View opens the report
        at once; Print PDF asks for the layout first, then prints what was asked."""
        self.env.company.external_report_layout_id = False
        wizard = self.env["ar.aging.report.wizard"].create({"as_of": "2024-02-20"})
        view = wizard.action_view_html()
        self.assertEqual(view["type"], "ir.actions.report")
        self.assertEqual(view["report_type"], "qweb-html")
        self.assertEqual(view["report_name"], "ar_analytics.report_aged_receivables")
        self.assertEqual(view["data"], wizard._options())
        dialog = wizard.action_print()
        self.assertEqual(dialog.get("res_model"), "base.document.layout")
        # the dialog's context as the web client sends it back
        context = json.loads(json.dumps(dialog["context"]))
        layout = self.env["base.document.layout"].with_context(**context).create({})
        printed = layout.document_layout_save()
        self.assertEqual(printed["type"], "ir.actions.report")
        self.assertEqual(printed["report_type"], "qweb-pdf")
        self.assertEqual(printed["data"], wizard._options())

    def test_demo_configures_the_document_layout(self):
        self.env.company.external_report_layout_id = False
        self.assertIn(self.env.company, configure_document_layout(self.env))
        self.assertEqual(
            self.env.company.external_report_layout_id,
            self.env.ref("web.external_layout_standard"),
        )
        wizard = self.env["ar.aging.report.wizard"].create({"as_of": "2024-02-20"})
        self.assertEqual(wizard.action_print()["type"], "ir.actions.report")


@tagged("post_install", "-at_install")
class TestCreditStatement(VectorCase):
    def _html(self, report, **data):
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            report, self.customer.ids, data={"as_of": "2024-03-01", **data}
        )
        return html.decode()

    def test_customer_facing_statement(self):
        self._refresh("2024-03-01")
        html = self._html("ar_analytics.action_report_credit_statement")
        self.assertIn("Statement of account", html)
        self.assertIn(self.inv_a.name, html)
        self.assertIn("400.00", html, "invoice A's open amount on 2024-03-01")
        self.assertIn("600.00", html, "the payment of 2024-02-10")
        self.assertIn("How you pay", html)
        self.assertNotIn("Internal: credit assessment", html)
        open_items = html.split("Payments received")[0]
        self.assertNotIn(self.inv_b.name, open_items, "invoice B is paid")

    def test_internal_statement_shows_the_grade(self):
        self._refresh("2024-03-01")
        html = self._html("ar_analytics.action_report_credit_statement_internal")
        self.assertIn("Internal: credit assessment", html)
        self.assertIn(f"Grade <strong>{self._stat(self.customer).grade}</strong>", html)
        pdf, _kind = render_pdf(
            self, "ar_analytics.action_report_credit_statement", self.customer.ids
        )
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_statements_of_several_customers_in_one_pdf(self):
        """One statement per customer, in the order selected, on any wkhtmltopdf (one
        conversion per customer, merged); a contact's company is printed once."""
        alder = self.env["res.partner"].create({"name": "Alder Statement Co", "is_company": True})
        birch = self.env["res.partner"].create({"name": "Birch Statement Co", "is_company": True})
        contact = self.env["res.partner"].create({"name": "Ann Alder", "parent_id": alder.id})
        self._invoice(alder, "2024-02-01", 310)
        self._invoice(birch, "2024-02-05", 270)
        partners = alder | self.customer | birch | contact
        for report in (
            "ar_analytics.action_report_credit_statement",
            "ar_analytics.action_report_credit_statement_internal",
        ):
            pages = render_pdf_pages(self, report, partners.ids, data={"as_of": "2024-03-01"})
            self.assertGreaterEqual(len(pages), 3)
            names = ["Alder Statement Co", "Vector Customer", "Birch Statement Co"]
            firsts = [next(i for i, text in enumerate(pages) if name in text) for name in names]
            self.assertEqual(firsts, sorted(set(firsts)), "one statement each, in order")
            statements = sum(text.count("Statement of account") for text in pages)
            self.assertEqual(statements, 3, "the contact's company is printed once")


@tagged("post_install", "-at_install")
class TestContributionReport(VectorCase):
    def test_pareto_order_shares_and_chart(self):
        big = self.env["res.partner"].create({"name": "Big Buyer"})
        self._invoice(big, "2024-03-01", 4500)
        self._refresh("2024-03-31")
        data = self.env["report.ar_analytics.report_customer_contribution"]._contribution_data(
            self.env.company
        )
        names = [row["stat"].partner_id.name for row in data["rows"]]
        self.assertEqual(names[:2], ["Big Buyer", "Vector Customer"])
        self.assertAlmostEqual(data["rows"][0]["share"], 0.75)
        self.assertAlmostEqual(data["rows"][1]["cumulative"], 1.0)
        self.assertIn("<svg", data["chart"])
        self.assertIn("polyline", data["chart"])
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "ar_analytics.action_report_customer_contribution",
            None,
            data={"company_id": self.env.company.id},
        )
        html = html.decode()
        self.assertIn("Customer contribution", html)
        self.assertIn("4,500.00", html)
        self.assertIn("75.0 %", html)

    def test_server_actions_print_and_recompute(self):
        # (without a document layout, Odoo first opens its layout configurator)
        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = self.env.ref("ar_analytics.action_server_partner_print_aging")
        result = action.with_context(
            active_model="res.partner", active_ids=self.customer.ids, active_id=self.customer.id
        ).run()
        self.assertEqual(result["type"], "ir.actions.report")
        self.assertEqual(result["report_name"], "ar_analytics.report_aged_receivables")
        recompute = self.env.ref("ar_analytics.account_move_action_ar_refresh")
        recompute.with_context(
            active_model="account.move", active_ids=self.inv_a.ids, active_id=self.inv_a.id
        ).run()
        self.assertTrue(self._stat(self.customer))
        contribution = self.env.ref("ar_analytics.action_server_customer_contribution").run()
        self.assertEqual(contribution["report_name"], "ar_analytics.report_customer_contribution")


@tagged("post_install", "-at_install")
class TestChineseTranslation(VectorCase):
    """The zh_CN translation is complete enough to print and to refuse in Chinese."""

    def test_reports_and_messages_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["ar_analytics"], ["zh_CN"])
        self.customer.lang = "zh_CN"
        env = self.env(context=dict(self.env.context, lang="zh_CN"))
        html, _kind = env["ir.actions.report"]._render_qweb_html(
            "ar_analytics.action_report_aged_receivables",
            None,
            data={
                "as_of": "2024-02-20",
                "company_id": self.env.company.id,
                "bucket_limits": "0, 30",
                "basis": "due",
            },
        )
        html = html.decode()
        self.assertIn("应收账款账龄", html)
        self.assertIn("未到期", html)
        self.assertIn("到期日", html, "the basis, a selection label")
        statement, _kind = env["ir.actions.report"]._render_qweb_html(
            "ar_analytics.action_report_credit_statement",
            self.customer.ids,
            data={"as_of": "2024-03-01"},
        )
        self.assertIn("对账单", statement.decode())
        with self.assertRaises(UserError) as caught:
            env["ar.aging.report.wizard"].create({"bucket_limits": "30, 10"})._options()
        self.assertNotIn("Bucket limits", str(caught.exception))
