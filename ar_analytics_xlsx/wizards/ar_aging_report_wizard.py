from odoo import models


class ArAgingReportWizard(models.TransientModel):
    _inherit = "ar.aging.report.wizard"

    def action_xlsx(self):
        """The aged receivables with the same options, as an Excel workbook."""
        return self.env.ref("ar_analytics_xlsx.action_report_aged_receivables_xlsx").report_action(
            None, data=self._options()
        )
