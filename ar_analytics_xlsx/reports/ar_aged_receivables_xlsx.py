from odoo import models


class AgedReceivablesXlsx(models.AbstractModel):
    """The aged receivables report (same data, same options) as a workbook: one sheet by
    customer with the buckets, totals and shares, and a sheet of open items."""

    _name = "report.ar_analytics_xlsx.aged_receivables_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Aged receivables (XLSX)"

    def _get_objs_for_report(self, docids, data):
        return self.env["res.partner"].browse(docids or [])

    def generate_xlsx_report(self, workbook, data, objs):
        values = self.env["report.ar_analytics.report_aged_receivables"]._aging_data(
            {**(data or {}), "show_items": True},
            objs.ids or None,  # the open-items sheet
        )
        money = workbook.add_format(
            {"num_format": self._report_xlsx_currency_format(values["currency"])}
        )
        bold = workbook.add_format({"bold": True})
        bold_money = workbook.add_format(
            {"bold": True, "num_format": self._report_xlsx_currency_format(values["currency"])}
        )
        percent = workbook.add_format({"num_format": "0.0%"})
        sheet = workbook.add_worksheet(self.env._("Aged receivables"))
        sheet.write(0, 0, self.env._("Aged receivables"), bold)
        sheet.write(1, 0, values["company"].name)
        sheet.write(2, 0, self.env._("As of"))
        sheet.write(2, 1, str(values["as_of"]))
        sheet.write(3, 0, self.env._("Aging basis"))
        sheet.write(3, 1, values["basis"])
        header = [
            self.env._("Customer"),
            *(column["label"] for column in values["columns"]),
            self.env._("Unapplied"),
            self.env._("Total"),
        ]
        sheet.write_row(5, 0, header, bold)
        row_index = 6
        for row in values["rows"]:
            sheet.write(row_index, 0, row["partner"].name)
            for offset, amount in enumerate([*row["buckets"], row["unapplied"], row["total"]]):
                sheet.write_number(row_index, 1 + offset, amount, money)
            row_index += 1
        totals = values["totals"]
        sheet.write(row_index, 0, self.env._("Total"), bold)
        amounts = [*totals["buckets"], totals["unapplied"], totals["total"]]
        for offset, amount in enumerate(amounts):
            sheet.write_number(row_index, 1 + offset, amount, bold_money)
        sheet.write(row_index + 1, 0, self.env._("Share of open items"))
        for offset, share in enumerate(totals["shares"]):
            sheet.write_number(row_index + 1, 1 + offset, share, percent)
        sheet.set_column(0, 0, 36)
        sheet.set_column(1, len(header), 14)
        sheet.freeze_panes(6, 1)
        self._items_sheet(workbook, values, money, bold)

    def _items_sheet(self, workbook, values, money, bold):
        labels = {column["code"]: column["label"] for column in values["columns"]}
        sheet = workbook.add_worksheet(self.env._("Open items"))
        sheet.write_row(
            0,
            0,
            [
                self.env._("Customer"),
                self.env._("Document"),
                self.env._("Date"),
                self.env._("Due"),
                self.env._("Days overdue"),
                self.env._("Bucket"),
                self.env._("Open amount"),
                self.env._("Currency"),
                self.env._("Open amount (currency)"),
            ],
            bold,
        )
        row_index = 1
        for row in values["rows"]:
            for item in row["items"]:
                sheet.write(row_index, 0, row["partner"].name)
                sheet.write(row_index, 1, item["name"])
                sheet.write(row_index, 2, str(item["date"]))
                sheet.write(row_index, 3, str(item["due"]))
                if item["days"] and item["days"] > 0:
                    sheet.write_number(row_index, 4, item["days"])
                sheet.write(row_index, 5, labels.get(item["bucket"], self.env._("Unapplied")))
                sheet.write_number(row_index, 6, item["residual"], money)
                sheet.write(row_index, 7, item["currency"].name)
                sheet.write_number(row_index, 8, item["residual_currency"])
                row_index += 1
        sheet.set_column(0, 1, 30)
        sheet.set_column(2, 8, 14)
        sheet.freeze_panes(1, 0)
