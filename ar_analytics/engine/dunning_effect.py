"""How well dunning collects (docs/metrics.md, *Collection effectiveness*): per month of the
reminders, level and collector, what was reminded and how much of it was paid within 7, 14 and
30 days; the promises to pay made, kept and broken. Frames in, one frame out.

- ``reminders``: ``reminder_id``, ``date``, ``level_id``, ``collector_id`` (0: none);
- ``lines``: ``reminder_id``, ``item_id``, ``residual`` (the amount due when reminded);
- ``cash``: the cash allocations of the listed items: ``item_id``, ``pay_date``, ``value``
  (company currency, positive for a payment of a receivable);
- ``promises``: ``date`` (promised payment date), ``level_id``, ``collector_id``, ``status``
  (``pending``, ``kept``, ``broken``).
"""

import numpy as np
import pandas as pd

WINDOWS = (7, 14, 30)
KEYS = ["month", "level_id", "collector_id"]
COLUMNS = [
    *KEYS,
    "reminders",
    "amount",
    *(f"paid_{days}" for days in WINDOWS),
    *(f"share_{days}" for days in WINDOWS),
    "days_to_pay",
    "promises",
    "kept",
    "broken",
    "kept_rate",
]


def _month(dates):
    return pd.to_datetime(dates).dt.to_period("M").dt.to_timestamp()


def paid_within(reminders, lines, cash):
    """Per reminder: ``amount`` reminded, ``paid_<N>`` (cash to its items within N days
    after the reminder, each item capped at its reminded residual) and ``days_to_pay`` (to
    the first cash allocation of one of its items after the reminder; NaN if none)."""
    listed = lines.merge(reminders[["reminder_id", "date"]], on="reminder_id")
    paid = listed.merge(cash, on="item_id")
    paid["days"] = (pd.to_datetime(paid["pay_date"]) - pd.to_datetime(paid["date"])).dt.days
    paid = paid.loc[paid["days"] > 0]
    out = pd.DataFrame(index=pd.Index(reminders["reminder_id"], name="reminder_id"))
    out["amount"] = listed.groupby("reminder_id")["residual"].sum()
    for days in WINDOWS:
        within = paid.loc[paid["days"] <= days]
        per_item = within.groupby(["reminder_id", "item_id"]).agg(
            value=("value", "sum"), residual=("residual", "first")
        )
        capped = np.minimum(per_item["value"], per_item["residual"])
        out[f"paid_{days}"] = capped.groupby(level="reminder_id").sum()
    out["days_to_pay"] = paid.groupby("reminder_id")["days"].min()
    fill = {"amount": 0.0, **{f"paid_{days}": 0.0 for days in WINDOWS}}
    return out.fillna(fill)


def effectiveness(reminders, lines, cash, promises):
    """The effectiveness rows (:data:`COLUMNS`), one per month, level and collector."""
    per_reminder = paid_within(reminders, lines, cash).reset_index()
    sent = reminders.assign(month=_month(reminders["date"])).merge(per_reminder, on="reminder_id")
    sums = {"amount": "sum", **{f"paid_{days}": "sum" for days in WINDOWS}}
    grouped = sent.groupby(KEYS)
    out = grouped.agg(sums)
    out["reminders"] = grouped.size()
    out["days_to_pay"] = grouped["days_to_pay"].median()
    for days in WINDOWS:
        out[f"share_{days}"] = out[f"paid_{days}"] / out["amount"].where(out["amount"] > 0)
    made = promises.assign(month=_month(promises["date"]))
    counts = made.groupby(KEYS)["status"].agg(
        promises="size",
        kept=lambda s: int((s == "kept").sum()),
        broken=lambda s: int((s == "broken").sum()),
    )
    out = out.join(counts, how="outer")
    out[["reminders", "promises", "kept", "broken"]] = (
        out[["reminders", "promises", "kept", "broken"]].fillna(0).astype(int)
    )
    out[["amount", *(f"paid_{d}" for d in WINDOWS)]] = out[
        ["amount", *(f"paid_{d}" for d in WINDOWS)]
    ].fillna(0.0)
    decided = out["kept"] + out["broken"]
    out["kept_rate"] = out["kept"] / decided.where(decided > 0)
    return out.reset_index()[COLUMNS]
