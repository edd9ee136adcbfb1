"""``python3 manage.py peers``: do other addons' own tests still pass beside ar_analytics?

Every suite runs twice, one after the other, each time in a fresh database and its own Odoo
process (``-i MODULES --test-tags TAGS --stop-after-init``): once with ar_analytics installed
with its defaults, once without, the other modules being the same. Odoo's closing summary
("N failed, N error(s) of M tests when loading database") of each run is compared: a suite
with more failures and errors with the addon than without is a regression and the command
exits 1. The logs stay in ``output/peers/``; the ``ar_peers_*`` databases are dropped.

Tests tagged ``at_install`` run while their module is installed: account's and sale's before
ar_analytics (which depends on them), so only their ``post_install`` tests, most of them, can
see it; OCA's modules are installed on a database that already has it (see run_suite).
"""

import ast
import contextlib
import dataclasses
import datetime
import json
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

#: the modules of every database, ar_analytics' own dependencies
BASE_MODULES = ("account", "sale")
#: Odoo's account test classes nearest to what ar_analytics extends (posting, payments,
#: reconciliation, partners)
ACCOUNT_CLASSES = (
    "TestAccountMoveReconcile",
    "TestAccountPaymentRegister",
    "TestAccountMoveOutInvoiceOnchanges",
    "TestAccountMoveOutRefundOnchanges",
    "TestAccountMovePaymentsWidget",
    "TestAccountPartner",
)
#: OCA's wheels of the 19.0 series, installed without their dependencies (those name Odoo)
OCA_SERIES = ">=19.0,<19.1"
DB_PREFIX = "ar_peers_"
SUMMARY = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
#: the line Odoo's test result logs for each failed or broken test
FAILED_TEST = re.compile(r" ERROR \S+ (?P<logger>[\w.]+): (?P<kind>FAIL|ERROR): (?P<test>.+)$")


@dataclasses.dataclass(frozen=True)
class Suite:
    name: str
    tags: str
    #: installed besides BASE_MODULES (and ar_analytics in the run with it); those that are
    #: neither Odoo's nor this repository's are OCA's, installed from their wheels if missing
    modules: tuple = ()
    #: load demo data: OCA's CI does (its odoo.cfg says ``without_demo = false``) and OCA's
    #: tests rely on it (the demo company's country); Odoo 19 loads none by default
    demo: bool = False


SUITES = (
    Suite("account", ",".join(f"/account:{name}" for name in ACCOUNT_CLASSES)),
    Suite("sale", "/sale"),
    Suite("account_financial_risk", "/account_financial_risk", ("account_financial_risk",), True),
    Suite("sale_financial_risk", "/sale_financial_risk", ("sale_financial_risk",), True),
)


@dataclasses.dataclass
class Outcome:
    """One run of a suite: Odoo's summary (None when Odoo stopped before writing it)."""

    database: str
    log: str
    returncode: int
    seconds: float
    failed: int | None = None
    errors: int | None = None
    tests: int | None = None
    failing: list = dataclasses.field(default_factory=list)

    @property
    def broken(self):
        return None if self.failed is None else self.failed + self.errors


def parse_log(text):
    """Odoo's last closing summary and the failed tests of a log: ``(failed, errors, tests,
    ["FAIL: module: Class.test", ...])``; the counts are None without a summary."""
    summaries = SUMMARY.findall(text)
    failing = [
        f"{m['kind']}: {m['logger'].removeprefix('odoo.addons.')}: {m['test'].strip()}"
        for m in map(FAILED_TEST.search, text.splitlines())
        if m
    ]
    if not summaries:
        return None, None, None, failing
    failed, errors, tests = map(int, summaries[-1])
    return failed, errors, tests, failing


def regressions(results):
    """The suites worse with ar_analytics than without (or not measured in either run)."""
    return [
        name
        for name, (with_addon, without) in results.items()
        if with_addon.broken is None or without.broken is None or with_addon.broken > without.broken
    ]


# -- OCA addons --------------------------------------------------------------------------------
def find_manifest(name, root):
    """The manifest of an addon where Odoo finds it: this repository, Odoo's own addons, or
    an OCA wheel in site-packages (looked up on sys.path: odoo.addons' namespace path does
    not see a wheel installed by this process)."""
    from odoo.tools import config

    folders = [
        root,
        Path(config.addons_community_dir),
        *(Path(entry or ".") / "odoo" / "addons" for entry in sys.path),
    ]
    for folder in folders:
        manifest = folder / name / "__manifest__.py"
        if manifest.is_file():
            return manifest
    return None


def ensure_oca(tools, names):
    """Install the missing OCA addons, and the OCA addons they depend on, from their 19.0
    wheels."""
    pending, seen = list(names), set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        manifest = find_manifest(name, tools.ROOT)
        if manifest is None:
            wheel = f"odoo-addon-{name}{OCA_SERIES}"
            tools.say(f"- installing OCA addon {wheel}")
            done = subprocess.run(
                [sys.executable, "-m", "pip", "install", "-q", "--no-deps", wheel], check=False
            )
            manifest = find_manifest(name, tools.ROOT)
            if done.returncode or manifest is None:
                raise tools.Missing(f"pip could not install {wheel}.")
        pending.extend(ast.literal_eval(manifest.read_text()).get("depends", []))


# -- runs --------------------------------------------------------------------------------------
def free_port():
    """A free local port for the HTTP server Odoo starts for tests (8069 may be in use)."""
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drop(tools, name):
    from odoo.tools import config

    tools.drop_db(name)
    shutil.rmtree(config.filestore(name), ignore_errors=True)


def run_odoo(tools, database, log, *args):
    """Run Odoo on the database, its output appended to the log; its exit code."""
    command = tools.odoo_cli(
        "-d",
        database,
        *args,
        "--stop-after-init",
        "--http-interface",
        "127.0.0.1",
        "--http-port",
        str(free_port()),
    )
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        return subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=tools.ROOT, check=False
        ).returncode


def run_suite(tools, suite, with_addon, logs):
    """One run of the suite in a fresh database. A suite of other modules (OCA's) is
    installed, with its tests, on a database where account, sale and ar_analytics are
    already installed: its ``at_install`` tests then run with ar_analytics loaded, whereas
    installed together they would run before it (Odoo installs them in dependency order,
    ar_analytics after account_financial_risk)."""
    variant = "with" if with_addon else "without"
    database = f"{DB_PREFIX}{suite.name}_{variant}"
    log = logs / f"{suite.name}_{variant}.log"
    base = [*BASE_MODULES, *([tools.ADDON] if with_addon else [])]
    demo = ["--with-demo"] if suite.demo else []
    steps = [["-i", ",".join(base), "--log-level=warn", *demo]] if suite.modules else []
    tested = ",".join(suite.modules or base)
    steps.append(["-i", tested, "--test-tags", suite.tags, "--log-level=test", *demo])
    drop(tools, database)
    log.write_text("")
    tools.say(
        f"- {suite.name}, {variant} ar_analytics: "
        + " then ".join(f"-i {step[1]}" for step in steps)
        + f" (log: {log})"
    )
    started = time.time()
    try:
        for step in steps:
            returncode = run_odoo(tools, database, log, *step)
            if returncode and step is not steps[-1]:
                break
    finally:
        drop(tools, database)
    failed, errors, tests, failing = parse_log(log.read_text(errors="replace"))
    outcome = Outcome(
        database=database,
        log=str(log.relative_to(tools.ROOT)),
        returncode=returncode,
        seconds=round(time.time() - started),
        failed=failed,
        errors=errors,
        tests=tests,
        failing=failing,
    )
    summary = (
        f"{failed} failed, {errors} error(s) of {tests} tests"
        if tests is not None
        else f"no test summary (exit code {returncode})"
    )
    tools.say(f"  {summary} in {outcome.seconds} s")
    return outcome


def table(results):
    """One line per suite: tests, failures + errors with ar_analytics and without."""
    lines = [f"{'suite':<24} {'tests':>11} {'with ar_analytics':>18} {'without':>8}"]
    for name, (with_addon, without) in results.items():
        counts = ["-" if o.tests is None else str(o.tests) for o in (with_addon, without)]
        tests = counts[0] if counts[0] == counts[1] else "/".join(counts)
        broken = ["-" if o.broken is None else str(o.broken) for o in (with_addon, without)]
        lines.append(f"{name:<24} {tests:>11} {broken[0]:>18} {broken[1]:>8}")
    return lines


def run(args, tools):
    """The ``peers`` command; ``tools`` is manage.py (its prerequisites and database helpers)."""
    tools.prerequisites(tools.ADDON_DEPS)
    suites = [suite for suite in SUITES if not args.suite or suite.name in args.suite]
    ensure_oca(tools, [name for suite in suites for name in suite.modules])
    logs = tools.OUTPUT / "peers"
    logs.mkdir(parents=True, exist_ok=True)
    import odoo.release

    results = {}
    for suite in suites:
        results[suite.name] = (
            run_suite(tools, suite, True, logs),
            run_suite(tools, suite, False, logs),
        )
    report = {
        "date": datetime.date.today().isoformat(),
        "odoo": odoo.release.version,
        "suites": {
            suite.name: {
                "tags": suite.tags,
                "with": vars(results[suite.name][0]),
                "without": vars(results[suite.name][1]),
            }
            for suite in suites
        },
    }
    (logs / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    tools.say("")
    for line in table(results):
        tools.say(line)
    for name, (with_addon, without) in results.items():
        for test in sorted(set(with_addon.failing) - set(without.failing)):
            tools.say(f"! {name}, only with ar_analytics: {test}")
    worse = regressions(results)
    if worse:
        tools.say(f"worse with ar_analytics (or not measured): {', '.join(worse)}")
        return 1
    return 0
