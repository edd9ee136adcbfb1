def post_init_hook(env):
    """Default aging buckets and dunning levels for the companies that exist when the addon
    is installed, then
    their figures and a back-filled score history (24 month-ends), so that grades, trends and
    grade changes are visible from day one."""
    companies = env["res.company"].search([("active", "=", True)])
    env["ar.aging.bucket"]._ensure_defaults(companies)
    env["ar.dunning.level"]._ensure_defaults(companies)
    refresh = env["ar.refresh"]
    for company in companies:
        refresh._refresh_company(company)
        env["ar.backtest"]._backfill_history(company)


def uninstall_hook(env):
    """What Odoo does not remove: the database function of the credit rules
    (``store/sql/credit_figures.sql``), and the closing dates of receivable lines with
    their triggers on core's tables (``ar_item_closing``)."""
    env["ar.credit.rules"]._drop_figures_function()
    env["ar.item.closing"]._drop()
