"""The full refresh split into independent partner batches, run by parallel processes.

Each process is what one queue_job worker on one Odoo node would run (docs/scaling.md):
``ar.refresh._refresh_batch(company, partner_ids)`` for one batch, and one process runs
``_refresh_totals(company)``. Every process rolls back, the parent compares each batch's
stored rows with those of a single-process full refresh of the same data (rolled back too).
"""

import math
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import manage

SKIPPED_COLUMNS = ("id", "create_uid", "create_date", "write_uid", "write_date", "computed_at")


def stat_rows(env, company_id, partner_ids=None):
    """{partner id: row} of ar_customer_stat (every column but ids and timestamps)."""
    from odoo.tools import SQL

    env.flush_all()
    columns = [
        name
        for (name,) in env.execute_query(
            SQL(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'ar_customer_stat' ORDER BY ordinal_position"
            )
        )
        if name not in SKIPPED_COLUMNS
    ]
    scope = SQL("company_id = %s", company_id)
    if partner_ids is not None:
        scope = SQL("%s AND partner_id = ANY(%s)", scope, list(partner_ids))
    rows = env.execute_query(
        SQL(
            "SELECT %s FROM ar_customer_stat WHERE %s",
            SQL(", ").join(SQL.identifier(c) for c in columns),
            scope,
        )
    )
    index = columns.index("partner_id")
    return {row[index]: row for row in rows}


def same_row(row, other):
    """Rows equal but for float noise (sums of the same amounts in another order)."""
    if row is None or len(row) != len(other):
        return False
    return all(
        math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        if isinstance(a, float) and isinstance(b, float)
        else a == b
        for a, b in zip(row, other, strict=True)
    )


def _worker(db, company_id, as_of, batch, queue):
    with manage.odoo_env(db) as env:
        company = env["res.company"].browse(company_id)
        started = time.perf_counter()
        if batch is None:
            env["ar.refresh"]._refresh_totals(company, as_of)
            rows = {}
        else:
            env["ar.refresh"]._refresh_batch(company, batch, as_of)
            rows = stat_rows(env, company_id, batch)
        seconds = time.perf_counter() - started
        env.cr.rollback()
    queue.put((batch is None, seconds, rows))


def run_parallel(target, arguments):
    """One spawned process per tuple of ``arguments`` (``target(*args, queue)`` puts its
    result in the queue), all started together: (their results, wall seconds)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=target, args=(*args, queue)) for args in arguments]
    started = time.perf_counter()
    for process in processes:
        process.start()
    results = [queue.get() for _process in processes]
    for process in processes:
        process.join()
    return results, time.perf_counter() - started


def run_batches(db, processes=2):
    """Rows (label, value, unit, note) for the benchmark table."""
    with manage.odoo_env(db) as env:
        company = env.ref("base.main_company")
        refresh = env["ar.refresh"]
        as_of = refresh._default_as_of(company)
        customers = sum(len(b) for b in refresh._partner_batches(company, 10**9))
        batches = refresh._partner_batches(company, math.ceil(customers / processes))
        started = time.perf_counter()
        refresh._refresh_company(company, as_of)
        single = time.perf_counter() - started
        reference = stat_rows(env, company.id)
        env.cr.rollback()
    workers = [(db, company.id, as_of, batch) for batch in [*batches, None]]
    results, wall = run_parallel(_worker, workers)
    batch_rows = {}
    for is_totals, _seconds, rows in results:
        if not is_totals:
            batch_rows.update(rows)
    differ = sorted(p for p in reference if not same_row(batch_rows.get(p), reference[p]))
    missing = len(set(reference) ^ set(batch_rows))
    batch_seconds = [s for is_totals, s, _rows in results if not is_totals]
    totals_seconds = [s for is_totals, s, _rows in results if is_totals]
    label = f"{len(batches)} batches + totals, {len(workers)} processes"
    return [
        ("single process: full refresh of the main company", single, "s", ""),
        (label + ", wall time", wall, "s", "includes each process's Odoo start-up"),
        (
            "slowest batch (in its process)",
            max(batch_seconds),
            "s",
            "/".join(f"{s:.1f}" for s in batch_seconds),
        ),
        ("company totals (in its process)", totals_seconds[0], "s", ""),
        (
            "customers: batches' rows equal to the full refresh's",
            f"{len(reference) - len(differ)}/{len(reference)}",
            "",
            f"{missing} missing or extra",
        ),
    ]


if __name__ == "__main__":
    for row in run_batches(sys.argv[1] if len(sys.argv) > 1 else "ar_bench_30k"):
        print(row)
