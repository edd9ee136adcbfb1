"""What bench/run.py prints around its figures: the machine, the books measured, and the
final table of every row the sections added."""

import json
import os
import time

from measure import say


def machine():
    mem = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) / 1024 / 1024
    return f"{os.cpu_count()} cores, {mem:.0f} GB RAM"


def load(average):
    return "/".join(f"{x:.2f}" for x in average)


def book_line(env):
    from odoo.tools import SQL

    [(customers, invoices, lines, partials)] = env.execute_query(
        SQL(
            """SELECT (SELECT COUNT(DISTINCT commercial_partner_id) FROM account_move
                        WHERE move_type = 'out_invoice' AND state = 'posted'),
                      (SELECT COUNT(*) FROM account_move
                        WHERE move_type = 'out_invoice' AND state = 'posted'),
                      (SELECT COUNT(*) FROM account_move_line l
                         JOIN account_account a ON a.id = l.account_id
                        WHERE a.account_type = 'asset_receivable'
                          AND l.parent_state = 'posted'),
                      (SELECT COUNT(*) FROM account_partial_reconcile)"""
        )
    )
    book = env["ir.config_parameter"].sudo().get_param("ar_analytics.book")
    built = json.loads(book).get("build_seconds") if book else None
    return {
        "customers": customers,
        "invoices": invoices,
        "receivable_lines": lines,
        "partials": partials,
        "build_seconds": built,
    }


def print_results(db, sizes, rows, load_before, started):
    """The closing summary: the machine and its load, the books, then the table."""
    load_after = os.getloadavg()
    say(
        f"\n{'=' * 100}\nResults ({db}, {machine()}, load average before "
        f"{load(load_before)}, after {load(load_after)}; "
        f"{time.perf_counter() - started:.0f} s)"
    )
    say(
        "book sizes: "
        + "; ".join(
            f"{name}: {s['customers']} customers, {s['invoices']} invoices, "
            f"{s['receivable_lines']} receivable lines, {s['partials']} reconciliations"
            + (f", built in {s['build_seconds']:.0f} s" if s.get("build_seconds") else "")
            for name, s in sizes.items()
        )
    )
    say(f"| {'section':<38} | {'figure':<52} | {'value':>12} | unit | note")
    say(f"|{'-' * 40}|{'-' * 54}|{'-' * 14}|------|------")
    for section, label, value, unit, note in rows:
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        say(f"| {section:<38} | {label:<52} | {shown:>12} | {unit:<4} | {note}")
