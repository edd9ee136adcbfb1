"""Process reminders: what the dunning run would send today, by level and channel, with a
preview of each text; the collector sends the selection in one click and prints the letters
as one PDF."""

import json

import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.ar_security import REFRESH_GROUPS, check_groups


class ArDunningProcess(models.TransientModel):
    _name = "ar.dunning.process"
    _description = "Process reminders"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    date = fields.Date(required=True, default=fields.Date.context_today, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    line_ids = fields.One2many("ar.dunning.process.line", "process_id", "Reminders due")
    count = fields.Integer("Customers", compute="_compute_totals")
    amount = fields.Monetary("Amount reminded", compute="_compute_totals")
    letter_count = fields.Integer("Letters", compute="_compute_totals")

    @api.depends("line_ids.selected", "line_ids.amount", "line_ids.letter")
    def _compute_totals(self):
        for wizard in self:
            selected = wizard.line_ids.filtered("selected")
            wizard.count = len(selected)
            wizard.amount = sum(selected.mapped("amount"))
            wizard.letter_count = len(selected.filtered("letter"))

    def _compute_display_name(self):
        for wizard in self:
            wizard.display_name = self.env._("Process reminders")

    @api.model
    def action_open(self):
        """The screen of the reminders due today in the current company (the menu's)."""
        wizard = self.create({})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Process reminders"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model_create_multi
    def create(self, vals_list):
        self._check_collector()
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard._load()
        return wizards

    def _check_collector(self):
        check_groups(self.env, REFRESH_GROUPS, self.env._("Only receivables users send reminders."))

    def _load(self):
        run = self.env["ar.dunning.run"].sudo()
        plan = run._plan(self.company_id, self.date)
        due = run._due(plan)
        if due.empty:
            return
        levels, lines = plan["levels"], plan["lines"]
        auto = [False, *levels.mapped("auto")]
        grouped = dict(tuple(lines.loc[lines["partner_id"].isin(due.index)].groupby("partner_id")))
        values = []
        for partner_id, row in due.iterrows():
            listed = grouped[partner_id]
            level = levels[int(row["send_level"]) - 1]
            values.append(
                {
                    "process_id": self.id,
                    "partner_id": partner_id,
                    "level_id": level.id,
                    "automatic": auto[int(row["send_level"])],
                    "email": bool(row["email"]),
                    "letter": bool(row["letter"]),
                    "call": bool(row["call"]),
                    "escalate": bool(row["escalate"]),
                    "no_email": bool(row["no_email"]),
                    "amount": float(listed["residual"].sum()),
                    "item_count": len(listed),
                    "items": json.dumps(
                        [
                            [
                                int(r.move_id),
                                str(pd.Timestamp(r.due).date()),
                                int(r.dpd),
                                r.residual,
                            ]
                            for r in listed.assign(
                                due=pd.Timestamp(self.date) - pd.to_timedelta(listed["dpd"], "D")
                            ).itertuples()
                        ]
                    ),
                }
            )
        self.env["ar.dunning.process.line"].create(values)

    def action_send(self):
        """Send the selected reminders; the letters come back as one PDF to print."""
        self._check_collector()
        self.ensure_one()
        selected = self.line_ids.filtered("selected")
        if not selected:
            raise UserError(self.env._("Nothing is selected: there is no reminder to send."))
        run = self.env["ar.dunning.run"].sudo()
        if not run._lock(self.company_id):
            raise UserError(
                self.env._(
                    "A dunning run of %s is under way: try again when it ends.",
                    self.company_id.name,
                )
            )
        plan = run._plan(self.company_id, self.date)
        reminders = run._send(self.company_id, self.date, plan, partner_ids=selected.partner_id.ids)
        letters = reminders.filtered("letter")
        if letters:
            return self.env.ref("ar_analytics.action_report_dunning_letter").report_action(
                letters.ids
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reminders sent"),
            "res_model": "ar.dunning.reminder",
            "view_mode": "list,form",
            "domain": [("id", "in", reminders.ids)],
        }
