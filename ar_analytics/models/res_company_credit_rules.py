"""The company's credit rules: which are on, and what each grade does with a new order."""

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..engine import constants, credit_rules
from .ar_security import INTERNAL_GROUP

GRADE_ACTIONS = [
    (credit_rules.ACTION_ALLOW, "Allow"),
    (credit_rules.ACTION_APPROVAL, "Manager approval"),
    (credit_rules.ACTION_PREPAY, "Paid in advance"),
    (credit_rules.ACTION_OVERDUE, "Hold if past due > N days"),
]
#: grade (None: unrated) -> field suffix of its action and days on res.company
GRADE_FIELDS = {"A": "a", "B": "b", "C": "c", "D": "d", None: "unrated"}


def _grade_action(grade):
    action, _days = credit_rules.DEFAULT_GRADE_ACTIONS[grade]
    label = f"Grade {grade}" if grade else "Unrated"
    return fields.Selection(
        GRADE_ACTIONS, label, default=action, required=True, groups=INTERNAL_GROUP
    )


def _grade_days(grade):
    _action, days = credit_rules.DEFAULT_GRADE_ACTIONS[grade]
    label = f"Grade {grade}: days past due" if grade else "Unrated: days past due"
    return fields.Integer(
        label,
        default=days,
        help="With 'Hold if past due > N days': N, the days an item may be past due before "
        "new orders are held.",
        groups=INTERNAL_GROUP,
    )


class ResCompany(models.Model):
    # one extension per theme of settings, so that no file grows too long
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    # credit rules: each can be switched on or off
    ar_rule_limit = fields.Boolean(
        "Block orders over the credit limit",
        help="Confirming an order is blocked when the customer's exposure after it (open "
        "receivables + confirmed orders not invoiced + this order) exceeds its credit limit. "
        "Uses the Sales Credit Limit setting and each customer's credit limit.",
        groups=INTERNAL_GROUP,
    )
    ar_rule_grade = fields.Boolean(
        "Apply the grade policies",
        help="What each credit grade does with a new order: allow it, require a credit "
        "manager's approval, require payment in advance, or hold it while old items are due.",
        groups=INTERNAL_GROUP,
    )
    ar_grade_a_action = _grade_action("A")
    ar_grade_a_days = _grade_days("A")
    ar_grade_b_action = _grade_action("B")
    ar_grade_b_days = _grade_days("B")
    ar_grade_c_action = _grade_action("C")
    ar_grade_c_days = _grade_days("C")
    ar_grade_d_action = _grade_action("D")
    ar_grade_d_days = _grade_days("D")
    ar_grade_unrated_action = _grade_action(None)
    ar_grade_unrated_days = _grade_days(None)
    ar_rule_overdue = fields.Boolean(
        "Block customers with overdue items",
        help="Confirming an order is blocked while the customer has an item past due by more "
        "than the days below, or more past due in total than the amount below.",
        groups=INTERNAL_GROUP,
    )
    ar_overdue_days = fields.Integer(
        "Past due by more than (days)",
        default=constants.DEFAULT_OVERDUE_DAYS,
        groups=INTERNAL_GROUP,
    )
    ar_overdue_amount = fields.Monetary(
        "Or past due in total more than",
        currency_field="currency_id",
        help="0: no amount condition, only the days count.",
        groups=INTERNAL_GROUP,
    )
    ar_rule_on_invoice = fields.Boolean(
        "Check customer invoices too",
        help="Apply the same rules when posting a customer invoice, for the part of it that "
        "does not come from a confirmed sales order (those were checked at confirmation).",
        groups=INTERNAL_GROUP,
    )
    ar_promise_grace_days = fields.Integer(
        "Promise grace days",
        default=constants.DEFAULT_PROMISE_GRACE_DAYS,
        help="Days after a promised payment date before an unkept promise counts as broken.",
        groups=INTERNAL_GROUP,
    )

    @api.constrains(
        *(f"ar_grade_{suffix}_days" for suffix in GRADE_FIELDS.values()),
        "ar_overdue_days",
        "ar_overdue_amount",
        "ar_promise_grace_days",
    )
    def _check_ar_credit_rules(self):
        for company in self:
            if company.ar_promise_grace_days < 0:
                raise ValidationError(self.env._("Promise grace days must be 0 or more."))
            if (
                min(
                    company.ar_overdue_days,
                    *(company[f"ar_grade_{suffix}_days"] for suffix in GRADE_FIELDS.values()),
                )
                < 0
            ):
                raise ValidationError(
                    self.env._("Days past due in the credit rules must be 0 or more.")
                )
            if company.ar_overdue_amount < 0:
                raise ValidationError(
                    self.env._("The past-due amount of the overdue rule cannot be negative.")
                )

    @tools.ormcache("self.id")
    def _ar_tree_ids(self):
        """Ids of the company's root and all its branches, archived ones included (the
        companies core's customer credit counts). Companies never move in the hierarchy,
        and creating or deleting one clears this cache."""
        self.ensure_one()
        tree = (
            self.sudo()
            .with_context(active_test=False)
            .search([("parent_path", "=like", f"{self.root_id.parent_path}%")])
        )
        return tuple(tree.ids)

    def _ar_credit_policy(self):
        """The company's credit rules for the engine; the limit rule also needs core's
        Sales Credit Limit setting."""
        self.ensure_one()
        return credit_rules.CreditPolicy(
            limit_on=self.ar_rule_limit and self.account_use_credit_limit,
            grade_on=self.ar_rule_grade,
            grade_actions={
                grade: (self[f"ar_grade_{suffix}_action"], self[f"ar_grade_{suffix}_days"])
                for grade, suffix in GRADE_FIELDS.items()
            },
            overdue_on=self.ar_rule_overdue,
            overdue_days=self.ar_overdue_days,
            overdue_amount=self.ar_overdue_amount,
        )

    def _ar_credit_rules_on(self):
        self.ensure_one()
        policy = self._ar_credit_policy()
        if policy.limit_on or policy.grade_on or policy.overdue_on:
            return True
        # a dunning level that holds orders checks them even with every rule off
        return bool(
            self.env["ar.dunning.level"]
            .sudo()
            .search_count([("company_id", "=", self.id), ("hold", "=", True)], limit=1)
        )
