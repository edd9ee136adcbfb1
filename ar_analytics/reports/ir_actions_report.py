from odoo import models

#: reports with one document per record, converted to PDF one record at a time
PER_RECORD_REPORTS = (
    "ar_analytics.report_credit_statement",
    "ar_analytics.report_credit_statement_internal",
    "ar_analytics.report_dunning_letter",
)


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        """Several customers' statements: one wkhtmltopdf call per customer, which Odoo's
        ``_render_qweb_pdf`` then merges. Without patched Qt (Debian's build), wkhtmltopdf
        cannot convert several documents in one call."""
        report = self._get_report(report_ref)
        if report.report_name not in PER_RECORD_REPORTS or len(set(res_ids or ())) < 2:
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        streams = {}
        printed = set()
        records = self.env[report.model].browse(res_ids)
        for record in records:
            if record.id in streams:
                continue
            # contacts of one company share its statement: printed once
            key = record.commercial_partner_id if report.model == "res.partner" else record
            if key in printed:
                streams[record.id] = {"stream": None, "attachment": None}
                continue
            printed.add(key)
            one = super()._render_qweb_pdf_prepare_streams(
                report_ref, dict(data or {}), res_ids=record.ids
            )
            streams[record.id] = one[record.id]
        return streams
