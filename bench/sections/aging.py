"""2. Aged receivables as of a past date: ar_analytics' report vs OCA's
account_financial_report Aged Partner Balance, the data (totals asserted equal to the cent)
and the PDF of the first customers (both reports, through wkhtmltopdf)."""

import datetime
import json

from measure import fmt, median, say, timed

import manage

AGING_AS_OF = datetime.date(2026, 6, 30)
PDF_CUSTOMERS = 200
PDF_PORT = 8169


def _as_json(data):
    """Report data as the report action passes it (through JSON: dates as strings)."""
    return json.loads(json.dumps(data, default=str))


def _ours(company, partners=None):
    options = {"company_id": company.id, "as_of": AGING_AS_OF.isoformat()}
    if partners is not None:
        options["partner_ids"] = partners.ids
    return options


def _oca_wizard(env, company, partners=None):
    accounts = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.ids)]
    )
    return env["aged.partner.balance.report.wizard"].create(
        {
            "company_id": company.id,
            "date_at": AGING_AS_OF,
            "target_move": "posted",
            "account_ids": [(6, 0, accounts.ids)],
            "receivable_accounts_only": True,
            "partner_ids": [(6, 0, partners.ids if partners is not None else [])],
        }
    )


def _alternate(runs, ours, oca):
    """``runs`` timings of each report, one after the other: ([ours], [oca])."""
    a, b = [], []
    for _run in range(runs):
        a.append(timed(ours)[0])
        b.append(timed(oca)[0])
    return a, b


def measure(bench, pdf=True):
    env = bench.env
    if "aged.partner.balance.report.wizard" not in env:
        say("  OCA account_financial_report is not installed in this database: skipped")
        return
    company = env.ref("base.main_company")
    ours_report = env["report.ar_analytics.report_aged_receivables"].with_company(company)
    oca_report = env["report.account_financial_report.aged_partner_balance"].with_company(company)
    wizard = _oca_wizard(env, company)
    oca_data = _as_json(wizard._prepare_report_data())
    results = {}

    def ours():
        results["ours"] = ours_report._aging_data(_ours(company))

    def oca():
        results["oca"] = oca_report._get_report_values(wizard.ids, oca_data)

    a, b = _alternate(bench.runs, ours, oca)
    label = f"aging {AGING_AS_OF}"
    _add_data_rows(bench, label, company, results, a, b)
    if pdf:
        _pdf(bench, company, label)


def _add_data_rows(bench, label, company, results, a, b):
    ours_total = results["ours"]["totals"]["total"]
    oca_total = sum(acc["residual"] for acc in results["oca"]["aged_partner_balance"])
    customers = results["ours"]["totals"]["count"]
    bench.add(
        label,
        f"ar_analytics aged receivables, data ({customers} customers)",
        median(a),
        "s",
        f"runs {fmt(a)}",
    )
    bench.add(label, "OCA Aged Partner Balance, data", median(b), "s", f"runs {fmt(b)}")
    bench.add(label, "OCA / ar_analytics", median(b) / median(a), "x", "target >= 10")
    bench.add(label, "total ar_analytics", round(ours_total, 2), company.currency_id.name)
    bench.add(label, "total OCA", round(oca_total, 2), company.currency_id.name)
    assert abs(ours_total - oca_total) < 0.005, (ours_total, oca_total)
    bench.add(label, "totals equal to the cent", "yes")


def _pdf_partners(env, company):
    """The first PDF_CUSTOMERS customers with posted receivable lines as of AGING_AS_OF."""
    from odoo.tools import SQL

    return env["res.partner"].browse(
        [
            partner
            for (partner,) in env.execute_query(
                SQL(
                    "SELECT DISTINCT l.partner_id FROM account_move_line l "
                    "JOIN account_account a ON a.id = l.account_id "
                    "WHERE a.account_type = 'asset_receivable' AND l.company_id = %s "
                    "AND l.parent_state = 'posted' AND l.date <= %s "
                    "ORDER BY l.partner_id LIMIT %s",
                    company.id,
                    AGING_AS_OF,
                    PDF_CUSTOMERS,
                )
            )
        ]
    )


def _pdf(bench, company, label):
    env = bench.env
    partners = _pdf_partners(env, company)
    report = env["ir.actions.report"].with_company(company)
    wizard = _oca_wizard(env, company, partners)
    oca_data = _as_json(wizard._prepare_report_data())
    oca_action = env["ir.actions.report"].search(
        [
            ("report_name", "=", "account_financial_report.aged_partner_balance"),
            ("report_type", "=", "qweb-pdf"),
        ],
        limit=1,
    )
    sizes = {}
    with manage.pdf_server(env, PDF_PORT):

        def ours():
            pdf, _kind = report._render_qweb_pdf(
                "ar_analytics.action_report_aged_receivables",
                None,
                data=_ours(company, partners),
            )
            sizes["ours"] = len(pdf)

        def oca():
            pdf, _kind = report._render_qweb_pdf(oca_action, wizard.ids, data=oca_data)
            sizes["oca"] = len(pdf)

        ours()  # warm-up: the server builds the report assets once
        oca()
        a, b = _alternate(bench.runs, ours, oca)
    _add_pdf_rows(bench, label, len(partners), sizes, a, b)


def _add_pdf_rows(bench, label, customers, sizes, a, b):
    bench.add(
        label,
        f"ar_analytics PDF, {customers} customers",
        median(a),
        "s",
        f"runs {fmt(a)}, {sizes['ours'] // 1024} KiB",
    )
    bench.add(
        label,
        f"OCA PDF, {customers} customers",
        median(b),
        "s",
        f"runs {fmt(b)}, {sizes['oca'] // 1024} KiB",
    )
    bench.add(label, "OCA PDF / ar_analytics PDF", median(b) / median(a), "x")
