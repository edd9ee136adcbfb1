"""A company's dunning policy: its levels, in the order of their days (docs/metrics.md,
*Dunning*)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import dunning

#: the level fields that are actions (at least one per level)
ACTION_FIELDS = ("email", "letter", "call", "escalate", "hold")
#: the levels shipped with the addon (data/ar_dunning_data.xml), copied to new companies
SHIPPED_LEVELS = ("pre_due", "first", "second", "final", "escalation")


class ArDunningLevel(models.Model):
    _name = "ar.dunning.level"
    _description = "Dunning level"
    _order = "company_id, days, id"

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    active = fields.Boolean(default=True)
    days = fields.Integer(
        "Days after due date",
        required=True,
        help="Days relative to the due date at which an item reaches this level; negative: a "
        "friendly reminder before the due date. Each grade moves the overdue levels by its "
        "offset (company settings).",
    )
    email = fields.Boolean(help="Email the customer its open items, credit statement attached.")
    mail_template_id = fields.Many2one(
        "mail.template",
        "Email and letter text",
        domain=[("model", "=", "res.partner")],
        help="The text of the email and of the letter: a template on the customer, which "
        "lists its overdue items.",
    )
    attach_statement = fields.Boolean(
        "Attach the statement",
        default=True,
        help="Attach the customer's statement of account (PDF) to the email.",
    )
    attach_invoices = fields.Boolean(
        "Attach the invoices", help="Attach the PDF of each listed invoice to the email."
    )
    letter = fields.Boolean(help="Print a letter (the template's text) to post.")
    call = fields.Boolean(help="Schedule a call for the collector, with the script below.")
    escalate = fields.Boolean(
        "Escalation", help="Schedule an activity for the company's credit managers."
    )
    hold = fields.Boolean(
        "Credit hold",
        help="Hold new orders of the customer under the credit rules while it is at this "
        "level or above.",
    )
    auto = fields.Boolean(
        "Send automatically",
        help="Sent by the daily dunning job when the company sends reminders automatically; "
        "otherwise it waits for a collector in Process reminders.",
    )
    script = fields.Text(
        translate=True,
        help="What the collector says at this stage: shown on the call activity and the worklist.",
    )

    @api.constrains("days", "active", "company_id", *ACTION_FIELDS, "mail_template_id")
    def _check_policy(self):
        for company in self.company_id:
            levels = self.search([("company_id", "=", company.id)], order="days, id")
            errors = dunning.validate_levels(
                levels.mapped("days"),
                [any(level[name] for name in ACTION_FIELDS) for level in levels],
            )
            if "duplicate_days" in errors:
                raise ValidationError(
                    self.env._("Two dunning levels of %s have the same days.", company.name)
                )
            if "no_action" in errors:
                empty = levels.filtered(lambda lv: not any(lv[n] for n in ACTION_FIELDS))
                raise ValidationError(
                    self.env._(
                        "The dunning level %s does nothing: choose at least one action "
                        "(email, letter, call, escalation or credit hold).",
                        empty[0].name,
                    )
                )
        for level in self:
            if (level.email or level.letter) and not level.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "The dunning level %s sends an email or a letter: choose its text.",
                        level.name,
                    )
                )

    @api.model
    def _ensure_defaults(self, companies):
        """Give the companies without a dunning policy a copy of the shipped one (with its
        translations)."""
        shipped = self.browse()
        for key in SHIPPED_LEVELS:
            shipped |= (
                self.env.ref(f"ar_analytics.ar_dunning_level_{key}", raise_if_not_found=False)
                or self.browse()
            )
        have = set(
            self.with_context(active_test=False)
            .search([("company_id", "in", companies.ids)])
            .company_id.ids
        )
        for company in companies:
            if company.id not in have and shipped:
                for level in shipped:
                    level.copy({"company_id": company.id, "name": level.name})
        return True

    @api.model
    def _ensure_defaults_all(self):
        return self._ensure_defaults(
            self.env["res.company"].search([("active", "in", (True, False))])
        )

    def _frame_rows(self):
        """The levels as the engine reads them (days and actions, in order)."""
        return {
            "days": self.mapped("days"),
            **{name: self.mapped(name) for name in ACTION_FIELDS},
        }

    def _position_of_days(self, days):
        """The position (1..n) in these levels (in order) of a level sent at ``days``: the
        levels whose days are at most that."""
        return sum(1 for level in self if level.days <= days)
