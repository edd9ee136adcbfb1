"""Dunning: which level each customer reaches and what to send (docs/metrics.md, *Dunning*).

Frames in, frames out. Levels are numbered 1..n in the policy's order; 0 is "no level".

- ``items``: the open items as :func:`engine.settle` gives them (``item_id``, ``move_id``,
  ``partner_id``, ``due``, ``residual``) plus ``excluded`` (disputed), ``reminded_days``
  (days of the highest level the item was listed at, NaN if never), ``reminded_on`` (its last
  reminder, NaT if never), ``broken_on`` (the day its promise to pay broke, NaT if none) and
  ``promise_until`` (end of a pending promise, NaT if none);
- ``customers``: indexed by partner_id: ``grade``, ``tier``, ``paused_until``,
  ``last_date`` (last reminder), ``has_email``;
- ``levels``: one row per level in order: ``days``, ``email``, ``letter``, ``call``,
  ``escalate``, ``hold``.
"""

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._util import as_timestamp
from .constants import (
    DUNNING_CALL_FIRST_TIERS,
    DUNNING_GRADE_OFFSETS,
    DUNNING_GRADE_WEIGHTS,
    ZERO_TOLERANCE,
)

ACTIONS = ("email", "letter", "call", "escalate", "hold")
ITEM_COLUMNS = ("item_id", "move_id", "partner_id", "due", "residual")
CUSTOMER_COLUMNS = (
    "level",
    "send_level",
    "send",
    "paused",
    "overdue_amount",
    "amount_at_risk",
    "next_action_date",
    "no_email",
    "open_amount",
    "promise_count",
    *ACTIONS,
)


@dataclass(frozen=True)
class Settings:
    """A company's dunning settings besides its levels."""

    grade_offsets: dict = field(default_factory=lambda: dict(DUNNING_GRADE_OFFSETS))
    call_first_tiers: tuple = DUNNING_CALL_FIRST_TIERS
    grade_weights: dict = field(default_factory=lambda: dict(DUNNING_GRADE_WEIGHTS))


def validate_levels(days, actions):
    """The codes of what is wrong with a policy (the model words them in the user's
    language): ``days`` of the levels in order and, per level, whether any action is set."""
    errors = []
    if len(set(days)) != len(days):
        errors.append("duplicate_days")
    elif any(b <= a for a, b in itertools.pairwise(days)):
        errors.append("decreasing_days")
    if not all(actions):
        errors.append("no_action")
    return errors


def thresholds(levels, offsets):
    """Days past due at which each level is reached, one row per offset: overdue levels
    (days > 0) move by the offset but never to or before the due date."""
    days = levels["days"].to_numpy(dtype=float)
    moved = np.maximum(days[None, :] + np.asarray(offsets, dtype=float)[:, None], 1.0)
    return np.where(days[None, :] > 0, moved, days[None, :])


def decide(items, customers, levels, run_date, settings=None):
    """Per customer what it reached and what to send at ``run_date``; and the items listed.

    Returns ``(customers, lines)``: ``customers`` indexed by partner_id with
    :data:`CUSTOMER_COLUMNS` (``level`` reached, 0..n; ``send_level`` of the communication,
    0 when none is sent; the actions after the call-first and no-email rules); ``lines``:
    the items listed in the communications (``item_id``, ``move_id``, ``partner_id``,
    ``dpd``, ``residual``, ``level`` each item is reminded at).
    """
    settings = settings or Settings()
    run_date = as_timestamp(run_date)
    count = len(levels)
    counted = _counted(_reminded(items, levels))
    grades = customers["grade"].reindex(counted["partner_id"]).to_numpy()
    offsets = [settings.grade_offsets.get(g, 0) for g in grades]
    limits = thresholds(levels, offsets) if count else np.zeros((len(counted), 0))
    dpd = (run_date - counted["due"]).dt.days.to_numpy(dtype=float)
    reached = (limits <= dpd[:, None]).sum(axis=1)
    reminded = counted["reminded"].to_numpy(dtype=int)
    bumped = np.minimum(reminded + 1, count)
    reached = np.where(counted["broken"].to_numpy(dtype=bool), np.maximum(reached, bumped), reached)
    counted = counted.assign(dpd=dpd, reached=reached)
    counted["trigger"] = counted["reached"] > counted["reminded"]
    counted["next_date"] = _next_dates(counted, limits, count)
    out = _per_customer(counted, customers, run_date, settings)
    out = _actions(out, counted, customers, levels, settings)
    promised = counted.loc[counted["promise_until"] >= run_date]
    # disputed items included: the periodic statement lists them
    open_items = items.loc[items["residual"] >= ZERO_TOLERANCE]
    out["open_amount"] = open_items.groupby("partner_id")["residual"].sum()
    out["promise_count"] = promised.groupby("partner_id")["move_id"].nunique()
    out[["open_amount", "promise_count"]] = out[["open_amount", "promise_count"]].fillna(0)
    listed = counted.loc[counted["reached"] > 0]
    listed = listed.loc[listed["partner_id"].isin(out.index[out["send"]])]
    lines = listed.assign(level=np.maximum(listed["reached"], listed["reminded"]))[
        ["item_id", "move_id", "partner_id", "dpd", "residual", "level"]
    ]
    return out[list(CUSTOMER_COLUMNS)], lines.reset_index(drop=True)


def _reminded(items, levels):
    """``reminded`` (the position of the highest level an item was listed at, 0 if never,
    by the levels' days now) and ``broken`` (its promise broke and it was not reminded
    since: a broken promise moves an item up one level, once)."""
    days = levels["days"].to_numpy(dtype=float)
    listed = items["reminded_days"].to_numpy(dtype=float)
    position = np.searchsorted(days, np.nan_to_num(listed, nan=-np.inf), side="right")
    since = pd.to_datetime(items["reminded_on"]) > pd.to_datetime(items["broken_on"])
    return items.assign(
        reminded=np.where(np.isnan(listed), 0, position),
        broken=items["broken_on"].notna() & ~since,
    )


def _counted(items):
    open_positive = items["residual"] >= ZERO_TOLERANCE
    counted = items.loc[open_positive & ~items["excluded"].astype(bool)].copy()
    return counted.sort_values(["partner_id", "due", "item_id"], kind="stable").reset_index(
        drop=True
    )


def _next_dates(counted, limits, count):
    """The date each item reaches its next level (NaT at the last level)."""
    following = np.maximum(counted["reached"], counted["reminded"]).to_numpy()
    has_next = following < count
    rows = np.arange(len(counted))
    days = np.full(len(counted), np.nan)
    days[has_next] = limits[rows[has_next], following[has_next]]
    return counted["due"] + pd.to_timedelta(days, unit="D")


def _per_customer(counted, customers, run_date, settings):
    by = counted.groupby("partner_id")
    out = pd.DataFrame(index=customers.index.union(pd.Index(by.size().index)))
    out.index.name = "partner_id"
    out["level"] = by["reached"].max().reindex(out.index).fillna(0).astype(int)
    triggering = counted.loc[counted["trigger"]]
    out["send_level"] = triggering.groupby("partner_id")["reached"].max()
    out["send_level"] = out["send_level"].reindex(out.index).fillna(0).astype(int)
    overdue = counted["residual"].where(counted["dpd"] > 0, 0.0)
    out["overdue_amount"] = overdue.groupby(counted["partner_id"]).sum()
    out["overdue_amount"] = out["overdue_amount"].reindex(out.index).fillna(0.0)
    grades = customers["grade"].reindex(out.index)
    weights = grades.map(settings.grade_weights).fillna(1.0).astype(float)
    out["amount_at_risk"] = out["overdue_amount"] * weights
    promise = counted.groupby("partner_id")["promise_until"].max().reindex(out.index)
    manual = customers["paused_until"].reindex(out.index)
    pause_end = pd.concat([promise, manual], axis=1).max(axis=1)
    out["paused"] = pause_end >= run_date
    last = customers["last_date"].reindex(out.index)
    today_done = last >= run_date
    out["send"] = (out["send_level"] > 0) & ~out["paused"] & ~today_done
    next_action = by["next_date"].min().reindex(out.index)
    next_action = next_action.where(~(today_done & (out["send_level"] > 0)), run_date + _DAY)
    out["next_action_date"] = next_action.where(~out["paused"], pause_end + _DAY)
    return out


_DAY = pd.Timedelta(days=1)


def _actions(out, counted, customers, levels, settings):
    """The level's actions of each customer sent to, after the tier and email rules."""
    for action in ACTIONS:
        flags = np.append([False], levels[action].to_numpy(dtype=bool)) if len(levels) else []
        values = np.asarray(flags)[out["send_level"].to_numpy()] if len(levels) else False
        out[action] = np.asarray(values, dtype=bool) & out["send"].to_numpy()
    listed = counted.loc[counted["reached"] > 0]
    known = listed.groupby("partner_id")["reminded"].max().reindex(out.index).fillna(0)
    tiers = customers["tier"].reindex(out.index)
    first_call = out["send"] & (known == 0) & tiers.isin(settings.call_first_tiers)
    out.loc[first_call, ["email", "letter"]] = False
    out.loc[first_call, "call"] = True
    has_email = customers["has_email"].reindex(out.index).fillna(False).astype(bool)
    out["no_email"] = out["email"] & ~has_email
    out.loc[out["no_email"], "email"] = False
    out.loc[out["no_email"], "letter"] = True
    return out


def empty_items():
    """An items frame with no row and the columns :func:`decide` reads."""
    frame = pd.DataFrame({name: pd.Series(dtype="int64") for name in ITEM_COLUMNS})
    frame["due"] = pd.Series(dtype="datetime64[ns]")
    frame["residual"] = pd.Series(dtype=float)
    frame["excluded"] = pd.Series(dtype=bool)
    frame["reminded_days"] = pd.Series(dtype=float)
    for name in ("reminded_on", "broken_on", "promise_until"):
        frame[name] = pd.Series(dtype="datetime64[ns]")
    return frame
