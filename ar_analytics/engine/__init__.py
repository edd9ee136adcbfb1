"""Receivables analytics engine: pure pandas/numpy, frames in, frames out.

Implements sections 0-7 of metrics.md (allocation kinds, settlement, aging, payment
behaviour, payment index, collection KPIs, DSO, best possible DSO, ADD, CEI, AR
turnover, credit score and rules, contribution, trend, forecast, expected payments and
risk signals) on the ``items`` and ``allocs`` frames of engine_contract.md.  It never
imports odoo and does no I/O; modules import each other relatively only, so the
package can be loaded from its path without the addon.
"""

from .aging import (
    Bucket,
    aging,
    aging_by_currency,
    assign_buckets,
    open_items,
    bucket_columns,
    validate_buckets,
)
from .backtest import (
    backtest_grades,
    backtest_predictors,
    rank_correlations,
    spearman,
    suggest_weights,
    weight_grid,
)
from .behaviour import index_curve, observations, payment_behaviour, payment_index
from . import credit_rules, expected, forecast, signals, trend
from .contribution import (
    action_label,
    action_labels,
    concentration,
    contribution,
    contribution_columns,
    contribution_ranks,
    margin_coverage,
    rfm,
    rfm_ranks,
    sales_summary,
)
from . import constants
from .constants import (
    ALLOCATION_KINDS,
    DEFAULT_BUCKETS,
    DEFAULT_WINDOW_DAYS,
    INDEX_CURVE_X,
    INDEX_CURVE_Y,
    KIND_ADJUSTMENT,
    KIND_CASH,
    KIND_CREDIT_NOTE,
    KIND_FX,
    KIND_PENDING,
)
from .constants import (
    ACTION_MATRIX,
    DEFAULT_GRADE_CUTOFFS,
    DEFAULT_SCORE_WEIGHTS,
    DEFAULT_TIER_CUTOFFS,
    GRADE_POLICIES,
    GRADES,
    SCORE_INDICATORS,
    TIERS,
)
from .figures import compute_all, figure_columns, move_figures, partner_figures
from .kpi import (
    ar_balances,
    ar_turnover,
    cei,
    cei_dates,
    cei_figures,
    collection_rates,
    countback,
    current_ar,
    current_ar_at,
    dso_countback,
    dso_figures,
    dso_simple,
    month_days,
    monthly_cei,
    monthly_sales,
    net_sales,
    turnover_dates,
)
from .score import (
    credit_scores,
    grade_from_score,
    score_columns,
    score_from_indicators,
    score_indicators,
    validate_score_settings,
    wadl_trend,
)
from .settlement import classify_allocations, prepare_frames, settle, settle_prepared

__all__ = [
    "ACTION_MATRIX",
    "ALLOCATION_KINDS",
    "DEFAULT_BUCKETS",
    "DEFAULT_GRADE_CUTOFFS",
    "DEFAULT_SCORE_WEIGHTS",
    "DEFAULT_TIER_CUTOFFS",
    "DEFAULT_WINDOW_DAYS",
    "GRADES",
    "GRADE_POLICIES",
    "INDEX_CURVE_X",
    "INDEX_CURVE_Y",
    "KIND_ADJUSTMENT",
    "KIND_CASH",
    "KIND_CREDIT_NOTE",
    "KIND_FX",
    "KIND_PENDING",
    "SCORE_INDICATORS",
    "TIERS",
    "Bucket",
    "action_label",
    "action_labels",
    "aging",
    "aging_by_currency",
    "ar_balances",
    "ar_turnover",
    "assign_buckets",
    "backtest_grades",
    "backtest_predictors",
    "bucket_columns",
    "cei",
    "cei_dates",
    "cei_figures",
    "classify_allocations",
    "collection_rates",
    "compute_all",
    "concentration",
    "contribution",
    "contribution_columns",
    "contribution_ranks",
    "countback",
    "credit_rules",
    "credit_scores",
    "current_ar",
    "current_ar_at",
    "dso_countback",
    "dso_figures",
    "dso_simple",
    "expected",
    "figure_columns",
    "forecast",
    "grade_from_score",
    "index_curve",
    "margin_coverage",
    "month_days",
    "monthly_cei",
    "monthly_sales",
    "move_figures",
    "net_sales",
    "observations",
    "open_items",
    "partner_figures",
    "payment_behaviour",
    "payment_index",
    "prepare_frames",
    "rank_correlations",
    "rfm",
    "rfm_ranks",
    "sales_summary",
    "score_columns",
    "score_from_indicators",
    "score_indicators",
    "settle",
    "settle_prepared",
    "signals",
    "spearman",
    "suggest_weights",
    "trend",
    "turnover_dates",
    "validate_buckets",
    "validate_score_settings",
    "wadl_trend",
    "weight_grid",
]
from . import pipeline
from . import collection
from . import dunning
from . import dunning_effect
