#!/usr/bin/env python3
"""Benchmark of ar_analytics on a benchmark book (built once by bench/build.py).

    python3 bench/run.py --db ar_bench --sizes ar_bench_30k,ar_bench_100k

Prints one table: each figure is the median of --runs runs, and each ratio compares two
figures measured in the same run of this script (interleaved), so that the load of a shared
machine weighs on both sides alike. Every measured operation runs in a transaction that is
rolled back: the database is left as it was (figures already stored stay stored).

1. full refresh of every customer's figures and scores vs the floor: one plain SQL
   aggregation over the same receivable lines and reconciliations (open balance, overdue
   amount and cash-weighted days late per customer: the least work any implementation does);
2. aged receivables as of a past date: the data (ar_analytics' report vs OCA's
   account_financial_report Aged Partner Balance, totals asserted equal to the cent), and
   the PDF for 200 customers (both reports, through wkhtmltopdf);
3. sale order confirmation with ar_analytics' credit check vs with the rules off: one order
   per request (the form's button) and 20 orders in one call (the list view's action);
4. registering a payment (reconciled with its invoice): with the incremental refresh (the
   queue at commit plus the refresh of the customer the cron job then runs) and the closing
   dates' triggers vs without either;
5. peak memory of the full refresh (a fresh process), refresh time at each book size;
6. the refresh split into partner batches run by parallel processes (see docs/scaling.md).
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import manage

AGING_AS_OF = datetime.date(2026, 6, 30)
PDF_CUSTOMERS = 200
SAMPLE = 20  # orders confirmed / payments registered per run
QUEUE_SIZES = (20, 100, 400)  # customers queued at once (section 4)
PDF_PORT = 8169

FLOOR = """
WITH items AS (
    SELECT l.id, l.company_id, COALESCE(p.commercial_partner_id, l.partner_id) AS partner_id,
           l.balance, l.date_maturity
      FROM account_move_line l
      JOIN account_account a ON a.id = l.account_id
 LEFT JOIN res_partner p ON p.id = l.partner_id
     WHERE l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
       AND l.date <= %(as_of)s
), allocs AS (
    SELECT part.debit_move_id AS item_id, part.amount, cp.date AS pay_date
      FROM account_partial_reconcile part
      JOIN account_move_line cp ON cp.id = part.credit_move_id
     WHERE part.max_date <= %(as_of)s
     UNION ALL
    SELECT part.credit_move_id, -part.amount, cp.date
      FROM account_partial_reconcile part
      JOIN account_move_line cp ON cp.id = part.debit_move_id
     WHERE part.max_date <= %(as_of)s
), per_item AS (
    SELECT i.company_id, i.partner_id, i.balance, i.date_maturity,
           COALESCE(SUM(a.amount), 0) AS allocated,
           SUM(a.amount * (a.pay_date - i.date_maturity)) FILTER (WHERE i.balance > 0) AS late,
           SUM(a.amount) FILTER (WHERE i.balance > 0) AS paid
      FROM items i LEFT JOIN allocs a ON a.item_id = i.id
     GROUP BY i.id, i.company_id, i.partner_id, i.balance, i.date_maturity
)
SELECT company_id, partner_id, SUM(balance - allocated),
       SUM(balance - allocated) FILTER (WHERE date_maturity < %(as_of)s AND balance > 0),
       SUM(late) / NULLIF(SUM(paid), 0), COUNT(*)
  FROM per_item GROUP BY company_id, partner_id
"""


def say(message=""):
    print(message, flush=True)


def median(values):
    return statistics.median(values) if values else float("nan")


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


class Bench:
    def __init__(self, env, runs):
        self.env = env
        self.runs = runs
        self.snapshot = refresh_snapshot(env)  # before any savepoint
        self.rows = []  # (section, label, value, unit, note)

    def add(self, section, label, value, unit="", note=""):
        self.rows.append((section, label, value, unit, note))
        shown = f"{value:.3f}" if isinstance(value, float) else value
        say(f"  {label}: {shown} {unit} {note}".rstrip())

    def rolled_back(self, function, *args, **kwargs):
        """Run in a savepoint that is rolled back; the seconds it took."""
        env = self.env
        env.cr.execute("SAVEPOINT bench")
        try:
            seconds, _result = timed(function, *args, **kwargs)
            env.flush_all()
        finally:
            env.cr.execute("ROLLBACK TO SAVEPOINT bench")
            env.invalidate_all()
        return seconds

    def pair(self, first, second):
        """Interleaved runs of two measurements, in alternating order (against a drift):
        ([first seconds], [second seconds])."""
        a, b = [], []
        for run in range(self.runs):
            if run % 2:
                b.append(self.rolled_back(second))
                a.append(self.rolled_back(first))
            else:
                a.append(self.rolled_back(first))
                b.append(self.rolled_back(second))
        return a, b

    # -- 1. refresh vs floor -------------------------------------------------------------------
    def floor(self):
        from odoo.tools import SQL

        # the same session settings as the refresh's extraction (ar.refresh._extract)
        self.env.cr.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        return self.env.execute_query(SQL(FLOOR, as_of=datetime.date.today()))

    def refresh(self):
        """What the nightly job does for each company (``_refresh_in_snapshot``), with the
        snapshot exported once at the top of this transaction (PostgreSQL cannot export
        one inside the savepoint each measurement runs in)."""
        refresh = self.env["ar.refresh"].with_context(ar_snapshot=self.snapshot)
        return refresh._refresh()

    def section_refresh(self, label="refresh"):
        env = self.env
        if not env["ar.customer.stat"].search_count([]):
            seconds, _count = timed(self.refresh)
            env.cr.commit()
            self.add(label, "first refresh (every row written, committed)", seconds, "s")
        refresh, floor = self.pair(self.refresh, self.floor)
        self.add(label, "full refresh (median)", median(refresh), "s", f"runs {fmt(refresh)}")
        self.add(label, "SQL floor (median)", median(floor), "s", f"runs {fmt(floor)}")
        self.add(label, "refresh / floor", median(refresh) / median(floor), "x", "target <= 3")
        return median(refresh)

    # -- 2. aging vs OCA -----------------------------------------------------------------------
    def _ours(self, company, partners=None):
        options = {"company_id": company.id, "as_of": AGING_AS_OF.isoformat()}
        if partners is not None:
            options["partner_ids"] = partners.ids
        return options

    def _oca_wizard(self, company, partners=None):
        accounts = self.env["account.account"].search(
            [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.ids)]
        )
        return self.env["aged.partner.balance.report.wizard"].create(
            {
                "company_id": company.id,
                "date_at": AGING_AS_OF,
                "target_move": "posted",
                "account_ids": [(6, 0, accounts.ids)],
                "receivable_accounts_only": True,
                "partner_ids": [(6, 0, partners.ids if partners is not None else [])],
            }
        )

    def section_aging(self, pdf=True):
        env = self.env
        if "aged.partner.balance.report.wizard" not in env:
            say("  OCA account_financial_report is not installed in this database: skipped")
            return
        company = env.ref("base.main_company")
        ours_report = env["report.ar_analytics.report_aged_receivables"].with_company(company)
        oca_report = env["report.account_financial_report.aged_partner_balance"].with_company(
            company
        )
        wizard = self._oca_wizard(company)
        oca_data = _as_json(wizard._prepare_report_data())
        results = {}

        def ours():
            results["ours"] = ours_report._aging_data(self._ours(company))

        def oca():
            results["oca"] = oca_report._get_report_values(wizard.ids, oca_data)

        a, b = [], []
        for _run in range(self.runs):
            a.append(timed(ours)[0])
            b.append(timed(oca)[0])
        ours_total = results["ours"]["totals"]["total"]
        oca_total = sum(acc["residual"] for acc in results["oca"]["aged_partner_balance"])
        customers = results["ours"]["totals"]["count"]
        label = f"aging {AGING_AS_OF}"
        self.add(
            label,
            f"ar_analytics aged receivables, data ({customers} customers)",
            median(a),
            "s",
            f"runs {fmt(a)}",
        )
        self.add(label, "OCA Aged Partner Balance, data", median(b), "s", f"runs {fmt(b)}")
        self.add(label, "OCA / ar_analytics", median(b) / median(a), "x", "target >= 10")
        self.add(label, "total ar_analytics", round(ours_total, 2), company.currency_id.name)
        self.add(label, "total OCA", round(oca_total, 2), company.currency_id.name)
        assert abs(ours_total - oca_total) < 0.005, (ours_total, oca_total)
        self.add(label, "totals equal to the cent", "yes")
        if pdf:
            self._pdf(company, label)

    def _pdf(self, company, label):
        env = self.env
        partners = env["res.partner"].browse(
            [
                partner
                for (partner,) in env.execute_query(
                    manage_sql(
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
        report = env["ir.actions.report"].with_company(company)
        wizard = self._oca_wizard(company, partners)
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
                    data=self._ours(company, partners),
                )
                sizes["ours"] = len(pdf)

            def oca():
                pdf, _kind = report._render_qweb_pdf(oca_action, wizard.ids, data=oca_data)
                sizes["oca"] = len(pdf)

            ours()  # warm-up: the server builds the report assets once
            oca()
            a, b = [], []
            for _run in range(self.runs):
                a.append(timed(ours)[0])
                b.append(timed(oca)[0])
        self.add(
            label,
            f"ar_analytics PDF, {len(partners)} customers",
            median(a),
            "s",
            f"runs {fmt(a)}, {sizes['ours'] // 1024} KiB",
        )
        self.add(
            label,
            f"OCA PDF, {len(partners)} customers",
            median(b),
            "s",
            f"runs {fmt(b)}, {sizes['oca'] // 1024} KiB",
        )
        self.add(label, "OCA PDF / ar_analytics PDF", median(b) / median(a), "x")

    # -- 3. confirmation with the credit check -------------------------------------------------
    def section_confirm(self):
        env = self.env
        company = env.ref("base.main_company")
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
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
        rules = {
            "account_use_credit_limit": True,
            "ar_rule_limit": True,
            "ar_rule_grade": True,
            "ar_rule_overdue": True,
        }
        env.cr.execute("SAVEPOINT orders")
        company.write(rules)
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

        def switched(confirm, on):
            def run():
                # the same settings write on both sides
                company.write(dict.fromkeys(rules, on))
                env.flush_all()
                confirm()

            return run

        n = len(orders)
        label = "sale order confirmation"
        for name, confirm in (("one per request", one_at_a_time), ("as one batch", as_a_batch)):
            try:
                on, off = self.pair(switched(confirm, True), switched(confirm, False))
            except BaseException:
                env.cr.execute("ROLLBACK TO SAVEPOINT orders")
                env.invalidate_all()
                raise
            self.add(
                label,
                f"{name}: with the credit check ({n} orders)",
                median(on) / n * 1000,
                "ms",
                "per order",
            )
            self.add(
                label, f"{name}: with the rules off", median(off) / n * 1000, "ms", "per order"
            )
            self.add(
                label,
                f"{name}: added by the check",
                median(on) / median(off) - 1,
                "",
                "target <= 0.15",
            )
        env.cr.execute("ROLLBACK TO SAVEPOINT orders")
        env.invalidate_all()

    # -- 4. reconciliation with incremental refresh ---------------------------------------------
    def section_reconcile(self):
        from odoo.tools import SQL

        env = self.env
        company = env.ref("base.main_company")
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        invoices = env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
                ("currency_id", "=", company.currency_id.id),
            ],
            limit=SAMPLE,
            order="id desc",
        )
        bank = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id), ("code", "!=", "CHQR")],
            limit=1,
        )
        refresh = env["ar.refresh"]

        def register(context, invoices=invoices):
            for invoice in invoices:
                wizard = (
                    env["account.payment.register"]
                    .with_context(active_model="account.move", active_ids=invoice.ids, **context)
                    .create({"journal_id": bank.id, "payment_date": datetime.date.today()})
                )
                wizard._create_payments()
                env.flush_all()
                env.cr.precommit.run()  # what the commit runs: the queue of dirty customers

        queued, refreshed, without = [], [], []
        env.flush_all()

        def process():
            processed = refresh._process_queue()
            env.flush_all()
            return processed

        def queue_then_refresh():
            """The payments with the queue (what the user waits for), then, timed apart,
            the cron job's refresh of the queued customers; rolled back."""
            env.cr.execute("SAVEPOINT bench")
            try:
                queued.append(timed(register, {})[0])
                seconds, processed = timed(process)
                assert processed >= 1, processed
                refreshed.append(seconds)
            finally:
                env.cr.execute("ROLLBACK TO SAVEPOINT bench")
                env.invalidate_all()

        def without_addon():
            """The payments with neither the queue nor the closing dates' triggers."""
            env.cr.execute("SAVEPOINT bench")
            try:
                closing_triggers(env, enabled=False)
                without.append(timed(register, {"ar_skip_refresh": True})[0])
            finally:
                env.cr.execute("ROLLBACK TO SAVEPOINT bench")
                env.invalidate_all()

        # in alternating order (with, without, without, with, ...): the savepoints rolled back
        # leave dead rows that slow later runs down, a drift that would favour one side
        for run in range(self.runs):
            for measure in (queue_then_refresh, without_addon)[:: 1 if run % 2 == 0 else -1]:
                measure()
        # a user who registers payments one at a time: the cron job then refreshes one
        # customer after each commit
        single = []
        for invoice in invoices[: self.runs]:
            env.cr.execute("SAVEPOINT bench")
            try:
                register({}, invoice)
                single.append(timed(process)[0])
            finally:
                env.cr.execute("ROLLBACK TO SAVEPOINT bench")
                env.invalidate_all()
        n = len(invoices)
        payment = median(without) / n
        label = "payment registration + reconciliation"
        self.add(label, f"without ar_analytics ({n} payments)", payment * 1000, "ms", "per payment")
        self.add(
            label,
            "with the queue and closing dates (what the user waits for)",
            median(queued) / n * 1000,
            "ms",
            "per payment",
        )
        self.add(
            label, "added by the queue and closing dates", median(queued) / median(without) - 1
        )
        self.add(
            label,
            f"cron job: incremental refresh of the {n} queued customers",
            median(refreshed) * 1000,
            "ms",
            f"runs {fmt(refreshed)}; {median(refreshed) / n * 1000:.1f} ms per payment",
        )
        self.add(
            label,
            "added by queue + refresh, payments refreshed together",
            (median(queued) + median(refreshed)) / median(without) - 1,
            "",
            "target <= 0.20",
        )
        self.add(
            label,
            "cron job: refresh of one customer (one payment at a time)",
            median(single) * 1000,
            "ms",
            f"runs {fmt(single)}",
        )
        self.add(
            label,
            "added by the refresh, one payment at a time",
            median(single) / payment,
            "",
            "target <= 0.20",
        )
        # a long queue (a batch payment run, a bank statement): customers spread over the
        # book, refreshed in one call as the cron job does
        customers = [
            row[0]
            for row in env.execute_query(
                SQL(
                    "SELECT partner_id FROM ar_customer_stat WHERE company_id = %s "
                    "ORDER BY partner_id",
                    company.id,
                )
            )
        ]
        for size in QUEUE_SIZES:
            scope = set(customers[:: max(len(customers) // size, 1)][:size])
            seconds = [
                self.rolled_back(refresh._refresh_company, company, partner_ids=scope)
                for _run in range(self.runs)
            ]
            self.add(
                label,
                f"incremental refresh of {len(scope)} queued customers",
                median(seconds) * 1000,
                "ms",
                f"{median(seconds) / len(scope) * 1000:.1f} ms a customer; runs {fmt(seconds)}",
            )


def closing_triggers(env, enabled):
    """Switch ar_analytics' triggers on core's tables (``ar_item_closing``) on or off, in
    the current transaction (rolled back with it)."""
    from odoo.tools import SQL

    from odoo.addons.ar_analytics.store import ddl

    for trigger, table in ddl.triggers("item_closing_triggers"):
        env.cr.execute(
            SQL(
                "ALTER TABLE %s %s TRIGGER %s",
                SQL.identifier(table),
                SQL("ENABLE" if enabled else "DISABLE"),
                SQL.identifier(trigger),
            )
        )


def refresh_snapshot(env):
    """The transaction's snapshot for the refresh's second connection (None once written:
    the refresh then reads everything in its own connection)."""
    from odoo.addons.ar_analytics.store.frames import clean_snapshot

    snapshot = clean_snapshot(env)
    if not snapshot:
        say("  (the transaction has written: the refresh reads in one connection)")
    return snapshot


def _as_json(data):
    """Report data as the report action passes it (through JSON: dates as strings)."""
    return json.loads(json.dumps(data, default=str))


def manage_sql(code, *args):
    from odoo.tools import SQL

    return SQL(code, *args)


def fmt(values):
    return "/".join(f"{v:.2f}" for v in values)


def _status_mb(field):
    """A memory figure of this process from /proc (VmRSS: now, VmHWM: its peak); unlike
    getrusage's ru_maxrss, the peak starts afresh in a new process (it is not inherited
    from the parent that started it)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_probe(db, nightly=False):
    """In this fresh process: the resident memory before and at the peak of a full refresh
    of every company; with ``nightly``, of the nightly job (each company's refresh, then
    its collection run on the same reads)."""
    with manage.odoo_env(db) as env:
        env["res.partner"].search([], limit=1)
        before = _status_mb("VmHWM")
        refresh = env["ar.refresh"].with_context(ar_snapshot=refresh_snapshot(env))
        if nightly:
            companies = env["res.company"].search([("active", "=", True)])
            seconds, _count = timed(lambda: [refresh._nightly(company) for company in companies])
        else:
            seconds, _count = timed(refresh._refresh)
        peak = _status_mb("VmHWM")
        env.cr.rollback()
    print(json.dumps({"before_mb": before, "peak_mb": peak, "seconds": seconds}))


def probe(db, nightly=False):
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--db",
            db,
            "--memory-probe",
            *(["--nightly"] if nightly else []),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine():
    mem = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} cores, {mem:.0f} GB RAM"


def book_line(env):
    from odoo.tools import SQL

    [(customers, invoices, lines, partials)] = env.execute_query(
        SQL(
            """SELECT (SELECT COUNT(DISTINCT commercial_partner_id) FROM account_move
                        WHERE move_type = 'out_invoice' AND state = 'posted'),
                      (SELECT COUNT(*) FROM account_move
                        WHERE move_type = 'out_invoice' AND state = 'posted'),
                      (SELECT COUNT(*) FROM account_move_line l
                         JOIN account_account a ON a.id = l.account_id
                        WHERE a.account_type = 'asset_receivable'
                          AND l.parent_state = 'posted'),
                      (SELECT COUNT(*) FROM account_partial_reconcile)"""
        )
    )
    book = env["ir.config_parameter"].sudo().get_param("ar_analytics.book")
    built = json.loads(book).get("build_seconds") if book else None
    return {
        "customers": customers,
        "invoices": invoices,
        "receivable_lines": lines,
        "partials": partials,
        "build_seconds": built,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="ar_bench")
    parser.add_argument("--sizes", default="", help="smaller benchmark databases, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--only",
        default="refresh,aging,confirm,reconcile,memory,growth,batches",
        help="sections to run",
    )
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--batches", type=int, default=2, help="parallel batch processes")
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--nightly", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        memory_probe(args.db, args.nightly)
        return 0
    only = set(args.only.split(","))
    started = time.perf_counter()
    say(
        f"ar_analytics benchmark on {args.db}: {machine()}, load average "
        f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}, {args.runs} runs per figure"
    )
    results = {"db": args.db, "machine": machine(), "load_before": os.getloadavg()}
    sizes = {}
    with manage.odoo_env(args.db) as env:
        bench = Bench(env, args.runs)
        sizes[args.db] = book_line(env)
        say(f"book: {json.dumps(sizes[args.db])}")
        if "refresh" in only or "growth" in only:
            say("\n1. full refresh vs SQL floor")
            sizes[args.db]["refresh"] = bench.section_refresh()
        if "aging" in only:
            say(f"\n2. aged receivables as of {AGING_AS_OF} vs OCA")
            bench.section_aging(pdf=not args.no_pdf)
        if "confirm" in only:
            say("\n3. sale order confirmation")
            bench.section_confirm()
        if "reconcile" in only:
            say("\n4. payment registration with incremental refresh")
            bench.section_reconcile()
        env.cr.rollback()
    rows = bench.rows
    if "memory" in only:
        say("\n5. peak memory of the full refresh (fresh process)")
        memory = probe(args.db)
        bench.add("memory", "process before the refresh", memory["before_mb"], "MB")
        bench.add("memory", "peak during the refresh", memory["peak_mb"], "MB", "target <= 1024")
        bench.add("memory", "added by the refresh", memory["peak_mb"] - memory["before_mb"], "MB")
        nightly = probe(args.db, nightly=True)
        bench.add(
            "memory",
            "peak of the nightly job (refresh, then collection run)",
            nightly["peak_mb"],
            "MB",
            "target <= 1024",
        )
    if "growth" in only and args.sizes:
        say("\n5b. refresh time by book size")
        for db in [d for d in args.sizes.split(",") if d]:
            with manage.odoo_env(db) as env:
                small = Bench(env, args.runs)
                sizes[db] = book_line(env)
                say(f"book {db}: {json.dumps(sizes[db])}")
                sizes[db]["refresh"] = small.section_refresh(label=f"refresh {db}")
                rows += small.rows
                env.cr.rollback()
        ordered = sorted(sizes.values(), key=lambda s: s["invoices"])
        if len(ordered) > 1 and all("refresh" in s for s in ordered):
            ratio = ordered[-1]["refresh"] / ordered[0]["refresh"]
            growth = ordered[-1]["invoices"] / ordered[0]["invoices"]
            bench.add(
                "growth",
                f"refresh time {ordered[-1]['invoices']} / {ordered[0]['invoices']} invoices",
                ratio,
                "x",
                f"book {growth:.1f}x larger; target <= 12",
            )
    if "batches" in only:
        say("\n6. refresh in partner batches, parallel processes")
        from batches import run_batches

        for label, value, unit, note in run_batches(args.db, args.batches):
            bench.add("batches", label, value, unit, note)
    results["load_after"] = os.getloadavg()
    say(
        f"\n{'=' * 100}\nResults ({args.db}, {machine()}, load average before "
        f"{'/'.join(f'{x:.2f}' for x in results['load_before'])}, after "
        f"{'/'.join(f'{x:.2f}' for x in results['load_after'])}; "
        f"{time.perf_counter() - started:.0f} s)"
    )
    say(
        "book sizes: "
        + "; ".join(
            f"{db}: {s['customers']} customers, {s['invoices']} invoices, "
            f"{s['receivable_lines']} receivable lines, {s['partials']} reconciliations"
            + (f", built in {s['build_seconds']:.0f} s" if s.get("build_seconds") else "")
            for db, s in sizes.items()
        )
    )
    say(f"| {'section':<38} | {'figure':<52} | {'value':>12} | unit | note")
    say(f"|{'-' * 40}|{'-' * 54}|{'-' * 14}|------|------")
    for section, label, value, unit, note in bench.rows:
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        say(f"| {section:<38} | {label:<52} | {shown:>12} | {unit:<4} | {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
