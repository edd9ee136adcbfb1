from odoo import fields, models


class ArOverdueReason(models.Model):
    """Why an invoice is paid late, as collectors record it (dispute, cash-flow difficulty,
    missing documents, awaiting approval...): a configurable list."""

    _name = "ar.overdue.reason"
    _description = "Overdue reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)

    _name_uniq = models.Constraint("UNIQUE(name)", "An overdue reason with this name exists.")
