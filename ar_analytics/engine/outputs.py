"""The refresh's figures under the names the database stores them.

metrics.md names some figures by their abbreviation (WADP, DBT, S1...), which the engine's
columns follow; the stored fields spell them out. They are renamed here, once: a figure the
engine computes under its stored name needs no entry, and the writer stores every column
that is a field of its table."""

import numpy as np

from .constants import SCORE_INDICATOR_NAMES

#: engine column -> stored name
STORED_NAMES = {
    "booked_open": "open_invoiced",
    "wadp": "payment_cycle_days",
    "wat": "terms_days",
    "wadl": "days_late",
    "dbt": "days_beyond_terms",
    "adl": "average_days_late",
    "bpdso": "best_possible_dso",
    "add": "average_days_delinquent",
    **{
        f"{prefix}{code[1:]}": f"{kind}_{name}"
        for code, name in SCORE_INDICATOR_NAMES.items()
        for prefix, kind in (("s", "score"), ("w", "weight"), ("p", "points"))
    },
    "score": "credit_score",
    "grade": "computed_grade",
    "wadl_trend": "days_late_trend",
    "cost": "cost_of_sales",
    "cum_share_before": "cumulative_share_before",
    "rank": "revenue_rank",
    "recency": "recency_days",
}
#: flag -> the stored figure whose presence it records (an undefined figure is shown
#: empty, never as 0)
FLAGS = {
    "has_balance": "percent_current",
    "has_open": "overdue_ratio",
    "has_behaviour": "payment_cycle_days",
    "has_adl": "average_days_late",
    "has_index": "payment_index",
    "has_collection": "collection_rate",
    "has_dso": "dso",
    "has_cei": "cei",
    "has_turnover": "ar_turnover",
    "has_margin": "margin",
    "has_trend": "days_late_trend",
    "has_recency": "recency_days",
}
#: the per-invoice figures of ``figures.move_figures`` that the invoice stores
MOVE_FIGURES = (
    "payment_date",
    "days_to_pay",
    "days_late",
    "paid_on_time",
    "cash_share",
    "pending_share",
    "credit_note_share",
    "writeoff_share",
)
#: per-invoice figure -> its field on the invoice
MOVE_FIELDS = {name: f"ar_{name}" for name in MOVE_FIGURES}
#: the score history keeps the computed grade as its ``grade``
HISTORY_NAMES = {"computed_grade": "grade"}


def stored_figures(figures):
    """Per customer (or company): the figures under their stored names, with their flags."""
    out = figures.rename(columns=STORED_NAMES)
    flags = {flag: out[name].notna() for flag, name in FLAGS.items() if name in out}
    return out.assign(**flags)


def history_figures(stored):
    """The rows of the score history from :func:`stored_figures` (the writer keeps the
    columns the history has)."""
    return stored.rename(columns=HISTORY_NAMES)


def stored_move_figures(moves):
    """Per invoice: its figures under the invoice's field names, *paid on time* as the
    field's selection (empty while unknown)."""
    out = moves[list(MOVE_FIGURES)].copy()
    on_time = out["paid_on_time"]
    out["paid_on_time"] = np.where(
        on_time.isna(), None, np.where(on_time.fillna(False), "on_time", "late")
    )
    return out.rename(columns=MOVE_FIELDS)
