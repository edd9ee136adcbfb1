"""5. Peak memory of the full refresh and of the nightly job, each measured in a fresh
process (bench/run.py run again with its hidden --memory-probe option)."""

import json
import subprocess
import sys
from pathlib import Path

from measure import refresh_snapshot, timed

import manage

RUN = Path(__file__).resolve().parent.parent / "run.py"


def _status_mb(field):
    """A memory figure of this process from /proc (VmRSS: now, VmHWM: its peak); unlike
    getrusage's ru_maxrss, the peak starts afresh in a new process (it is not inherited
    from the parent that started it)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_probe(db, nightly=False):
    """In this fresh process: the resident memory before and at the peak of a full refresh
    of every company; with ``nightly``, of the nightly job (each company's refresh, then
    its collection run on the same reads)."""
    with manage.odoo_env(db) as env:
        env["res.partner"].search([], limit=1)
        before = _status_mb("VmHWM")
        refresh = env["ar.refresh"].with_context(ar_snapshot=refresh_snapshot(env))
        if nightly:
            companies = env["res.company"].search([("active", "=", True)])
            seconds, _count = timed(lambda: [refresh._nightly(company) for company in companies])
        else:
            seconds, _count = timed(refresh._refresh)
        peak = _status_mb("VmHWM")
        env.cr.rollback()
    print(json.dumps({"before_mb": before, "peak_mb": peak, "seconds": seconds}))


def probe(db, nightly=False):
    """memory_probe's figures, measured in a new process."""
    out = subprocess.run(
        [
            sys.executable,
            str(RUN),
            "--db",
            db,
            "--memory-probe",
            *(["--nightly"] if nightly else []),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(bench, db):
    memory = probe(db)
    bench.add("memory", "process before the refresh", memory["before_mb"], "MB")
    bench.add("memory", "peak during the refresh", memory["peak_mb"], "MB", "target <= 1024")
    bench.add("memory", "added by the refresh", memory["peak_mb"] - memory["before_mb"], "MB")
    nightly = probe(db, nightly=True)
    bench.add(
        "memory",
        "peak of the nightly job (refresh, then collection run)",
        nightly["peak_mb"],
        "MB",
        "target <= 1024",
    )
