"""Dunning levels (docs/metrics.md, Dunning): the test vector and the edge cases."""

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest

dn = engine.dunning
RUN = pd.Timestamp("2024-06-30")
LEVELS = pd.DataFrame(
    {
        "days": [-3, 7, 21, 45, 60],
        "email": [True, True, True, True, False],
        "letter": [False, False, True, True, False],
        "call": [False, False, False, False, False],
        "escalate": [False, False, False, False, True],
        "hold": [False, False, False, True, True],
    }
)
CUSTOMERS = {
    # partner: grade, tier
    1: ("B", "general"),
    2: ("B", "general"),
    3: ("A", "general"),
    4: ("D", "general"),
    5: ("B", "core"),
    6: ("B", "general"),
    7: ("B", "general"),
    8: ("B", "general"),
    9: ("B", "general"),
}
# partner, due, residual, reminded, excluded, broken, promise_until
ITEMS = [
    (1, "2024-06-20", 500.0, 0, False, False, None),
    (1, "2024-07-02", 300.0, 0, False, False, None),
    (2, "2024-05-01", 1000.0, 0, False, False, None),
    (3, "2024-06-20", 800.0, 0, False, False, None),
    (4, "2024-06-28", 400.0, 0, False, False, None),
    (5, "2024-06-20", 600.0, 0, False, False, None),
    (6, "2024-06-20", 700.0, 2, False, False, None),
    (7, "2024-06-01", 900.0, 0, True, False, None),
    (8, "2024-06-20", 700.0, 2, False, True, None),
    (9, "2024-06-01", 900.0, 0, False, False, "2024-07-05"),
]


def frames(items=ITEMS, customers=CUSTOMERS, **overrides):
    rows = [
        {
            "item_id": n + 1,
            "move_id": n + 101,
            "partner_id": partner,
            "due": pd.Timestamp(due),
            "residual": residual,
            # a level position in LEVELS as the days of that level
            "reminded_days": LEVELS["days"][reminded - 1] if reminded else np.nan,
            "reminded_on": pd.NaT,
            "excluded": excluded,
            "broken_on": RUN - pd.Timedelta(days=1) if broken else pd.NaT,
            "promise_until": pd.Timestamp(promise) if promise else pd.NaT,
        }
        for n, (partner, due, residual, reminded, excluded, broken, promise) in enumerate(items)
    ]
    items_frame = pd.DataFrame(rows) if rows else dn.empty_items()
    cust = pd.DataFrame(
        {
            "grade": {p: g for p, (g, _t) in customers.items()},
            "tier": {p: t for p, (_g, t) in customers.items()},
            "paused_until": pd.Series({p: pd.NaT for p in customers}, dtype="datetime64[ns]"),
            "last_date": pd.Series({p: pd.NaT for p in customers}, dtype="datetime64[ns]"),
            "has_email": {p: True for p in customers},
        }
    )
    for column, values in overrides.items():
        for partner, value in values.items():
            cust.loc[partner, column] = value
    return items_frame, cust


@pytest.fixture(scope="module")
def vector():
    items, customers = frames()
    return dn.decide(items, customers, LEVELS, RUN)


def test_vector_levels_and_sends(vector):
    out, _lines = vector
    expected = {1: 2, 2: 5, 3: 1, 4: 2, 5: 2, 6: 0, 7: 0, 8: 3, 9: 3}
    assert out["send_level"].to_dict() == expected
    sent = set(out.index[out["send"]])
    assert sent == {1, 2, 3, 4, 5, 8}


def test_vector_amounts_and_next_actions(vector):
    out, _lines = vector
    assert out.loc[1, "overdue_amount"] == 500.0
    assert out.loc[1, "amount_at_risk"] == 250.0
    assert out.loc[4, "amount_at_risk"] == 400.0
    assert out.loc[1, "next_action_date"] == pd.Timestamp("2024-07-09")
    assert out.loc[3, "next_action_date"] == pd.Timestamp("2024-07-04")
    assert out.loc[6, "next_action_date"] == pd.Timestamp("2024-07-11")
    assert pd.isna(out.loc[7, "next_action_date"])
    assert out.loc[9, "next_action_date"] == pd.Timestamp("2024-07-06")
    assert bool(out.loc[9, "paused"])
    # the last level has no next one
    assert pd.isna(out.loc[2, "next_action_date"])


def test_vector_channels(vector):
    out, _lines = vector
    assert out.loc[1, ["email", "letter", "call"]].tolist() == [True, False, False]
    assert out.loc[5, ["email", "letter", "call"]].tolist() == [False, False, True]
    assert out.loc[2, ["escalate", "hold", "email"]].tolist() == [True, True, False]
    assert not out.loc[6, ["email", "letter", "call", "escalate", "hold"]].any()


def test_vector_lines_each_item_at_its_own_level(vector):
    _out, lines = vector
    by_item = lines.set_index("item_id")
    assert sorted(lines["partner_id"].unique()) == [1, 2, 3, 4, 5, 8]
    assert by_item.loc[1, ["dpd", "level"]].tolist() == [10, 2]
    assert by_item.loc[2, ["dpd", "level"]].tolist() == [-2, 1]
    assert by_item.loc[9, "level"] == 3  # broken promise: next level
    assert 8 not in by_item.index  # disputed


def test_a_second_run_sends_nothing_more(vector):
    out, lines = vector
    items, customers = frames()
    listed = lines.set_index("item_id")["level"].map(lambda n: LEVELS["days"][n - 1])
    items["reminded_days"] = items["item_id"].map(listed).fillna(items["reminded_days"])
    items["reminded_on"] = items["item_id"].map(lambda i: RUN if i in listed.index else pd.NaT)
    again, again_lines = dn.decide(items, customers, LEVELS, RUN)
    assert not again["send"].any()
    assert again_lines.empty
    assert again.loc[1, "next_action_date"] == out.loc[1, "next_action_date"]


def test_reminded_today_waits_until_tomorrow():
    items, customers = frames(last_date={1: RUN})
    out, lines = dn.decide(items, customers, LEVELS, RUN)
    assert not out.loc[1, "send"]
    assert out.loc[1, "next_action_date"] == RUN + pd.Timedelta(days=1)
    assert 1 not in set(lines["partner_id"])


def test_manual_pause_and_missing_email():
    items, customers = frames(paused_until={1: pd.Timestamp("2024-07-01")}, has_email={3: False})
    out, _lines = dn.decide(items, customers, LEVELS, RUN)
    assert not out.loc[1, "send"] and out.loc[1, "next_action_date"] == pd.Timestamp("2024-07-02")
    assert out.loc[3, ["email", "letter", "no_email"]].tolist() == [False, True, True]


def test_offsets_never_reach_the_due_date():
    limits = dn.thresholds(LEVELS, [-30, 0, 7])
    assert limits[0].tolist() == [-3, 1, 1, 15, 30]
    assert limits[1].tolist() == [-3, 7, 21, 45, 60]
    assert limits[2].tolist() == [-3, 14, 28, 52, 67]
    assert (np.diff(limits, axis=1) >= 0).all()


def test_a_broken_promise_moves_up_once_and_open_amounts():
    items, customers = frames()
    out, _lines = dn.decide(items, customers, LEVELS, RUN)
    assert out.loc[1, "open_amount"] == 800.0
    assert out.loc[9, "promise_count"] == 1
    # reminded after the promise broke: no second move up
    items.loc[items["partner_id"] == 8, "reminded_on"] = RUN
    out, _lines = dn.decide(items, customers, LEVELS, RUN)
    assert out.loc[8, "send_level"] == 0


def test_nothing_to_do():
    items, customers = frames(items=[], customers={})
    out, lines = dn.decide(items, customers, LEVELS, RUN)
    assert out.empty and lines.empty


def test_validate_levels():
    assert dn.validate_levels([7, 21], [True, True]) == []
    assert dn.validate_levels([7, 7], [True, True]) == ["duplicate_days"]
    assert dn.validate_levels([21, 7], [True, True]) == ["decreasing_days"]
    assert dn.validate_levels([7], [False]) == ["no_action"]


def test_effectiveness_vector():
    eff = engine.dunning_effect
    reminders = pd.DataFrame(
        {
            "reminder_id": [1],
            "date": [pd.Timestamp("2024-06-01")],
            "level_id": [2],
            "collector_id": [5],
        }
    )
    lines = pd.DataFrame({"reminder_id": [1, 1], "item_id": [10, 11], "residual": [600.0, 400.0]})
    cash = pd.DataFrame(
        {
            "item_id": [10, 11],
            "pay_date": pd.to_datetime(["2024-06-05", "2024-06-20"]),
            "value": [300.0, 400.0],
        }
    )
    promises = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-06-10", "2024-06-12", "2024-06-28"]),
            "level_id": [2, 2, 2],
            "collector_id": [5, 5, 5],
            "status": ["kept", "broken", "pending"],
        }
    )
    row = eff.effectiveness(reminders, lines, cash, promises).iloc[0]
    assert row["month"] == pd.Timestamp("2024-06-01")
    assert row["reminders"] == 1 and row["amount"] == 1000.0
    assert (row["share_7"], row["share_14"], row["share_30"]) == pytest.approx((0.3, 0.3, 0.7))
    assert row["days_to_pay"] == 4
    assert (row["promises"], row["kept"], row["broken"]) == (3, 1, 1)
    assert row["kept_rate"] == 0.5


def test_effectiveness_caps_at_the_reminded_amount_and_ignores_earlier_cash():
    eff = engine.dunning_effect
    reminders = pd.DataFrame(
        {
            "reminder_id": [1],
            "date": [pd.Timestamp("2024-06-01")],
            "level_id": [1],
            "collector_id": [0],
        }
    )
    lines = pd.DataFrame({"reminder_id": [1], "item_id": [10], "residual": [100.0]})
    cash = pd.DataFrame(
        {
            "item_id": [10, 10],
            "pay_date": pd.to_datetime(["2024-05-30", "2024-06-03"]),
            "value": [50.0, 500.0],
        }
    )
    empty = pd.DataFrame(columns=["date", "level_id", "collector_id", "status"])
    empty["date"] = pd.to_datetime(empty["date"])
    row = eff.effectiveness(reminders, lines, cash, empty).iloc[0]
    assert row["share_7"] == 1.0
    assert row["days_to_pay"] == 2
    assert np.isnan(row["kept_rate"])


def test_effectiveness_of_nothing_is_empty():
    eff = engine.dunning_effect
    reminders = pd.DataFrame(
        {
            "reminder_id": pd.Series(dtype="int64"),
            "date": pd.Series(dtype="datetime64[ns]"),
            "level_id": pd.Series(dtype="int64"),
            "collector_id": pd.Series(dtype="int64"),
        }
    )
    lines = pd.DataFrame(columns=["reminder_id", "item_id", "residual"])
    cash = pd.DataFrame(columns=["item_id", "pay_date", "value"])
    promises = pd.DataFrame(columns=["date", "level_id", "collector_id", "status"])
    out = eff.effectiveness(reminders, lines, cash, promises)
    assert out.empty and list(out.columns) == eff.COLUMNS
