from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False):
        """Bucket names are created per company, not by data files: translate the shipped
        ones whenever the addon's terms are loaded (a language installed later too)."""
        result = super()._load_module_terms(modules, langs, overwrite=overwrite)
        if "ar_analytics" in modules and "ar.aging.bucket" in self.env:
            self.env["ar.aging.bucket"]._translate_shipped_names(langs)
        return result
