"""The refresh split into partner batches run as OCA queue_job jobs (docs/scaling.md).

    python3 bench/queue_jobs.py --db ar_bench_30k --batches 4 --workers 2

A dispatcher enqueues one ``_refresh_batch`` job per batch and one ``_refresh_totals`` job
(``with_delay``), then --workers processes, each what one Odoo node's queue_job runner calls for
a job (``RunJobController._acquire_job`` and ``_runjob``: lock, perform, done, commit), take
the enqueued jobs until none is left. Needs queue_job installed in the database. The jobs
commit: the main company's figures are refreshed; they are compared with a full refresh of
the same day committed just before (every customer row equal).
"""

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from batches import _same, _stat_rows, run_parallel

import manage

CHANNEL = "root"


def _node(db, uuids, queue):
    """One node's runner: run enqueued jobs of the list until none is left."""
    ran = []
    try:
        _run_jobs(db, uuids, ran)
    finally:
        queue.put(ran)


def _run_jobs(db, uuids, ran):
    with manage.odoo_env(db) as env:
        from odoo.tools import SQL

        from odoo.addons.queue_job.controllers.main import RunJobController

        while True:
            rows = env.execute_query(
                SQL(
                    "SELECT uuid FROM queue_job WHERE uuid = ANY(%s) AND state = 'enqueued' "
                    "ORDER BY id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED",
                    uuids,
                )
            )
            if not rows:
                break
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
        if "queue.job" not in env:
            manage.say(f"queue_job is not installed in {args.db}")
            return 2
        company = env.ref("base.main_company")
        refresh = env["ar.refresh"]
        as_of = refresh._default_as_of(company)
        started = time.perf_counter()
        refresh._refresh_company(company, as_of)
        single = time.perf_counter() - started
    with manage.odoo_env(args.db) as env:
        reference = _stat_rows(env, company.id)
        refresh = env["ar.refresh"]
        customers = sum(len(b) for b in refresh._partner_batches(company, 10**9))
        batches = refresh._partner_batches(company, math.ceil(customers / args.batches))
        jobs = [
            refresh.with_delay(channel=CHANNEL)._refresh_batch(company, batch, as_of)
            for batch in batches
        ]
        jobs.append(refresh.with_delay(channel=CHANNEL)._refresh_totals(company, as_of))
        uuids = [job.uuid for job in jobs]
        env.flush_all()
        # what queue_job's runner does before it calls a node: pending -> enqueued
        env.execute_query(
            SQL("UPDATE queue_job SET state = 'enqueued' WHERE uuid = ANY(%s)", uuids)
        )
    ran, wall = run_parallel(_node, [(args.db, uuids)] * args.workers)
    with manage.odoo_env(args.db) as env:
        states = dict(
            env.execute_query(
                SQL(
                    "SELECT state, COUNT(*) FROM queue_job WHERE uuid = ANY(%s) GROUP BY 1",
                    uuids,
                )
            )
        )
        after = _stat_rows(env, company.id)
    equal = sum(_same(after.get(p), row) for p, row in reference.items())
    for partner, row in reference.items():
        if not _same(after.get(partner), row):
            manage.say(f"  differs: partner {partner}: {_diff(row, after.get(partner))}")
    manage.say(f"single-process refresh of the main company: {single:.1f} s")
    manage.say(
        f"{len(jobs)} queue_job jobs ({len(batches)} batches + totals) run by "
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
