from odoo import models


class ReportCreditStatementInternal(models.AbstractModel):
    """The same statement with the customer's credit grade, score and tier, for internal
    use (credit reviews)."""

    _name = "report.ar_analytics.report_credit_statement_internal"
    _inherit = "report.ar_analytics.report_credit_statement"
    _description = "Customer credit statement (internal)"

    show_internal = True
