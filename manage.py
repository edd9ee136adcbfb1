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
import contextlib
import datetime
import getpass
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ADDON = "ar_analytics"
ADDON_DEPS = {"pandas": "pandas", "numpy": "numpy"}
OUTPUT = ROOT / "output"
TEST_DEPS = {
    "pytest_odoo": "pytest-odoo",
    "ruff": "ruff",
    "pylint_odoo": "pylint-odoo",
    "hypothesis": "hypothesis",
    # the test oracle of the forecasts (tests/engine/test_forecast.py)
    "statsmodels": "statsmodels",
    # the SMTP server on 127.0.0.1 that receives the dunning emails (test_dunning.py)
    "aiosmtpd": "aiosmtpd",
}
DEMO_DB = "ar_demo"
TEST_DB = "ar_analytics_test"
#: the Sales app (``sale_management``) shows the Sales menu, where the README sends users to
#: the blocked quotations; installed here and in the test database, not an addon dependency
SALES_APP = "sale_management"
MODULES = f"account,sale,{SALES_APP},ar_analytics"
#: Excel exports, installed with the addon when OCA's report_xlsx is available
XLSX_ADDON = "ar_analytics_xlsx"
#: the nightly refresh in queue jobs, installed with the addon when OCA's queue_job is available
QUEUE_ADDON = "ar_analytics_queue"
#: the book generator of the demo, the tests and the benchmarks: imported, never installed
DEMO_ADDON = "ar_analytics_demo"
#: OCA addons used here (Odoo module -> wheel), installed from the registry without their
#: dependencies (those name Odoo itself, which is not on the registry)
PEER_ADDONS = {
    "report_xlsx": "odoo-addon-report_xlsx>=19.0,<19.1",
    "queue_job": "odoo-addon-queue_job>=19.0,<19.1",
}
#: the Python packages of those peers (report_xlsx's external dependencies)
PEER_DEPS = {
    "xlsxwriter": "xlsxwriter",
    "xlrd": "xlrd",
    "openupgradelib": "openupgradelib",
    "requests": "requests",
}
#: where ``demo`` starts Odoo
SERVER_URL = "http://127.0.0.1:8069"


def addon_available(name):
    """An addon installed where Odoo finds addons without a path (an OCA wheel): looked
    up on sys.path, since odoo.addons' namespace path does not see a wheel installed by
    this process."""
    entries = (Path(entry or ".") / "odoo" / "addons" / name for entry in sys.path)
    return any((path / "__manifest__.py").is_file() for path in entries)


def report_xlsx_available():
    return importlib.util.find_spec("xlsxwriter") is not None and addon_available("report_xlsx")


def our_addons():
    """The addons of this repository to install and test here."""
    return [
        ADDON,
        *([XLSX_ADDON] if report_xlsx_available() else []),
        *([QUEUE_ADDON] if addon_available("queue_job") else []),
    ]


class Missing(Exception):
    """A prerequisite is missing: said in one line, never as a traceback."""


def say(message):
    print(message, flush=True)


# -- prerequisites -----------------------------------------------------------------------------
def check_odoo():
    try:
        import odoo.release
    except ImportError as exc:
        raise Missing(
            "Odoo 19 is not importable by this python3 (`python3 -c 'import odoo'` fails: "
            f"{exc}). Install Odoo 19.0 first: see README.md, 'Requirements'."
        ) from None
    if tuple(odoo.release.version_info[:2]) != (19, 0):
        raise Missing(f"Odoo {odoo.release.version} found; ar_analytics needs Odoo 19.0.")
    spec = importlib.util.find_spec(f"odoo.addons.{ADDON}")
    if spec and spec.origin and Path(spec.origin).resolve().parent != ROOT / ADDON:
        raise Missing(
            f"another copy of {ADDON} is installed at {Path(spec.origin).parent} and would "
            f"shadow this checkout: remove it (pip uninstall odoo-addon-{ADDON})."
        )


def ensure_python(packages):
    """Install the missing Python packages (module name -> PyPI name) into this python."""
    missing = [pypi for module, pypi in packages.items() if not importlib.util.find_spec(module)]
    if missing:
        say(f"- installing Python packages: {', '.join(missing)}")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", *missing],
            check=False,
        )
        if done.returncode:
            raise Missing(f"pip could not install {', '.join(missing)}.")


def ensure_peers(peers=PEER_ADDONS):
    """Install the missing OCA peer addons from their 19.0 wheels (``--no-deps``: their
    dependencies name Odoo). A peer that cannot be had is said once; the addons and tests
    that need it are then left out, never failed."""
    ensure_python(PEER_DEPS)
    missing = {name: wheel for name, wheel in peers.items() if not addon_available(name)}
    if not missing:
        return
    say(f"- installing OCA addons: {', '.join(missing.values())}")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", *missing.values()],
        check=False,
    )
    if done.returncode:
        say(
            f"! pip could not install {', '.join(missing)}: the addons that need them "
            f"({XLSX_ADDON}, {QUEUE_ADDON}) are not installed and their tests are not run."
        )


def _connect(dbname="postgres"):
    import psycopg2

    return psycopg2.connect(dbname=dbname)


def _clusters():
    if not shutil.which("pg_lsclusters"):
        return []
    out = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    ).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def ensure_postgres():
    """Connect to the local PostgreSQL; start it, and create our role, when needed."""
    import psycopg2

    try:
        _connect().close()
        return
    except psycopg2.OperationalError as exc:
        error = str(exc)
    if "does not exist" in error and "role" in error:
        _create_role()
        _connect().close()
        return
    clusters = _clusters()
    if not clusters:
        raise Missing(
            "PostgreSQL is not running and no local cluster was found to start "
            "(install PostgreSQL, e.g. `apt-get install postgresql`)."
        )
    for version, name, _port, status, *_rest in clusters:
        if status != "online":
            say(f"- starting PostgreSQL {version}/{name}")
            subprocess.run(["pg_ctlcluster", version, name, "start"], check=False)
    for _attempt in range(20):
        try:
            _connect().close()
            return
        except psycopg2.OperationalError as exc:
            error = str(exc)
            if "does not exist" in error and "role" in error:
                _create_role()
            else:
                time.sleep(0.5)
    raise Missing(f"PostgreSQL could not be reached or started: {error.strip()}")


def _create_role():
    user = getpass.getuser()
    if os.geteuid() != 0 or not shutil.which("runuser"):
        raise Missing(
            f"PostgreSQL has no role '{user}': create it (sudo -u postgres createuser -s {user})."
        )
    say(f"- creating PostgreSQL role {user}")
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "createuser", "--superuser", user], check=True
    )


def ensure_wkhtmltopdf():
    """Odoo prints PDFs with wkhtmltopdf: installed from Debian's packages when this runs as
    root on a Debian-like system, otherwise said once (HTML reports still work)."""
    if shutil.which("wkhtmltopdf"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("- installing wkhtmltopdf (Debian package) to print PDF reports")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["update"], ["install", "-y", "wkhtmltopdf"]):
            subprocess.run(
                ["apt-get", "-q", *command], env=env, stdout=subprocess.DEVNULL, check=False
            )
    if not shutil.which("wkhtmltopdf"):
        say(
            "! wkhtmltopdf is not installed: PDF reports cannot be printed "
            "(install it, e.g. `apt-get install wkhtmltopdf`); HTML reports still work."
        )
        return False
    return True


def prerequisites(packages):
    check_odoo()
    ensure_python(packages)
    ensure_peers()
    ensure_postgres()


# -- databases ---------------------------------------------------------------------------------
def db_exists(name):
    with contextlib.closing(_connect()) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return bool(cr.fetchone())


def drop_db(name):
    conn = _connect()
    conn.autocommit = True
    with contextlib.closing(conn), conn.cursor() as cr:
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        cr.execute(f'DROP DATABASE IF EXISTS "{name}"')


def odoo_cli(*args):
    return [sys.executable, "-m", "odoo", "--addons-path", str(ROOT), *args]


def install_db(name, modules=MODULES):
    """Create the database and install the modules; on an existing database, install what
    is missing and upgrade ar_analytics to this checkout's code."""
    existing = db_exists(name)
    say(
        f"- {'upgrading' if existing else 'installing'} {modules} in database {name} "
        "(takes a minute or two)"
    )
    started = time.time()
    upgrade = ["-u", ",".join(our_addons())] if existing else []
    done = subprocess.run(
        odoo_cli("-d", name, "-i", modules, *upgrade, "--stop-after-init", "--log-level=warn"),
        check=False,
    )
    if done.returncode:
        raise Missing(f"Odoo could not install {modules} into {name} (see the log above).")
    say(f"  done in {time.time() - started:.0f} s")


@contextlib.contextmanager
def odoo_env(name):
    """An environment (superuser) on the database; commits when the block succeeds."""
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-d", name, "--addons-path", str(ROOT), "--log-level", "warn"])
    registry = Registry(name)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})


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


def server_args(dbname):
    return odoo_cli(
        "-d",
        dbname,
        "--db-filter",
        f"^{dbname}$",
        "--http-interface",
        "127.0.0.1",
        "--log-level",
        "warn",
    )


def wait_for_server(server, url=f"{SERVER_URL}/web/login", timeout=120):
    """Wait until Odoo answers (or fail if it stopped)."""
    import urllib.error
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit("Odoo stopped before it was ready: is port 8069 already in use?")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(1)
    sys.exit("Odoo did not answer on http://127.0.0.1:8069 within two minutes.")


@contextlib.contextmanager
def report_url(env, url=SERVER_URL):
    """wkhtmltopdf fetches the stylesheets from the server started here, whatever
    web.base.url says (an admin's login through another address or port rewrites it)."""
    params = env["ir.config_parameter"].sudo()
    previous = params.get_param("report.url")
    params.set_param("report.url", url)
    try:
        yield
    finally:
        params.set_param("report.url", previous or False)


@contextlib.contextmanager
def pdf_server(env, port):
    """A quiet Odoo server of ``env``'s database on ``port``, for this process's PDFs
    (benchmarks): wkhtmltopdf fetches the stylesheets from it."""
    dbname = env.cr.dbname
    args = [*server_args(dbname), "--http-port", str(port), "--workers", "0"]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(server, f"{url}/web/login")
        with report_url(env, url):
            yield
    finally:
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


# -- tests -------------------------------------------------------------------------------------
def lint():
    say("- lint: ruff")
    if subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-fix", str(ROOT)], check=False
    ).returncode:
        return 1
    say("- lint: pylint-odoo")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pylint",
            f"--rcfile={ROOT / '.pylintrc'}",
            str(ROOT / ADDON),
            str(ROOT / XLSX_ADDON),
            str(ROOT / DEMO_ADDON),
            str(ROOT / QUEUE_ADDON),
        ],
        check=False,
    ).returncode


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
