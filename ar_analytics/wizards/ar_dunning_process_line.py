import json

from odoo import api, fields, models

from ..engine.constants import DUNNING_CHANNEL_LABELS


class ArDunningProcessLine(models.TransientModel):
    """One customer's reminder as today's run would send it: level, channel, the items
    listed and a preview of the text; the collector unticks what not to send."""

    _name = "ar.dunning.process.line"
    _description = "Reminder to process"
    _order = "level_days, amount desc, id"

    process_id = fields.Many2one("ar.dunning.process", required=True, ondelete="cascade")
    selected = fields.Boolean("Send", default=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    level_id = fields.Many2one("ar.dunning.level", readonly=True)
    level_days = fields.Integer(related="level_id.days", store=True)
    automatic = fields.Boolean("Sent automatically", readonly=True)
    channel = fields.Selection(list(DUNNING_CHANNEL_LABELS), compute="_compute_channel", store=True)
    email = fields.Boolean(readonly=True)
    letter = fields.Boolean(readonly=True)
    call = fields.Boolean(readonly=True)
    escalate = fields.Boolean("Escalation", readonly=True)
    no_email = fields.Boolean("No email address", readonly=True)
    currency_id = fields.Many2one(related="process_id.currency_id")
    amount = fields.Monetary("Amount reminded", readonly=True)
    item_count = fields.Integer("Items", readonly=True)
    items = fields.Text("Listed items", readonly=True)
    preview_subject = fields.Char("Subject", compute="_compute_preview")
    preview = fields.Html(compute="_compute_preview", sanitize=False)

    def action_preview(self):
        """The email or letter of this customer as it would go out."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.depends("email", "letter", "call", "escalate")
    def _compute_channel(self):
        for line in self:
            line.channel = next(
                (n for n in ("email", "letter", "call", "escalate") if line[n]), False
            )

    @api.depends("items", "level_id")
    def _compute_preview(self):
        run = self.env["ar.dunning.run"]
        for line in self:
            if not line.items or not (line.email or line.letter):
                line.preview_subject = False
                line.preview = line.level_id.script or False
                continue
            items = [
                (self.env["account.move"].browse(move_id), fields.Date.to_date(due), days, amount)
                for move_id, due, days, amount in json.loads(line.items)
            ]
            listing = run._listing(line.partner_id, line.level_id, line.currency_id, items)
            line.preview_subject = run._render_text(
                line.level_id, "subject", line.partner_id, listing
            )
            line.preview = run._render_text(line.level_id, "body_html", line.partner_id, listing)
