#!/usr/bin/env python3
"""Build a benchmark book into a database (once): the seeded plan written set-based.

    python3 bench/build.py --db ar_bench --size bench            # 5,250 customers, ~340k invoices
    python3 bench/build.py --db ar_bench_30k --size bench_30k

The database is created (account, sale, ar_analytics, and OCA's account_financial_report and
queue_job when they are installed) unless it exists; the book's build time is printed and kept
in the database (``ir.config_parameter`` ``ar_analytics.book``).
"""

import argparse
import datetime
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import manage

BOOK_END = datetime.date(2026, 10, 31)
OCA_MODULES = ("account_financial_report", "queue_job")


def oca_available():
    import importlib.util

    return [m for m in OCA_MODULES if importlib.util.find_spec(f"odoo.addons.{m}")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--size", default="bench")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end", default=BOOK_END.isoformat(), help="last day of the book")
    args = parser.parse_args(argv)
    manage.prerequisites(manage.ADDON_DEPS)
    if not manage.db_exists(args.db):
        modules = [manage.MODULES, *manage.our_addons()[1:], *oca_available()]
        manage.install_db(args.db, ",".join(modules))
    with manage.odoo_env(args.db) as env:
        logging.getLogger("odoo.addons.ar_analytics_demo.generator").setLevel(logging.INFO)
        from odoo.addons.ar_analytics_demo.generator.book import loaded_book
        from odoo.addons.ar_analytics_demo.generator.bulk import build_bulk_book
        from odoo.addons.ar_analytics_demo.generator.plan import make_plan

        if loaded_book(env):
            manage.say(f"- {args.db} already holds a book: {loaded_book(env)}")
            return 0
        started = time.perf_counter()
        plan = make_plan(args.size, seed=args.seed, end=datetime.date.fromisoformat(args.end))
        planned = time.perf_counter() - started
        manage.say(
            f"- plan {args.size}: {len(plan.customers)} customers, {len(plan.invoices)} "
            f"invoices over {plan.start} .. {plan.end} ({planned:.0f} s)"
        )
        built = build_bulk_book(env, plan)
        seconds = time.perf_counter() - started
        book = {**json.loads(env["ir.config_parameter"].get_param("ar_analytics.book"))}
        book["build_seconds"] = round(seconds, 1)
        book["plan_seconds"] = round(planned, 1)
        env["ir.config_parameter"].set_param("ar_analytics.book", json.dumps(book))
        manage.say(f"  built in {seconds:.0f} s: {json.dumps(built.stats)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
