"""4. Registering a payment (reconciled with its invoice): with the incremental refresh (the
queue at commit plus the refresh of the customer the cron job then runs) and the closing
dates' triggers vs without either; then the refresh of longer queues."""

import datetime

from measure import bank_journal, fmt, median, open_invoices, savepoint, timed

SAMPLE = 20  # payments registered per run
QUEUE_SIZES = (20, 100, 400)  # customers queued at once


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


class Payments:
    """SAMPLE open invoices of the main company in its currency, paid through a bank
    journal one payment each, and the seconds each way of doing it took."""

    def __init__(self, bench):
        env = bench.env
        company = env.ref("base.main_company")
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        self.bench = bench
        self.company = company
        self.env = env
        self.invoices = open_invoices(env, company, limit=SAMPLE)
        self.bank = bank_journal(env, company)
        self.refresh = env["ar.refresh"]
        self.queued, self.refreshed, self.without, self.single = [], [], [], []

    def register(self, context, invoices=None):
        env = self.env
        for invoice in self.invoices if invoices is None else invoices:
            wizard = (
                env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=invoice.ids, **context)
                .create({"journal_id": self.bank.id, "payment_date": datetime.date.today()})
            )
            wizard._create_payments()
            env.flush_all()
            env.cr.precommit.run()  # what the commit runs: the queue of dirty customers

    def process(self):
        processed = self.refresh._process_queue()
        self.env.flush_all()
        return processed

    def queue_then_refresh(self):
        """The payments with the queue (what the user waits for), then, timed apart,
        the cron job's refresh of the queued customers; rolled back."""
        with savepoint(self.env):
            self.queued.append(timed(self.register, {})[0])
            seconds, processed = timed(self.process)
            assert processed >= 1, processed
            self.refreshed.append(seconds)

    def without_addon(self):
        """The payments with neither the queue nor the closing dates' triggers."""
        with savepoint(self.env):
            closing_triggers(self.env, enabled=False)
            self.without.append(timed(self.register, {"ar_skip_refresh": True})[0])

    def measure_together(self):
        # in alternating order (with, without, without, with, ...): the savepoints rolled
        # back leave dead rows that slow later runs down, a drift that would favour one side
        order = (self.queue_then_refresh, self.without_addon)
        for run in range(self.bench.runs):
            for measure in order if run % 2 == 0 else order[::-1]:
                measure()

    def measure_one_at_a_time(self):
        # a user who registers payments one at a time: the cron job then refreshes one
        # customer after each commit
        for invoice in self.invoices[: self.bench.runs]:
            with savepoint(self.env):
                self.register({}, invoice)
                self.single.append(timed(self.process)[0])

    def measure_long_queues(self, label):
        """A long queue (a batch payment run, a bank statement): customers spread over the
        book, refreshed in one call as the cron job does."""
        from odoo.tools import SQL

        bench, company = self.bench, self.company
        customers = [
            row[0]
            for row in self.env.execute_query(
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
                bench.rolled_back(self.refresh._refresh_company, company, partner_ids=scope)
                for _run in range(bench.runs)
            ]
            bench.add(
                label,
                f"incremental refresh of {len(scope)} queued customers",
                median(seconds) * 1000,
                "ms",
                f"{median(seconds) / len(scope) * 1000:.1f} ms a customer; runs {fmt(seconds)}",
            )


def measure(bench):
    payments = Payments(bench)
    payments.env.flush_all()
    payments.measure_together()
    payments.measure_one_at_a_time()
    label = "payment registration + reconciliation"
    _add_rows(bench, label, payments)
    payments.measure_long_queues(label)


def _add_rows(bench, label, payments):
    n = len(payments.invoices)
    queued, refreshed = median(payments.queued), median(payments.refreshed)
    without, single = median(payments.without), median(payments.single)
    payment = without / n
    bench.add(label, f"without ar_analytics ({n} payments)", payment * 1000, "ms", "per payment")
    bench.add(
        label,
        "with the queue and closing dates (what the user waits for)",
        queued / n * 1000,
        "ms",
        "per payment",
    )
    bench.add(label, "added by the queue and closing dates", queued / without - 1)
    bench.add(
        label,
        f"cron job: incremental refresh of the {n} queued customers",
        refreshed * 1000,
        "ms",
        f"runs {fmt(payments.refreshed)}; {refreshed / n * 1000:.1f} ms per payment",
    )
    bench.add(
        label,
        "added by queue + refresh, payments refreshed together",
        (queued + refreshed) / without - 1,
        "",
        "target <= 0.20",
    )
    bench.add(
        label,
        "cron job: refresh of one customer (one payment at a time)",
        single * 1000,
        "ms",
        f"runs {fmt(payments.single)}",
    )
    bench.add(
        label, "added by the refresh, one payment at a time", single / payment, "", "target <= 0.20"
    )
