#!/usr/bin/env python3
"""How soon a registered payment shows in its customer's figures, with Odoo's cron worker.

    python3 bench/freshness.py --db ar_bench_30k --payments 50

On a copy of the book (``createdb -T``, dropped afterwards), an Odoo server runs with one cron
thread. This process registers payments through the *Register payment* wizard, one per second,
each on an open invoice of another customer, and commits each; the commit queues the customer
and triggers the queue's cron job, which the server's cron thread runs. A second connection
polls the customers' stored figures every 20 ms: the delay of a payment is from its commit to
the moment its customer's figures changed. Prints the median, 95th percentile and maximum.
"""

import argparse
import datetime
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import bank_journal, open_invoices

import manage

POLL = 0.02
TIMEOUT = 60.0


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(db, port):
    """An Odoo server on the copy, with one cron thread (Odoo's threaded mode)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            "--addons-path",
            str(ROOT),
            "-d",
            db,
            "--db-filter",
            f"^{db}$",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(port),
            "--max-cron-threads",
            "1",
            "--log-level",
            "warn",
        ],
        cwd=ROOT,
    )


def _wait_for(port, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError("the Odoo server did not start")


class Watcher(threading.Thread):
    """Polls the stored figures of the customers waiting for theirs."""

    def __init__(self, db, company_id):
        super().__init__(daemon=True)
        import psycopg2

        self.connection = psycopg2.connect(dbname=db)
        self.connection.autocommit = True
        self.company_id = company_id
        self.waiting = {}  # partner id -> (commit time, stored write_date before)
        self.delays = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def stored(self, partner_id):
        with self.connection.cursor() as cr:
            cr.execute(
                "SELECT write_date FROM ar_customer_stat WHERE company_id = %s AND partner_id = %s",
                [self.company_id, partner_id],
            )
            row = cr.fetchone()
        return row and row[0]

    def expect(self, partner_id, committed, before):
        with self.lock:
            self.waiting[partner_id] = (committed, before)

    def run(self):
        while not self.stop.is_set():
            with self.lock:
                waiting = dict(self.waiting)
            if waiting:
                with self.connection.cursor() as cr:
                    cr.execute(
                        "SELECT partner_id, write_date FROM ar_customer_stat "
                        "WHERE company_id = %s AND partner_id = ANY(%s)",
                        [self.company_id, list(waiting)],
                    )
                    now = time.monotonic()
                    for partner_id, write_date in cr.fetchall():
                        committed, before = waiting[partner_id]
                        if write_date != before:
                            with self.lock:
                                self.waiting.pop(partner_id, None)
                                self.delays.append(now - committed)
                    for partner_id, (committed, _before) in waiting.items():
                        if now - committed > TIMEOUT:
                            with self.lock:
                                self.waiting.pop(partner_id, None)
                                self.delays.append(float("inf"))
            time.sleep(POLL)


def _register(env, invoice, bank):
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({"journal_id": bank.id, "payment_date": datetime.date.today()})
    )
    wizard._create_payments()


def measure(db, payments):
    with manage.odoo_env(db) as env:
        company = env.ref("base.main_company")
        env = env(context=dict(env.context, allowed_company_ids=company.ids))
        invoices = open_invoices(env, company)
        # one invoice per customer, so that each payment waits for its own refresh
        chosen, seen = [], set()
        for invoice in invoices:
            partner = invoice.commercial_partner_id.id
            if partner not in seen:
                seen.add(partner)
                chosen.append(invoice)
            if len(chosen) == payments:
                break
        bank = bank_journal(env, company)
        watcher = Watcher(db, company.id)
        watcher.start()
        start = time.monotonic()
        for n, invoice in enumerate(chosen):
            partner = invoice.commercial_partner_id.id
            before = watcher.stored(partner)
            _register(env, invoice, bank)
            env.cr.commit()
            watcher.expect(partner, time.monotonic(), before)
            time.sleep(max(0.0, start + n + 1 - time.monotonic()))  # one per second
        deadline = time.monotonic() + TIMEOUT
        while watcher.waiting and time.monotonic() < deadline:
            time.sleep(0.1)
        watcher.stop.set()
        watcher.join()
        watcher.connection.close()
    return watcher.delays


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="ar_bench_30k")
    parser.add_argument("--payments", type=int, default=50)
    args = parser.parse_args(argv)
    copy = f"{args.db}_fresh"
    subprocess.run(["dropdb", "--if-exists", copy], check=True)
    subprocess.run(["createdb", "-T", args.db, copy], check=True)
    port = _free_port()
    server = _server(copy, port)
    try:
        _wait_for(port)
        time.sleep(5)  # the cron thread's first pass over the database
        delays = measure(copy, args.payments)
    finally:
        from odoo.sql_db import close_db

        server.terminate()
        server.wait(30)
        close_db(copy)  # this process's own connections (the payments)
        subprocess.run(["dropdb", "--if-exists", copy], check=False)
    delays = sorted(delays)
    p95 = delays[max(0, round(0.95 * len(delays)) - 1)]
    manage.say(
        f"{len(delays)} payments, one per second: figures fresh after "
        f"median {statistics.median(delays):.2f} s, p95 {p95:.2f} s, max {delays[-1]:.2f} s "
        f"(target: p95 <= 5 s)"
    )
    return 0 if p95 <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
