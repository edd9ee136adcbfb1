#!/usr/bin/env python3
"""Benchmark of the dunning run on a benchmark book (built once by bench/build.py).

    python3 bench/dunning.py --db ar_bench --emails 1000 --runs 3

1. deciding the levels of every customer (every company) at the book's last day
   (``ar.dunning.run._plan``: the open items, the reminder log, the engine) and storing every
   customer's state (``_store_states``), median of --runs runs;
2. creating --emails reminder emails (the reminders, their items, the chatter messages and the
   queued ``mail.mail``; every level set to email for the measurement, nothing sent);
3. the mail queue rendering the statement PDFs of --pdfs of those emails (what sending adds
   per email, wkhtmltopdf through an Odoo server started here).

Every measurement runs in a savepoint that is rolled back: the database is left as it was.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import manage

PDF_PORT = 8171


def say(message=""):
    print(message, flush=True)


def rolled_back(env, function):
    """Seconds ``function`` took, in a savepoint rolled back afterwards, and its result."""
    env.cr.execute("SAVEPOINT bench")
    try:
        started = time.perf_counter()
        result = function()
        env.flush_all()
        return time.perf_counter() - started, result
    finally:
        env.cr.execute("ROLLBACK TO SAVEPOINT bench")
        env.invalidate_all()


def decide(env, day):
    """Every company's customers: their levels decided and their states stored."""
    run = env["ar.dunning.run"]
    customers = []
    for company in env["res.company"].search([("active", "=", True)]):
        plan = run._plan(company, day)
        run._store_states(company, plan)
        customers.append(plan["customers"])
    return pd.concat(customers)


def emails(env, company, day, count):
    """``count`` reminder emails: every level only emails, nobody is called first, every
    customer has an address (the benchmark books have none), the due customers first by
    amount."""
    from odoo.tools import SQL

    env.cr.execute(
        SQL("UPDATE res_partner SET email = 'ar' || id || '@example.com' WHERE email IS NULL")
    )
    env["res.partner"].invalidate_model(["email"])
    levels = env["ar.dunning.level"].search([("company_id", "=", company.id)])
    template = levels.filtered("mail_template_id")[:1].mail_template_id
    for level in levels:
        level.write(
            {
                "email": True,
                "mail_template_id": level.mail_template_id.id or template.id,
                **dict.fromkeys(("letter", "call", "escalate", "hold"), False),
            }
        )
    company.write(dict.fromkeys(("ar_dunning_call_core", "ar_dunning_call_important"), False))
    run = env["ar.dunning.run"]
    plan = run._plan(company, day)
    due = run._due(plan).sort_values("amount_at_risk", ascending=False)
    reminders = run._send(company, day, plan, partner_ids=due.index[:count].tolist())
    return reminders


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="ar_bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--pdfs", type=int, default=20)
    args = parser.parse_args(argv)
    with manage.odoo_env(args.db) as env:
        from odoo.addons.ar_analytics_demo.generator.book import loaded_book

        company = env.ref("base.main_company")
        book = loaded_book(env) or {}
        day = book.get("end") or env["ar.refresh"]._default_as_of(company)
        say(f"dunning benchmark on {args.db}, run date {day}")
        seconds = []
        for _run in range(args.runs):
            took, out = rolled_back(env, lambda: decide(env, day))
            seconds.append(took)
        levels = out.groupby("level").size().to_dict()
        say(
            f"1. levels of {len(out)} customers of every company ({int(out['send'].sum())} due; "
            "by level "
            f"{levels}) decided and stored: median {statistics.median(seconds):.2f} s "
            f"(runs {', '.join(f'{s:.2f}' for s in seconds)}; target < 10 s)"
        )

        def created():
            reminders = emails(env, company, day, args.emails)
            queued = env["mail.mail"].search_count(
                [("mail_message_id", "in", reminders.message_id.ids), ("state", "=", "outgoing")]
            )
            return len(reminders), queued

        took, (count, queued) = rolled_back(env, created)
        say(
            f"2. {count} reminders created, {queued} emails queued (not sent): {took:.1f} s, "
            f"{took / max(count, 1) * 1000:.0f} ms each (target: 1,000 in < 60 s)"
        )
        with manage.pdf_server(env, PDF_PORT):

            def render():
                mails = emails(env, company, day, args.emails).message_id.mail_ids[: args.pdfs]
                started = time.perf_counter()
                mails._ar_attach_statements()
                return time.perf_counter() - started, len(mails)

            _took, (pdf_seconds, count) = rolled_back(env, render)
        say(
            f"3. statement PDFs attached by the mail queue: {count} in {pdf_seconds:.1f} s, "
            f"{pdf_seconds / max(count, 1):.2f} s each (when sending, not in the run)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
