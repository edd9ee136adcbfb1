"""Reminder and statement emails carry the customer's statement of account as a PDF,
rendered when the mail queue sends them rather than when the run creates them: one
wkhtmltopdf call per customer is most of an email's cost, and the run must stay short."""

from odoo import fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    ar_statement_partner_id = fields.Many2one(
        "res.partner",
        "Statement to attach",
        readonly=True,
        index="btree_not_null",
        help="The customer whose statement of account is attached when the email is sent.",
    )
    ar_statement_company_id = fields.Many2one("res.company", "Statement company", readonly=True)

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        self._ar_attach_statements()
        return super().send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            post_send_callback=post_send_callback,
        )

    def _ar_attach_statements(self):
        """Render and attach the statements these emails wait for (to their message, so
        that the chatter shows it too)."""
        report = self.env.ref("ar_analytics.action_report_credit_statement")
        waiting = self.exists().filtered(
            lambda m: m.ar_statement_partner_id and m.state == "outgoing"
        )
        for mail in waiting:
            partner = mail.ar_statement_partner_id
            pdf, _kind = (
                self.env["ir.actions.report"]
                .with_company(mail.ar_statement_company_id)
                ._render_qweb_pdf(report, partner.ids)
            )
            attachment = self.env["ir.attachment"].create(
                {
                    "name": self.env._("Statement - %s.pdf", partner.name),
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": "mail.message",
                    "res_id": mail.mail_message_id.id,
                }
            )
            mail.write(
                {
                    "attachment_ids": [fields.Command.link(attachment.id)],
                    "ar_statement_partner_id": False,
                }
            )
