from odoo import api, models

from .ar_credit_statement import RECENT_PAYMENT_DAYS


class ReportDunningLetter(models.AbstractModel):
    """Dunning letters: the level's text for each reminder, in the company's letterhead,
    followed by the customer's statement as of the letter's date."""

    _name = "report.ar_analytics.report_dunning_letter"
    _description = "Dunning letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        reminders = self.env["ar.dunning.reminder"].browse(docids)
        run = self.env["ar.dunning.run"].sudo()
        statement = self.env["report.ar_analytics.report_credit_statement"]
        return {
            "doc_ids": reminders.ids,
            "doc_model": "ar.dunning.reminder",
            "docs": reminders,
            "subjects": run._render(reminders, "subject"),
            "bodies": run._render(reminders, "body_html"),
            # each letter is followed by its customer's statement, as of the letter's date
            "statements": {
                r.partner_id.id: statement._statement(r.partner_id, r.company_id, r.date)
                for r in reminders
            },
            "recent_days": RECENT_PAYMENT_DAYS,
            "show_internal": False,
        }
