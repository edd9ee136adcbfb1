import datetime

from odoo import api, fields, models

#: months of collection trend on the internal statement
TREND_MONTHS = 12
RECENT_PAYMENT_DAYS = 90


class ReportCreditStatement(models.AbstractModel):
    """A customer's credit statement: what is open and how old it is, the payments of the
    last 90 days and how the customer pays; customer-facing (no internal grade or score)."""

    _name = "report.ar_analytics.report_credit_statement"
    _description = "Customer credit statement"

    show_internal = False

    @api.model
    def _statement(self, partner, company, as_of, internal=False):
        aging = self.env["report.ar_analytics.report_aged_receivables"]._aging_data(
            {
                "company_id": company.id,
                "as_of": fields.Date.to_string(as_of),
                "show_items": True,
            },
            docids=partner.ids,
        )
        row = next((r for r in aging["rows"] if r["partner"] == partner), None)
        since = as_of - datetime.timedelta(days=RECENT_PAYMENT_DAYS)
        payments = self.env["account.payment"].search(
            [
                ("partner_id", "child_of", partner.id),
                ("company_id", "=", company.id),
                ("payment_type", "=", "inbound"),
                ("state", "in", ("in_process", "paid")),
                ("date", ">", since),
                ("date", "<=", as_of),
            ],
            order="date desc, id desc",
        )
        stat = self.env["ar.customer.stat"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)]
        )
        overdue = sum(
            item["residual"] for item in (row["items"] if row else []) if (item["days"] or 0) > 0
        )
        statement = {
            "partner": partner,
            "columns": aging["columns"],
            "row": row,
            "overdue": overdue,
            "payments": payments,
            "stat": stat,
        }
        if not internal:
            return {**statement, "trend": [], "forecast": None, "signals": []}
        months = self.env["ar.trend.month"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("scope", "=", "customer"),
                ("month", "<=", as_of),
            ],
            order="month desc",
            limit=TREND_MONTHS,
        )
        signals = self.env["ar.customer.signal"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)]
        )
        return {
            **statement,
            "trend": months.sorted("month"),
            "forecast": self.env["ar.collection.trend"].search(
                [("partner_id", "=", partner.id), ("company_id", "=", company.id)], limit=1
            ),
            "signals": signals,
        }

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self.env.company
        as_of = fields.Date.to_date(data.get("as_of")) or fields.Date.context_today(self)
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        internal = data.get("show_internal", self.show_internal)
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "currency": company.currency_id,
            "as_of": as_of,
            "recent_days": RECENT_PAYMENT_DAYS,
            "show_internal": internal,
            "statements": {p.id: self._statement(p, company, as_of, internal) for p in partners},
        }
