"""Credit rules (metrics.md section 4, grade policy): may this order be sold on credit?

Pure functions over plain values: a company's :class:`CreditPolicy` and one order's
:class:`CreditFacts` give the list of :class:`Finding` that block it (empty: allowed).
The Odoo layer gathers the facts (core's ``credit``, ``credit_to_invoice`` and
``credit_limit``, the stored grade, the live past-due items) and words the findings.
"""

from dataclasses import dataclass, field
from types import MappingProxyType

from .constants import DEFAULT_OVERDUE_DAYS, GRADE_HOLD_DAYS, GRADES

RULE_LIMIT = "limit"
RULE_GRADE = "grade"
RULE_OVERDUE = "overdue"
#: the customer reached a dunning level that holds new orders (docs/metrics.md, Dunning)
RULE_DUNNING = "dunning"
RULES = (RULE_LIMIT, RULE_GRADE, RULE_OVERDUE, RULE_DUNNING)

#: What a grade policy does with a new order.
ACTION_ALLOW = "allow"
ACTION_APPROVAL = "approval"
ACTION_PREPAY = "prepay"
ACTION_OVERDUE = "overdue"
GRADE_ACTIONS = (ACTION_ALLOW, ACTION_APPROVAL, ACTION_PREPAY, ACTION_OVERDUE)

#: Grade policy defaults of metrics.md section 4: A and B sell on terms, C holds new orders
#: while an item is more than 30 days past due, D is cash in advance. Unrated customers
#: (no payment history) are allowed: the limit and overdue rules still apply to them.
DEFAULT_GRADE_ACTIONS = MappingProxyType(
    {
        GRADES[0]: (ACTION_ALLOW, 0),
        GRADES[1]: (ACTION_ALLOW, 0),
        GRADES[2]: (ACTION_OVERDUE, GRADE_HOLD_DAYS),
        GRADES[3]: (ACTION_PREPAY, 0),
        None: (ACTION_ALLOW, 0),
    }
)


@dataclass(frozen=True)
class CreditPolicy:
    """A company's credit rules; each rule can be switched on or off."""

    limit_on: bool = False
    grade_on: bool = False
    grade_actions: dict = field(default_factory=lambda: dict(DEFAULT_GRADE_ACTIONS))
    overdue_on: bool = False
    #: overdue rule: block while an item is more than this many days past due ...
    overdue_days: int = DEFAULT_OVERDUE_DAYS
    #: ... or while the past-due total exceeds this amount (0: no amount condition)
    overdue_amount: float = 0.0

    def __post_init__(self):
        errors = validate_policy(self)
        if errors:
            raise ValueError("; ".join(errors))


@dataclass(frozen=True)
class CreditFacts:
    """One order seen by the rules, amounts in the company currency.

    ``limit`` is 0 when the customer has no credit limit (as in core). ``past_due`` holds
    (days past due, open amount) of the customer's open positive items past their due date.
    ``dunning_hold``: the dunning level holding the customer's new orders, if any.
    """

    amount: float
    limit: float = 0.0
    credit: float = 0.0
    credit_to_invoice: float = 0.0
    paid_in_advance: bool = False
    grade: str | None = None
    past_due: tuple = ()
    dunning_hold: str | None = None

    @property
    def exposure(self):
        return self.credit + self.credit_to_invoice + self.amount

    @property
    def max_days_past_due(self):
        return max((days for days, _amount in self.past_due), default=0)

    @property
    def past_due_amount(self):
        return sum(amount for _days, amount in self.past_due)

    def past_due_beyond(self, days):
        """Open amount of the items more than ``days`` past due."""
        return sum(amount for item_days, amount in self.past_due if item_days > days)


@dataclass(frozen=True)
class Finding:
    """One rule that blocks the order: ``rule`` (limit, grade, overdue), the grade action
    for the grade rule, and the figures that explain it."""

    rule: str
    action: str | None = None
    figures: dict = field(default_factory=dict)


def validate_policy(policy):
    """Problems of a policy as a list of messages (empty when valid)."""
    errors = []
    for grade in (*GRADES, None):
        action, days = policy.grade_actions.get(grade, (None, None))
        if action not in GRADE_ACTIONS:
            errors.append(f"grade {grade or 'unrated'}: unknown action {action!r}")
        elif days is None or days < 0:
            errors.append(f"grade {grade or 'unrated'}: days past due must be 0 or more")
    if policy.overdue_days < 0:
        errors.append("overdue rule: days past due must be 0 or more")
    if policy.overdue_amount < 0:
        errors.append("overdue rule: the amount cannot be negative")
    return errors


def evaluate(policy, facts):
    """The findings that block ``facts`` under ``policy``, in rule order (limit, grade,
    overdue, dunning); an empty list when the order may be confirmed. The dunning hold
    applies whatever the policy: the level that holds is the switch.

    An order paid in full in advance adds no exposure and is never blocked.
    """
    if facts.paid_in_advance:
        return []
    findings = []
    exposure = facts.exposure
    if policy.limit_on and facts.limit > 0 and facts.amount > 0 and exposure > facts.limit:
        findings.append(
            Finding(
                RULE_LIMIT,
                figures={
                    "limit": facts.limit,
                    "credit": facts.credit,
                    "credit_to_invoice": facts.credit_to_invoice,
                    "amount": facts.amount,
                    "exposure": exposure,
                    "excess": exposure - facts.limit,
                },
            )
        )
    if policy.grade_on:
        action, days = policy.grade_actions.get(facts.grade, DEFAULT_GRADE_ACTIONS[None])
        figures = {"grade": facts.grade, "amount": facts.amount}
        if action in (ACTION_APPROVAL, ACTION_PREPAY):
            findings.append(Finding(RULE_GRADE, action, figures))
        elif action == ACTION_OVERDUE and facts.max_days_past_due > days:
            figures.update(
                days=days,
                max_days_past_due=facts.max_days_past_due,
                amount_beyond=facts.past_due_beyond(days),
            )
            findings.append(Finding(RULE_GRADE, action, figures))
    if policy.overdue_on:
        too_old = facts.max_days_past_due > policy.overdue_days
        too_much = 0 < policy.overdue_amount < facts.past_due_amount
        if too_old or too_much:
            findings.append(
                Finding(
                    RULE_OVERDUE,
                    figures={
                        "days": policy.overdue_days,
                        "max_amount": policy.overdue_amount,
                        "max_days_past_due": facts.max_days_past_due,
                        "past_due_amount": facts.past_due_amount,
                        "amount_beyond": facts.past_due_beyond(policy.overdue_days),
                        "too_old": too_old,
                        "too_much": too_much,
                    },
                )
            )
    if facts.dunning_hold:
        findings.append(Finding(RULE_DUNNING, figures={"level": facts.dunning_hold}))
    return findings
