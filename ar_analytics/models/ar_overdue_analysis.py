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
        "account.move.line": ["amount_residual", "date_maturity", "parent_state", "account_id"],
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
    days_overdue = fields.Integer(
        "Days overdue", readonly=True, aggregator="max", help="Of the oldest overdue installment."
    )
    promise_date = fields.Date("Promised payment date", readonly=True)
    promise_amount = fields.Monetary("Promised amount", readonly=True, aggregator="sum")

    @property
    def _table_query(self):
        """The overdue installments of each invoice, as every other screen counts them: the
        open residual of its receivable lines past due, days from the oldest one."""
        today = fields.Date.context_today(self)
        return SQL(
            """
            WITH overdue AS (
                SELECT line.move_id,
                       SUM(line.amount_residual) AS amount,
                       MIN(COALESCE(line.date_maturity, line.date)) AS due
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
                 WHERE account.account_type = 'asset_receivable'
                   AND line.parent_state = 'posted'
                   AND line.amount_residual > 0
                   AND COALESCE(line.date_maturity, line.date) < %(today)s
                 GROUP BY line.move_id
            )
            SELECT move.id AS id,
                   move.id AS move_id,
                   move.commercial_partner_id AS partner_id,
                   partner.country_id AS country_id,
                   partner.industry_id AS industry_id,
                   move.invoice_user_id AS user_id,
                   move.company_id AS company_id,
                   company.currency_id AS currency_id,
                   move.ar_overdue_reason_id AS reason_id,
                   overdue.amount AS amount,
                   %(today)s - overdue.due AS days_overdue,
                   move.ar_promise_date AS promise_date,
                   move.ar_promise_amount AS promise_amount
              FROM overdue
              JOIN account_move move ON move.id = overdue.move_id
              JOIN res_partner partner ON partner.id = move.commercial_partner_id
              JOIN res_company company ON company.id = move.company_id
             WHERE move.move_type = 'out_invoice'
            """,
            today=today,
        )
