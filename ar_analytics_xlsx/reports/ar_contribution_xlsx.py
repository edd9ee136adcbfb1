from odoo import models


class CustomerContributionXlsx(models.AbstractModel):
    """Customer contribution in Pareto order as a workbook."""

    _name = "report.ar_analytics_xlsx.customer_contribution_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Customer contribution (XLSX)"

    def _get_objs_for_report(self, docids, data):
        return self.env["ar.customer.stat"].browse(docids or [])

    def generate_xlsx_report(self, workbook, data, objs):
        company = self.env["res.company"].browse(
            (data or {}).get("company_id") or self.env.company.id
        )
        values = self.env["report.ar_analytics.report_customer_contribution"]._contribution_data(
            company, stat_ids=objs.ids or None
        )
        money = workbook.add_format(
            {"num_format": self._report_xlsx_currency_format(values["currency"])}
        )
        percent = workbook.add_format({"num_format": "0.0%"})
        bold = workbook.add_format({"bold": True})
        sheet = workbook.add_worksheet(self.env._("Customer contribution"))
        sheet.write(0, 0, self.env._("Customer contribution"), bold)
        sheet.write(1, 0, company.name)
        sheet.write(2, 0, self.env._("As of"))
        sheet.write(2, 1, str(values["as_of"] or ""))
        tiers = dict(self.env["ar.customer.stat"]._fields["tier"]._description_selection(self.env))
        sheet.write_row(
            4,
            0,
            [
                "#",
                self.env._("Customer"),
                self.env._("Tier"),
                self.env._("Revenue"),
                self.env._("Share"),
                self.env._("Cumulative"),
                self.env._("Margin"),
                self.env._("Margin rate"),
                self.env._("Grade"),
            ],
            bold,
        )
        for index, row in enumerate(values["rows"], start=5):
            stat = row["stat"]
            sheet.write_number(index, 0, row["rank"])
            sheet.write(index, 1, stat.partner_id.name)
            sheet.write(index, 2, tiers.get(stat.tier, ""))
            sheet.write_number(index, 3, stat.revenue, money)
            sheet.write_number(index, 4, row["share"], percent)
            sheet.write_number(index, 5, row["cumulative"], percent)
            if stat.has_margin:
                sheet.write_number(index, 6, stat.margin, money)
            if row["margin_rate"] is not None:
                sheet.write_number(index, 7, row["margin_rate"], percent)
            sheet.write(index, 8, stat.grade or "")
        sheet.set_column(1, 1, 36)
        sheet.set_column(2, 8, 14)
        sheet.freeze_panes(5, 2)
