from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        self.env["ar.refresh"]._mark_dirty_lines(partials.debit_move_id | partials.credit_move_id)
        return partials

    def unlink(self):
        lines = self.debit_move_id | self.credit_move_id
        result = super().unlink()
        self.env["ar.refresh"]._mark_dirty_lines(lines.exists())
        return result
