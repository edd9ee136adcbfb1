"""The demo command's summary of a database: what it holds and what ar_analytics makes of it,
per company."""

from odoo.fields import Domain

from .credit_demo import credit_demo_summary


def _money(company, amount):
    return f"{company.currency_id.symbol} {amount:,.2f}"


def _days(value, defined):
    return f"{value:.1f} days" if defined else "n/a"


def _share(value, defined):
    return f"{value:.1%}" if defined else "n/a"


def _number(value, defined, digits=3):
    return f"{value:.{digits}f}" if defined else "n/a"


def _label(record, field):
    return dict(record._fields[field]._description_selection(record.env)).get(record[field], "")


def _distribution(stats, field, values):
    counts = {value: 0 for value in values}
    for stat in stats:
        counts[stat[field]] = counts.get(stat[field], 0) + 1
    return "  ".join(f"{value or 'not rated'}: {counts[value]}" for value in values)


def _grades_by_behaviour(stats):
    """Grades of the generated customers per behaviour (their 'AR book: ...' tag)."""
    by_tag = {}
    for stat in stats:
        for tag in stat.partner_id.category_id.filtered(lambda t: t.name.startswith("AR book: ")):
            by_tag.setdefault(tag.name.removeprefix("AR book: "), []).append(stat.grade)
    if not by_tag:
        return []
    lines = ["  grades by generated behaviour:"]
    for behaviour, grades in sorted(by_tag.items()):
        counts = {g: grades.count(g) for g in ("A", "B", "C", "D", False) if grades.count(g)}
        text = ", ".join(f"{g or 'not rated'} {n}" for g, n in counts.items())
        lines.append(f"    {behaviour:<14} {text}")
    return lines


def demo_summary(env, slowest=5):
    """Lines of text describing each company's receivables and figures."""
    lines = []
    for company in env["res.company"].search([("active", "=", True)], order="id"):
        documents = Domain(
            [
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ]
        )
        counts = dict(env["account.move"]._read_group(documents, ["move_type"], ["__count"]))
        if not counts:
            continue
        totals = env["ar.company.stat"].search([("company_id", "=", company.id)])
        lines += [
            f"\n{company.name} ({company.currency_id.name}), figures as of {totals.as_of}",
            f"  customers with figures  {totals.customer_count}",
            f"  invoices posted         {counts.get('out_invoice', 0)}",
            f"  credit notes posted     {counts.get('out_refund', 0)}",
            f"  open receivables        {_money(company, totals.total_ar)}",
            f"  overdue                 {_money(company, totals.overdue_amount)} "
            + f"({_share(totals.overdue_ratio, totals.has_open)})",
            f"  payment cycle (WADP)    {_days(totals.payment_cycle_days, totals.has_behaviour)}",
            f"  days late (WADL)        {_days(totals.days_late, totals.has_behaviour)}",
            f"  collection rate         {_share(totals.collection_rate, totals.has_collection)}",
            f"  on-time rate            {_share(totals.on_time_rate, totals.has_collection)}",
            f"  DSO / best possible     {_days(totals.dso, totals.has_dso)} / "
            + _days(totals.best_possible_dso, totals.has_dso),
            "  aging:",
        ]
        aging = dict(
            env["ar.customer.aging"]._read_group(
                [("company_id", "=", company.id)], ["bucket_id"], ["amount:sum"]
            )
        )
        for bucket in env["ar.aging.bucket"].search([("company_id", "=", company.id)]):
            lines.append(f"    {bucket.name:<12} {_money(company, aging.get(bucket, 0.0)):>18}")
        lines.append(f"    {'unapplied':<12} {_money(company, totals.unapplied_credits):>18}")
        stats = env["ar.customer.stat"].search([("company_id", "=", company.id)])
        lines.append("  grades:   " + _distribution(stats, "grade", ["A", "B", "C", "D", False]))
        lines.append(
            "  tiers:    " + _distribution(stats, "tier", ["core", "important", "general"])
        )
        lines += _grades_by_behaviour(stats)
        slow = env["ar.customer.stat"].search(
            [("company_id", "=", company.id), ("has_behaviour", "=", True)],
            order="days_late desc",
            limit=slowest,
        )
        lines.append(f"  {len(slow)} slowest payers (days late, payment cycle, open):")
        for stat in slow:
            name = stat.partner_id.name
            lines.append(
                f"    {name:<32} {stat.days_late:6.1f} {stat.payment_cycle_days:6.1f}"
                f"  {_money(company, stat.total_ar):>16}"
            )
        lines += _backtest_summary(company)
        lines += _collection_summary(env, company)
    return lines + credit_demo_summary(env)


def _backtest_summary(company):
    """The grades' backtest: the score against the naive predictor and each indicator, the
    suggested weights and their gain, the expected payment dates against naive dates."""
    if not company.ar_backtest_date:
        return ["  backtest of the grades: not run"]
    lines = [
        (
            f"  backtest of the grades as of {company.ar_backtest_date} "
            f"({company.ar_backtest_customers} customers rated then who paid since):"
        ),
        (
            "    rank correlation with the days late paid since (1 = perfect), and the "
            "score's on the same customers:"
        ),
    ]
    for line in company.ar_backtest_predictor_ids:
        lines.append(
            f"    {_label(line, 'predictor'):<32} {line.customers:5d} customers  "
            f"{_number(line.spearman, line.has_spearman):>6}  "
            f"score {_number(line.score_spearman, line.has_score_spearman):>6}"
        )
    if company.ar_suggest_date:
        weights = " / ".join(f"{w:.2f}" for w in company._ar_suggested_weights())
        current = " / ".join(f"{w:.2f}" for w in company._ar_score_weights())
        lines.append(
            f"  suggested weights {weights} (current {current}): rank correlation "
            f"{company.ar_suggest_spearman:.3f} against {company.ar_suggest_current_spearman:.3f}"
            f" on the last half-year, gain {company.ar_suggest_gain:+.3f}"
        )
    else:
        lines.append("  suggested weights: not enough history")
    items = company.ar_backtest_items
    lines.append(
        f"  expected payment dates, mean error on {items} items paid since: expected "
        f"{_days(company.ar_backtest_expected_mae, items)}, due date "
        f"{_days(company.ar_backtest_due_mae, items)}, due date + mean days late "
        f"{_days(company.ar_backtest_late_mae, items)}"
    )
    return lines


def _collection_summary(env, company):
    """Forecast and backtest of the company's collections, expected cash, signals."""
    trend = env["ar.collection.trend"].search(
        [("company_id", "=", company.id), ("scope", "=", "company")], limit=1
    )
    if not trend:
        return []
    model = _label(trend, "model") or "none"
    params = ", ".join(
        f"{name} {trend[name]:.2f}"
        for name, used in (
            ("alpha", trend.model in ("ses", "damped_holt", "holt_winters")),
            ("beta", trend.model in ("damped_holt", "holt_winters")),
            ("gamma", trend.model == "holt_winters"),
            ("phi", trend.model == "damped_holt"),
        )
        if used
    )
    lines = [
        f"  collections forecast ({trend.months} months of history): {model}"
        + (f" ({params})" if params else ""),
        (
            f"    next month {_money(company, trend.forecast_next)}, next 6 months "
            f"{_money(company, trend.forecast_total)}"
        ),
        (
            f"    backtest: MAE {_money(company, trend.mae)}, MASE {trend.mase:.2f} "
            f"({'beats' if trend.mase < 1 else 'does not beat'} the naive forecast), MAPE "
            f"{trend.mape:.1f}% ({trend.mape_skipped} zero months skipped), "
            f"{trend.n_points} points"
        ),
        (
            f"    against the best naive benchmark ({_label(trend, 'benchmark') or 'none'}, "
            f"MASE {_number(trend.benchmark_mase, trend.benchmark, 2)}): "
            + (
                f"{trend.benchmark_gain:.1%} lower error"
                if trend.benchmark_gain > 0
                else "no smoothing model beat it, the benchmark is the forecast"
            )
        ),
    ]
    cash = env["ar.expected.cash"].search(
        [("company_id", "=", company.id), ("frequency", "=", "week")]
    )
    amounts = {
        kind: sum(cash.filtered(lambda c, k=kind: c.kind == k).mapped("amount"))
        for kind in ("period", "later", "uncertain")
    }
    lines.append(
        f"  expected cash-in, next 13 weeks: {_money(company, amounts['period'])}; later "
        f"{_money(company, amounts['later'])}; uncertain {_money(company, amounts['uncertain'])}"
    )
    signals = env["ar.customer.signal"].search([("company_id", "=", company.id)])
    alerts = signals.filtered(lambda s: s.severity == "alert")
    by_signal = {}
    for signal in alerts:
        by_signal[signal.signal] = by_signal.get(signal.signal, 0) + 1
    lines.append(
        f"  early-warning signals: {len(alerts)} alerts on "
        f"{len(alerts.partner_id)} customers, {len(signals) - len(alerts)} warnings; alerts: "
        + ", ".join(f"{name} {count}" for name, count in sorted(by_signal.items()))
    )
    return lines
