#!/usr/bin/env python3
"""Every stored figure of a book, dumped after a refresh from scratch, and two dumps compared:
the check that a change of code leaves every figure as it was, to the last digit.

    python3 bench/compare_stored.py dump --db ar_demo --out /tmp/before.json
    (change the code, or pass --addons-path to a checkout of the other version)
    python3 bench/compare_stored.py dump --db ar_demo --out /tmp/after.json
    python3 bench/compare_stored.py diff /tmp/before.json /tmp/after.json

``dump`` copies the database (``createdb -T``), clears every stored figure in the copy, runs
the nightly job (the refresh, then the collection run: trend, forecast, expected payments,
signals, with their activities), the history back-fill of the last three month-ends, the
backtest and the weight suggestion, then writes every stored table as sorted rows of text
(PostgreSQL's own text of each value, so floats compare to the last digit), without row ids,
audit columns or timestamps. The copy is dropped afterwards.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# table -> columns left out besides ids, audit columns and timestamps (references to rows
# that a refresh recreates, which the row's own keys already name)
TABLES = {
    "ar_customer_stat": (),
    "ar_customer_aging": ("stat_id",),
    "ar_company_stat": (),
    "ar_score_history": (),
    "ar_trend_month": (),
    "ar_collection_trend": (),
    "ar_expected_cash": (),
    "ar_customer_signal": (),
    "ar_backtest_predictor": (),
}
# tables whose ar_* columns a refresh writes on rows it does not create: kept with their ids
ID_TABLES = ("account_move", "res_company")
CLEARED = (
    "ar_customer_aging",
    "ar_customer_stat",
    "ar_company_stat",
    "ar_score_history",
    "ar_trend_month",
    "ar_collection_trend",
    "ar_expected_cash",
    "ar_customer_signal",
    "ar_backtest_predictor",
)
AUDIT = {"id", "create_uid", "create_date", "write_uid", "write_date"}


def _columns(cr, table, skipped, prefix=None):
    cr.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s ORDER BY column_name",
        [table],
    )
    return [
        name
        for name, data_type in cr.fetchall()
        if name not in AUDIT
        and name not in skipped
        and not data_type.startswith("timestamp")
        and (prefix is None or name.startswith(prefix))
    ]


def _rows(cr, table, columns, keep_id=False):
    names = (["id"] if keep_id else []) + columns
    text = ", ".join(f'"{name}"::text' for name in names)
    cr.execute(f'SELECT {text} FROM "{table}"')
    return sorted(["\t".join("\\N" if v is None else v for v in row) for row in cr.fetchall()])


def _move_figures():
    """The per-invoice figures the refresh stores on account.move, as the code being
    compared lists them (other ar_* columns, such as promises and notes, are user input)."""
    try:
        from odoo.addons.ar_analytics.engine.outputs import MOVE_FIELDS
    except ImportError:  # the code before the engine named the stored figures
        from odoo.addons.ar_analytics.store.extract import MOVE_FIGURES

        return [field for field, _sql_type in MOVE_FIGURES.values()]
    return list(MOVE_FIELDS.values())


def _recompute(env):
    from odoo.tools import SQL

    for table in CLEARED:
        env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
    figures = _move_figures()
    env.cr.execute(
        SQL(
            "UPDATE account_move SET %s, ar_computed = FALSE",
            SQL(", ").join(SQL("%s = NULL", SQL.identifier(c)) for c in figures),
        )
    )
    env.invalidate_all()
    refresh = env["ar.refresh"]
    companies = env["res.company"].search([("active", "=", True)])
    # the nightly job (refresh, then collection run on the same extraction) where the code
    # has it, else its two steps
    if hasattr(refresh, "_nightly"):
        for company in companies:
            refresh._nightly(company)
    else:
        refresh._refresh()
        env["ar.collection.run"]._run()
    # the backtest has had its own model since the refactor: either version of the code
    backtest = env.get("ar.backtest", refresh)
    for company in companies:
        backtest._backfill_history(company, months=3)
        backtest._backtest(company)
        backtest._suggest_weights(company)
    env.flush_all()


def dump(args):
    copy = f"{args.db}_compare"
    subprocess.run(["dropdb", "--if-exists", copy], check=True)
    subprocess.run(["createdb", "-T", args.db, copy], check=True)
    try:
        import odoo
        from odoo.modules.registry import Registry
        from odoo.tools import config

        config.parse_config(["-d", copy, "--addons-path", args.addons_path, "--log-level", "warn"])
        registry = Registry(copy)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
            _recompute(env)
            tables = {
                table: _rows(cr, table, _columns(cr, table, skipped))
                for table, skipped in TABLES.items()
            }
            for table in ID_TABLES:
                tables[table] = _rows(cr, table, _columns(cr, table, (), "ar_"), keep_id=True)
            cr.rollback()
    finally:
        from odoo.modules.registry import Registry
        from odoo.sql_db import close_db

        Registry.delete(copy)
        close_db(copy)
        subprocess.run(["dropdb", "--if-exists", copy], check=True)
    Path(args.out).write_text(json.dumps(tables, indent=0))
    print(f"{args.out}: " + ", ".join(f"{t} {len(r)}" for t, r in tables.items()))


def diff(args):
    before = json.loads(Path(args.before).read_text())
    after = json.loads(Path(args.after).read_text())
    different = 0
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        gone, added = sorted(old - new), sorted(new - old)
        status = "identical" if not gone and not added else "DIFFERENT"
        print(f"{table:24} {len(before.get(table, [])):8} rows  {status}")
        for row in gone[: args.show]:
            print(f"  - {row}")
        for row in added[: args.show]:
            print(f"  + {row}")
        different += bool(gone or added)
    return 1 if different else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("dump", help="recompute a copy of the book and dump its tables")
    one.add_argument("--db", required=True)
    one.add_argument("--out", required=True)
    one.add_argument("--addons-path", default=str(ROOT), help="the code to recompute with")
    two = commands.add_parser("diff", help="compare two dumps; exit 1 when they differ")
    two.add_argument("before")
    two.add_argument("after")
    two.add_argument("--show", type=int, default=5, help="rows shown per different table")
    args = parser.parse_args(argv)
    return dump(args) if args.command == "dump" else diff(args)


if __name__ == "__main__":
    sys.exit(main())
