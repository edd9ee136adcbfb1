"""Periodic statements of account (定期对账): once a month or a quarter, each customer with
something open gets its statement by email, unless it opted out. Logged once per customer and
period (a unique constraint), like the reminders."""

import datetime

from odoo import api, fields, models

from ..engine.constants import STATEMENT_PERIOD_MONTHS


def period_start(date, period):
    """The first day of the month or quarter of ``date``."""
    months = STATEMENT_PERIOD_MONTHS[period]
    month = (date.month - 1) // months * months + 1
    return datetime.date(date.year, month, 1)


class ArDunningStatement(models.Model):
    _name = "ar.dunning.statement"
    _description = "Periodic statement of account"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", required=True, readonly=True)
    period = fields.Date(required=True, readonly=True, help="Its first day.")
    date = fields.Date(required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary("Open amount", readonly=True)
    message_id = fields.Many2one("mail.message", readonly=True, ondelete="set null")

    _period_uniq = models.Constraint(
        "UNIQUE(company_id, partner_id, period)", "One statement a customer and period."
    )

    @api.model
    def _send_due(self, company, run_date, customers):
        """Send the statements of the period to the customers with something open
        (``customers``: the dunning plan's, with ``open_amount``) that have none yet, an
        email address and no opt-out. Returns the statements logged."""
        period = company.ar_statement_period
        if not period or period == "off":
            return self.browse()
        start = period_start(run_date, period)
        open_amounts = customers["open_amount"]
        candidates = self.env["res.partner"].browse(open_amounts.index[open_amounts > 0].tolist())
        done = self.search([("company_id", "=", company.id), ("period", "=", start)]).partner_id
        partners = (candidates - done).filtered(lambda p: p.email and not p.ar_statement_opt_out)
        template = self.env.ref("ar_analytics.mail_template_statement")
        run = self.env["ar.dunning.run"]
        logged = self.browse()
        listings = {p.id: {"period": fields.Date.to_string(start)} for p in partners}
        subjects = run._render_template(template, "subject", partners, listings)
        bodies = run._render_template(template, "body_html", partners, listings)
        for partner in partners:
            message = run._post_email(company, partner, subjects[partner.id], bodies[partner.id])
            logged |= self.sudo().create(
                {
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "period": start,
                    "date": run_date,
                    "amount": float(open_amounts[partner.id]),
                    "message_id": message.id,
                }
            )
        return logged
