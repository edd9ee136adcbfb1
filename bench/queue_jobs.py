"""The refresh split into partner batches run as OCA queue_job jobs (docs/scaling.md), as
``ar_analytics_queue`` enqueues them.

    python3 bench/queue_jobs.py --db ar_bench_30k --batches 4 --workers 2

``ar.refresh._enqueue_refresh`` enqueues the graph (one ``_refresh_batch`` job per batch,
then ``_refresh_totals``, then the collection run); --workers processes, each doing what one
Odoo node's queue_job runner calls for a job (``RunJobController._acquire_job`` and
``_runjob``: lock, perform, done, commit), take the jobs until none is left. Needs
ar_analytics_queue (and queue_job) installed in the database. The jobs commit: the main
company's figures are refreshed; they are compared with a full refresh of the same day
committed just before (every customer row equal).
"""

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from batches import run_parallel, same_row, stat_rows

import manage


def _node(db, graph, queue):
    """One node's runner: run the graph's jobs until none is left."""
    ran = []
    try:
        _run_jobs(db, graph, ran)
    finally:
        queue.put(ran)


def _run_jobs(db, graph, ran):
    """Run the graph's jobs as a node's runner would, until every job is done: a job that
    waits for others becomes pending once they are done (queue_job), then enqueued here."""
    with manage.odoo_env(db) as env:
        from odoo.tools import SQL

        from odoo.addons.queue_job.controllers.main import RunJobController

        while True:
            # what queue_job's runner does before it calls a node: pending -> enqueued
            env.execute_query(
                SQL(
                    "UPDATE queue_job SET state = 'enqueued' "
                    "WHERE graph_uuid = %s AND state = 'pending'",
                    graph,
                )
            )
            env.cr.commit()
            rows = env.execute_query(
                SQL(
                    "SELECT uuid FROM queue_job WHERE graph_uuid = %s AND state = 'enqueued' "
                    "ORDER BY id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED",
                    graph,
                )
            )
            if not rows:
                [(left,)] = env.execute_query(
                    SQL(
                        "SELECT COUNT(*) FROM queue_job WHERE graph_uuid = %s "
                        "AND state NOT IN ('done', 'failed')",
                        graph,
                    )
                )
                env.cr.rollback()
                if not left:
                    break
                time.sleep(0.2)  # another node runs the job the others wait for
                continue
            job = RunJobController._acquire_job(env, rows[0][0])
            if job is None:
                env.cr.rollback()
                continue
            started = time.perf_counter()
            RunJobController._runjob(env, job)
            ran.append((job.method_name, time.perf_counter() - started))
        env.cr.commit()


def _diff(row, other):
    if other is None:
        return "missing"
    return [(n, a, b) for n, (a, b) in enumerate(zip(row, other, strict=True)) if a != b]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="ar_bench_30k")
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    from odoo.tools import SQL

    with manage.odoo_env(args.db) as env:
        if "ar_refresh_in_jobs" not in env["res.company"]._fields:
            manage.say(f"ar_analytics_queue is not installed in {args.db}")
            return 2
        company = env.ref("base.main_company")
        refresh = env["ar.refresh"]
        as_of = refresh._default_as_of(company)
        started = time.perf_counter()
        refresh._refresh_company(company, as_of)
        single = time.perf_counter() - started
    with manage.odoo_env(args.db) as env:
        reference = stat_rows(env, company.id)
        refresh = env["ar.refresh"]
        customers = sum(len(b) for b in refresh._partner_batches(company, 10**9))
        company.ar_refresh_batch_size = math.ceil(customers / args.batches)
        batches = refresh._partner_batches(company, company.ar_refresh_batch_size)
        refresh._enqueue_refresh(company, as_of)
        env.flush_all()
        [(graph,)] = env.execute_query(
            SQL("SELECT graph_uuid FROM queue_job ORDER BY id DESC LIMIT 1")
        )
        uuids = [
            uuid
            for (uuid,) in env.execute_query(
                SQL("SELECT uuid FROM queue_job WHERE graph_uuid = %s", graph)
            )
        ]
    ran, wall = run_parallel(_node, [(args.db, graph)] * args.workers)
    with manage.odoo_env(args.db) as env:
        states = dict(
            env.execute_query(
                SQL(
                    "SELECT state, COUNT(*) FROM queue_job WHERE uuid = ANY(%s) GROUP BY 1",
                    uuids,
                )
            )
        )
        after = stat_rows(env, company.id)
    equal = sum(same_row(after.get(p), row) for p, row in reference.items())
    for partner, row in reference.items():
        if not same_row(after.get(partner), row):
            manage.say(f"  differs: partner {partner}: {_diff(row, after.get(partner))}")
    manage.say(f"single-process refresh of the main company: {single:.1f} s")
    manage.say(
        f"{len(uuids)} queue_job jobs ({len(batches)} batches, totals, collection) run by "
        f"{args.workers} worker processes: {wall:.1f} s wall, job states {states}"
    )
    for n, jobs_run in enumerate(ran):
        manage.say(
            f"  worker {n + 1}: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in jobs_run)
        )
    manage.say(
        f"customers equal to the full refresh: {equal}/{len(reference)}, "
        f"{len(set(after) ^ set(reference))} missing or extra"
    )
    return 0 if equal == len(reference) and set(states) == {"done"} else 1


if __name__ == "__main__":
    sys.exit(main())
