"""Contribution, ABC tiers, margin coverage, concentration, RFM and the value x risk
matrix (metrics.md section 5)."""

import ar_analytics_engine as engine
import numpy as np
import pandas as pd
import pytest

AS_OF = "2024-06-30"
SHARES = [0.50, 0.30, 0.10, 0.06, 0.03, 0.01]
VECTOR_TIERS = ["core", "core", "important", "important", "general", "general"]
SALES_COLUMNS = {
    "partner_id": "int64",
    "move_id": "int64",
    "move_type": object,
    "invoice_date": "datetime64[ns]",
    "revenue": "float64",
    "cost": "float64",
    "cost_source": object,
}


def sales_frame(rows):
    """A ``sales`` frame from dicts; defaults: one out_invoice line of move
    100 + row number dated 2024-05-01, cost known ('cogs') at 60% of revenue."""
    records = []
    for n, row in enumerate(rows):
        record = {
            "partner_id": 1,
            "move_id": 100 + n,
            "move_type": "out_invoice",
            "invoice_date": "2024-05-01",
            "revenue": 100.0,
            "cost_source": "cogs",
            **row,
        }
        record.setdefault("cost", 0.6 * record["revenue"])
        records.append(record)
    return pd.DataFrame(records, columns=list(SALES_COLUMNS)).astype(SALES_COLUMNS)


@pytest.mark.parametrize("scale", [1.0, 10_000.0, 0.01])
@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5], [5, 3, 1, 0, 4, 2]])
def test_tier_vector(scale, order):
    """Shares .50/.30/.10/.06/.03/.01 -> core, core, important, important, general,
    general, whatever the scale and the row order."""
    frame = sales_frame([{"partner_id": i + 1, "revenue": SHARES[i] * scale} for i in order])
    result = engine.contribution(frame, AS_OF)
    assert list(result.columns) == engine.contribution_columns()
    assert result.index.tolist() == [1, 2, 3, 4, 5, 6]
    assert result["tier"].tolist() == VECTOR_TIERS
    assert result["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert result["revenue_share"].tolist() == pytest.approx(SHARES)
    assert result["cum_share_before"].tolist() == pytest.approx([0, 0.5, 0.8, 0.9, 0.96, 0.99])


def test_custom_cutoffs():
    frame = sales_frame([{"partner_id": i + 1, "revenue": s} for i, s in enumerate(SHARES)])
    result = engine.contribution(frame, AS_OF, cutoffs=(0.5, 0.9))
    assert (
        result["tier"].tolist() == ["core", "important", "important", "general"] + ["general"] * 2
    )


@pytest.mark.parametrize("cutoffs", [(0.95, 0.80), (0, 0.9), (0.8, 1.2), (0.8,), "ab"])
def test_invalid_tier_cutoffs(cutoffs):
    with pytest.raises(ValueError, match="Customer tiers"):
        engine.contribution(sales_frame([{}]), AS_OF, cutoffs=cutoffs)


def test_ties_by_partner_id():
    """70 / 15 / 15: the tie goes to the lower partner id, which is core (before .70)
    while the other is important (before .85)."""
    frame = sales_frame(
        [
            {"partner_id": 7, "revenue": 15},
            {"partner_id": 1, "revenue": 70},
            {"partner_id": 3, "revenue": 15},
        ]
    )
    result = engine.contribution(frame, AS_OF)
    assert result.loc[[1, 3, 7], "tier"].tolist() == ["core", "core", "important"]
    assert result.loc[[1, 3, 7], "rank"].tolist() == [1, 2, 3]
    assert result.loc[[1, 3, 7], "cum_share_before"].tolist() == pytest.approx([0, 0.7, 0.85])


def test_nonpositive_revenue_is_general():
    """Partner 2: credit note only (R < 0); 3: invoice fully credited (R = 0);
    4: sales before the window only (R = 0); 5: invoice after as_of (absent)."""
    frame = sales_frame(
        [
            {"partner_id": 1, "revenue": 1_000},
            {"partner_id": 2, "revenue": -200, "move_type": "out_refund"},
            {"partner_id": 3, "revenue": 300},
            {"partner_id": 3, "revenue": -300, "move_type": "out_refund"},
            {"partner_id": 4, "revenue": 500, "invoice_date": "2023-06-30"},
            {"partner_id": 5, "revenue": 900, "invoice_date": "2024-07-01"},
        ]
    )
    result = engine.contribution(frame, AS_OF)
    assert result.index.tolist() == [1, 2, 3, 4]
    assert result["revenue"].tolist() == [1_000, -200, 0, 0]
    assert result["tier"].tolist() == ["core", "general", "general", "general"]
    assert result["revenue_share"].tolist() == pytest.approx([1.0, -0.2, 0.0, 0.0])
    assert result["rank"].tolist() == [1, 4, 2, 3]
    assert result.loc[2:4, "cum_share_before"].tolist() == pytest.approx([1.0] * 3)


def test_no_positive_revenue_leaves_shares_undefined():
    frame = sales_frame([{"partner_id": 1, "revenue": -50, "move_type": "out_refund"}])
    row = engine.contribution(frame, AS_OF).loc[1]
    assert np.isnan(row["revenue_share"])
    assert np.isnan(row["cum_share_before"])
    assert row["tier"] == "general"


def test_margin_unknown_is_nan_never_zero():
    """1: all costs known; 2: one line without cost (NaN); 3: source 'none';
    4: a standard (approximate) cost; 5: unknown cost only outside the window."""
    frame = sales_frame(
        [
            {"partner_id": 1, "revenue": 1_000, "cost": 600},
            {"partner_id": 1, "revenue": -100, "cost": -60, "move_type": "out_refund"},
            {"partner_id": 2, "revenue": 500, "cost": 100},
            {"partner_id": 2, "revenue": 400, "cost": np.nan, "cost_source": "none"},
            {"partner_id": 3, "revenue": 300, "cost": 100, "cost_source": "none"},
            {"partner_id": 4, "revenue": 200, "cost": 150, "cost_source": "standard"},
            {"partner_id": 4, "revenue": 100, "cost": 20, "cost_source": "sale_order"},
            {"partner_id": 5, "revenue": 100, "cost": 50},
            {"partner_id": 5, "revenue": 999, "cost": np.nan, "invoice_date": "2022-01-01"},
        ]
    )
    result = engine.contribution(frame, AS_OF)
    assert result.loc[1, "cost"] == 540
    assert result.loc[1, "margin"] == 360
    for partner in (2, 3):
        assert np.isnan(result.loc[partner, "cost"])
        assert np.isnan(result.loc[partner, "margin"])
        assert np.isnan(result.loc[partner, "margin_share"])
    assert result.loc[4, "margin"] == 130
    assert result["margin_approximate"].tolist() == [False, False, False, True, False]
    assert result.loc[5, "margin"] == 50
    known = 360 + 130 + 50
    assert result.loc[[1, 4, 5], "margin_share"].tolist() == pytest.approx(
        [360 / known, 130 / known, 50 / known]
    )
    positive = 900 + 900 + 300 + 300 + 100
    assert engine.margin_coverage(result) == pytest.approx((900 + 300 + 100) / positive)


def test_margin_share_undefined_when_known_margins_do_not_sum_positive():
    frame = sales_frame(
        [
            {"partner_id": 1, "revenue": 100, "cost": 150},
            {"partner_id": 2, "revenue": 100, "cost": 90},
            {"partner_id": 3, "revenue": 100, "cost": np.nan},
        ]
    )
    result = engine.contribution(frame, AS_OF)
    assert result["margin"].tolist()[:2] == [-50, 10]
    assert result["margin_share"].isna().all()
    assert engine.margin_coverage(result) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("rows", "coverage"),
    [
        ([], np.nan),
        ([{"revenue": -10, "move_type": "out_refund"}], np.nan),
        ([{"cost": np.nan}], 0.0),
        ([{}], 1.0),
    ],
)
def test_margin_coverage_edges(rows, coverage):
    result = engine.contribution(sales_frame(rows), AS_OF)
    value = engine.margin_coverage(result)
    if np.isnan(coverage):
        assert np.isnan(value)
    else:
        assert value == coverage


def test_window_bounds():
    """(as_of - 365 days, as_of] = (2023-07-01, 2024-06-30]: the start is out."""
    frame = sales_frame(
        [
            {"revenue": 1, "invoice_date": "2023-07-01"},
            {"revenue": 10, "invoice_date": "2023-07-02"},
            {"revenue": 100, "invoice_date": AS_OF},
        ]
    )
    assert engine.contribution(frame, AS_OF).loc[1, "revenue"] == 110
    assert engine.contribution(frame, AS_OF, window_days=730).loc[1, "revenue"] == 111


def test_concentration():
    """12 customers with revenue 12..1 (sum 78) plus one credit-note-only customer:
    top 10 = 75 / 78; top 20% = ceil(2.4) = 3 customers = 33 / 78."""
    rows = [{"partner_id": p, "revenue": float(13 - p)} for p in range(1, 13)]
    rows.append({"partner_id": 99, "revenue": -40, "move_type": "out_refund"})
    result = engine.contribution(sales_frame(rows), AS_OF)
    stats = engine.concentration(result)
    assert stats["customers"] == 12
    assert stats["top_n_share"] == pytest.approx(75 / 78)
    assert stats["top_fraction_customers"] == 3
    assert stats["top_fraction_share"] == pytest.approx(33 / 78)
    small = engine.concentration(result, top_n=2, top_fraction=0.5)
    assert small["top_n_share"] == pytest.approx(23 / 78)
    assert small["top_fraction_customers"] == 6


def test_concentration_without_revenue():
    stats = engine.concentration(engine.contribution(sales_frame([]), AS_OF))
    assert stats["customers"] == 0
    assert np.isnan(stats["top_n_share"])
    assert np.isnan(stats["top_fraction_share"])


def rfm_sales():
    """Recency (days) 10, 10, 40, 100; invoices in the window 1, 2, 2, 3; net
    revenue in the window 50, 80, 80, 300 (a credit note and an old invoice aside)."""
    return sales_frame(
        [
            # partner 1: one invoice 10 days ago
            {"partner_id": 1, "move_id": 1, "invoice_date": "2024-06-20", "revenue": 50},
            # partner 2: two invoices, the second one with two lines, and a credit note
            {"partner_id": 2, "move_id": 2, "invoice_date": "2024-01-10", "revenue": 80},
            {"partner_id": 2, "move_id": 3, "invoice_date": "2024-06-20", "revenue": 10},
            {"partner_id": 2, "move_id": 3, "invoice_date": "2024-06-20", "revenue": 10},
            {
                "partner_id": 2,
                "move_id": 4,
                "invoice_date": "2024-06-25",
                "revenue": -20,
                "move_type": "out_refund",
            },
            # partner 3: two invoices, last 40 days ago
            {"partner_id": 3, "move_id": 5, "invoice_date": "2024-03-01", "revenue": 30},
            {"partner_id": 3, "move_id": 6, "invoice_date": "2024-05-21", "revenue": 50},
            # partner 4: three invoices, last 100 days ago, one before the window
            {"partner_id": 4, "move_id": 7, "invoice_date": "2023-08-01", "revenue": 100},
            {"partner_id": 4, "move_id": 8, "invoice_date": "2024-01-15", "revenue": 100},
            {"partner_id": 4, "move_id": 9, "invoice_date": "2024-03-22", "revenue": 100},
            {"partner_id": 4, "move_id": 10, "invoice_date": "2022-01-01", "revenue": 700},
        ]
    )


def test_rfm_values_and_average_rank_ties():
    """Ranks with ties averaged, score = ceil(5 * rank / n), n = 4:
    recency 10, 10, 40, 100 (descending ranks 3.5, 3.5, 2, 1) -> 5, 5, 3, 2;
    frequency 1, 2, 2, 3 (ranks 1, 2.5, 2.5, 4) -> 2, 4, 4, 5;
    monetary 50, 80, 80, 300 (ranks 1, 2.5, 2.5, 4) -> 2, 4, 4, 5."""
    out = engine.rfm(rfm_sales(), AS_OF)
    assert out.index.tolist() == [1, 2, 3, 4]
    assert out["recency"].tolist() == [10, 10, 40, 100]
    assert out["frequency"].tolist() == [1, 2, 2, 3]
    assert out["monetary"].tolist() == [50, 80, 80, 300]
    assert out["r_score"].tolist() == [5, 5, 3, 2]
    assert out["f_score"].tolist() == [2, 4, 4, 5]
    assert out["m_score"].tolist() == [2, 4, 4, 5]
    contribution = engine.contribution(rfm_sales(), AS_OF)
    assert contribution.index.equals(out.index)
    assert contribution["revenue"].tolist() == out["monetary"].tolist()


def test_rfm_recency_over_all_history_and_credit_notes_only():
    frame = sales_frame(
        [
            {"partner_id": 1, "invoice_date": "2021-06-30"},
            {"partner_id": 2, "revenue": -10, "move_type": "out_refund"},
            {"partner_id": 3, "invoice_date": "2024-06-29"},
        ]
    )
    out = engine.rfm(frame, AS_OF)
    assert out.loc[1, "recency"] == 1_096
    assert out.loc[1, "frequency"] == 0
    assert out.loc[1, "monetary"] == 0
    assert np.isnan(out.loc[2, "recency"])
    assert np.isnan(out.loc[2, "r_score"])
    assert out.loc[[1, 3], "r_score"].tolist() == [3, 5]


def test_rfm_score_is_pandas_pct_rank_formula():
    rng = np.random.default_rng(5)
    n = 257
    frame = sales_frame(
        [
            {
                "partner_id": int(p),
                "move_id": i,
                "invoice_date": pd.Timestamp("2024-06-30") - pd.Timedelta(days=int(d)),
                "revenue": float(r),
            }
            for i, (p, d, r) in enumerate(
                zip(
                    rng.integers(1, 60, n),
                    rng.integers(0, 500, n),
                    rng.integers(1, 20, n) * 50,
                    strict=True,
                )
            )
        ]
    )
    out = engine.rfm(frame, AS_OF)
    for column, source, ascending in (
        ("r_score", "recency", False),
        ("f_score", "frequency", True),
        ("m_score", "monetary", True),
    ):
        pct = out[source].rank(method="average", pct=True, ascending=ascending)
        np.testing.assert_allclose(out[column], np.ceil(pct * 5 - 1e-9))
        assert set(out[column]) <= {1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    ("tier", "grade", "code", "label"),
    [
        ("core", "C", "escalate", "Key account at risk: escalate"),
        ("general", "D", "cash_in_advance", "Cash in advance"),
        ("core", None, "assess_key_account", "Key account not rated: assess credit"),
        ("important", np.nan, "assess", "Not rated: assess credit"),
    ],
)
def test_action_label(tier, grade, code, label):
    assert engine.action_label(tier, grade) == (code, label)


def test_action_matrix_is_complete():
    cells = {(t, g) for t in engine.TIERS for g in (*engine.GRADES, None)}
    assert set(engine.ACTION_MATRIX) == cells
    assert len({code for code, _label in engine.ACTION_MATRIX.values()}) == len(cells)
    with pytest.raises(ValueError):
        engine.action_label("vip", "A")
    with pytest.raises(ValueError):
        engine.action_label("core", "E")


def test_action_labels_vectorised():
    tiers = pd.Series(["core", "general", "important", "core", "vip"], index=[5, 6, 7, 8, 9])
    grades = ["C", "D", None, np.nan, "A"]
    codes = engine.action_labels(tiers, grades)
    assert codes.index.equals(tiers.index)
    assert codes.tolist() == ["escalate", "cash_in_advance", "assess", "assess_key_account", None]
    labels = engine.action_labels(tiers, grades, labels=True)
    assert labels.iloc[0] == "Key account at risk: escalate"
    every = [(t, g) for t, g in engine.ACTION_MATRIX]
    scalar = [engine.action_label(t, g)[0] for t, g in every]
    vector = engine.action_labels([t for t, _ in every], [g for _, g in every])
    assert vector.tolist() == scalar


def test_tiers_and_grades_combine():
    """contribution tiers x credit grades give one action per customer."""
    frame = sales_frame([{"partner_id": i + 1, "revenue": s} for i, s in enumerate(SHARES)])
    tiers = engine.contribution(frame, AS_OF)["tier"]
    grades = pd.Series(["A", "C", "B", None, "D", "D"], index=tiers.index)
    actions = engine.action_labels(tiers, grades)
    assert actions.tolist() == [
        "retain_grow",
        "escalate",
        "maintain",
        "assess",
        "cash_in_advance",
        "cash_in_advance",
    ]


def test_some_customers_ranked_among_the_others_summaries():
    """A refresh of some customers ranks their sales summary among the others' stored
    summaries: the same contribution and RFM as ranking everyone's lines; ranked among
    themselves alone, customer 2 would be 'core'."""
    frame = pd.concat(
        [
            rfm_sales(),
            sales_frame(
                [
                    {"partner_id": 5, "move_id": 20, "revenue": 5, "cost_source": "standard"},
                    {"partner_id": 6, "move_id": 21, "revenue": -30, "move_type": "out_refund"},
                    {"partner_id": 7, "move_id": 22, "revenue": 40, "cost": np.nan},
                ]
            ),
        ],
        ignore_index=True,
    )
    full = engine.contribution(frame, AS_OF, cutoffs=(0.5, 0.9))
    full_rfm = engine.rfm(frame, AS_OF)
    summary = engine.sales_summary(frame, AS_OF)
    assert summary.index.tolist() == full.index.tolist()
    some = [2, 5]
    mine = engine.sales_summary(frame[frame["partner_id"].isin(some)], AS_OF)
    others = summary.drop(index=some)
    combined = pd.concat([mine, others]).sort_index()
    pd.testing.assert_frame_equal(
        engine.contribution_ranks(combined, cutoffs=(0.5, 0.9)), full, check_dtype=False
    )
    pd.testing.assert_frame_equal(engine.rfm_ranks(combined, AS_OF), full_rfm, check_dtype=False)
    alone = engine.contribution_ranks(mine, cutoffs=(0.5, 0.9))
    assert full.loc[2, "tier"] == "important"
    assert alone.loc[2, "tier"] == "core"  # what ranking among themselves got wrong
    assert full.loc[5, "tier"] == "general"
    assert full.loc[6, "tier"] == "general" and np.isnan(full_rfm.loc[6, "recency"])
    assert np.isnan(full.loc[7, "margin"])
