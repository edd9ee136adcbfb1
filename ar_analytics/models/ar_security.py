"""Who may see and do what: the groups of the fields' ``groups=`` and of the checks in
methods reachable by RPC (a plain module, not a model: fields and reports import it)."""

from odoo.exceptions import AccessError

#: every internal user (not portal): the company's receivables settings and backtest
INTERNAL_GROUP = "base.group_user"
#: who overrides grades and credit rules and applies suggested weights
MANAGER_GROUP = "ar_analytics.group_ar_analytics_credit_manager"
#: who reads receivables figures (scores, behaviour, aging) and prints the reports
FIGURE_GROUPS = (
    "account.group_account_invoice,account.group_account_readonly,"
    "ar_analytics.group_ar_analytics_user"
)
#: who sees grades, tiers and credit verdicts (every internal user, salespeople included)
VERDICT_GROUPS = INTERNAL_GROUP
#: who may recompute stored figures (the "Recompute receivables figures" actions)
REFRESH_GROUPS = "account.group_account_invoice,ar_analytics.group_ar_analytics_user"


def check_groups(env, groups, message):
    """Raise AccessError(message) unless the user (or the superuser) belongs to one of the
    comma-separated ``groups``: for methods reachable by RPC whose ACLs do not say it."""
    if not env.su and not env.user.has_groups(groups):
        raise AccessError(message)
