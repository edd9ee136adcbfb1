"""XLSX exports read back with openpyxl: the same figures as the PDF reports."""

import io

import openpyxl

from odoo.tests import tagged

from odoo.addons.ar_analytics.tests.common import VectorCase


@tagged("post_install", "-at_install")
class TestXlsx(VectorCase):
    def _workbook(self, report, docids=None, data=None):
        content, kind = self.env["ir.actions.report"]._render_xlsx(report, docids, data or {})
        self.assertEqual(kind, "xlsx")
        return openpyxl.load_workbook(io.BytesIO(content))

    def test_aged_receivables_workbook(self):
        wizard = self.env["ar.aging.report.wizard"].create(
            {"as_of": "2024-02-20", "bucket_limits": "0, 10, 20"}
        )
        book = self._workbook(
            "ar_analytics_xlsx.action_report_aged_receivables_xlsx", None, wizard._options()
        )
        sheet = book.worksheets[0]
        header = [cell.value for cell in sheet[6]]
        self.assertEqual(header[:5], ["Customer", "Not due", "1-10", "11-20", "Over 20"])
        rows = {row[0]: row for row in sheet.iter_rows(min_row=7, values_only=True)}
        customer = rows["Vector Customer"]
        self.assertEqual(customer[header.index("11-20")], 400.0)
        self.assertEqual(customer[header.index("Total")], 400.0)
        items = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
        self.assertEqual([(i[1], i[4], i[6]) for i in items], [(self.inv_a.name, 20, 400.0)])
        self.env.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        action = wizard.action_xlsx()
        self.assertEqual(action["report_type"], "xlsx")

    def test_contribution_workbook(self):
        self._refresh("2024-03-31")
        book = self._workbook(
            "ar_analytics_xlsx.action_report_customer_contribution_xlsx",
            None,
            {"company_id": self.env.company.id},
        )
        rows = list(book.worksheets[0].iter_rows(min_row=6, values_only=True))
        self.assertEqual(rows[0][1], "Vector Customer")
        self.assertEqual(rows[0][3], 1500.0)
        self.assertEqual(rows[0][5], 1.0)
