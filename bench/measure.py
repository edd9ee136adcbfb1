"""What every section of bench/run.py measures with: timings, savepoints rolled back,
interleaved pairs of measurements, and the rows of the printed table."""

import contextlib
import statistics
import time


def say(message=""):
    print(message, flush=True)


def median(values):
    return statistics.median(values) if values else float("nan")


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def fmt(values):
    return "/".join(f"{v:.2f}" for v in values)


@contextlib.contextmanager
def savepoint(env, name="bench"):
    """A savepoint rolled back at the end of the block, whatever happens in it."""
    env.cr.execute(f"SAVEPOINT {name}")
    try:
        yield
    finally:
        env.cr.execute(f"ROLLBACK TO SAVEPOINT {name}")
        env.invalidate_all()


def refresh_snapshot(env):
    """The transaction's snapshot for the refresh's second connection (None once written:
    the refresh then reads everything in its own connection)."""
    from odoo.addons.ar_analytics.store.frames import clean_snapshot

    snapshot = clean_snapshot(env)
    if not snapshot:
        say("  (the transaction has written: the refresh reads in one connection)")
    return snapshot


def open_invoices(env, company, limit=None):
    """The company's posted customer invoices not paid at all, in its currency, newest
    first: what the payment benchmarks register payments on."""
    return env["account.move"].search(
        [
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "=", "not_paid"),
            ("currency_id", "=", company.currency_id.id),
        ],
        limit=limit,
        order="id desc",
    )


def bank_journal(env, company):
    """The company's bank journal the payments go to (not the cheques' one)."""
    return env["account.journal"].search(
        [("type", "=", "bank"), ("company_id", "=", company.id), ("code", "!=", "CHQR")],
        limit=1,
    )


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
        with savepoint(self.env):
            seconds, _result = timed(function, *args, **kwargs)
            self.env.flush_all()
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
