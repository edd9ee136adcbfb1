"""Credit rules (metrics.md section 4 grade policies, issue 5): pure evaluation."""

import ar_analytics_engine as engine
import pytest

cr = engine.credit_rules
ALL_ON = cr.CreditPolicy(limit_on=True, grade_on=True, overdue_on=True)


def rules(findings):
    return [(f.rule, f.action) for f in findings]


def test_defaults_follow_metrics_section_4():
    actions = cr.DEFAULT_GRADE_ACTIONS
    assert actions["A"] == ("allow", 0)
    assert actions["B"] == ("allow", 0)
    assert actions["C"] == ("overdue", 30)
    assert actions["D"] == ("prepay", 0)
    assert actions[None] == ("allow", 0)
    policy = cr.CreditPolicy()
    assert not (policy.limit_on or policy.grade_on or policy.overdue_on)
    assert cr.evaluate(policy, cr.CreditFacts(amount=1e9, limit=1, grade="D")) == []


def test_limit_uses_core_exposure():
    facts = cr.CreditFacts(amount=300, limit=1000, credit=500, credit_to_invoice=250)
    (finding,) = cr.evaluate(cr.CreditPolicy(limit_on=True), facts)
    assert finding.rule == "limit"
    assert finding.figures["exposure"] == 1050
    assert finding.figures["excess"] == 50
    # exactly at the limit is allowed, as core's warning
    at_limit = cr.CreditFacts(amount=250, limit=1000, credit=500, credit_to_invoice=250)
    assert cr.evaluate(cr.CreditPolicy(limit_on=True), at_limit) == []
    # no limit (0) means no limit rule
    assert cr.evaluate(cr.CreditPolicy(limit_on=True), cr.CreditFacts(amount=1e9)) == []
    # an order that adds nothing (zero amount) is never blocked by the limit
    assert (
        cr.evaluate(cr.CreditPolicy(limit_on=True), cr.CreditFacts(amount=0, limit=1, credit=5))
        == []
    )


@pytest.mark.parametrize(
    ("grade", "past_due", "expected"),
    [
        ("A", ((400, 1000.0),), []),
        ("B", ((400, 1000.0),), []),
        ("C", ((30, 1000.0),), []),
        ("C", ((31, 1000.0), (5, 10.0)), [("grade", "overdue")]),
        ("D", (), [("grade", "prepay")]),
        (None, ((90, 1.0),), []),
    ],
)
def test_grade_actions(grade, past_due, expected):
    facts = cr.CreditFacts(amount=100, grade=grade, past_due=past_due)
    assert rules(cr.evaluate(cr.CreditPolicy(grade_on=True), facts)) == expected


def test_grade_hold_figures_name_what_to_collect():
    facts = cr.CreditFacts(amount=100, grade="C", past_due=((45, 700.0), (31, 300.0), (10, 50.0)))
    (finding,) = cr.evaluate(cr.CreditPolicy(grade_on=True), facts)
    assert finding.figures == {
        "grade": "C",
        "amount": 100,
        "days": 30,
        "max_days_past_due": 45,
        "amount_beyond": 1000.0,
    }


def test_custom_grade_actions():
    actions = dict(cr.DEFAULT_GRADE_ACTIONS)
    actions["B"] = ("approval", 0)
    actions[None] = ("prepay", 0)
    policy = cr.CreditPolicy(grade_on=True, grade_actions=actions)
    assert rules(cr.evaluate(policy, cr.CreditFacts(amount=1, grade="B"))) == [
        ("grade", "approval")
    ]
    assert rules(cr.evaluate(policy, cr.CreditFacts(amount=1))) == [("grade", "prepay")]


def test_overdue_rule_days_or_amount():
    policy = cr.CreditPolicy(overdue_on=True, overdue_days=60, overdue_amount=5000)
    old = cr.CreditFacts(amount=1, past_due=((61, 100.0),))
    (finding,) = cr.evaluate(policy, old)
    assert finding.figures["too_old"] and not finding.figures["too_much"]
    assert finding.figures["amount_beyond"] == 100.0
    much = cr.CreditFacts(amount=1, past_due=((10, 3000.0), (20, 2500.0)))
    (finding,) = cr.evaluate(policy, much)
    assert finding.figures["too_much"] and not finding.figures["too_old"]
    assert finding.figures["past_due_amount"] == 5500.0
    fine = cr.CreditFacts(amount=1, past_due=((60, 4000.0), (1, 1000.0)))
    assert cr.evaluate(policy, fine) == []
    # amount 0: the amount condition is off, only days count
    no_amount = cr.CreditPolicy(overdue_on=True, overdue_days=0)
    assert cr.evaluate(no_amount, cr.CreditFacts(amount=1, past_due=((1, 1e9),)))
    assert cr.evaluate(no_amount, cr.CreditFacts(amount=1)) == []


def test_paid_in_advance_is_never_blocked():
    facts = cr.CreditFacts(
        amount=5000,
        limit=100,
        credit=900,
        paid_in_advance=True,
        grade="D",
        past_due=((400, 9e6),),
    )
    assert cr.evaluate(ALL_ON, facts) == []
    unpaid = cr.CreditFacts(amount=5000, limit=100, credit=900, grade="D", past_due=((400, 9e6),))
    assert rules(cr.evaluate(ALL_ON, unpaid)) == [
        ("limit", None),
        ("grade", "prepay"),
        ("overdue", None),
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"overdue_days": -1},
        {"overdue_amount": -5.0},
        {"grade_actions": {**cr.DEFAULT_GRADE_ACTIONS, "C": ("overdue", -3)}},
        {"grade_actions": {**cr.DEFAULT_GRADE_ACTIONS, "A": ("shrug", 0)}},
        {"grade_actions": {"A": ("allow", 0)}},
    ],
)
def test_invalid_policies_are_refused(kwargs):
    with pytest.raises(ValueError):
        cr.CreditPolicy(**kwargs)


def test_a_dunning_hold_blocks_whatever_the_policy():
    facts = cr.CreditFacts(amount=100.0, dunning_hold="Final notice")
    findings = cr.evaluate(cr.CreditPolicy(), facts)
    assert [(f.rule, f.figures) for f in findings] == [("dunning", {"level": "Final notice"})]
    assert cr.evaluate(cr.CreditPolicy(), cr.CreditFacts(amount=100.0)) == []
    paid = cr.CreditFacts(amount=100.0, dunning_hold="Final notice", paid_in_advance=True)
    assert cr.evaluate(ALL_ON, paid) == []
