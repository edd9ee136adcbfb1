"""1. The full refresh of every customer's figures and scores vs the SQL floor; 5b. the
refresh time at each book size."""

import datetime
import functools
import json

from measure import Bench, fmt, median, say, timed
from report import book_line

import manage

FLOOR = """
WITH items AS (
    SELECT l.id, l.company_id, COALESCE(p.commercial_partner_id, l.partner_id) AS partner_id,
           l.balance, l.date_maturity
      FROM account_move_line l
      JOIN account_account a ON a.id = l.account_id
 LEFT JOIN res_partner p ON p.id = l.partner_id
     WHERE l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
       AND l.date <= %(as_of)s
), allocs AS (
    SELECT part.debit_move_id AS item_id, part.amount, cp.date AS pay_date
      FROM account_partial_reconcile part
      JOIN account_move_line cp ON cp.id = part.credit_move_id
     WHERE part.max_date <= %(as_of)s
     UNION ALL
    SELECT part.credit_move_id, -part.amount, cp.date
      FROM account_partial_reconcile part
      JOIN account_move_line cp ON cp.id = part.debit_move_id
     WHERE part.max_date <= %(as_of)s
), per_item AS (
    SELECT i.company_id, i.partner_id, i.balance, i.date_maturity,
           COALESCE(SUM(a.amount), 0) AS allocated,
           SUM(a.amount * (a.pay_date - i.date_maturity)) FILTER (WHERE i.balance > 0) AS late,
           SUM(a.amount) FILTER (WHERE i.balance > 0) AS paid
      FROM items i LEFT JOIN allocs a ON a.item_id = i.id
     GROUP BY i.id, i.company_id, i.partner_id, i.balance, i.date_maturity
)
SELECT company_id, partner_id, SUM(balance - allocated),
       SUM(balance - allocated) FILTER (WHERE date_maturity < %(as_of)s AND balance > 0),
       SUM(late) / NULLIF(SUM(paid), 0), COUNT(*)
  FROM per_item GROUP BY company_id, partner_id
"""


def floor(env):
    """The least work any implementation does: one plain SQL aggregation over the same
    receivable lines and reconciliations."""
    from odoo.tools import SQL

    # the same session settings as the refresh's extraction (ar.refresh._extract)
    env.cr.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
    return env.execute_query(SQL(FLOOR, as_of=datetime.date.today()))


def full_refresh(bench):
    """What the nightly job does for each company (``_refresh_in_snapshot``), with the
    snapshot exported once at the top of this transaction (PostgreSQL cannot export
    one inside the savepoint each measurement runs in)."""
    refresh = bench.env["ar.refresh"].with_context(ar_snapshot=bench.snapshot)
    return refresh._refresh()


def measure(bench, label="refresh"):
    """The refresh vs the floor, interleaved; the median refresh seconds."""
    env = bench.env
    if not env["ar.customer.stat"].search_count([]):
        seconds, _count = timed(full_refresh, bench)
        env.cr.commit()
        bench.add(label, "first refresh (every row written, committed)", seconds, "s")
    refresh, floors = bench.pair(
        functools.partial(full_refresh, bench), functools.partial(floor, env)
    )
    bench.add(label, "full refresh (median)", median(refresh), "s", f"runs {fmt(refresh)}")
    bench.add(label, "SQL floor (median)", median(floors), "s", f"runs {fmt(floors)}")
    bench.add(label, "refresh / floor", median(refresh) / median(floors), "x", "target <= 3")
    return median(refresh)


def growth(bench, sizes, dbs, runs):
    """The refresh on each smaller book (its rows added to ``bench``'s), then the refresh
    time of the largest book over the smallest's; ``sizes`` gains each book's line."""
    for db in dbs:
        with manage.odoo_env(db) as env:
            small = Bench(env, runs)
            sizes[db] = book_line(env)
            say(f"book {db}: {json.dumps(sizes[db])}")
            sizes[db]["refresh"] = measure(small, label=f"refresh {db}")
            bench.rows += small.rows
            env.cr.rollback()
    ordered = sorted(sizes.values(), key=lambda s: s["invoices"])
    if len(ordered) > 1 and all("refresh" in s for s in ordered):
        ratio = ordered[-1]["refresh"] / ordered[0]["refresh"]
        book_growth = ordered[-1]["invoices"] / ordered[0]["invoices"]
        bench.add(
            "growth",
            f"refresh time {ordered[-1]['invoices']} / {ordered[0]['invoices']} invoices",
            ratio,
            "x",
            f"book {book_growth:.1f}x larger; target <= 12",
        )
