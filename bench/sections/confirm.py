"""3. Sale order confirmation with ar_analytics' credit check vs with the rules off: one
order per request (the form's button) and SAMPLE orders in one call (the list view's
action)."""

from measure import median, savepoint

SAMPLE = 20  # orders confirmed per run
RULES = {
    "account_use_credit_limit": True,
    "ar_rule_limit": True,
    "ar_rule_grade": True,
    "ar_rule_overdue": True,
}


def _good_customers(env, company):
    """The product ordered, and the stats of customers in good standing (grade A or B,
    nothing overdue), more than SAMPLE: the check may still stop some orders."""
    product = env["product.product"].search([("default_code", "=", "ARB-SRV")], limit=1)
    good = env["ar.customer.stat"].search(
        [
            ("company_id", "=", company.id),
            ("grade", "in", ("A", "B")),
            ("overdue_amount", "=", 0),
        ],
        limit=SAMPLE * 3,
        order="partner_id",
    )
    return product, good


def _create_orders(env, company, product, good):
    """SAMPLE quotations that the credit check lets through, with the rules on and room
    under each customer's limit."""
    company.write(RULES)
    for stat in good:
        stat.partner_id.credit_limit = 10_000_000
    orders = env["sale.order"].create(
        [
            {
                "partner_id": stat.partner_id.id,
                "company_id": company.id,
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
            for stat in good
        ]
    )
    findings = orders._ar_credit_findings()
    orders = orders.filtered(lambda o: o.id not in findings)[:SAMPLE]
    env.flush_all()
    return orders


def _confirmations(env, orders):
    """(name, function) of the two ways to confirm the orders."""

    def one_at_a_time():
        """What a salesperson does: one order confirmed per request (the form's button),
        with the writes its commit flushes."""
        for order in orders:
            order.action_confirm()
            env.flush_all()

    def as_a_batch():
        """The list view's action on the selected quotations: one call, then its flush."""
        orders.action_confirm()
        env.flush_all()

    return (("one per request", one_at_a_time), ("as one batch", as_a_batch))


def _switched(env, company, confirm, on):
    def run():
        # the same settings write on both sides
        company.write(dict.fromkeys(RULES, on))
        env.flush_all()
        confirm()

    return run


def measure(bench):
    env = bench.env
    company = env.ref("base.main_company")
    env = env(context=dict(env.context, allowed_company_ids=company.ids))
    product, good = _good_customers(env, company)
    with savepoint(env, "orders"):
        orders = _create_orders(env, company, product, good)
        for name, confirm in _confirmations(env, orders):
            on, off = bench.pair(
                _switched(env, company, confirm, True), _switched(env, company, confirm, False)
            )
            _add_rows(bench, name, len(orders), on, off)


def _add_rows(bench, name, n, on, off):
    label = "sale order confirmation"
    bench.add(
        label,
        f"{name}: with the credit check ({n} orders)",
        median(on) / n * 1000,
        "ms",
        "per order",
    )
    bench.add(label, f"{name}: with the rules off", median(off) / n * 1000, "ms", "per order")
    bench.add(
        label,
        f"{name}: added by the check",
        median(on) / median(off) - 1,
        "",
        "target <= 0.15",
    )
