"""What the dunning run reads besides the open items (``ar.refresh._open_items``), and the
customers' dunning states it writes: plain SQL on ``env.cr``, no rule of its own."""

import datetime

import pandas as pd

from odoo.tools import SQL

from . import writer
from .arrays import array, sql_values
from .collection import broken_promises, customer_stats

#: ar.dunning.state column -> SQL type of its values (the frame's column of the same name)
STATE_COLUMNS = {
    "partner_id": "int4",
    "level_id": "int4",
    "next_action_date": "date",
    "overdue_amount": "float8",
    "amount_at_risk": "float8",
    "grade": "varchar",
    "tier": "varchar",
    "promise_count": "int4",
    "hold": "bool",
    "collector_id": "int4",
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
    columns = writer.typed_columns(frame, STATE_COLUMNS)
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
            "next_action_date": (sql_values(rows["next_action_date"], "date"), "date"),
        },
    )


# -- the reminder log, for the effectiveness figures ----------------------------------------


def reminder_log(env, company, since, until):
    """(reminders, lines) of the company dated in [since, until] (``engine.dunning_effect``)."""
    env["ar.dunning.reminder"].flush_model()
    env["ar.dunning.reminder.line"].flush_model()
    reminders = pd.DataFrame(
        env.execute_query(
            SQL(
                """SELECT id, date, COALESCE(level_id, 0), COALESCE(collector_id, 0)
                     FROM ar_dunning_reminder
                    WHERE company_id = %s AND date BETWEEN %s AND %s""",
                company.id,
                since,
                until,
            )
        ),
        columns=["reminder_id", "date", "level_id", "collector_id"],
    )
    reminders["date"] = pd.to_datetime(reminders["date"])
    lines = pd.DataFrame(
        env.execute_query(
            SQL(
                """SELECT l.reminder_id, l.move_line_id, l.residual
                     FROM ar_dunning_reminder_line l
                     JOIN ar_dunning_reminder r ON r.id = l.reminder_id
                    WHERE r.company_id = %s AND r.date BETWEEN %s AND %s""",
                company.id,
                since,
                until,
            )
        ),
        columns=["reminder_id", "item_id", "residual"],
    )
    lines["residual"] = lines["residual"].astype("float64")
    return reminders, lines


def reminded_partners(env, company, since):
    """The customers reminded since ``since``."""
    rows = env.execute_query(
        SQL(
            "SELECT DISTINCT partner_id FROM ar_dunning_reminder WHERE company_id = %s"
            " AND date >= %s",
            company.id,
            since,
        )
    )
    return [row[0] for row in rows]


def promises_made(env, company, since, until):
    """The promises to pay dated in [since, until]: ``date``, ``status``, and the level and
    collector of the last reminder that listed the invoice before the promised date (the
    customer's collector and no level when none did)."""
    moves = env["account.move"].search(
        [
            ("company_id", "=", company.id),
            ("ar_promise_date", ">=", since),
            ("ar_promise_date", "<=", until),
        ]
    )
    last = dict.fromkeys(moves.ids, (0, 0))
    if moves:
        env["ar.dunning.reminder"].flush_model()
        env["ar.dunning.reminder.line"].flush_model()
        rows = env.execute_query(
            SQL(
                """SELECT DISTINCT ON (l.move_id) l.move_id, COALESCE(r.level_id, 0),
                          COALESCE(r.collector_id, 0)
                     FROM ar_dunning_reminder_line l
                     JOIN ar_dunning_reminder r ON r.id = l.reminder_id
                     JOIN account_move m ON m.id = l.move_id
                    WHERE l.move_id = ANY(%s) AND r.date <= m.ar_promise_date
                    ORDER BY l.move_id, r.date DESC, r.id DESC""",
                array(moves.ids, "int4"),
            )
        )
        last.update({move_id: (level, collector) for move_id, level, collector in rows})
    collectors = {
        state.partner_id.id: state.collector_id.id
        for state in env["ar.dunning.state"].search(
            [("company_id", "=", company.id), ("partner_id", "in", moves.commercial_partner_id.ids)]
        )
    }
    frame = pd.DataFrame(
        [
            (
                move.ar_promise_date,
                move.ar_promise_status,
                last[move.id][0],
                last[move.id][1] or collectors.get(move.commercial_partner_id.id, 0),
            )
            for move in moves
        ],
        columns=["date", "status", "level_id", "collector_id"],
    )
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


EFFECT_COLUMNS = {
    "month": "date",
    "level_id": "int4",
    "collector_id": "int4",
    "reminders": "int4",
    "amount": "float8",
    "paid_7": "float8",
    "paid_14": "float8",
    "paid_30": "float8",
    "share_7": "float8",
    "share_14": "float8",
    "share_30": "float8",
    "days_to_pay": "float8",
    "promises": "int4",
    "kept": "int4",
    "broken": "int4",
    "kept_rate": "float8",
}


def write_effect(env, company, figures):
    """Replace the company's effectiveness rows (level and collector 0 stored as none)."""
    figures = figures.assign(
        level_id=figures["level_id"].replace(0, None),
        collector_id=figures["collector_id"].replace(0, None),
    )
    writer.replace(
        env,
        "ar.dunning.effect",
        SQL("company_id = %s", company.id),
        writer.typed_columns(figures, EFFECT_COLUMNS),
        constants={"company_id": company.id},
    )
