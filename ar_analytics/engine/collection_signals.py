"""How the collection run stores the signals it finds (metrics.md section 7): per customer
and signal on, its severity, evidence figures, amount at risk, value, threshold and event
(:data:`DESCRIPTIONS`, :func:`found_signals`), the broken promises to pay
(:func:`broken_promises`) and each customer's worst severity (:func:`worst_severity`).
Every figure here is one customer's."""

from typing import NamedTuple

import numpy as np
import pandas as pd

from . import signals
from .constants import SEVERITY_ALERT, SEVERITY_NONE, SEVERITY_RANK

BROKEN_PROMISE = "broken_promise"


def _number(value):
    return float(value) if value is not None and np.isfinite(value) else None


def _column(suffix, convert=None):
    """A reader of the signal's ``<signal>_<suffix>`` column (None when empty)."""
    return lambda get, settings: (convert or (lambda value: value))(get(suffix))


def _threshold(name):
    """A reader of the company's threshold ``name`` (:class:`signals.SignalThresholds`)."""
    return lambda get, settings: getattr(settings.thresholds, name)


def _fixed(value):
    return lambda get, settings: value


def _day(value):
    return str(pd.Timestamp(value).date())


def _bucket_id(get, settings):
    return settings.bucket_ids.get(str(get("bucket")))


def _grades(get, settings):
    return f"{get('before')}>{get('now')}"


class Description(NamedTuple):
    """How a signal of :func:`signals.customer_signals` is stored: its evidence figures
    ({key: reader}; worded when read, in the reader's language), its value, its threshold
    and its event (what identifies it while it stays on); each a reader ``(get, settings)``
    of the customer's row."""

    evidence: dict
    value: object
    threshold: object
    event: object = _fixed("")


_COUNT = _column("count", int)
_AMOUNT = _column("amount", _number)
DESCRIPTIONS = {
    "due_soon": Description(
        {"count": _COUNT, "amount": _AMOUNT, "date": _column("date", _day)},
        _column("count"),
        _threshold("due_soon_days"),
        _column("date", _day),
    ),
    "new_overdue": Description({"count": _COUNT, "amount": _AMOUNT}, _column("count"), _fixed(0.0)),
    "bucket_move": Description(
        {
            "count": _COUNT,
            "amount": _AMOUNT,
            "bucket": _column("bucket", str),
            "bucket_id": _bucket_id,
        },
        _column("count"),
        _threshold("alert_bucket_days"),
        _column("bucket", str),
    ),
    "days_late_jump": Description(
        {
            "wadl": _column("wadl", _number),
            "z": _column("z", _number),
            "method": _column("method"),
            "months": _column("months", lambda value: int(value or 0)),
        },
        _column("wadl"),
        _threshold("jump_warn_z"),
    ),
    "ewma_drift": Description(
        {"value": _column("value", _number), "limit": _column("ucl", _number)},
        _column("value"),
        _column("ucl", _number),
    ),
    "cusum": Description(
        {"value": _column("value", _number), "limit": _threshold("cusum_h")},
        _column("value"),
        _threshold("cusum_h"),
    ),
    "index_drop": Description(
        {key: _column(key, _number) for key in ("short", "long", "change")},
        _column("change"),
        _threshold("index_drop_warn"),
    ),
    "overdue_share": Description(
        {key: _column(key, _number) for key in ("now", "before")},
        _column("change"),
        _threshold("overdue_share_rise"),
    ),
    "credit_utilisation": Description(
        {key: _column(key, _number) for key in ("exposure", "limit", "ratio")},
        _column("ratio"),
        _threshold("utilisation_warn"),
    ),
    "grade_downgrade": Description(
        {"before": _column("before"), "now": _column("now")}, _fixed(None), _fixed(None), _grades
    ),
}


def _getter(name, row):
    def get(suffix):
        value = row[f"{name}_{suffix}"]
        return None if pd.isna(value) else value

    return get


def found_signals(frame, settings):
    """{(partner, signal): values} of the signals on in ``frame`` (the customer without a
    partner left out): severity, evidence figures, amount at risk, value, threshold and
    event, as :data:`DESCRIPTIONS` reads them."""
    found = {}
    frame = frame.loc[(frame.index != 0) & (frame["severity"] != SEVERITY_NONE)]
    for name in signals.SIGNALS:
        description = DESCRIPTIONS[name]
        on = frame.loc[frame[name] != SEVERITY_NONE]
        for partner_id, row in on.iterrows():
            get = _getter(name, row)
            found[int(partner_id), name] = {
                "severity": row[name],
                "evidence_data": {
                    key: read(get, settings) for key, read in description.evidence.items()
                },
                "amount_at_risk": float(row[f"{name}_at_risk"]),
                "value": description.value(get, settings),
                "threshold": description.threshold(get, settings),
                "event": description.event(get, settings),
            }
    return found


def broken_promises(promises, settings):
    """{(partner, "broken_promise"): values}: per customer, the invoices whose promise to pay
    was broken (``promises``: partner_id, move_id and unpaid amount, one row per invoice),
    their count and unpaid amount; an amount under the minimum amount is not raised."""
    per_customer = {}
    if promises is not None:
        rows = promises[["partner_id", "move_id", "unpaid"]].itertuples(index=False)
        # summed in the order read: a float sum depends on it
        for partner_id, move_id, unpaid in rows:
            count, amount, ids = per_customer.get(int(partner_id), (0, 0.0, []))
            per_customer[int(partner_id)] = (
                count + 1,
                amount + float(unpaid),
                [*ids, int(move_id)],
            )
    t = settings.thresholds
    return {
        (partner_id, BROKEN_PROMISE): {
            "severity": SEVERITY_ALERT,
            "evidence_data": {"count": count, "amount": amount},
            "amount_at_risk": amount,
            "value": count,
            "threshold": settings.promise_grace_days,
            "event": ",".join(map(str, sorted(ids))),
        }
        for partner_id, (count, amount, ids) in per_customer.items()
        if amount >= t.min_amount - signals.SIGNAL_TOLERANCE
    }


def worst_severity(found):
    """{partner: the worst severity of its signals on}."""
    worst = {}
    for (partner_id, _name), values in found.items():
        rank = SEVERITY_RANK[values["severity"]]
        worst[partner_id] = max(worst.get(partner_id, 0), rank)
    labels = {rank: severity for severity, rank in SEVERITY_RANK.items()}
    return {partner_id: labels[rank] for partner_id, rank in worst.items()}
