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
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import Bench, say
from report import book_line, load, machine, print_results
from sections import aging, confirm, memory, reconcile, refresh

import manage

SECTIONS = "refresh,aging,confirm,reconcile,memory,growth,batches"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="ar_bench")
    parser.add_argument("--sizes", default="", help="smaller benchmark databases, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default=SECTIONS, help="sections to run")
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--batches", type=int, default=2, help="parallel batch processes")
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--nightly", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def in_transaction(args, only, sizes):
    """Sections 1 to 4, in one transaction on the book, rolled back; the Bench of their rows."""
    with manage.odoo_env(args.db) as env:
        bench = Bench(env, args.runs)
        sizes[args.db] = book_line(env)
        say(f"book: {json.dumps(sizes[args.db])}")
        if "refresh" in only or "growth" in only:
            say("\n1. full refresh vs SQL floor")
            sizes[args.db]["refresh"] = refresh.measure(bench)
        if "aging" in only:
            say(f"\n2. aged receivables as of {aging.AGING_AS_OF} vs OCA")
            aging.measure(bench, pdf=not args.no_pdf)
        if "confirm" in only:
            say("\n3. sale order confirmation")
            confirm.measure(bench)
        if "reconcile" in only:
            say("\n4. payment registration with incremental refresh")
            reconcile.measure(bench)
        env.cr.rollback()
    return bench


def in_processes(args, only, sizes, bench):
    """Sections 5 and 6: fresh processes and the smaller books, each its own transaction."""
    if "memory" in only:
        say("\n5. peak memory of the full refresh (fresh process)")
        memory.measure(bench, args.db)
    if "growth" in only and args.sizes:
        say("\n5b. refresh time by book size")
        refresh.growth(bench, sizes, [d for d in args.sizes.split(",") if d], args.runs)
    if "batches" in only:
        say("\n6. refresh in partner batches, parallel processes")
        from batches import run_batches

        for label, value, unit, note in run_batches(args.db, args.batches):
            bench.add("batches", label, value, unit, note)


def main(argv=None):
    args = parse_args(argv)
    if args.memory_probe:
        memory.memory_probe(args.db, args.nightly)
        return 0
    only = set(args.only.split(","))
    started = time.perf_counter()
    say(
        f"ar_analytics benchmark on {args.db}: {machine()}, load average "
        f"{load(os.getloadavg())}, {args.runs} runs per figure"
    )
    load_before = os.getloadavg()
    sizes = {}
    bench = in_transaction(args, only, sizes)
    in_processes(args, only, sizes, bench)
    print_results(args.db, sizes, bench.rows, load_before, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
