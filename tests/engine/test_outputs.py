"""The refresh's figures under their stored names (engine.outputs)."""

import numpy as np
import pandas as pd
from ar_analytics_engine import outputs


def test_abbreviations_are_spelled_out_and_flags_record_what_is_known():
    figures = pd.DataFrame(
        {
            "wadp": [12.5, np.nan],
            "s1": [80.0, np.nan],
            "grade": ["A", None],
            "total_ar": [1.0, 0.0],
        },
        index=pd.Index([7, 8], name="partner_id"),
    )
    stored = outputs.stored_figures(figures)
    assert list(stored.columns[:4]) == [
        "payment_cycle_days",
        "score_index",
        "computed_grade",
        "total_ar",
    ]
    assert stored["has_behaviour"].tolist() == [True, False]
    # no flag for a figure the frame does not have (a company row has no margin)
    assert "has_margin" not in stored
    history = outputs.history_figures(stored)
    assert history["grade"].iloc[0] == "A" and pd.isna(history["grade"].iloc[1])


def test_invoice_figures_under_the_invoice_fields():
    moves = pd.DataFrame(
        {
            **{name: [1.0, 2.0, 3.0] for name in outputs.MOVE_FIGURES},
            "paid_on_time": pd.array([True, False, pd.NA], dtype="boolean"),
            "residual": [0.0, 0.0, 5.0],
        },
        index=pd.Index([1, 2, 3], name="move_id"),
    )
    stored = outputs.stored_move_figures(moves)
    assert list(stored.columns) == [f"ar_{name}" for name in outputs.MOVE_FIGURES]
    assert stored["ar_paid_on_time"].iloc[:2].tolist() == ["on_time", "late"]
    assert pd.isna(stored["ar_paid_on_time"].iloc[2])


def test_every_renamed_figure_has_one_stored_name():
    assert len(set(outputs.STORED_NAMES.values())) == len(outputs.STORED_NAMES)
    assert set(outputs.FLAGS.values()) <= {
        *outputs.STORED_NAMES.values(),
        "percent_current",
        "overdue_ratio",
        "payment_index",
        "collection_rate",
        "dso",
        "cei",
        "ar_turnover",
        "margin",
    }
