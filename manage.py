#!/usr/bin/env python3
"""Developer commands of ar_analytics.

    python3 manage.py demo [--db NAME] [--recreate] [--size demo|test] [--no-serve]
    python3 manage.py test [--db NAME] [--keep-db] [--no-lint] [-- PYTEST ARGS]
    python3 manage.py peers [--suite NAME ...]
    python3 manage.py screens [--db NAME] [--url URL] [--lang CODE] [--out DIR] [--only A,B]

Both expect Odoo 19 importable by this python3 (``python3 -c "import odoo"``) and a local
PostgreSQL (started here when it is installed but stopped).
"""

import argparse
import subprocess
import sys

# the helpers live in devtools/; their names stay importable from here (bench/, devtools/peers.py)
from devtools.demo_steps import (
    compute_demo_figures,
    load_demo_book,
    print_aging,
    print_letter,
    run_dunning,
    serve_demo,
    summary,
)
from devtools.lint import lint
from devtools.odoo_db import install_db, odoo_cli, odoo_env
from devtools.postgres import db_exists, drop_db, ensure_postgres
from devtools.prerequisites import (
    check_odoo,
    ensure_peers,
    ensure_python,
    ensure_wkhtmltopdf,
    prerequisites,
)
from devtools.project import (
    ADDON,
    ADDON_DEPS,
    DEMO_ADDON,
    DEMO_DB,
    MODULES,
    OUTPUT,
    PEER_ADDONS,
    PEER_DEPS,
    QUEUE_ADDON,
    ROOT,
    SALES_APP,
    SERVER_URL,
    TEST_DB,
    TEST_DEPS,
    XLSX_ADDON,
    Missing,
    addon_available,
    our_addons,
    report_xlsx_available,
    say,
)
from devtools.server import pdf_server, report_url, server_args, wait_for_server

__all__ = [
    "ADDON",
    "ADDON_DEPS",
    "DEMO_ADDON",
    "DEMO_DB",
    "MODULES",
    "OUTPUT",
    "PEER_ADDONS",
    "PEER_DEPS",
    "QUEUE_ADDON",
    "ROOT",
    "SALES_APP",
    "SERVER_URL",
    "TEST_DB",
    "TEST_DEPS",
    "XLSX_ADDON",
    "Missing",
    "addon_available",
    "check_odoo",
    "compute_demo_figures",
    "db_exists",
    "demo",
    "drop_db",
    "ensure_peers",
    "ensure_postgres",
    "ensure_python",
    "ensure_wkhtmltopdf",
    "install_db",
    "lint",
    "load_demo_book",
    "main",
    "odoo_cli",
    "odoo_env",
    "our_addons",
    "pdf_server",
    "peers",
    "prerequisites",
    "print_aging",
    "print_letter",
    "report_url",
    "report_xlsx_available",
    "run_dunning",
    "say",
    "screens",
    "serve_demo",
    "server_args",
    "summary",
    "test",
    "wait_for_server",
]


# -- demo --------------------------------------------------------------------------------------
def demo(args):
    prerequisites(ADDON_DEPS)
    ensure_wkhtmltopdf()
    if args.recreate and db_exists(args.db):
        say(f"- dropping database {args.db}")
        drop_db(args.db)
    install_db(args.db, ",".join([MODULES, *our_addons()[1:]]))
    with odoo_env(args.db) as env:
        load_demo_book(env, args)
    compute_demo_figures(args.db)
    with odoo_env(args.db) as env:
        from odoo.addons.ar_analytics_demo.generator.credit_demo import credit_demo

        orders = credit_demo(env)
        say(f"- credit rules switched on; {len(orders)} demo quotations (see below)")
    with odoo_env(args.db) as env:
        dunning = run_dunning(env)
    with odoo_env(args.db) as env:
        summary(env)
    for line in dunning:
        say(line)
    return serve_demo(args)


# -- tests -------------------------------------------------------------------------------------
def test(args):
    prerequisites({**ADDON_DEPS, **TEST_DEPS})
    ensure_wkhtmltopdf()  # the report tests print PDFs
    if not args.no_lint and lint():
        say("lint failed")
        return 1
    if not args.keep_db or not db_exists(args.db):
        if db_exists(args.db):
            drop_db(args.db)
        install_db(args.db, ",".join([SALES_APP, *our_addons()]))
    # paths given after -- replace the default ones (the whole suite)
    paths = (
        []
        if any(not a.startswith("-") for a in args.pytest)
        else [str(ROOT / "tests"), *(str(ROOT / addon / "tests") for addon in our_addons())]
    )
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        f"--odoo-database={args.db}",
        f"--odoo-addons-path={ROOT}",
        "--odoo-log-level=warn",
        *paths,
        *args.pytest,
    ]
    say("- " + " ".join(command[2:]))
    return subprocess.run(command, cwd=ROOT, check=False).returncode


# -- peers -------------------------------------------------------------------------------------
def peers(args):
    """Odoo's and OCA's tests with ar_analytics installed and without (devtools/peers.py)."""
    from devtools import peers as suites

    return suites.run(args, sys.modules[__name__])


# -- screens -----------------------------------------------------------------------------------
def screens(args):
    """Screenshots of every screen in headless Chromium, for the docs (devtools/screens.py)."""
    ensure_python({"websocket": "websocket-client", "requests": "requests"})
    from devtools import screens as tool

    return tool.run(args)


def main(argv=None):
    from devtools.peers import SUITES

    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="demo database with a realistic receivables book")
    p_demo.add_argument("--db", default=DEMO_DB)
    p_demo.add_argument("--recreate", action="store_true", help="drop the database first")
    p_demo.add_argument("--size", default="demo", choices=("demo", "test"))
    p_demo.add_argument("--seed", type=int, default=42)
    p_demo.add_argument("--no-serve", action="store_true", help="do not start the server")
    p_test = sub.add_parser("test", help="lint, fresh test database, every test")
    p_test.add_argument("--db", default=TEST_DB)
    p_test.add_argument("--keep-db", action="store_true", help="reuse an installed test db")
    p_test.add_argument("--no-lint", action="store_true")
    p_test.add_argument("pytest", nargs="*", help="extra pytest arguments (after --)")
    p_peers = sub.add_parser("peers", help="Odoo's and OCA's tests with ar_analytics and without")
    p_peers.add_argument(
        "--suite", action="append", choices=[suite.name for suite in SUITES], help="repeatable"
    )
    p_screens = sub.add_parser("screens", help="screenshots of every screen (server running)")
    p_screens.add_argument("--db", default=DEMO_DB)
    p_screens.add_argument("--url", default=SERVER_URL, help="the running Odoo server")
    p_screens.add_argument("--lang", default="en_US", help="installed language, e.g. zh_CN")
    p_screens.add_argument("--out", default=str(OUTPUT / "screens"), help="PNG directory")
    p_screens.add_argument("--only", help="comma-separated screen names (devtools/screens.py)")
    p_screens.add_argument("--login", default="admin")
    p_screens.add_argument("--password", default="admin")
    args = parser.parse_args(argv)
    try:
        commands = {"demo": demo, "test": test, "peers": peers, "screens": screens}
        return commands[args.command](args)
    except Missing as exc:
        say(f"error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
