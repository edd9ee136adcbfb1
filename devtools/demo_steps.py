"""The steps of ``manage.py demo`` after the install: the book, the figures, the dunning
runs, the summary, the PDFs and the server."""

import datetime
import json
import logging
import subprocess
import sys
import time

from .odoo_db import odoo_env
from .project import OUTPUT, ROOT, say
from .server import report_url, server_args, wait_for_server


def load_demo_book(env, args):
    """The seeded receivables book through the ORM (unless one is loaded), and the standard
    document layout for the companies that have none."""
    # importable once the registry has set Odoo's addons path up
    from odoo.addons.ar_analytics_demo.generator.book import build_book, loaded_book
    from odoo.addons.ar_analytics_demo.generator.plan import make_plan

    book = loaded_book(env)
    if book:
        say(
            f"- the demo book is already loaded ({book['invoices']} invoices, seed "
            f"{book['seed']}, up to {book['end']}); --recreate rebuilds it"
        )
    else:
        plan = make_plan(args.size, seed=args.seed, end=datetime.date.today())
        say(
            f"- loading the {args.size} receivables book: {len(plan.customers)} customers, "
            f"{len(plan.invoices)} invoices over {plan.start} .. {plan.end} "
            "(through the ORM: several minutes at demo size)"
        )
        started = time.time()
        logging.getLogger("odoo.addons.ar_analytics_demo.generator").setLevel(logging.INFO)
        built = build_book(env, plan)
        say(f"  done in {time.time() - started:.0f} s: {json.dumps(built.stats)}")
    from odoo.addons.ar_analytics_demo.generator.layout import configure_document_layout

    configured = configure_document_layout(env)
    if configured:
        say(f"- document layout: Standard for {', '.join(configured.mapped('name'))}")


def compute_demo_figures(dbname):
    """The receivables figures, score history, collection signals and backtests of every
    company, each step committed on its own."""
    with odoo_env(dbname) as env:
        say("- computing receivables figures (full refresh of every company)")
        started = time.time()
        count = env["ar.refresh"]._refresh()
        say(f"  {count} customer rows written in {time.time() - started:.1f} s")
        if not env["ar.score.history"].search_count([("date", "<", env.cr.now().date())]):
            say("- back-filling the score history (24 month-ends per company)")
            started = time.time()
            for company in env["res.company"].search([("active", "=", True)]):
                env["ar.backtest"]._backfill_history(company)
            say(f"  done in {time.time() - started:.1f} s")
    with odoo_env(dbname) as env:
        say("- collection trend, forecast, expected cash and early-warning signals")
        started = time.time()
        active = env["ar.collection.run"]._run()
        say(f"  {active} active signals in {time.time() - started:.1f} s")
    with odoo_env(dbname) as env:
        say("- backtest of the grades and of the expected payment dates, suggested weights")
        started = time.time()
        for company in env["res.company"].search([("active", "=", True)]):
            env["ar.backtest"]._backtest(company)
            env["ar.backtest"]._suggest_weights(company)
        say(f"  done in {time.time() - started:.1f} s")


def serve_demo(args):
    """Print the demo's PDFs once the server is up, then keep it running unless --no-serve."""
    # the PDF's stylesheets are fetched from the server: print once it is up
    server = subprocess.Popen(server_args(args.db))
    try:
        wait_for_server(server)
        with odoo_env(args.db) as env:
            print_aging(env, args.db)
            print_letter(env, args.db)
        if args.no_serve:
            say(
                f"\nStart the server with: python3 -m odoo --addons-path {ROOT} -d {args.db} "
                "--http-interface 127.0.0.1\nthen open http://localhost:8069 (login admin, "
                "password admin)."
            )
            return 0
        say(
            "\nOdoo is running on http://localhost:8069 (login admin, password admin); "
            "Ctrl-C stops it."
        )
        sys.stdout.flush()
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(30)


def print_aging(env, dbname):
    """The demo book's aged receivables (main company, today) as a PDF file."""
    company = env.ref("base.main_company")
    wizard = env["ar.aging.report.wizard"].with_company(company).create({"company_id": company.id})
    report = env["ir.actions.report"].with_company(company)
    with report_url(env):
        pdf, _kind = report._render_qweb_pdf(
            "ar_analytics.action_report_aged_receivables", None, data=wizard._options()
        )
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"{dbname}_aged_receivables.pdf"
    path.write_bytes(pdf)
    say(f"\nAged receivables of {company.name} as of today printed to {path}")


def run_dunning(env):
    """The shipped dunning policy on the demo book (replayed history, today's run)."""
    from odoo.addons.ar_analytics_demo.generator.dunning_demo import dunning_demo

    say("- dunning: six months of weekly runs replayed, then today's run")
    started = time.time()
    lines = dunning_demo(env)
    say(f"  done in {time.time() - started:.0f} s")
    return lines


def print_letter(env, dbname):
    """The latest dunning letter of the demo book as a PDF file."""
    from odoo.addons.ar_analytics_demo.generator.dunning_demo import latest_letter

    with report_url(env):
        pdf = latest_letter(env)
    if pdf:
        path = OUTPUT / f"{dbname}_dunning_letter.pdf"
        path.write_bytes(pdf)
        say(f"The latest dunning letter printed to {path}")


def summary(env):
    """What the demo database holds, per company."""
    from odoo.addons.ar_analytics_demo.generator.summary import demo_summary

    for line in demo_summary(env):
        say(line)
