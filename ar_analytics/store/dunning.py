"""What the dunning run reads besides the open items (``ar.refresh._open_items``), and the
customers' dunning states it writes: plain SQL on ``env.cr``, no rule of its own."""

import datetime

import pandas as pd

from odoo.tools import SQL

from . import writer
from .arrays import array, sql_values
from .collection import broken_promises, customer_stats

STATE_COLUMNS = {
    # column: (frame column, SQL type)
    "partner_id": ("partner_id", "int4"),
    "level_id": ("level_id", "int4"),
    "next_action_date": ("next_action", "date"),
    "overdue_amount": ("overdue_amount", "float8"),
    "amount_at_risk": ("amount_at_risk", "float8"),
    "grade": ("grade", "varchar"),
    "tier": ("tier", "varchar"),
    "promise_count": ("promise_count", "int4"),
    "hold": ("hold", "bool"),
    "collector_id": ("collector_id", "int4"),
}


def reminded(env, company, item_ids):
    """Per item listed in a reminder, indexed by item: ``days`` of the highest level it was
    listed at and ``date`` of its last reminder."""
    env["ar.dunning.reminder.line"].flush_model()
    env["ar.dunning.reminder"].flush_model(["date"])
    rows = env.execute_query(
        SQL(
            """SELECT l.move_line_id, MAX(l.level_days), MAX(r.date)
                 FROM ar_dunning_reminder_line l
                 JOIN ar_dunning_reminder r ON r.id = l.reminder_id
                WHERE l.company_id = %s AND l.move_line_id = ANY(%s)
                GROUP BY l.move_line_id""",
            company.id,
            array(item_ids, "int4"),
        )
    )
    frame = pd.DataFrame(rows, columns=["item_id", "days", "date"]).set_index("item_id")
    frame["days"] = frame["days"].astype("float64")
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def promises(env, company, run_date):
    """(pending, broken): the invoices with a promise to pay, indexed by move: pending, the
    last day of the pause (promise date + grace days); broken, the day it broke (the same
    date)."""
    grace = datetime.timedelta(days=company.ar_promise_grace_days)
    moves = env["account.move"].search(
        [
            ("company_id", "=", company.id),
            ("state", "=", "posted"),
            ("ar_promise_date", "!=", False),
            ("ar_promise_date", ">=", run_date - grace),
            ("amount_residual", ">", 0),
        ]
    )
    pending = pd.Series(
        {
            m.id: pd.Timestamp(m.ar_promise_date + grace)
            for m in moves
            if m.ar_promise_status == "pending"
        },
        dtype="datetime64[ns]",
    )
    broken_ids = broken_promises(env, company, run_date)["move_id"].tolist()
    broken = pd.Series(
        {
            m.id: pd.Timestamp(m.ar_promise_date + grace)
            for m in env["account.move"].browse(broken_ids)
        },
        dtype="datetime64[ns]",
    )
    return pending, broken


def disputed_moves(env, company, reason):
    """The company's invoices whose overdue reason is ``reason`` (the dispute)."""
    if not reason:
        return set()
    return set(
        env["account.move"]
        .search([("company_id", "=", company.id), ("ar_overdue_reason_id", "=", reason.id)])
        .ids
    )


def customers(env, company, partner_ids):
    """The customers as the engine reads them: grade, tier, paused_until, last_date,
    has_email; plus collector_id (state, else salesperson), state_id, follow_up (set by a
    collector) and last_days (days of the last level sent)."""
    env["res.partner"].flush_model(["email", "user_id"])
    env["ar.dunning.state"].flush_model()
    env["ar.dunning.level"].flush_model(["days"])
    rows = env.execute_query(
        SQL(
            """SELECT p.id, p.email IS NOT NULL AND p.email != '', s.id, s.paused_until,
                      s.last_reminder_date, COALESCE(s.collector_id, p.user_id),
                      s.follow_up_date, l.days
                 FROM res_partner p
                 LEFT JOIN ar_dunning_state s ON s.partner_id = p.id AND s.company_id = %s
                 LEFT JOIN ar_dunning_level l ON l.id = s.last_level_id
                WHERE p.id = ANY(%s)""",
            company.id,
            array(partner_ids, "int4"),
        )
    )
    frame = pd.DataFrame(
        rows,
        columns=[
            "partner_id",
            "has_email",
            "state_id",
            "paused_until",
            "last_date",
            "collector_id",
            "follow_up",
            "last_days",
        ],
    ).set_index("partner_id")
    frame["paused_until"] = pd.to_datetime(frame["paused_until"])
    frame["last_date"] = pd.to_datetime(frame["last_date"])
    frame["follow_up"] = pd.to_datetime(frame["follow_up"])
    stats = customer_stats(env, company)
    return frame.join(stats[["grade", "tier"]])


def stated_partners(env, company):
    """The customers with a dunning state in the company."""
    env["ar.dunning.state"].flush_model(["company_id", "partner_id"])
    rows = env.execute_query(
        SQL("SELECT partner_id FROM ar_dunning_state WHERE company_id = %s", company.id)
    )
    return [row[0] for row in rows]


def write_states(env, company, frame):
    """Upsert the customers' states (one statement); the collector only where none is set."""
    columns = {
        name: (sql_values(frame[column], sql_type), sql_type)
        for name, (column, sql_type) in STATE_COLUMNS.items()
    }
    columns["company_id"] = ([company.id] * len(frame), "int4")
    ids = writer.upsert(
        env,
        "ar.dunning.state",
        ["company_id", "partner_id"],
        columns,
        compare=[n for n in STATE_COLUMNS if n != "collector_id"],
    )
    return ids


def mark_sent(env, rows):
    """After a run: each sent customer's last level, reminder date, credit hold and next
    action."""
    writer.update(
        env,
        "ar.dunning.state",
        {
            "id": (rows["state_id"].tolist(), "int4"),
            "last_level_id": (rows["level_id"].tolist(), "int4"),
            "last_reminder_date": (sql_values(rows["date"], "date"), "date"),
            "hold": (rows["hold"].tolist(), "bool"),
            "next_action_date": (sql_values(rows["next_action"], "date"), "date"),
        },
    )
