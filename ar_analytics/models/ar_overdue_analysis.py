from odoo import fields, models
from odoo.tools import SQL


class ArOverdueAnalysis(models.Model):
    """Overdue customer invoices today with the reason collectors recorded: amounts by
    reason, customer, country, industry and salesperson (an SQL view)."""

    _name = "ar.overdue.analysis"
    _description = "Overdue reasons analysis"
    _auto = False
    _order = "days_overdue desc"
    # flushed before the view is read
    _depends = {  # noqa: RUF012
        "account.move": [
            "move_type",
            "state",
            "payment_state",
            "invoice_date_due",
            "commercial_partner_id",
            "invoice_user_id",
            "company_id",
            "amount_residual_signed",
            "ar_overdue_reason_id",
            "ar_promise_date",
            "ar_promise_amount",
        ],
        "res.partner": ["country_id", "industry_id"],
    }

    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    country_id = fields.Many2one("res.country", readonly=True)
    industry_id = fields.Many2one("res.partner.industry", readonly=True)
    user_id = fields.Many2one("res.users", "Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    reason_id = fields.Many2one("ar.overdue.reason", "Overdue reason", readonly=True)
    amount = fields.Monetary("Overdue amount", readonly=True, aggregator="sum")
    days_overdue = fields.Integer(readonly=True, aggregator="avg")
    promise_date = fields.Date("Promised payment date", readonly=True)
    promise_amount = fields.Monetary("Promised amount", readonly=True, aggregator="sum")

    @property
    def _table_query(self):
        today = fields.Date.context_today(self)
        return SQL(
            """
            SELECT move.id AS id,
                   move.id AS move_id,
                   move.commercial_partner_id AS partner_id,
                   partner.country_id AS country_id,
                   partner.industry_id AS industry_id,
                   move.invoice_user_id AS user_id,
                   move.company_id AS company_id,
                   company.currency_id AS currency_id,
                   move.ar_overdue_reason_id AS reason_id,
                   move.amount_residual_signed AS amount,
                   %(today)s - move.invoice_date_due AS days_overdue,
                   move.ar_promise_date AS promise_date,
                   move.ar_promise_amount AS promise_amount
              FROM account_move move
              JOIN res_partner partner ON partner.id = move.commercial_partner_id
              JOIN res_company company ON company.id = move.company_id
             WHERE move.move_type = 'out_invoice'
               AND move.state = 'posted'
               AND move.payment_state IN ('not_paid', 'partial')
               AND move.invoice_date_due < %(today)s
            """,
            today=today,
        )
