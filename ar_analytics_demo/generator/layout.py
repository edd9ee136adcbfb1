"""The companies' document layout, set as Odoo's *Configure your document layout* dialog
sets it, so that printing in the demo never stops at that dialog first."""

#: the layout the dialog proposes first
STANDARD_LAYOUT = "web.external_layout_standard"


def configure_document_layout(env):
    """Give each company without a document layout the standard one (a layout chosen by
    someone is kept); return the companies configured."""
    companies = env["res.company"].search([("external_report_layout_id", "=", False)])
    companies.write({"external_report_layout_id": env.ref(STANDARD_LAYOUT).id})
    return companies
