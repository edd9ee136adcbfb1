"""Credit rules on the demo book: switch them on for the main company and leave one
quotation blocked by each rule, chosen from the customers' computed figures, plus one
order a credit manager let through (the override audit trail).

Idempotent: quotations carry a ``client_order_ref`` starting with ``AR demo:`` and are made
once; run again, it only reports them.
"""

import math

from odoo import Command

REF = "AR demo: "
#: overdue rule of the demo company: an item more than this many days past due ...
OVERDUE_DAYS = 60


def _round_up(amount, step=1000.0):
    return math.ceil(amount / step) * step


def _pick(stats, condition, key):
    candidates = stats.filtered(condition)
    return candidates.sorted(key)[:1].partner_id


class CreditDemo:
    def __init__(self, env):
        self.env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True))
        self.company = self.env.ref("base.main_company")
        self.admin = self.env.ref("base.user_admin")

    def _stats(self):
        return self.env["ar.customer.stat"].search([("company_id", "=", self.company.id)])

    def _product(self):
        return self.env["product.product"].search(
            [("sale_ok", "=", True), ("list_price", ">", 0)], order="id", limit=1
        )

    def _configure(self, stats):
        """Switch the rules on; the overdue rule's amount sits just under the largest
        past-due total of a customer graded A or B, so that the rule has a customer of
        its own (the grade rule does not catch A and B)."""
        good = stats.filtered(lambda s: s.grade in ("A", "B") and s.max_dpd <= OVERDUE_DAYS)
        largest = max(good.mapped("overdue_amount"), default=0.0)
        amount = math.floor(largest * 0.9 / 100) * 100 if largest >= 200 else 0.0
        self.company.write(
            {
                "account_use_credit_limit": True,
                "ar_rule_limit": True,
                "ar_rule_grade": True,
                "ar_rule_overdue": True,
                "ar_overdue_days": OVERDUE_DAYS,
                "ar_overdue_amount": amount,
            }
        )

    def _customers(self, stats):
        """rule -> customer: each blocked by that rule alone when the book allows it."""
        amount = self.company.ar_overdue_amount
        hold = self.company.ar_grade_c_days

        def quiet(stat):  # not caught by the overdue rule
            return stat.max_dpd <= OVERDUE_DAYS and not (0 < amount < stat.overdue_amount)

        return {
            "limit": _pick(
                stats,
                lambda s: s.grade == "A" and s.total_ar > 0 and not s.overdue_amount,
                lambda s: -s.total_ar,
            ),
            "grade_hold": _pick(
                stats,
                lambda s: s.grade == "C" and s.max_dpd > hold and quiet(s),
                lambda s: s.max_dpd,
            )
            or _pick(stats, lambda s: s.grade == "C" and s.max_dpd > hold, lambda s: s.max_dpd),
            "grade_prepay": _pick(stats, lambda s: s.grade == "D" and quiet(s), lambda s: s.id)
            or _pick(stats, lambda s: s.grade == "D", lambda s: s.id),
            "overdue": _pick(
                stats,
                lambda s: s.grade in ("A", "B") and 0 < amount < s.overdue_amount,
                lambda s: -s.overdue_amount,
            )
            or _pick(stats, lambda s: s.max_dpd > OVERDUE_DAYS, lambda s: -s.max_dpd),
        }

    def _quotation(self, rule, partner, amount):
        return (
            self.env["sale.order"]
            .with_company(self.company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "user_id": self.admin.id,
                    "client_order_ref": REF + rule,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self._product().id,
                                "product_uom_qty": 1,
                                "price_unit": round(amount, 2),
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def build(self):
        existing = self.env["sale.order"].search([("client_order_ref", "=like", REF + "%")])
        if existing:
            return existing
        stats = self._stats()
        self._configure(stats)
        customers = self._customers(stats)
        orders = self.env["sale.order"]
        limit_customer = customers["limit"].with_company(self.company)
        if limit_customer:
            exposure = limit_customer.credit + limit_customer.credit_to_invoice
            limit_customer.credit_limit = _round_up(exposure + 1000)
            orders |= self._quotation(
                "limit", limit_customer, limit_customer.credit_limit - exposure + 1500
            )
        for rule in ("grade_hold", "grade_prepay", "overdue"):
            if customers[rule]:
                orders |= self._quotation(rule, customers[rule], 1200)
        # a credit manager lets one blocked order through: the override audit trail
        if customers["grade_prepay"]:
            approved = self._quotation("override", customers["grade_prepay"], 800)
            self.env["ar.credit.override.wizard"].with_user(self.admin).create(
                {
                    "order_id": approved.id,
                    "reason": "Bank guarantee received for this order (demo).",
                }
            ).action_override()
            orders |= approved
        return orders


def credit_demo(env):
    """Set the demo's credit rules up (once); return the demo orders."""
    return CreditDemo(env).build()


def credit_demo_summary(env):
    """Lines describing the demo orders and the rules that block them."""
    orders = env["sale.order"].search([("client_order_ref", "=like", REF + "%")], order="id")
    if not orders:
        return []
    rules = env["ar.credit.rules"]
    lines = ["\nCredit rules (Sales > Orders > Quotations, search 'AR demo'):"]
    findings = orders._ar_credit_findings()
    for order in orders:
        stat = env["ar.customer.stat"].search(
            [
                ("company_id", "=", order.company_id.id),
                ("partner_id", "=", order.partner_id.commercial_partner_id.id),
            ]
        )
        if order.id in findings:
            verdict = "blocked by " + rules._rules_summary(findings[order.id])
        elif order.ar_credit_override_ids:
            verdict = f"confirmed by a credit manager's override ({order.state})"
        else:
            verdict = f"not blocked ({order.state})"
        lines.append(
            f"  {order.name:<8} {order.client_order_ref[len(REF) :]:<13} "
            f"{order.partner_id.name:<28} grade {stat.grade or '-'}  {verdict}"
        )
    return lines
